"""The blank paper-import template and its list of codes, downloaded from the import page."""

from __future__ import annotations

import csv
import io

from django.urls import reverse

from surveys.imports import MODE, RECEIVED, REF, SPLIT_ARM, response_columns, responses_csv
from surveys.models import Response
from surveys.services import spec_for
from tests.surveys.conftest import ANSWERS_A, ANSWERS_B


def _download(client, name: str, survey):
    response = client.get(reverse(f"officers:{name}", args=[survey.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # for Excel
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def test_the_template_is_the_header_row_of_every_column(officer_client, survey):
    rows = _download(officer_client, "responses_template", survey)

    columns = list(response_columns(spec_for(survey)))
    assert rows == [[SPLIT_ARM, *columns, MODE, REF, RECEIVED]]


def test_the_template_filled_in_imports(
    officer_client, officer, survey, django_capture_on_commit_callbacks
):
    [header] = _download(officer_client, "responses_template", survey)
    # Rows written in the template's column order, as an officer would in a spreadsheet.
    filled = list(
        csv.DictReader(
            io.StringIO(
                responses_csv(spec=spec_for(survey), drafts=[("A", ANSWERS_A), ("B", ANSWERS_B)])
            )
        )
    )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header)
    writer.writeheader()
    for number, row in enumerate(filled, start=1):
        writer.writerow({**row, MODE: "telephone", REF: f"form-{number}"})

    with django_capture_on_commit_callbacks(execute=True):
        page = officer_client.post(
            reverse("officers:responses_upload", args=[survey.slug]),
            {"file": io.BytesIO(("\ufeff" + out.getvalue()).encode())},
        )

    assert page.status_code == 302, page.content.decode()[:3000]
    assert Response.objects.filter(survey=survey, mode="telephone").count() == 2


def test_the_codes_list_every_column_with_its_codes_and_labels(officer_client, survey):
    rows = _download(officer_client, "responses_codes", survey)

    assert rows[0] == ["column", "column needed in the file", "question", "code", "meaning"]
    spec = spec_for(survey)
    columns = response_columns(spec)
    listed = {row[0] for row in rows[1:]}
    assert listed == {SPLIT_ARM, MODE, REF, RECEIVED, *columns}
    codes = {(row[0], row[3]): row[4] for row in rows[1:]}
    for name, (q, _) in columns.items():
        for option in q.options:
            assert codes[(name, option.code)] == option.label
    assert codes[(SPLIT_ARM, "A")] == "Half A"
    assert {code for column, code in codes if column == MODE} == {"paper", "telephone"}
    # The council's own areas are the codes of the area question.
    assert codes[("AREA", "north")] == "North ward"


def test_the_codes_say_which_half_a_statement_is_for(officer_client, survey):
    rows = _download(officer_client, "responses_codes", survey)

    spec = spec_for(survey)
    split = [
        (f"{q.code}_{i.code}", i.split_arm)
        for q in spec.questions.values()
        for i in q.items
        if i.split_arm
    ]
    assert split, "the 2014 questionnaire has split-sample statements"
    for column, arm in split:
        questions = {row[2] for row in rows if row[0] == column}
        assert all(f"half {arm} only" in q for q in questions)


def test_the_import_page_links_both_downloads(officer_client, survey):
    page = officer_client.get(reverse("officers:responses_upload", args=[survey.slug]))

    body = page.content.decode()
    assert reverse("officers:responses_template", args=[survey.slug]) in body
    assert reverse("officers:responses_codes", args=[survey.slug]) in body


def test_another_councils_officer_gets_404_for_both_downloads(client, other_officer, survey):
    client.force_login(other_officer)

    for name in ("responses_template", "responses_codes"):
        assert client.get(reverse(f"officers:{name}", args=[survey.slug])).status_code == 404
