"""Paper imported once: REF stored and unique per survey, a file or a row already stored
refused with the rows named, imports in the background with progress, undone as a whole."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from surveys import imports, services
from surveys.imports import UploadRejected, import_queue, import_run, import_undo, responses_import
from surveys.models import Answer, AuditEntry, Response, ResponseImport
from surveys.services import spec_for
from tests.surveys.conftest import ANSWERS_A, ANSWERS_B

pytestmark = pytest.mark.django_db


def _csv(survey, rows: list[tuple[str, dict, str]]) -> str:
    """A responses file with a REF column: (split arm, answers, REF)."""
    text = imports.responses_csv(spec=spec_for(survey), drafts=[(a, d) for a, d, _ in rows])
    lines = text.splitlines()
    lines[0] += ",REF"
    for i, (_, _, ref) in enumerate(rows, start=1):
        lines[i] += f",{ref}"
    return "\n".join(lines) + "\n"


def test_the_same_file_twice_is_stored_once(survey):
    text = _csv(survey, [("A", ANSWERS_A, "101"), ("B", ANSWERS_B, "102")])

    assert responses_import(survey=survey, text=text) == 2
    with pytest.raises(UploadRejected) as refused:
        responses_import(survey=survey, text=text)

    assert Response.objects.filter(survey=survey).count() == 2
    assert sorted(Response.objects.values_list("ref", flat=True)) == ["101", "102"]
    problems = [str(p) for p in refused.value.problems]
    assert problems == [
        "Row 2, column REF: REF 101 is already stored: this form has been imported or entered "
        "before. Remove the row, or undo the earlier import first.",
        "Row 3, column REF: REF 102 is already stored: this form has been imported or entered "
        "before. Remove the row, or undo the earlier import first.",
    ]


def test_a_file_with_one_row_already_stored_stores_nothing(survey):
    responses_import(survey=survey, text=_csv(survey, [("A", ANSWERS_A, "101")]))
    answers_before = Answer.objects.count()

    later = _csv(
        survey, [("B", ANSWERS_B, "200"), ("A", ANSWERS_A, "101"), ("B", ANSWERS_B, "201")]
    )
    with pytest.raises(UploadRejected) as refused:
        responses_import(survey=survey, text=later)

    assert [p.row for p in refused.value.problems] == [3]
    assert Response.objects.count() == 1
    assert Answer.objects.count() == answers_before


def test_the_database_refuses_a_ref_twice_in_one_survey(survey, questionnaire, council):
    Response.objects.create(survey=survey, split_arm="A", ref="7")
    Response.objects.create(survey=survey, split_arm="A", ref="")  # no REF: any number of these
    Response.objects.create(survey=survey, split_arm="A", ref="")
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(survey=survey, split_arm="B", ref="7")


def test_a_file_without_refs_imported_twice_is_refused_the_second_time(survey):
    text = imports.responses_csv(spec=spec_for(survey), drafts=[("A", ANSWERS_A)])
    first = import_run(import_id=import_queue(survey=survey, text=text, filename="a.csv").pk)
    assert first.status == ResponseImport.Status.DONE

    second = import_run(import_id=import_queue(survey=survey, text=text, filename="a.csv").pk)

    assert second.status == ResponseImport.Status.REJECTED
    assert "This file was imported on" in second.problems[0]["message"]
    assert Response.objects.count() == 1


def test_an_import_reports_its_progress_while_it_checks_the_rows(survey, monkeypatch):
    rows = [("A" if n % 2 else "B", ANSWERS_A if n % 2 else ANSWERS_B, str(n)) for n in range(6)]
    batch = import_queue(survey=survey, text=_csv(survey, rows), filename="six.csv")
    assert batch.rows_total == 6
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 2)
    seen: list[tuple[str, int]] = []
    real = services.responses_record_bulk

    def watched(**kwargs):
        progress = kwargs.pop("progress")

        def recorded(n):
            progress(n)
            state = ResponseImport.objects.get(pk=batch.pk)
            seen.append((state.status, state.rows_checked))

        return real(**kwargs, progress=recorded)

    monkeypatch.setattr(services, "responses_record_bulk", watched)

    done = import_run(import_id=batch.pk)

    assert ("checking", 2) in seen and ("checking", 4) in seen and ("storing", 6) in seen
    assert (done.status, done.stored, done.rows_checked, done.text) == ("done", 6, 6, "")
    assert Response.objects.filter(import_batch=done).count() == 6


def test_an_officer_uploads_sees_progress_and_undoes_the_import_with_confirmation(
    officer_client, officer, survey, django_capture_on_commit_callbacks
):
    text = _csv(survey, [("A", ANSWERS_A, "101"), ("B", ANSWERS_B, "102")])
    upload = reverse("officers:responses_upload", args=[survey.slug])
    with django_capture_on_commit_callbacks(execute=True):
        queued = officer_client.post(upload, {"file": SimpleUploadedFile("p.csv", text.encode())})
    batch = ResponseImport.objects.get()
    assert queued.url == reverse("officers:responses_import", args=[survey.slug, batch.pk])
    page = officer_client.get(queued.url).content.decode()
    assert "Imported" in page and "2 of 2" in page

    undo = reverse("officers:responses_import_undo", args=[survey.slug, batch.pk])
    assert "This deletes the 2 responses" in officer_client.get(undo).content.decode()
    unconfirmed = officer_client.post(undo, {})
    assert unconfirmed.status_code == 400
    assert Response.objects.count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = officer_client.post(undo, {"confirm": "yes"})

    assert confirmed.status_code == 302
    assert not Response.objects.exists() and not Answer.objects.exists()
    batch.refresh_from_db()
    assert batch.status == ResponseImport.Status.UNDONE
    entry = AuditEntry.objects.get(action="responses_import_undone")
    assert entry.actor == officer and entry.detail["count"] == 2
    # Undone, the same file can be imported again.
    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(upload, {"file": SimpleUploadedFile("p.csv", text.encode())})
    assert Response.objects.count() == 2


def test_an_import_cannot_be_undone_twice(survey):
    batch = import_run(
        import_id=import_queue(survey=survey, text=_csv(survey, [("A", ANSWERS_A, "1")])).pk
    )
    assert import_undo(batch=batch, actor=None) == 1
    with pytest.raises(imports.SurveyError):
        import_undo(batch=batch, actor=None)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ANALYZE is PostgreSQL's")
def test_the_tables_are_analysed_after_a_bulk_import_on_postgresql(survey):
    with CaptureQueriesContext(connection) as queries:
        responses_import(survey=survey, text=_csv(survey, [("A", ANSWERS_A, "1")]))
    analysed = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("ANALYZE")]
    assert analysed == ['ANALYZE "surveys_response"', 'ANALYZE "surveys_answer"']


def test_a_file_with_refs_imported_twice_names_its_rows_the_second_time(survey):
    rows = [("A", ANSWERS_A, "R1"), ("B", ANSWERS_B, "R2")]
    text = _csv(survey, rows)
    first = import_run(import_id=import_queue(survey=survey, text=text, filename="a.csv").pk)
    assert first.status == ResponseImport.Status.DONE

    second = import_run(import_id=import_queue(survey=survey, text=text, filename="a.csv").pk)

    assert second.status == ResponseImport.Status.REJECTED
    messages = [p["message"] for p in second.problems]
    assert "This file was imported on" in messages[0]
    assert [p["row"] for p in second.problems[1:]] == [2, 3]  # rows 2 and 3 of the file
    assert all("R1" in m or "R2" in m for m in messages[1:])
    assert Response.objects.count() == 2
