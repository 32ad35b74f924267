"""Exports: asked for with a POST, built by the Celery task (in-process here), recorded, and
opened with the libraries officers' tools use."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from officers.models import Export
from officers.services import export_build
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


def test_csv_export_has_a_row_per_response_with_codes_labels_and_weights(
    officer_client, officer, answered, django_capture_on_commit_callbacks
):
    export = _start(officer_client, answered, "csv", django_capture_on_commit_callbacks)
    export.refresh_from_db()

    assert (export.status, export.progress, export.created_by) == ("ready", 100, officer)
    rows = list(csv.DictReader(io.StringIO(_download(officer_client, export).decode("utf-8-sig"))))
    assert len(rows) == 24
    first = rows[0]
    assert first["Q2"] == "equality_opportunity"
    assert first["Q2_label"] == "Give everyone an equal opportunity (equality of opportunity)"
    assert first["Q1_whole_community"] == "1" and first["Q1_taxes"] == "0"
    assert first["Q4_needs"] == "often"
    assert first["weight"] == "1.0"
    assert first["AGE"] == "55_64"
    assert "COMMENTS" not in first  # free text may name people: never exported
    assert "More evening opening hours" not in str(rows)


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
    comparison = list(book["Comparison"].iter_rows(values_only=True))
    assert comparison[0][:3] == ("Question", "Figure", "Local %")
    # The 15-24 figures rest on 4 respondents: suppressed, never shown as a number.
    young = [r for r in comparison if "15-24" in str(r[1]) or "15 to 24" in str(r[1])]
    assert young and all(r[2] == "fewer than 10" for r in young)


def test_spss_export_has_variable_and_value_labels(
    officer_client, answered, django_capture_on_commit_callbacks
):
    import pyreadstat

    export = _start(officer_client, answered, "sav", django_capture_on_commit_callbacks)
    export.refresh_from_db()

    frame, meta = pyreadstat.read_sav(export.file.path)
    assert len(frame) == 24
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["Q8"].startswith("Which of the following options")
    assert meta.variable_value_labels["Q8"][frame["Q8"][0]].startswith("I would be willing")
    assert meta.variable_value_labels["mode"] == {1: "Online", 2: "Paper", 3: "Telephone"}
    assert set(frame["Q1_whole_community"]) == {1.0}


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


def test_weighted_export_of_an_unweighted_survey_fails_with_the_reason(
    officer_client, answered, django_capture_on_commit_callbacks
):
    export = _start(officer_client, answered, "pdf", django_capture_on_commit_callbacks, "weighted")
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
