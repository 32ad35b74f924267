"""Writes that move a survey through its life: opening, closing, and erasing personal data
once the survey's retention has run out. Each is recorded in the audit trail."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from surveys.audit import audit_log
from surveys.errors import SurveyError
from surveys.models import Invitee, PanelMember, Survey


def survey_open(*, survey: Survey, actor=None, now: dt.datetime | None = None) -> Survey:
    """Open a survey now: live, opening time now (or earlier), closing time kept if later."""
    now = now or timezone.now()
    if survey.closes_at and survey.closes_at <= now:
        raise SurveyError(
            f"“{survey.title}” has a closing time in the past ({survey.closes_at:%d %B %Y %H:%M}). "
            "Clear or move the closing time first."
        )
    with transaction.atomic():
        survey.status = Survey.Status.LIVE
        if survey.opens_at is None or survey.opens_at > now:
            survey.opens_at = now
        survey.save(update_fields=["status", "opens_at"])
        audit_log(actor=actor, action="survey_opened", survey=survey)
    return survey


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
        audit_log(actor=actor, action="survey_closed", survey=survey)
    return survey


def survey_retention_apply(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete invitees' and panel members' personal data of every survey closed for longer
    than its retention_days. Answers, invitations (code hashes, areas) and the audit trail stay.

    Safe to run twice: a second run finds nothing left to delete. Returns what was deleted.
    """
    now = now or timezone.now()
    deleted = {"surveys": 0, "invitees": 0, "panel_members": 0}
    closed = Survey.objects.filter(status=Survey.Status.CLOSED, closes_at__isnull=False)
    for survey in closed.select_related("council"):
        if survey.closes_at + dt.timedelta(days=survey.retention_days) > now:
            continue
        with transaction.atomic():
            invitees, _ = Invitee.objects.filter(survey=survey).delete()
            members, _ = PanelMember.objects.filter(survey=survey).delete()
            if invitees or members:
                audit_log(
                    actor=None,
                    action="personal_data_erased",
                    survey=survey,
                    invitees=invitees,
                    panel_members=members,
                    retention_days=survey.retention_days,
                )
        if invitees or members:
            deleted["surveys"] += 1
            deleted["invitees"] += invitees
            deleted["panel_members"] += members
    return deleted
