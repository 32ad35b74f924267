"""A Celery worker process is killed (SIGKILL) in the middle of a reweighting: the task is
delivered again (acks_late with reject_on_worker_lost), runs again, and its result is right,
with no trace of the half-done run.

The worker is one of this test's own (tests/faults/slow_worker.py), on its own queue, so
the session's worker from tests/conftest.py never sees these tasks."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Sum

from results.models import PopulationTarget, WeightingRun
from results.tasks import reweight_survey
from surveys.management.commands.demo_setup import answers_draw
from surveys.models import Area, Response
from surveys.services import response_record, spec_for
from tests.conftest import REPO, _queue_forget, _test_database_url

WAIT = 90


def _wait_for(condition, what: str, worker: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if worker.poll() is not None:
            raise AssertionError(f"the worker exited while waiting for {what}:\n{log()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {WAIT}s for {what}:\n{log()}")
        time.sleep(0.2)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_reweight_runs_the_task_again_and_gets_it_right(
    celery_worker, survey, tmp_path
):
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    Area.objects.get_or_create(council=survey.council, code="north", defaults={"name": "North"})
    spec = spec_for(survey)
    rng = random.Random(7)
    for sex, count in [("female", 20), ("male", 60)]:
        for _ in range(count):
            answers = {**answers_draw(spec, "A", rng), "SEX": sex, "AREA": "north"}
            response_record(survey=survey, answers=answers, mode="online", split_arm="A")
    PopulationTarget.objects.bulk_create(
        PopulationTarget(survey=survey, margin="SEX", category=c, share=0.5)
        for c in ("female", "male")
    )
    # Targets are set after the responses, so the submissions queued no run of their own.
    assert not WeightingRun.objects.filter(survey=survey).exists()

    queue = f"collab-fault-{uuid.uuid4().hex[:8]}"
    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(connection.settings_dict["NAME"]),
        "COLLAB_FAULT_DIR": str(tmp_path),
        "PYTHONPATH": str(REPO),
    }
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [
                sys.executable,
                str(REPO / "tests" / "faults" / "slow_worker.py"),
                "--pool=prefork",
                "--concurrency=1",
                f"--queues={queue}",
                f"--hostname=collab-fault-{queue}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def log_tail() -> str:
        return "\n".join(log_path.read_text(errors="replace").splitlines()[-60:])

    marker = tmp_path / "started"
    try:
        reweight_survey.apply_async(args=[survey.pk], queue=queue)
        _wait_for(marker.exists, "the first run to reach the weights", worker, log_tail)
        child = int(marker.read_text())
        assert child != worker.pid, "the task runs in a pool process, not the main one"

        os.kill(child, signal.SIGKILL)

        _wait_for(
            lambda: WeightingRun.objects.filter(survey=survey).exists(),
            "the task to run again",
            worker,
            log_tail,
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        _queue_forget(queue)

    assert "WorkerLostError" in log_path.read_text(errors="replace")
    run = WeightingRun.objects.get(survey=survey)  # one run: the killed one left nothing
    assert (run.status, run.respondents) == (WeightingRun.Status.OK, 80)
    weights = dict(
        Response.objects.filter(survey=survey, answers__question__code="SEX")
        .values_list("answers__option__code")
        .annotate(total=Sum("weight"))
    )
    assert weights["female"] == pytest.approx(40)
    assert weights["male"] == pytest.approx(40)
