"""A Celery worker is killed (SIGKILL) in the middle of a reweighting, or of an export build,
and the task still runs to the right result, once in effect, with no trace of the half-done
run.

- One of the worker's pool processes killed: the task is delivered again at once (acks_late
  with reject_on_worker_lost) and the same worker runs it again.
- The whole worker killed, main process and pool together (its machine or container lost):
  nobody is left to hand the task back, so it waits in Redis, taken but not acknowledged,
  until the visibility timeout (CELERY_BROKER_VISIBILITY_TIMEOUT) has passed and a worker
  that starts afterwards restores it to the queue and runs it.

- A pool process killed after writing an export file but before recording it: the task
  comes back at once, finds the dead worker's lease still fresh and looks again once it has
  run out; then it removes the unrecorded file and builds the export again.

The workers are this file's own (tests/faults/slow_worker.py), on a queue of their own, so
the session's worker from tests/conftest.py never sees these tasks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Sum

from collab.celery import app as celery_app
from officers.models import Export
from officers.tasks import build_export
from results.models import WeightingRun
from results.tasks import reweight_survey
from surveys.models import Response, Survey
from surveys.services import response_record
from tests.conftest import (
    REPO,
    _queue_forget,
    _test_database_url,
    process_stop,
    responses_to_weight_by_sex,
)
from tests.surveys.conftest import answers_for

WAIT = 30
# Short, so the test waits seconds for the task to come back rather than the hour of
# production; long enough that it cannot expire while the first worker is still alive.
VISIBILITY_TIMEOUT = 3
# An export's lease, short for the same reason; renewed every second while the build runs,
# so it is still fresh when the task comes back a moment after the worker was killed.
EXPORT_LEASE = 6


def _survey_to_weight(survey: Survey) -> None:
    """80 responses (20 women, 60 men) and 50/50 targets, with no weighting run yet."""
    responses_to_weight_by_sex(survey, women=20, men=60, seed=7)
    # Targets are set after the responses, so the submissions queued no run of their own.
    assert not WeightingRun.objects.filter(survey=survey).exists()


def _assert_weighted_once_and_right(survey: Survey) -> None:
    run = WeightingRun.objects.get(survey=survey)  # one run: the killed one left nothing
    assert (run.status, run.respondents) == (WeightingRun.Status.OK, 80)
    weights = dict(
        Response.objects.filter(survey=survey, answers__question__code="SEX")
        .values_list("answers__option__code")
        .annotate(total=Sum("weight"))
    )
    assert weights["female"] == pytest.approx(40)
    assert weights["male"] == pytest.approx(40)


class FaultWorker:
    """tests/faults/slow_worker.py on `queue`, in a process group of its own so that the whole
    worker (main process and pool) can be killed at once, logging to `log_path`."""

    def __init__(self, *, queue: str, fault_dir: Path, name: str, env: dict[str, str]) -> None:
        self.log_path = fault_dir / f"{name}.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    str(REPO / "tests" / "faults" / "slow_worker.py"),
                    "--pool=prefork",
                    "--concurrency=1",
                    f"--queues={queue}",
                    f"--hostname={name}-{queue}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--loglevel=INFO",
                ],
                cwd=REPO,
                env={
                    **os.environ,
                    "DATABASE_URL": _test_database_url(connection.settings_dict["NAME"]),
                    "COLLAB_FAULT_DIR": str(fault_dir),
                    "PYTHONPATH": str(REPO),
                    **env,
                },
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + WAIT
        while not condition():
            if self.process.poll() is not None:
                raise AssertionError(f"the worker exited while waiting for {what}:\n{self.log()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"waited {WAIT}s for {what}:\n{self.log()}")
            time.sleep(0.2)


@pytest.fixture
def fault_queue():
    """A queue, and a Redis record of unacknowledged tasks, that only this test's workers use."""
    queue = f"collab-fault-{uuid.uuid4().hex[:8]}"
    unacked = f"{queue}-unacked"
    yield queue, unacked
    _queue_forget(queue)
    with celery_app.connection_for_write() as conn:
        client = conn.default_channel.client
        client.delete(unacked, f"{unacked}_index", f"{unacked}_mutex")


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_reweight_runs_the_task_again_and_gets_it_right(
    celery_worker, survey, tmp_path, fault_queue
):
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    _survey_to_weight(survey)
    queue, unacked = fault_queue
    worker = FaultWorker(
        queue=queue, fault_dir=tmp_path, name="pool", env={"COLLAB_FAULT_UNACKED": unacked}
    )
    marker = tmp_path / "started"
    try:
        reweight_survey.apply_async(args=[survey.pk], queue=queue)
        worker.wait_for(marker.exists, "the first run to reach the weights")
        child = int(marker.read_text())
        assert child != worker.process.pid, "the task runs in a pool process, not the main one"

        os.kill(child, signal.SIGKILL)

        worker.wait_for(
            lambda: WeightingRun.objects.filter(survey=survey).exists(), "the task to run again"
        )
    finally:
        process_stop(worker.process)

    assert "WorkerLostError" in worker.log()
    _assert_weighted_once_and_right(survey)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_whole_worker_killed_mid_reweight_the_task_waits_in_redis_for_the_next_worker(
    celery_worker, survey, tmp_path, fault_queue
):
    _survey_to_weight(survey)
    queue, unacked = fault_queue
    env = {
        "COLLAB_FAULT_UNACKED": unacked,
        "CELERY_BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
    }
    with celery_app.connection_for_write() as conn:
        redis = conn.default_channel.client
        lost = FaultWorker(queue=queue, fault_dir=tmp_path, name="lost", env=env)
        marker = tmp_path / "started"
        try:
            task = reweight_survey.apply_async(args=[survey.pk], queue=queue)
            lost.wait_for(marker.exists, "the first run to reach the weights")

            os.killpg(lost.process.pid, signal.SIGKILL)  # main process and pool alike
            lost.process.wait()
        finally:
            process_stop(lost.process)
        taken_at = time.time()

        # The task is neither done nor back in the queue: it waits in Redis, taken by a
        # worker that no longer exists, and the run it started left nothing behind.
        assert redis.hlen(unacked) == 1 and redis.llen(queue) == 0
        assert not WeightingRun.objects.filter(survey=survey).exists()
        assert "WorkerLostError" not in lost.log(), "no worker was left to notice the loss"

        # Started once the timeout has passed, as a worker that replaces a lost machine is.
        time.sleep(max(0.0, taken_at + VISIBILITY_TIMEOUT + 0.5 - time.time()))
        fresh = FaultWorker(queue=queue, fault_dir=tmp_path, name="fresh", env=env)
        try:
            fresh.wait_for(
                lambda: f"Task results.reweight_survey[{task.id}] succeeded" in fresh.log(),
                "the next worker to run the task",
            )
            # Acknowledged this time: nothing is left for a later worker to run again.
            fresh.wait_for(lambda: redis.hlen(unacked) == 0, "the task to be acknowledged")
        finally:
            process_stop(fresh.process)
        assert redis.llen(queue) == 0

    assert fresh.log().count(f"Task results.reweight_survey[{task.id}] received") == 1
    _assert_weighted_once_and_right(survey)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_worker_killed_between_writing_an_export_file_and_recording_it_leaves_no_stray_file(
    celery_worker, survey, tmp_path, fault_queue, settings
):
    for arm in "AB" * 6:  # twelve: fewer would show no figure (results.disclosure)
        response_record(survey=survey, answers=answers_for(arm), mode="online", split_arm=arm)
    export = Export.objects.create(survey=survey, kind=Export.Kind.CSV)
    folder = Path(settings.MEDIA_ROOT) / "exports" / survey.council.slug / survey.slug
    queue, unacked = fault_queue
    env = {
        "COLLAB_FAULT_UNACKED": unacked,
        "COLLAB_FAULT_EXPORT_LEASE": str(EXPORT_LEASE),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    worker = FaultWorker(queue=queue, fault_dir=tmp_path, name="export", env=env)
    marker = tmp_path / "export-written"
    try:
        task = build_export.apply_async(args=[export.pk], queue=queue)
        worker.wait_for(marker.exists, "the first build to write its file")
        # Stored under the name of the attempt, and not recorded.
        (lost_file,) = folder.iterdir()
        assert Export.objects.get(pk=export.pk).file.name == ""

        os.kill(int(marker.read_text()), signal.SIGKILL)

        worker.wait_for(
            lambda: Export.objects.get(pk=export.pk).status == Export.Status.READY,
            "the export to be built again",
        )
    finally:
        process_stop(worker.process)

    log = worker.log()
    assert "WorkerLostError" in log
    # Delivered again at once, it met the dead worker's lease and waited for it to run out.
    assert f"Task officers.build_export[{task.id}] retry" in log
    export.refresh_from_db()
    assert export.attempts == 2
    # The lost attempt's file went when the next one started.
    assert [p.name for p in folder.iterdir()] == [export.file.name.rsplit("/", 1)[-1]]
    assert lost_file.name != export.file.name.rsplit("/", 1)[-1]
    with export.file.open("rb") as f:
        assert f.read().decode("utf-8-sig").startswith("Question,Figure,Local %")
