"""The broker is down: residents can still submit (queueing after commit catches the
connection error, logs it and leaves the work for later), and the work is queued again
and done once the broker is back."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from unittest import mock

import kombu.exceptions
import pytest
from django.core.cache import cache
from django.urls import reverse

from results.models import PopulationTarget, WeightingRun
from results.services import survey_responses_changed
from surveys.models import Answer
from surveys.services import response_record
from tests.conftest import REPO
from tests.faults.journey import answer_every_page
from tests.surveys.conftest import ANSWERS_A

BROKER_DOWN = kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:1. Refused.")


def _targets(survey) -> None:
    PopulationTarget.objects.create(survey=survey, margin="SEX", category="female", share=1)


@pytest.mark.django_db
def test_resident_submits_while_the_broker_is_down_and_work_resumes_when_it_is_back(
    client, survey, caplog, django_capture_on_commit_callbacks
):
    _targets(survey)
    first = answer_every_page(client, survey)
    review = reverse("surveys:review", args=[survey.slug])

    with (
        mock.patch("results.tasks.reweight_survey.delay", side_effect=BROKER_DOWN) as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        sent = client.post(review)

    assert delay.called, "the submission tried to queue the reweighting"
    assert sent.status_code == 302 and sent.url == reverse("surveys:thanks", args=[survey.slug])
    first.refresh_from_db()
    assert first.is_complete and Answer.objects.filter(response=first).exists()
    assert "Broker unreachable" in caplog.text
    assert cache.get(f"results:reweight-queued:{survey.pk}") is None, "left for the next change"
    assert not WeightingRun.objects.filter(survey=survey).exists()

    # The broker is back: the next resident's submission queues the run, which weights both.
    client.cookies.clear()
    second = answer_every_page(client, survey)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(review).status_code == 302
    second.refresh_from_db()
    assert second.is_complete
    run = WeightingRun.objects.get(survey=survey)
    assert run.status == WeightingRun.Status.OK
    assert run.respondents == 2


@pytest.mark.django_db
def test_errors_other_than_the_broker_still_surface(survey, django_capture_on_commit_callbacks):
    _targets(survey)
    with (
        mock.patch("results.tasks.reweight_survey.delay", side_effect=RuntimeError("a bug")),
        pytest.raises(RuntimeError),
        django_capture_on_commit_callbacks(execute=True),
    ):
        survey_responses_changed(survey_id=survey.pk)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again on leaving: nothing listens there


def test_real_write_path_with_an_unreachable_broker_stores_the_response(tmp_path):
    port = _closed_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"CELERY_RESULT_BACKEND", "CACHE_URL", "REDIS_URL"}
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'broker-down.sqlite3'}",
        CELERY_BROKER_URL=f"redis://127.0.0.1:{port}/0",
        CELERY_RESULT_BACKEND="cache+memory://",
        DJANGO_SETTINGS_MODULE="collab.settings",
    )
    result = subprocess.run(
        [sys.executable, str(REPO / "tests" / "faults" / "broker_down_script.py")],
        cwd=REPO,
        env={**env, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["eager"] is False, "the script must really talk to a (missing) broker"
    assert outcome["error"] == ""
    assert outcome["complete"] == 1 and outcome["answers"] > 0
    assert outcome["debounce_key_left"] is False
    assert "Broker unreachable" in result.stderr


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_response_stored_while_the_broker_was_down_is_weighted_by_the_worker_once_back(
    celery_worker, survey
):
    _targets(survey)
    # Stored while the broker was down: queueing failed, so no run was made for it.
    with mock.patch("results.tasks.reweight_survey.delay", side_effect=BROKER_DOWN) as delay:
        response_record(survey=survey, answers=ANSWERS_A, mode="online", split_arm="A")
    assert delay.called
    assert not WeightingRun.objects.filter(survey=survey).exists()

    # Back: the next change queues through Redis and the real worker weights everything.
    survey_responses_changed(survey_id=survey.pk)
    deadline = time.monotonic() + 60
    while not WeightingRun.objects.filter(survey=survey).exists():
        assert time.monotonic() < deadline, "the worker never ran the reweighting"
        time.sleep(0.2)
    run = WeightingRun.objects.get(survey=survey)
    assert (run.status, run.respondents) == (WeightingRun.Status.OK, 1)
