"""Exports: asked for with a POST, built by the Celery task (in-process here), recorded, and
opened with the libraries officers' tools use."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from pathlib import Path
from unittest import mock

import pytest
from django.db import DatabaseError
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from officers import exports
from officers.models import Export
from officers.services import EXPORT_LEASE, export_build, exports_tidy
from officers.tasks import build_export, tidy_exports
from surveys.models import AuditEntry, Invitation, Response
from surveys.services import response_record
from tests.officers.factories import export_make
from tests.surveys.conftest import answers_for


@pytest.fixture
def answered(survey):
    Invitation.objects.create(survey=survey, code_hash="f" * 64)
    for i in range(24):
        arm = "A" if i % 2 else "B"
        response_record(
            survey=survey,
            answers={**answers_for(arm), "AGE": "55_64" if i < 20 else "15_24"},
            mode=Response.Mode.ONLINE if i % 3 else Response.Mode.TELEPHONE,
            split_arm=arm,
        )
    return survey


def _start(client, survey, kind, django_capture_on_commit_callbacks, weighting="unweighted"):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("officers:exports", args=[survey.slug]), {"kind": kind, "weighting": weighting}
        )
    assert response.status_code == 302
    export = Export.objects.get()
    assert response["Location"] == reverse("officers:export", args=[survey.slug, export.pk])
    return export


def _download(client, export) -> bytes:
    response = client.get(reverse("officers:download", args=[export.survey.slug, export.pk]))
    assert response.status_code == 200
    # Reading the stream to its end closes the file; calling close() again would fire
    # request_finished and close the test's database connection.
    return b"".join(response.streaming_content)


def test_csv_export_is_the_reports_figures_with_intervals_and_bases_not_respondents(
    officer_client, officer, answered, django_capture_on_commit_callbacks
):
    export = _start(officer_client, answered, "csv", django_capture_on_commit_callbacks)
    export.refresh_from_db()

    assert (export.status, export.progress, export.created_by) == ("ready", 100, officer)
    text = _download(officer_client, export).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:6] == [
        "Question",
        "Figure",
        "Local %",
        "95% interval low",
        "95% interval high",
        "Base",
    ]
    figures = [r for r in rows[1:] if r and r[0].startswith("Q")]
    assert figures
    assert all(r[5] in ("", "fewer than 10") or int(r[5]) >= 10 for r in figures)
    # The 15-24 figures rest on 4 respondents: never shown as a number.
    young = [r for r in figures if "15-24" in r[1]]
    assert young and all(r[2] == "fewer than 10" for r in young)
    assert "55_64" not in text and "COMMENTS" not in text  # no respondent's row


def test_asking_for_and_downloading_an_export_are_audited(
    officer_client, officer, answered, django_capture_on_commit_callbacks
):
    export = _start(officer_client, answered, "csv", django_capture_on_commit_callbacks)
    _download(officer_client, export)

    entries = AuditEntry.objects.filter(survey=answered).order_by("at", "id")
    assert [(e.action, e.actor, e.detail["export"]) for e in entries] == [
        ("export.requested", officer, export.pk),
        ("export.downloaded", officer, export.pk),
    ]


def test_export_page_shows_status_and_a_download_link_when_ready(
    officer_client, answered, django_capture_on_commit_callbacks
):
    export = _start(officer_client, answered, "csv", django_capture_on_commit_callbacks)

    page = officer_client.get(reverse("officers:export", args=[answered.slug, export.pk]))

    content = page.content.decode()
    assert "Ready to download" in content
    assert reverse("officers:download", args=[answered.slug, export.pk]) in content
    assert 'http-equiv="refresh"' not in content


def test_unfinished_export_page_updates_in_place_never_reloads_and_has_no_download(
    officer_client, officer, survey
):
    export = export_make(survey=survey, user=officer, ready=False)

    page = officer_client.get(reverse("officers:export", args=[survey.slug, export.pk]))
    download = officer_client.get(reverse("officers:download", args=[survey.slug, export.pk]))

    content = page.content.decode()
    # WCAG 2.2.1: no reload the officer did not ask for; a script updates the status in
    # place, and without JavaScript a link checks again.
    assert 'http-equiv="refresh"' not in content
    assert "export-status.mjs" in content
    assert "data-export-pending" in content
    assert "Check again" in content
    assert download.status_code == 404


def test_excel_export_has_a_sheet_per_question_and_the_comparison(
    officer_client, answered, django_capture_on_commit_callbacks
):
    from openpyxl import load_workbook

    export = _start(officer_client, answered, "xlsx", django_capture_on_commit_callbacks)

    book = load_workbook(io.BytesIO(_download(officer_client, export)))
    assert {"About", "Comparison", "Q1", "Q4", "Q8", "AGE"} <= set(book.sheetnames)
    q8 = {row[1]: row[2] for row in book["Q8"].iter_rows(min_row=3, values_only=True)}
    assert q8["Base (answered)"] == 24
    # A demographic question's sheet counts respondents, under the disclosure policy.
    age = [row[2] for row in book["AGE"].iter_rows(min_row=3, values_only=True) if row[2]]
    assert age and all(n == "fewer than 10" or n >= 10 for n in age)
    comparison = list(book["Comparison"].iter_rows(values_only=True))
    assert comparison[0][:3] == ("Question", "Figure", "Local %")
    # The 15-24 figures rest on 4 respondents: suppressed, never shown as a number.
    young = [r for r in comparison if "15-24" in str(r[1]) or "15 to 24" in str(r[1])]
    assert young and all(r[2] == "fewer than 10" for r in young)


def test_spss_export_is_the_reports_figures_with_labels(
    officer_client, answered, django_capture_on_commit_callbacks
):
    import pyreadstat

    export = _start(officer_client, answered, "sav", django_capture_on_commit_callbacks)
    export.refresh_from_db()

    frame, meta = pyreadstat.read_sav(export.file.path)
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["local_pct"] == "Local %" and labels["base"] == "Base"
    assert len(frame) > 10 and "Q8" not in frame.columns  # a case per figure, not per person
    hidden = frame[frame["shown"] == "fewer than 10"]
    assert len(hidden) and hidden["local_pct"].isna().all() and hidden["base"].isna().all()
    assert (frame["base"].dropna() >= 10).all()


def test_pdf_export_is_a_pdf_of_the_comparison(
    officer_client, answered, django_capture_on_commit_callbacks
):
    from pypdf import PdfReader

    export = _start(officer_client, answered, "pdf", django_capture_on_commit_callbacks)

    content = _download(officer_client, export)
    assert content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) >= 1
    text = "".join(page.extract_text() for page in reader.pages)
    assert "comparison with the national picture" in text
    assert "fewer than 10" in text


def test_an_unweighted_survey_is_not_asked_a_weighting_and_exports_unweighted(
    officer_client, answered, django_capture_on_commit_callbacks
):
    page = officer_client.get(reverse("officers:exports", args=[answered.slug]))
    assert 'name="weighting"' not in page.content.decode()

    export = _start(officer_client, answered, "pdf", django_capture_on_commit_callbacks, "weighted")
    export.refresh_from_db()

    assert (export.status, export.weighted) == ("ready", False)


def test_a_weighted_export_built_before_the_survey_is_weighted_fails_with_the_reason(
    officer, answered
):
    export = Export.objects.create(survey=answered, created_by=officer, kind="pdf", weighted=True)

    export_build(export_id=export.pk)

    export.refresh_from_db()
    assert export.status == "failed"
    assert "has not been weighted yet" in export.message


def test_export_of_a_survey_with_no_responses_fails_clearly(officer, survey):
    export = Export.objects.create(survey=survey, created_by=officer, kind="xlsx")

    export_build(export_id=export.pk)

    export.refresh_from_db()
    assert export.status == "failed"
    assert "no complete responses" in export.message


def test_building_an_export_twice_keeps_the_first_file(officer, answered):
    export = Export.objects.create(survey=answered, created_by=officer, kind="csv")
    first = export_build(export_id=export.pk).file.name

    again = export_build(export_id=export.pk)

    assert again.file.name == first


def test_unknown_format_is_a_form_error(officer_client, survey):
    response = officer_client.post(
        reverse("officers:exports", args=[survey.slug]), {"kind": "docx", "weighting": "weighted"}
    )

    assert response.status_code == 400
    assert "Select a format" in response.content.decode()
    assert not Export.objects.exists()


def test_another_councils_export_id_under_ones_own_survey_is_404(
    client, officer, survey, other_survey, other_officer
):
    theirs = export_make(survey=other_survey, user=other_officer)
    client.force_login(officer)

    for name in ("export", "download"):
        response = client.get(reverse(f"officers:{name}", args=[survey.slug, theirs.pk]))
        assert response.status_code == 404


def test_officer_cannot_start_an_export_of_another_councils_survey(client, other_officer, survey):
    client.force_login(other_officer)

    response = client.post(
        reverse("officers:exports", args=[survey.slug]), {"kind": "csv", "weighting": "unweighted"}
    )

    assert response.status_code == 404
    assert not Export.objects.exists()


# ---------------------------------------------------------------------------------------------
# A task delivered twice, a worker lost mid-build: one build at a time, no file left behind


def _files(survey) -> list[str]:
    """Every file under the survey's export folder, by name."""
    from django.conf import settings

    folder = Path(settings.MEDIA_ROOT) / "exports" / survey.council.slug / survey.slug
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def _building(then):
    """export_content that calls ``then(export)`` the first time, in the middle of the build,
    as a second delivery of the task arriving while the first is still at work would."""
    real = exports.export_content
    calls: list[int] = []

    def content(*, export, progress):
        calls.append(export.pk)
        if len(calls) == 1:
            then(export)
        return real(export=export, progress=progress)

    return mock.patch("officers.services.exports.export_content", side_effect=content), calls


def test_a_second_delivery_while_the_first_is_building_leaves_the_build_to_it(officer, answered):
    export = Export.objects.create(survey=answered, created_by=officer, kind="csv")
    second: list[Export] = []
    patch, calls = _building(lambda e: second.append(export_build(export_id=e.pk)))

    with patch:
        first = export_build(export_id=export.pk)

    assert second[0].status == Export.Status.RUNNING, "the second delivery did not build"
    assert calls == [export.pk]
    assert (first.status, first.attempts) == (Export.Status.READY, 1)
    assert _files(answered) == [first.file.name.rsplit("/", 1)[-1]]


def test_a_delivery_after_the_lease_ran_out_builds_again_and_the_lost_worker_keeps_no_file(
    officer, answered
):
    export = Export.objects.create(survey=answered, created_by=officer, kind="csv")

    def lease_runs_out_then_delivered_again(e):
        # The first worker is not heard of for a whole lease: taken to be lost.
        Export.objects.filter(pk=e.pk).update(claimed_at=F("claimed_at") - EXPORT_LEASE)
        export_build(export_id=e.pk)

    patch, calls = _building(lease_runs_out_then_delivered_again)
    with patch:
        first = export_build(export_id=export.pk)

    assert calls == [export.pk, export.pk]
    assert (first.status, first.attempts) == (Export.Status.READY, 2)
    assert _files(answered) == [first.file.name.rsplit("/", 1)[-1]]


class WorkerLost(BaseException):
    """A worker dying mid-task: nothing in the build catches it."""


def test_a_worker_whose_lease_was_taken_over_records_nothing(officer, answered):
    export = Export.objects.create(survey=answered, created_by=officer, kind="csv")

    def taken_over_by_a_worker_still_building(e):
        Export.objects.filter(pk=e.pk).update(claimed_at=F("claimed_at") - EXPORT_LEASE)
        dies = mock.patch("officers.services.exports.export_content", side_effect=WorkerLost)
        with dies, pytest.raises(WorkerLost):
            export_build(export_id=e.pk)

    patch, _ = _building(taken_over_by_a_worker_still_building)
    with patch:
        first = export_build(export_id=export.pk)

    # The first worker finished, but the export is the second one's: it stays running, with
    # no file, until the second finishes (or its own lease runs out).
    assert (first.status, first.file.name, first.attempts) == (Export.Status.RUNNING, "", 2)
    assert _files(answered) == []


def test_files_left_by_a_lost_attempt_are_removed_when_the_task_comes_back(officer, answered):
    other = export_make(survey=answered, user=officer)
    export = Export.objects.create(
        survey=answered, created_by=officer, kind="csv", status=Export.Status.RUNNING, progress=40
    )
    folder = Path(other.file.path).parent
    # A half-written file, and a whole one saved just before its worker died unrecorded.
    (folder / f"{export.pk}-0123456789abcdef0123456789abcdef.partial").write_bytes(b"id,Q1")
    (folder / f"{export.pk}-{answered.slug}-20260101-0900.csv").write_bytes(b"id,Q1\n1,2\n")

    assert build_export.delay(export.pk).get() == Export.Status.READY

    export.refresh_from_db()
    assert _files(answered) == sorted(
        [other.file.name.rsplit("/", 1)[-1], export.file.name.rsplit("/", 1)[-1]]
    )
    with export.file.open("rb") as f:
        assert f.read().decode("utf-8-sig").startswith("Question,Figure,Local %")


def test_an_export_is_marked_ready_only_once_its_whole_file_is_on_disk(officer, answered):
    export = Export.objects.create(survey=answered, created_by=officer, kind="csv")
    seen: list[tuple[str, str, list[str]]] = []
    real_fsync = os.fsync

    def while_saving(fd):
        record = Export.objects.get(pk=export.pk)
        seen.append((record.status, record.file.name, _files(answered)))
        real_fsync(fd)

    with mock.patch("collab.storage.os.fsync", side_effect=while_saving):
        built = export_build(export_id=export.pk)

    # Flushed to disk (collab.storage.DurableFileSystemStorage) while the export was still
    # being built, under a name of this attempt's own.
    name = built.file.name.rsplit("/", 1)[-1]
    assert seen == [(Export.Status.RUNNING, "", [name])]
    assert built.claim_token in name
    assert _files(answered) == [name]


def test_a_file_whose_record_cannot_be_saved_is_not_left_on_disk(officer, answered):
    export = Export.objects.create(survey=answered, created_by=officer, kind="csv")
    saved: list[list[str]] = []
    real_set = type(export.responses).set

    def recorded_then_commit_fails(manager, *args, **kwargs):
        real_set(manager, *args, **kwargs)
        saved.append(_files(answered))
        raise DatabaseError("the database went away before the commit")

    commit_fails = mock.patch.object(
        type(export.responses), "set", autospec=True, side_effect=recorded_then_commit_fails
    )
    with commit_fails, pytest.raises(DatabaseError):
        export_build(export_id=export.pk)

    assert len(saved) == 1 and len(saved[0]) == 1, "the file was saved before the record"
    export.refresh_from_db()
    assert (export.status, export.file.name) == (Export.Status.RUNNING, "")
    assert _files(answered) == []


def test_an_export_that_keeps_losing_its_worker_fails_instead_of_starting_for_ever(
    officer, answered
):
    export = Export.objects.create(
        survey=answered, created_by=officer, kind="csv", status=Export.Status.RUNNING, attempts=3
    )

    built = export_build(export_id=export.pk)

    assert built.status == Export.Status.FAILED
    assert "cut off too many times" in built.message
    assert _files(answered) == []


def test_clean_up_removes_export_files_no_record_points_to(officer, answered):
    kept = export_make(survey=answered, user=officer)
    deleted = export_make(survey=answered, user=officer)
    orphan = deleted.file.path
    deleted.delete()
    folder = Path(kept.file.path).parent
    stray = folder / "999-0123456789abcdef0123456789abcdef.partial"
    stray.write_bytes(b"id,Q1")
    an_hour_ago = (timezone.now() - dt.timedelta(hours=1)).timestamp()
    for path in (kept.file.path, orphan, stray):
        os.utime(path, (an_hour_ago, an_hour_ago))
    just_written = folder / "1000-0123456789abcdef0123456789abcdef.partial"
    just_written.write_bytes(b"id,Q1")

    assert tidy_exports.delay().get() == 2

    # A file younger than a lease may be a build in hand: it goes at a later clean-up.
    assert _files(answered) == sorted([kept.file.name.rsplit("/", 1)[-1], just_written.name])
    assert exports_tidy(now=timezone.now() + EXPORT_LEASE).files_removed == 1
    assert _files(answered) == [kept.file.name.rsplit("/", 1)[-1]]


def test_clean_up_queues_again_an_export_whose_worker_was_lost(officer, answered):
    now = timezone.now()
    lost = Export.objects.create(
        survey=answered,
        created_by=officer,
        kind="csv",
        status=Export.Status.RUNNING,
        claimed_at=now - EXPORT_LEASE - dt.timedelta(minutes=1),
    )
    building = Export.objects.create(
        survey=answered,
        created_by=officer,
        kind="csv",
        status=Export.Status.RUNNING,
        claimed_at=now,
    )

    assert exports_tidy(now=now).exports_queued == 1

    lost.refresh_from_db()
    building.refresh_from_db()
    assert lost.status == Export.Status.READY
    assert (building.status, building.file.name) == (Export.Status.RUNNING, "")


def test_export_clean_up_is_scheduled_by_celery_beat(settings):
    entry = next(
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == tidy_exports.name
    )
    assert entry["schedule"] <= 3600
