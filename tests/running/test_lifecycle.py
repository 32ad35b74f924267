"""A survey's life through surveys.lifecycle: closed by Celery beat when its closing time
passes (audited, once), and its invitees' and panel's personal data erased once its retention
has run out, leaving answers and response rates."""

from __future__ import annotations

import datetime as dt

from django.core import mail
from django.utils import timezone

from surveys import invitations, lifecycle, panel
from surveys.integrity import Client, source_record_start
from surveys.models import (
    Answer,
    AuditEntry,
    Invitation,
    Invitee,
    PanelMember,
    Response,
    ResponseSource,
    Survey,
)
from surveys.tasks import apply_retention, survey_close_due
from tests.running.test_invitations import GOOD, _answer_with, _codes_in

# ---------------------------------------------------------------------------------------------
# Closing by the schedule


def _due(survey: Survey, *, minutes_ago: int = 5) -> None:
    Survey.objects.filter(pk=survey.pk).update(
        closes_at=timezone.now() - dt.timedelta(minutes=minutes_ago)
    )


def test_the_scheduled_task_closes_due_surveys_and_audits_each_by_schedule(survey, other_survey):
    _due(survey)
    _due(other_survey)

    assert survey_close_due.delay().get() == 2

    survey.refresh_from_db()
    assert survey.status == Survey.Status.CLOSED
    entries = AuditEntry.objects.filter(action="survey.closed")
    assert sorted(e.survey_id for e in entries) == sorted([survey.pk, other_survey.pk])
    for entry in entries:
        assert entry.actor is None
        assert entry.detail == {"by": "schedule"}
        assert entry.council_id == entry.survey.council_id


def test_a_survey_still_running_is_neither_closed_nor_audited(survey):
    Survey.objects.filter(pk=survey.pk).update(closes_at=timezone.now() + dt.timedelta(days=1))

    assert lifecycle.surveys_close_due() == 0

    survey.refresh_from_db()
    assert survey.status == Survey.Status.LIVE
    assert not AuditEntry.objects.filter(action="survey.closed").exists()


def test_running_the_schedule_twice_closes_and_audits_once(survey):
    _due(survey)

    assert [lifecycle.surveys_close_due() for _ in range(2)] == [1, 0]
    assert AuditEntry.objects.filter(action="survey.closed").count() == 1


def test_a_survey_an_officer_closed_first_is_not_closed_again_by_the_schedule(survey, officer):
    _due(survey)
    survey.refresh_from_db()
    lifecycle.survey_close(survey=survey, actor=officer)

    assert lifecycle.surveys_close_due() == 0

    [entry] = AuditEntry.objects.filter(action="survey.closed")
    assert (entry.actor, entry.detail) == (officer, {"by": "officer"})


def test_the_schedule_keeps_the_closing_time_it_closed_at(survey):
    _due(survey, minutes_ago=30)
    closes_at = Survey.objects.get(pk=survey.pk).closes_at

    lifecycle.surveys_close_due(now=timezone.now())

    assert Survey.objects.get(pk=survey.pk).closes_at == closes_at


def test_closing_is_scheduled_by_celery_beat(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "surveys.tasks.survey_close_due" in tasks


# ---------------------------------------------------------------------------------------------
# Retention


def _closed(survey: Survey, *, days_ago: int, retention_days: int = 30) -> None:
    Survey.objects.filter(pk=survey.pk).update(
        status=Survey.Status.CLOSED,
        closes_at=timezone.now() - dt.timedelta(days=days_ago),
        retention_days=retention_days,
    )


def _invited_and_one_answered(survey: Survey, django_capture_on_commit_callbacks) -> None:
    invitations.invitees_import(survey=survey, text=GOOD)
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invitations_queue(survey=survey)
    ann = next(m for m in mail.outbox if m.to == ["ann@example.org"])
    _answer_with(_codes_in(ann.body)[0])
    panel.panel_join(survey=survey, name="Dee", email="dee@example.org", consent=True)


def test_retention_erases_personal_data_and_keeps_answers_hashes_and_rates(
    survey, django_capture_on_commit_callbacks
):
    _invited_and_one_answered(survey, django_capture_on_commit_callbacks)
    rates_before = invitations.response_rates_by_area(survey=survey)
    hashes_before = set(Invitation.objects.values_list("code_hash", flat=True))
    answers_before = Answer.objects.filter(survey=survey).count()
    answered = Response.objects.get(survey=survey, status="complete")
    source_record_start(response=answered, client=Client("a" * 64, "Firefox"))
    sources_before = ResponseSource.objects.filter(survey=survey).count()
    _closed(survey, days_ago=31)

    assert apply_retention.delay().get() == {
        "surveys": 1,
        "invitees": 3,
        "panel_members": 1,
        "response_sources": sources_before,
    }
    assert sources_before == 1  # the resident's start and finish times, network hash, ...
    assert not ResponseSource.objects.filter(survey=survey).exists()

    assert not Invitee.objects.filter(survey=survey).exists()
    assert not PanelMember.objects.filter(survey=survey).exists()
    assert set(Invitation.objects.values_list("code_hash", flat=True)) == hashes_before
    assert Answer.objects.filter(survey=survey).count() == answers_before
    assert Response.objects.filter(survey=survey, status="complete").count() == 1
    assert invitations.response_rates_by_area(survey=survey) == rates_before
    assert {r.area: (r.invited, r.responded) for r in rates_before} == {
        "North ward": (1, 1),
        "South ward": (1, 0),
        "East ward": (1, 0),
    }
    entry = AuditEntry.objects.get(action="personal_data_erased", survey=survey)
    assert entry.actor is None
    assert entry.detail == {
        "invitees": 3,
        "panel_members": 1,
        "response_sources": 1,
        "retention_days": 30,
    }


def test_retention_keeps_personal_data_of_a_survey_closed_more_recently(
    survey, django_capture_on_commit_callbacks
):
    _invited_and_one_answered(survey, django_capture_on_commit_callbacks)
    _closed(survey, days_ago=29)

    assert lifecycle.survey_retention_apply() == {
        "surveys": 0,
        "invitees": 0,
        "panel_members": 0,
        "response_sources": 0,
    }

    assert Invitee.objects.filter(survey=survey).count() == 3
    assert PanelMember.objects.filter(survey=survey).count() == 1
    assert not AuditEntry.objects.filter(action="personal_data_erased").exists()


def test_retention_follows_each_surveys_own_retention_days(survey, other_survey):
    for s in (survey, other_survey):
        panel.panel_join(survey=s, name="Dee", email=f"dee@{s.slug}.example", consent=True)
    _closed(survey, days_ago=10, retention_days=7)
    _closed(other_survey, days_ago=10, retention_days=60)

    lifecycle.survey_retention_apply()

    assert not PanelMember.objects.filter(survey=survey).exists()
    assert PanelMember.objects.filter(survey=other_survey).exists()


def test_the_beat_task_applies_retention(settings, survey):
    entry = next(
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "surveys.tasks.apply_retention"
    )
    assert entry["schedule"] <= 24 * 3600
    panel.panel_join(survey=survey, name="Dee", email="dee@example.org", consent=True)
    _closed(survey, days_ago=31)

    assert apply_retention.delay().get()["panel_members"] == 1
    assert not PanelMember.objects.exists()
