"""Writes that move a survey through its life: opening, closing (by an officer or when its
closing time passes), and erasing personal data once the survey's retention has run out.
Each is recorded in the audit trail; a close says who by ("officer" or "schedule")."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from surveys.audit import audit_log
from surveys.errors import SurveyError
from surveys.models import Invitee, PanelMember, Response, ResponseSource, Survey


def survey_open(*, survey: Survey, actor=None, now: dt.datetime | None = None) -> Survey:
    """Open a survey now: live, opening time now (or earlier), closing time kept if later.

    A survey closed early ("Close now") opens again: its closing time, which closing set to
    that moment, is cleared and the reopening is audited with it. A draft or live survey with a
    closing time in the past is refused: that time was set on purpose, so move it first.
    """
    now = now or timezone.now()
    reopening = survey.status == Survey.Status.CLOSED
    if survey.closes_at and survey.closes_at <= now and not reopening:
        raise SurveyError(
            f"“{survey.title}” has a closing time in the past ({survey.closes_at:%d %B %Y %H:%M}). "
            "Clear or move the closing time first."
        )
    with transaction.atomic():
        previous_close = survey.closes_at
        survey.status = Survey.Status.LIVE
        if survey.opens_at is None or survey.opens_at > now:
            survey.opens_at = now
        if reopening and survey.closes_at and survey.closes_at <= now:
            survey.closes_at = None
        survey.save(update_fields=["status", "opens_at", "closes_at"])
        if reopening:
            audit_log(
                actor=actor,
                action="survey.reopened",
                survey=survey,
                closed_at=previous_close.isoformat() if previous_close else None,
            )
        else:
            audit_log(actor=actor, action="survey.opened", survey=survey)
    return survey


def survey_change_check(
    *,
    survey: Survey,
    questionnaire_id: int | None = None,
    status: str | None = None,
    council_id: int | None = None,
) -> None:
    """Refuse the changes that would make a survey's responses mean something else: once it has
    responses, its questionnaire cannot be swapped and it cannot go back to draft (which would
    unlock its questionnaire for editing)."""
    if survey.pk is None or not survey.responses.exists():
        return
    if questionnaire_id is not None and questionnaire_id != survey.questionnaire_id:
        raise SurveyError(
            f"“{survey.title}” already has responses to its questionnaire, so it cannot be "
            "switched to another version. Start a new survey for the new version."
        )
    if council_id is not None and council_id != survey.council_id:
        raise SurveyError(
            f"“{survey.title}” already has responses from {survey.council}'s residents, so it "
            "cannot move to another council."
        )
    if status == Survey.Status.DRAFT and survey.status != Survey.Status.DRAFT:
        raise SurveyError(
            f"“{survey.title}” already has responses, so it cannot go back to draft. "
            "Close it instead."
        )


def survey_created(*, survey: Survey, actor=None, now: dt.datetime | None = None) -> None:
    """Audit a new survey; one created live is opened now (its opening time recorded)."""
    now = now or timezone.now()
    audit_log(actor=actor, action="survey.created", survey=survey, status=survey.status)
    if survey.status == Survey.Status.LIVE:
        if survey.opens_at is None:
            survey.opens_at = now
            survey.save(update_fields=["opens_at"])
        audit_log(actor=actor, action="survey.opened", survey=survey)


def responses_unlink(*, survey: Survey) -> int:
    """Cut the link from each sent response to its invitation (and so to the invitee's name
    and address): once the survey closes no reminder needs it. Erasure by the invitation code
    keeps working through Response.erasure_code_hash. Returns how many were unlinked, and
    says so in the audit trail."""
    unlinked = Response.objects.filter(
        survey=survey, status=Response.Status.COMPLETE, invitation__isnull=False
    ).update(invitation=None)
    if unlinked:
        audit_log(actor=None, action="responses.unlinked", survey=survey, responses=unlinked)
    return unlinked


def survey_close(*, survey: Survey, actor=None, now: dt.datetime | None = None) -> Survey:
    """Close a survey now. Officers can still key in paper responses that arrive late."""
    now = now or timezone.now()
    if survey.status == Survey.Status.DRAFT:
        raise SurveyError(f"“{survey.title}” was never opened, so it cannot be closed.")
    with transaction.atomic():
        survey.status = Survey.Status.CLOSED
        if survey.closes_at is None or survey.closes_at > now:
            survey.closes_at = now
        survey.save(update_fields=["status", "closes_at"])
        audit_log(actor=actor, action="survey.closed", survey=survey, by="officer")
        responses_unlink(survey=survey)
    return survey


def surveys_close_due(*, now: dt.datetime | None = None) -> int:
    """Close every live survey whose closing time has passed; returns how many closed.

    Each survey is closed by a conditional UPDATE, so a survey an officer closed meanwhile,
    or that a second run of the task (or a second beat) got to first, is neither closed nor
    audited twice.
    """
    now = now or timezone.now()
    due = Survey.objects.filter(status=Survey.Status.LIVE, closes_at__lte=now)
    closed = 0
    for survey in due.select_related("council").order_by("id"):
        with transaction.atomic():
            if not Survey.objects.filter(pk=survey.pk, status=Survey.Status.LIVE).update(
                status=Survey.Status.CLOSED
            ):
                continue
            audit_log(actor=None, action="survey.closed", survey=survey, by="schedule")
            responses_unlink(survey=survey)
        closed += 1
    return closed


def surveys_retention_due(*, now: dt.datetime | None = None) -> list[Survey]:
    """The closed surveys past their retention that still hold invitees' or panel members'
    personal data: what survey_retention_apply would erase now."""
    now = now or timezone.now()
    closed = Survey.objects.filter(status=Survey.Status.CLOSED, closes_at__isnull=False)
    return [
        survey
        for survey in closed.select_related("council").order_by("closes_at")
        if survey.closes_at + dt.timedelta(days=survey.retention_days) <= now
        and (survey.invitees.exists() or survey.panel_members.exists())
    ]


def survey_retention_apply(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete invitees' and panel members' personal data of every survey closed for longer
    than its retention_days. Answers, invitations (code hashes, areas) and the audit trail stay.

    Safe to run twice: a second run finds nothing left to delete. Returns what was deleted.
    """
    now = now or timezone.now()
    deleted = {"surveys": 0, "invitees": 0, "panel_members": 0, "response_sources": 0}
    closed = Survey.objects.filter(status=Survey.Status.CLOSED, closes_at__isnull=False)
    for survey in closed.select_related("council"):
        if survey.closes_at + dt.timedelta(days=survey.retention_days) > now:
            continue
        with transaction.atomic():
            invitees, _ = Invitee.objects.filter(survey=survey).delete()
            members, _ = PanelMember.objects.filter(survey=survey).delete()
            # Where responses came from (surveys.integrity) goes with the personal data.
            sources, _ = ResponseSource.objects.filter(survey=survey).delete()
            if invitees or members or sources:
                audit_log(
                    actor=None,
                    action="personal_data_erased",
                    survey=survey,
                    invitees=invitees,
                    panel_members=members,
                    response_sources=sources,
                    retention_days=survey.retention_days,
                )
        if invitees or members or sources:
            deleted["surveys"] += 1
            deleted["invitees"] += invitees
            deleted["panel_members"] += members
            deleted["response_sources"] += sources
    return deleted


def responses_in_progress_delete_stale(*, now: dt.datetime | None = None) -> int:
    """Delete unfinished responses nobody has touched for their survey's in_progress_days (or
    the platform's IN_PROGRESS_RESPONSE_DAYS): a start left behind, or a script's thousands.
    Sent responses are never touched. Audited per survey; safe to run twice."""
    from django.conf import settings

    from surveys.models import Response

    now = now or timezone.now()
    default_days = settings.IN_PROGRESS_RESPONSE_DAYS
    total = 0
    stale_surveys = (
        Response.objects.filter(status=Response.Status.IN_PROGRESS)
        .values_list("survey_id", flat=True)
        .distinct()
    )
    for survey in Survey.objects.filter(pk__in=list(stale_surveys)).select_related("council"):
        days = survey.in_progress_days or default_days
        with transaction.atomic():
            _, by_model = Response.objects.filter(
                survey=survey,
                status=Response.Status.IN_PROGRESS,
                updated_at__lt=now - dt.timedelta(days=days),
            ).delete()
            count = by_model.get("surveys.Response", 0)
            if count:
                audit_log(
                    actor=None,
                    action="in_progress_responses_deleted",
                    survey=survey,
                    count=count,
                    untouched_days=days,
                )
        total += count
    return total
