"""Surveys' background tasks, run in-process as in development (no broker)."""

from __future__ import annotations

import datetime as dt

import pytest
from celery.result import EagerResult
from django.utils import timezone

from surveys.models import Council, Questionnaire, Survey
from surveys.tasks import survey_close_due


@pytest.fixture
def survey(db) -> Survey:
    return Survey.objects.create(
        council=Council.objects.create(name="Tasks Test Council", slug="tasks-test"),
        questionnaire=Questionnaire.objects.get(slug="collaborative-citizen-2014", version=1),
        title="Your views of public services",
        slug="tasks-test",
        status=Survey.Status.LIVE,
        opens_at=timezone.now() - dt.timedelta(days=1),
        closes_at=timezone.now() + dt.timedelta(days=30),
        privacy_notice="Tasks Test Council uses your answers to plan its services.",
        contact="surveys@tasks-test.example",
    )


def test_survey_past_its_closing_time_is_closed(survey):
    Survey.objects.filter(pk=survey.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1))

    result = survey_close_due.delay()

    # In-process: the work is done by the time delay() returns.
    assert isinstance(result, EagerResult)
    assert result.get() == 1
    survey.refresh_from_db()
    assert survey.status == Survey.Status.CLOSED


def test_survey_still_running_stays_live(survey):
    assert survey_close_due.delay().get() == 0
    survey.refresh_from_db()
    assert survey.status == Survey.Status.LIVE


def test_draft_survey_past_its_closing_time_is_left_alone(survey):
    Survey.objects.filter(pk=survey.pk).update(
        status=Survey.Status.DRAFT, closes_at=timezone.now() - dt.timedelta(days=1)
    )

    assert survey_close_due.delay().get() == 0
    survey.refresh_from_db()
    assert survey.status == Survey.Status.DRAFT


def test_closing_twice_closes_once(survey):
    Survey.objects.filter(pk=survey.pk).update(closes_at=timezone.now() - dt.timedelta(days=1))

    assert [survey_close_due.delay().get() for _ in range(2)] == [1, 0]
