"""Queued tasks delivered a second time, as Redis does when the worker that took them was lost
mid-task: each runs again to the same result, with nothing done twice.

Run in-process; the tasks' first runs cut off by a real dying worker are in
test_worker_killed.py. Reweighting run twice (tests/results/test_services.py), an export
delivered again once built (tests/officers/test_exports.py) and a report refresh run twice
(tests/officers/test_cache.py) are covered where those tasks are tested."""

from __future__ import annotations

import csv
import io

from officers.models import Export
from officers.tasks import build_export
from surveys.services import response_record
from tests.surveys.conftest import answers_for


def test_export_cut_off_by_a_lost_worker_is_built_from_the_start_when_delivered_again(survey):
    for arm in "ABAB":
        response_record(survey=survey, answers=answers_for(arm), mode="online", split_arm=arm)
    # What a worker lost half-way through the build leaves behind.
    export = Export.objects.create(
        survey=survey, kind=Export.Kind.CSV, status=Export.Status.RUNNING, progress=40
    )

    assert build_export.delay(export.pk).get() == Export.Status.READY

    export.refresh_from_db()
    assert (export.status, export.progress, export.message) == (Export.Status.READY, 100, "")
    with export.file.open("rb") as f:
        rows = list(csv.DictReader(io.StringIO(f.read().decode("utf-8-sig"))))
    assert len(rows) == 4
