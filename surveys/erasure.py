"""Erasing a resident's response with their code (UK GDPR right to erasure).

The code is the invitation code from the resident's letter or e-mail, or the code they
were given to continue later. Erasure deletes the response's answers and the response
itself (and with its answers what belongs to them, such as the coding and redaction of a
comment), deletes every export file that holds it (surveys.signals.responses_erasing), clears
the invitee's name and contact details, keeps an audit entry that says a response was erased
(never which answers, nor the code), and asks results to reweight the survey when a complete
response went.

Erasure spends the code. A resume code goes with its response. An invitation is kept (its
area counts towards response rates) but marked used, and an invitation that is used with no
response left is one whose answers were erased: its code neither resumes nor starts a
response again (surveys.services.invitation_redeem), and its invitee gets no reminders. The
invitation stays counted as used, as it was the day the answers were sent: officers see the
code spent and one response fewer.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from surveys.audit import audit_log
from surveys.codes import code_hash, code_normalise, erasure_hash
from surveys.errors import CodeRejected
from surveys.models import Answer, Invitation, Invitee, Response, Survey, used_day
from surveys.signals import responses_erasing

UNKNOWN_CODE = "We do not recognise that code. Check it and try again."
NOTHING_TO_ERASE = "There are no answers for that code, so there is nothing to erase."
ALREADY_ERASED = "The answers given with that code have already been erased."


def erased_code_message(*, survey: Survey) -> str:
    """What a resident is told who enters a code whose answers were erased."""
    return (
        "The answers given with that code have been erased, so it cannot be used again. "
        f"If you want to take part after all, contact {survey.council.name}: {survey.contact}"
    )


def invitation_is_erased(*, invitation: Invitation, response: Response | None) -> bool:
    """Whether this invitation's answers were erased, given the response it opens (if any)."""
    return response is None and invitation.used_at is not None


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
        # After close the response no longer points to its invitation: the keyed hash of the
        # code (Response.erasure_code_hash) still finds it.
        response = responses.filter(
            Q(invitation=invitation) | Q(erasure_code_hash=erasure_hash(code))
        ).first()
        if invitation_is_erased(invitation=invitation, response=response):
            raise CodeRejected(ALREADY_ERASED)
        if response is None:
            raise CodeRejected(NOTHING_TO_ERASE)
        return response
    response = (
        responses.filter(resume_code_hash=digest).exclude(resume_code_hash="").first()
        or responses.filter(erasure_code_hash=erasure_hash(code)).first()
    )
    if response is None:
        raise CodeRejected(UNKNOWN_CODE)
    return response


def erasure_preview(*, code: str) -> ErasureTarget:
    """What erasing with this code would remove, for the confirmation page."""
    response = _response_for_code(code)
    return ErasureTarget(survey=response.survey, is_complete=response.is_complete)


def response_erase(*, code: str) -> ErasureTarget:
    """Delete the response a code opens, with its answers, and spend the code; raises
    CodeRejected."""
    from surveys.signals import responses_changed_announce

    with transaction.atomic():
        response = _response_for_code(code, lock=True)
        target = ErasureTarget(survey=response.survey, is_complete=response.is_complete)
        # After close the response no longer names its invitation; the code still does.
        invitation_id = (
            response.invitation_id
            or Invitation.objects.filter(code_hash=code_hash(code))
            .values_list("pk", flat=True)
            .first()
        )
        # Export files holding the response go with it (officers.services.exports_erase_for).
        responses_erasing.send(sender=Response, response_ids=[response.pk], survey=target.survey)
        answers = Answer.objects.filter(response=response).delete()[0]
        mode = response.mode
        response.delete()
        if invitation_id is not None:
            # In the same transaction as the delete: whoever enters the code sees either the
            # response or the spent invitation, never an invitation free to start again.
            Invitation.objects.filter(pk=invitation_id, used_at__isnull=True).update(
                used_at=used_day(timezone.now())
            )
            # No reminder (with a fresh code) to someone who asked for their answers to go, and
            # nothing left of who they are: no name, e-mail or postal address.
            Invitee.objects.filter(invitation_id=invitation_id).update(
                status=Invitee.Status.RESPONDED, name="", email="", postal_address=""
            )
        audit_log(
            actor=None,
            action="response.erased",
            survey=target.survey,
            complete=target.is_complete,
            mode=mode,
            answer_rows=answers,
            invitation_spent=invitation_id is not None,
        )
        if target.is_complete:
            responses_changed_announce(survey_id=target.survey.pk)
    return target
