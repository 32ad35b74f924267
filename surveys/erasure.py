"""Erasing a resident's response with their code (UK GDPR right to erasure).

The code is the invitation code from the resident's letter or e-mail, or the code they
were given to continue later. Erasure deletes the response's answers and the response
itself, keeps an audit entry that says a response was erased (never which answers, nor
the code), and asks results to reweight the survey when a complete response went.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from surveys.audit import audit_log
from surveys.codes import code_hash, code_normalise
from surveys.errors import CodeRejected
from surveys.models import Answer, Invitation, Response, Survey

UNKNOWN_CODE = "We do not recognise that code. Check it and try again."
NOTHING_TO_ERASE = "There are no answers for that code, so there is nothing to erase."


@dataclass(frozen=True)
class ErasureTarget:
    survey: Survey
    is_complete: bool


def _response_for_code(code: str, *, lock: bool = False) -> Response:
    if not code_normalise(code):
        raise CodeRejected(UNKNOWN_CODE)
    digest = code_hash(code)
    responses = Response.objects.select_related("survey__council")
    if lock:
        responses = responses.select_for_update(of=("self",))
    invitation = Invitation.objects.filter(code_hash=digest).first()
    if invitation is not None:
        response = responses.filter(invitation=invitation).first()
        if response is None:
            raise CodeRejected(NOTHING_TO_ERASE)
        return response
    response = responses.filter(resume_code_hash=digest).exclude(resume_code_hash="").first()
    if response is None:
        raise CodeRejected(UNKNOWN_CODE)
    return response


def erasure_preview(*, code: str) -> ErasureTarget:
    """What erasing with this code would remove, for the confirmation page."""
    response = _response_for_code(code)
    return ErasureTarget(survey=response.survey, is_complete=response.is_complete)


def response_erase(*, code: str) -> ErasureTarget:
    """Delete the response a code opens, with its answers; raises CodeRejected."""
    from results.services import survey_responses_changed

    with transaction.atomic():
        response = _response_for_code(code, lock=True)
        target = ErasureTarget(survey=response.survey, is_complete=response.is_complete)
        answers = Answer.objects.filter(response=response).delete()[0]
        mode = response.mode
        response.delete()
        audit_log(
            actor=None,
            action="response.erased",
            survey=target.survey,
            complete=target.is_complete,
            mode=mode,
            answer_rows=answers,
        )
        if target.is_complete:
            survey_responses_changed(survey_id=target.survey.pk)
    return target
