"""Queued tasks delivered a second time, as Redis does when the worker that took them was lost
mid-task: each runs again to the same result, with nothing done twice.

Run in-process; the tasks' first runs cut off by a real dying worker are in
test_worker_killed.py. Reweighting run twice (tests/results/test_services.py), an export
delivered again once built or while it is being built, files left by a lost attempt
(tests/officers/test_exports.py) and a report refresh run twice (tests/officers/test_cache.py)
are covered where those tasks are tested."""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading
import time
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django_scopes import scopes_disabled

from officers import exports
from officers.models import Export
from officers.services import export_build
from officers.tasks import build_export
from surveys.services import response_record
from tests.surveys.conftest import answers_for


def test_export_cut_off_by_a_lost_worker_is_built_from_the_start_when_delivered_again(survey):
    for arm in "AB" * 6:  # twelve: fewer would show no figure (results.disclosure)
        response_record(survey=survey, answers=answers_for(arm), mode="online", split_arm=arm)
    # What a worker lost half-way through the build leaves behind.
    export = Export.objects.create(
        survey=survey, kind=Export.Kind.CSV, status=Export.Status.RUNNING, progress=40
    )

    assert build_export.delay(export.pk).get() == Export.Status.READY

    export.refresh_from_db()
    assert (export.status, export.progress, export.message) == (Export.Status.READY, 100, "")
    # The same file as a build that was never cut off: nothing left over, nothing twice.
    fresh = Export.objects.create(survey=survey, kind=Export.Kind.CSV)
    assert build_export.delay(fresh.pk).get() == Export.Status.READY
    fresh.refresh_from_db()
    assert _rows(export) == _rows(fresh) and len(_rows(export)) > 1


def _rows(export: Export) -> list[dict[str, str]]:
    with export.file.open("rb") as f:
        return list(csv.DictReader(io.StringIO(f.read().decode("utf-8-sig"))))


@pytest.mark.django_db(transaction=True)
def test_an_export_delivered_twice_at_once_is_built_once(survey):
    """Redis hands an export's task to a second worker when the first has been building it
    for longer than the visibility timeout: the second finds the first's lease fresh and
    leaves the build to it. Two deliveries race for the claim here, on real connections."""
    if connection.vendor != "postgresql":
        pytest.skip("two connections at once need PostgreSQL; .ci/run's second pass has it")
    for arm in "AB" * 6:  # twelve: fewer would show no figure (results.disclosure)
        response_record(survey=survey, answers=answers_for(arm), mode="online", split_arm=arm)
    export = Export.objects.create(survey=survey, kind=Export.Kind.CSV)
    real_content = exports.export_content
    start = threading.Barrier(2)
    one_delivery_done = threading.Event()
    builds: list[str] = []
    statuses: list[str] = []
    errors: list[BaseException] = []

    def content(*, export, progress):
        builds.append(threading.current_thread().name)
        # Still building when the other delivery tries its claim (10 s if both claimed).
        one_delivery_done.wait(timeout=10)
        return real_content(export=export, progress=progress)

    def deliver() -> None:
        try:
            start.wait(timeout=10)
            with scopes_disabled():  # as the task does (collab.celery.PlatformTask)
                statuses.append(export_build(export_id=export.pk).status)
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)
        finally:
            one_delivery_done.set()
            connection.close()

    with mock.patch("officers.services.exports.export_content", side_effect=content):
        deliveries = [threading.Thread(target=deliver, name=f"delivery-{i}") for i in (1, 2)]
        for delivery in deliveries:
            delivery.start()
        for delivery in deliveries:
            delivery.join(timeout=60)

    assert not errors
    assert len(builds) == 1, f"built by {builds}"
    assert sorted(statuses) == [Export.Status.READY, Export.Status.RUNNING]
    export.refresh_from_db()
    assert (export.status, export.attempts) == (Export.Status.READY, 1)
    folder = Path(settings.MEDIA_ROOT) / "exports" / survey.council.slug / survey.slug
    assert [p.name for p in folder.iterdir()] == [export.file.name.rsplit("/", 1)[-1]]


@pytest.mark.django_db(transaction=True)
def test_a_slow_build_keeps_its_lease_however_long_it_goes_without_progress(survey):
    if connection.vendor != "postgresql":
        pytest.skip("the lease is renewed on a connection of its own; needs PostgreSQL")
    export = Export.objects.create(survey=survey, kind=Export.Kind.CSV)
    second: list[str] = []

    def slow_content(*, export, progress):
        if not second:
            time.sleep(1.5)  # three leases without a word of progress
            second.append(export_build(export_id=export.pk).status)
        return b"id\n"

    with (
        mock.patch("officers.services.EXPORT_LEASE", dt.timedelta(seconds=0.5)),
        mock.patch("officers.services.EXPORT_LEASE_RENEW", dt.timedelta(seconds=0.1)),
        mock.patch("officers.services.exports.export_content", side_effect=slow_content),
    ):
        built = export_build(export_id=export.pk)

    assert second == [Export.Status.RUNNING], "the second delivery left the build alone"
    assert (built.status, built.attempts) == (Export.Status.READY, 1)
