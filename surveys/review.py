"""Writes an officer makes to responses: void or restore one, with a reason (audited).

A voided response keeps its answers, its flags and its provenance; only its status changes,
and every figure, weighting, export and findings page counts status=COMPLETE alone
(results.selectors.counted_responses), so voiding leaves it out of all of them and restoring
puts it back exactly as it was.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from surveys.audit import audit_log
from surveys.errors import SurveyError
from surveys.models import Response, Survey
from surveys.signals import responses_changed_announce

REASON_MAX = 500


class ReviewRefused(SurveyError):
    pass


def _reason_clean(reason: str) -> str:
    reason = " ".join(str(reason).split())
    if not reason:
        raise ReviewRefused("Say why, in a few words: the reason is kept in the audit trail.")
    if len(reason) > REASON_MAX:
        raise ReviewRefused(f"Keep the reason to {REASON_MAX} characters.")
    return reason


def responses_void(*, survey: Survey, response_ids: list[int], reason: str, actor) -> int:
    """Void these sent responses of the survey; returns how many changed."""
    reason = _reason_clean(reason)
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Response.objects.filter(
                survey=survey, pk__in=response_ids, status=Response.Status.COMPLETE
            )
            .select_for_update()
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        Response.objects.filter(pk__in=ids).update(
            status=Response.Status.VOIDED, void_reason=reason, voided_at=now
        )
        public = dict(Response.objects.filter(pk__in=ids).values_list("pk", "public_id"))
        audit_log(
            actor=actor,
            action="responses_voided",
            survey=survey,
            count=len(ids),
            responses=[str(public[i]) for i in ids],
            reason=reason,
        )
        responses_changed_announce(survey_id=survey.pk)
    return len(ids)


def responses_restore(*, survey: Survey, response_ids: list[int], reason: str, actor) -> int:
    """Count these voided responses again; returns how many changed."""
    reason = _reason_clean(reason)
    with transaction.atomic():
        ids = list(
            Response.objects.filter(
                survey=survey, pk__in=response_ids, status=Response.Status.VOIDED
            )
            .select_for_update()
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        Response.objects.filter(pk__in=ids).update(
            status=Response.Status.COMPLETE, void_reason="", voided_at=None
        )
        public = dict(Response.objects.filter(pk__in=ids).values_list("pk", "public_id"))
        audit_log(
            actor=actor,
            action="responses_restored",
            survey=survey,
            count=len(ids),
            responses=[str(public[i]) for i in ids],
            reason=reason,
        )
        responses_changed_announce(survey_id=survey.pk)
    return len(ids)
