"""Tasks through the real components: a Redis broker, a `celery worker` process and
PostgreSQL. Skipped on the SQLite default; .ci/run's second pass runs them."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from celery.result import EagerResult
from django.db.models import Sum
from django.utils import timezone

from collab.celery import app as celery_app
from results.models import WeightingRun
from results.tasks import reweight_survey
from surveys.models import Council, Questionnaire, Response, Survey
from surveys.tasks import survey_close_due
from tests.conftest import REPO, responses_to_weight_by_sex

# Integration tests commit their rows (transaction=True) so the worker process can
# read them. The flush that ends each such test empties every table, the questionnaire
# a migration loaded included: the `questionnaire` fixture (tests/conftest.py) loads it again.


def survey_make(*, questionnaire: Questionnaire, slug: str, closes_at: dt.datetime) -> Survey:
    council, _ = Council.objects.get_or_create(name="Worker Test Council", slug="worker-test")
    return Survey.objects.create(
        council=council,
        questionnaire=questionnaire,
        title="Your views of public services",
        slug=slug,
        status=Survey.Status.LIVE,
        opens_at=timezone.now() - dt.timedelta(days=30),
        closes_at=closes_at,
        privacy_notice="Worker Test Council uses your answers to plan its services.",
        contact="surveys@worker-test.example",
    )


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_task_goes_through_redis_to_the_worker_which_writes_to_the_database(
    celery_worker, questionnaire
):
    due = survey_make(
        questionnaire=questionnaire, slug="due", closes_at=timezone.now() - dt.timedelta(minutes=1)
    )
    running = survey_make(
        questionnaire=questionnaire, slug="running", closes_at=timezone.now() + dt.timedelta(days=7)
    )

    result = survey_close_due.delay()

    assert not isinstance(result, EagerResult), "the task ran in the test process"
    assert result.get(timeout=60) == 1
    due.refresh_from_db()
    running.refresh_from_db()
    assert due.status == Survey.Status.CLOSED
    assert running.status == Survey.Status.LIVE
    stats = celery_app.control.inspect([celery_worker], timeout=5).stats()
    assert stats[celery_worker]["total"]["surveys.tasks.survey_close_due"] >= 1


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_task_run_twice_by_the_worker_closes_a_survey_once(celery_worker, questionnaire):
    due = survey_make(
        questionnaire=questionnaire,
        slug="due-twice",
        closes_at=timezone.now() - dt.timedelta(hours=1),
    )

    first = survey_close_due.delay().get(timeout=60)
    second = survey_close_due.delay().get(timeout=60)

    assert (first, second) == (1, 0)
    due.refresh_from_db()
    assert due.status == Survey.Status.CLOSED


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_worker_weights_responses_and_the_test_process_reads_the_weights(
    celery_worker, questionnaire
):
    survey = survey_make(
        questionnaire=questionnaire, slug="weights", closes_at=timezone.now() + dt.timedelta(days=7)
    )
    responses_to_weight_by_sex(survey, women=30, men=70, seed=1)

    assert reweight_survey.delay(survey.pk).get(timeout=60) == WeightingRun.Status.OK

    run = WeightingRun.objects.get(survey=survey)
    assert (run.status, run.respondents) == (WeightingRun.Status.OK, 100)
    weights = dict(
        Response.objects.filter(survey=survey, answers__question__code="SEX")
        .values_list("answers__option__code")
        .annotate(total=Sum("weight"))
    )
    assert weights["female"] == pytest.approx(weights["male"])
    assert weights["female"] + weights["male"] == pytest.approx(100)


@pytest.mark.parametrize(("broker", "eager"), [("", "True"), ("redis://127.0.0.1:6379/0", "False")])
def test_settings_run_tasks_in_process_only_when_no_broker_is_configured(broker, eager):
    # A fresh process: settings are read once, from the environment, at start-up.
    env = {k: v for k, v in os.environ.items() if k not in {"CELERY_BROKER_URL"}}
    env["CELERY_BROKER_URL"] = broker
    env["DJANGO_SETTINGS_MODULE"] = "collab.settings"
    code = "from collab.celery import app; print(app.conf.task_always_eager)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == eager
