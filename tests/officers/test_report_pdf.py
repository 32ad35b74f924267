"""The report's PDF carries the page: every page renders to an image, and its text holds
every option's local figure, every chart's full labels, the summary and the methods."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from officers.report import report_build
from officers.report_paper import report_methods, report_pdf, report_summary, whole_percent
from results.selectors import ResponseFilters
from surveys.models import Survey

pdfium = pytest.importorskip("pypdfium2")


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def demo(db):
    call_command("demo_setup", responses=150, stdout=io.StringIO())
    survey = Survey.objects.get(slug="demo-2014")
    report = report_build(survey=survey, filters=ResponseFilters(), weighted=False)
    return survey, report, report_pdf(survey=survey, report=report)


def test_every_page_of_the_pdf_renders_to_an_image(demo):
    _survey, _report, content = demo
    document = pdfium.PdfDocument(content)
    assert len(document) >= 3
    for page in document:
        image = page.render(scale=1).to_pil()
        # Not blank: some pixels are dark (text, bars).
        assert image.convert("L").getextrema()[0] < 100


def test_the_pdf_holds_every_figure_of_the_topline_and_every_chart_label(demo):
    survey, report, content = demo
    text = _flat(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))

    assert "Summary" in text and _flat(report_summary(report))[:80] in text
    assert _flat(report_methods(report, survey=survey))[:80] in text
    order = [
        text.index(h)
        for h in (
            "Summary",
            "How the figures were made",
            "Headline",
            "Every answer",
            "Comparison with the national figures",
            "Charts",
            "Notes",
        )
    ]
    assert order == sorted(order)
    checked = 0
    for q in report.topline:
        assert _flat(f"{q.code}. {q.text}") in text
        for item in q.items:
            for r in item.rows:
                assert _flat(r.label) in text, r.label
                assert r.percent is not None
                assert f"{_flat(r.label)} {whole_percent(r.percent)}" in text, r.label
                checked += 1
    assert checked > 50
    labels = [
        r.label
        for s in report.sections
        if s.chart
        for r in s.rows
        if r.row.national_percent is not None and r.row.local_percent is not None
    ]
    assert labels
    for label in labels:
        assert _flat(label) in text
    assert "-0%" not in text and " -0 " not in text


def test_the_methods_name_the_weighting_runs_margins_and_the_selection_in_labels(demo):
    from results.services import survey_reweight
    from surveys.models import Option

    survey, _report, _content = demo
    run = survey_reweight(survey_id=survey.pk)
    assert run.status == "ok" and run.margins, run.message  # the demo has its targets

    weighted = report_build(survey=survey, filters=ResponseFilters(), weighted=True)
    methods = report_methods(weighted, survey=survey)
    names = {"AGE": "age", "SEX": "sex", "AREA": "area"}
    named = [names[m] for m in run.margins]
    listed = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"
    assert f"weighted to the council's population by {listed} (rim weighting" in methods

    age = Option.objects.get(question__questionnaire=survey.questionnaire, question__code="AGE",
                             code="35_44")  # fmt: skip
    narrowed = report_build(
        survey=survey, filters=ResponseFilters(subgroups=(("AGE", "35_44"),)), weighted=False
    )
    methods = report_methods(narrowed, survey=survey)
    assert f"(Age: {age.label})" in methods
    assert "AGE" not in methods and "35_44" not in methods


def test_the_methods_count_the_ways_of_answering_under_the_disclosure_policy():
    from officers.report_paper import _modes_text

    # 21 online of 22 would give the one by telephone away: nothing is shown by mode.
    assert _modes_text({"online": 21, "telephone": 1}) == (
        "online, paper and telephone not shown separately"
    )
    assert _modes_text({"online": 55, "paper": 3, "telephone": 1}) == (
        "online, paper and telephone not shown separately"
    )
    # One small mode beside two large ones: the smaller large one is hidden with it.
    assert _modes_text({"online": 200, "paper": 40, "telephone": 4}) == (
        "200 online, paper and telephone not shown separately"
    )
    assert _modes_text({"online": 200, "paper": 40, "telephone": 30}) == (
        "200 online, 40 paper, 30 telephone"
    )
    assert _modes_text({"online": 30}) == "30 online"  # the empty modes need no protection
