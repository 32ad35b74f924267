"""An export taken from a filtered report holds exactly the page's figures, says which
responses and weighting it holds, and never lets a label run as a spreadsheet formula."""

from __future__ import annotations

import csv
import io
import zipfile
from xml.etree import ElementTree

import pytest
from django.urls import reverse

from officers import exports
from officers.models import Export
from officers.services import export_build
from results.selectors import ResponseFilters
from surveys.imports import csv_safe
from surveys.models import Area, Invitation, Option, Question, Response
from surveys.services import response_record
from tests.surveys.conftest import answers_for

PAYLOAD = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture
def answered(survey):
    Invitation.objects.create(survey=survey, code_hash="f" * 64)
    for i in range(40):
        arm = "A" if i % 2 else "B"
        response_record(
            survey=survey,
            answers={**answers_for(arm), "AGE": "55_64" if i < 28 else "15_24"},
            mode=Response.Mode.ONLINE if i % 3 else Response.Mode.TELEPHONE,
            split_arm=arm,
        )
    return survey


def _build(survey, officer, kind, filters):
    export = Export.objects.create(
        survey=survey,
        created_by=officer,
        kind=kind,
        filters=exports.filters_record(filters),
    )
    export_build(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == "ready", export.message
    with export.file.open("rb") as f:
        return f.read()


def _page_figures(survey, filters):
    _comparison, rows = exports.comparison_for_export(
        survey=survey, weighted=False, filters=filters
    )
    return {
        (r.row.question, r.label): (
            None
            if r.row.suppressed or r.row.local_percent is None
            else round(r.row.local_percent, 1),
            None if r.row.suppressed else r.row.base,
        )
        for r in rows
    }


def test_csv_helper_neutralises_text_and_leaves_numbers_alone():
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert csv_safe(f"{start}1+1") == f"'{start}1+1"
    assert csv_safe("Brookside") == "Brookside"
    assert csv_safe(-3.5) == -3.5 and csv_safe(-2) == -2 and csv_safe(None) is None


def test_filters_survive_the_record_and_are_printed_with_labels(answered):
    filters = ResponseFilters(mode="telephone", subgroups=(("AGE", "55_64"),))
    assert exports.filters_from_record(exports.filters_record(filters)) == filters
    lines = exports.filters_lines(survey=answered, filters=filters)
    age = Option.objects.get(question__code="AGE", code="55_64").label
    assert lines == ["Way of answering: Telephone", f"Age: {age}"]


def test_report_links_to_an_export_with_its_choices(officer_client, answered):
    page = officer_client.get(
        reverse("officers:report", args=[answered.slug]), {"subgroup": "AGE:55_64"}
    )
    text = page.content.decode()
    assert "subgroup=AGE%3A55_64" in text and "weighting=unweighted" in text
    form = officer_client.get(
        reverse("officers:exports", args=[answered.slug]), {"subgroup": "AGE:55_64"}
    ).content.decode()
    assert 'type="hidden" name="subgroup" value="AGE:55_64"' in form
    assert 'id="export-filters"' in form


def test_export_form_records_the_reports_filters(
    officer_client, answered, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(
            reverse("officers:exports", args=[answered.slug]),
            {"kind": "csv", "subgroup": "AGE:55_64", "mode": "online"},
        )
    assert response.status_code == 302
    export = Export.objects.get()
    assert export.filters == {"mode": "online", "subgroups": [["AGE", "55_64"]]}
    assert export.weighted is False


@pytest.mark.parametrize("kind", ["csv", "xlsx", "sav", "pdf"])
def test_filtered_export_holds_exactly_the_pages_figures(officer, answered, kind):
    filters = ResponseFilters(subgroups=(("AGE", "55_64"),))
    page = _page_figures(answered, filters)
    whole = _page_figures(answered, ResponseFilters())
    assert page != whole  # the filter changes the figures, so the test can tell
    content = _build(answered, officer, kind, filters)
    age = Option.objects.get(question__code="AGE", code="55_64").label

    if kind == "csv":
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        got = {
            (r[0], r[1]): (float(r[2]) if r[5] else None, int(r[5]) if r[5] else None)
            for r in rows[1:]
            if r and r[0].startswith("Q") and r[2] not in ("", "fewer than 10")
        }
        assert ["Responses included", f"Age: {age}"] in rows
        assert ["Figures", "Unweighted"] in rows
    elif kind == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content))
        got = {
            (r[0], r[1]): (r[2], r[5])
            for r in book["Comparison"].iter_rows(min_row=2, values_only=True)
            if isinstance(r[2], float | int)
        }
        about = [tuple(r) for r in book["About"].iter_rows(values_only=True)]
        assert ("Responses included", f"Age: {age}") in [r[:2] for r in about]
    elif kind == "sav":
        import os
        import tempfile

        import pyreadstat

        fd, path = tempfile.mkstemp(suffix=".sav")
        os.write(fd, content)
        os.close(fd)
        try:
            frame, meta = pyreadstat.read_sav(path)
        finally:
            os.remove(path)
        got = {
            (r.question, r.figure): (round(r.local_pct, 1), int(r.base))
            for r in frame.itertuples()
            if r.local_pct == r.local_pct
        }
        assert f"Age: {age}" in meta.file_label
    else:
        from pypdf import PdfReader

        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
        assert f"Age: {age}" in " ".join(text.split())
        assert "-0" not in text.replace("2014-", "").replace("-0.", "")
        for (_q, _label), (pct, _base) in page.items():
            if pct is not None:
                assert f"{pct:.0f}%" in text
        return
    expected = {k: v for k, v in page.items() if v[0] is not None}
    assert got == expected


def test_injection_payload_in_every_label_is_neutralised(officer, answered):
    Question.objects.filter(questionnaire=answered.questionnaire).update(text=PAYLOAD)
    Option.objects.filter(question__questionnaire=answered.questionnaire).update(label=PAYLOAD)
    Area.objects.filter(council=answered.council).update(name=PAYLOAD)
    answered.council.name = PAYLOAD
    answered.council.save()
    answered.title = PAYLOAD
    answered.save()

    content = _build(answered, officer, "csv", ResponseFilters())
    cells = [c for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for c in row]
    assert f"'{PAYLOAD}" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    assert not [c for c in cells if c[:1] == "-" and not _is_number(c)]

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(_build(answered, officer, "xlsx", ResponseFilters())))
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, str):
                    assert value[:1] not in ("=", "+", "-", "@", "\t", "\r"), value
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f"


def test_microdata_csv_neutralises_labels(officer, answered):
    Area.objects.filter(council=answered.council).update(name=PAYLOAD)
    export = Export.objects.create(survey=answered, created_by=officer, kind="mcsv")
    export_build(export_id=export.pk)
    export.refresh_from_db()
    with export.file.open("rb") as f, zipfile.ZipFile(f) as z:
        text = z.read("respondents.csv").decode("utf-8-sig")
    for row in csv.reader(io.StringIO(text)):
        for c in row:
            assert c[:1] not in ("=", "+", "@", "\t", "\r")
            assert c[:1] != "-" or _is_number(c)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_the_workbook_holds_the_pages_charts_as_native_excel_charts(officer, answered):
    content = _build(answered, officer, "xlsx", ResponseFilters())
    _comparison, rows = exports.comparison_for_export(
        survey=answered, weighted=False, filters=ResponseFilters()
    )
    charted: dict[str, list] = {}
    for r in rows:
        if not r.row.suppressed and None not in (r.row.local_percent, r.row.national_percent):
            charted.setdefault(r.row.question, []).append(r)
    assert charted  # the page has charts, so the workbook must

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        charts = sorted(n for n in archive.namelist() if n.startswith("xl/charts/chart"))
        xml = [archive.read(n).decode() for n in charts]
    assert len(xml) == len(charted)  # one native chart per charted question
    c = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
    for chart in map(ElementTree.fromstring, xml):
        assert chart.find(f".//{c}barDir").get("val") == "bar"  # labels read across
        assert chart.find(f".//{c}errBars") is not None  # the local figure's 95% interval
        assert chart.find(f".//{c}valAx/{c}scaling/{c}min").get("val") == "0"
        assert chart.find(f".//{c}valAx/{c}scaling/{c}max").get("val") == "100"
        assert len(chart.findall(f".//{c}ser")) == 2  # local and national
        dashes = [e for e in chart.iter() if e.tag.endswith("prstDash")]
        assert dashes  # national told apart by more than colour

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content))["Charts"]
    table = [r for r in sheet.iter_rows(values_only=True) if r and r[0]]
    titles = [r[0] for r in table if r[1] is None and str(r[0])[:1] == "Q"]
    assert [t.split(":")[0] for t in titles] == list(charted)  # the page's order
    figures = {r[0]: (r[1], r[2]) for r in table if isinstance(r[1], float | int)}
    for q_rows in charted.values():
        for r in q_rows:
            assert figures[r.label] == (round(r.row.local_percent, 1), r.row.national_percent)


def test_the_workbooks_question_sheets_are_the_pages_topline(officer, answered):
    from openpyxl import load_workbook

    from results.topline import survey_topline

    filters = ResponseFilters(subgroups=(("AGE", "55_64"),))
    content = _build(answered, officer, "xlsx", filters)
    book = load_workbook(io.BytesIO(content))
    topline = survey_topline(survey=answered, filters=filters, weighted=False)
    assert topline

    for question in topline:
        rows = list(book[question.code].iter_rows(min_row=3, values_only=True))
        figures = [
            r for r in rows if r[2] is not None and r[1] not in ("Base (answered)", "Not answered")
        ]
        expected = [
            (item.text or None, row.label, round(row.percent, 1), round(row.ci_low, 1))
            for item in question.items
            for row in item.rows
        ]
        assert [(r[0], r[1], r[2], r[3]) for r in figures] == expected
        bases = [r[2] for r in rows if r[1] == "Base (answered)"]
        assert bases == [item.base for item in question.items]


def test_the_exports_list_and_page_say_which_responses_each_file_holds(
    officer_client, answered, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(
            reverse("officers:exports", args=[answered.slug]),
            {"kind": "csv", "subgroup": "AGE:55_64"},
        )
    export = Export.objects.get()
    age = Option.objects.get(question__code="AGE", code="55_64").label

    listing = officer_client.get(reverse("officers:exports", args=[answered.slug]))
    assert (
        f'<td class="govuk-table__cell" data-selection>Age: {age}</td>' in listing.content.decode()
    )
    page = officer_client.get(reverse("officers:export", args=[answered.slug, export.pk]))
    assert f"data-selection>Age: {age}" in page.content.decode()
