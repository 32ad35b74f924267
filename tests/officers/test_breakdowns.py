"""The report's breakdown by a demographic, as a committee reads it: each cell with its 95%
interval, base and low-base flag; an "All" column and a "GB 2014" column; the right base for a
statement asked of half the respondents; each group tested against the rest of the council,
adjusted for the number of tests as the survey says; small groups hidden with their
intervals; headings in labels, not codes.

The survey is built so that the answers are known: women chose "equality of opportunity" at
Q2 far more often than men (a clear difference), and the two answered Q8 alike (none)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from officers.exports import (
    BREAKDOWN_HEADER,
    breakdown_from_record,
    figures_csv_content,
    pdf_content,
)
from officers.models import Export
from officers.report import REST, report_build
from results import stats
from results.selectors import ResponseFilters
from surveys.models import Survey
from tests.results.factories import response_make

WOMEN = MEN = 120


def _answers(*, sex: str, age: str, arm: str, q2_yes: bool, willing: bool) -> dict:
    answers = {
        "SEX": sex,
        "AGE": age,
        "AREA": "north",
        "Q2": "equality_opportunity" if q2_yes else "same_for_everyone",
        "Q8": "willing" if willing else "no_time",
        "Q4": {"needs": "often"},
    }
    # Q3's statements are asked of half the sample each: "dignity" of arm A, "outcome" of B.
    if arm == "A":
        answers["Q3"] = {"dignity": "strongly_agree"}
    else:
        answers["Q3"] = {"outcome": "tend_disagree"}
    return answers


# Ages: a group of 5 (hidden), one of 20 (hidden with it, so the total cannot give it back),
# one of 30 (shown, low base) and the rest 55-64.
AGES = ["15_24"] * 5 + ["25_34"] * 20 + ["35_44"] * 30


@pytest.fixture
def known(survey: Survey) -> Survey:
    ages = iter(AGES)
    for sex, count, share in (("female", WOMEN, 0.8), ("male", MEN, 0.3)):
        for i in range(count):
            response_make(
                survey=survey,
                arm="A" if i % 2 else "B",
                answers=_answers(
                    sex=sex,
                    age=next(ages, "55_64"),
                    arm="A" if i % 2 else "B",
                    q2_yes=i < share * count,
                    willing=i % 2 == 0,
                ),
            )
    return survey


def _row(breakdown, question: str, item: str, net: str):
    return next(
        r
        for r in breakdown.rows
        if (r.row.row.question, r.row.row.item, r.row.row.net) == (question, item, net)
    )


def _column(breakdown, code: str) -> int:
    return [c for c, _, _ in breakdown.categories].index(code)


def _build(survey: Survey, breakdown: str, filters: ResponseFilters | None = None):
    return report_build(
        survey=survey, filters=filters or ResponseFilters(), weighted=False, breakdown=breakdown
    )


def test_each_cell_has_its_percentage_interval_and_base(known):
    breakdown = _build(known, "SEX").breakdown
    row = _row(breakdown, "Q2", "", "equality of opportunity")
    women = row.cells[_column(breakdown, "female")]

    expected = stats.proportion(96, 120)
    assert women.percent == pytest.approx(80.0)
    assert women.text == "80%"
    assert women.base == 120
    assert (women.ci_low, women.ci_high) == pytest.approx(
        (expected.ci_low * 100, expected.ci_high * 100)
    )
    assert women.ci_text == f"{expected.ci_low * 100:.0f}% to {expected.ci_high * 100:.0f}%"
    assert not women.low_base


def test_the_all_column_is_the_comparisons_own_figure(known):
    report = _build(known, "SEX")
    row = _row(report.breakdown, "Q2", "", "equality of opportunity")
    compared = next(
        r.row
        for section in report.sections
        for r in section.rows
        if (r.row.question, r.row.net) == ("Q2", "equality of opportunity")
    )

    assert row.all.percent == pytest.approx(compared.local_percent)
    assert (row.all.ci_low, row.all.ci_high) == (compared.ci_low, compared.ci_high)
    assert row.all.base == WOMEN + MEN == compared.base
    assert report.breakdown.respondents == f"{WOMEN + MEN}"


def test_the_gb_2014_column_shows_only_figures_the_report_prints(known):
    breakdown = _build(known, "SEX").breakdown

    # Q2 "equality of opportunity" is printed as 40%; Q8 "willing" only in words.
    assert _row(breakdown, "Q2", "", "equality of opportunity").national_text == "40%"
    willing = _row(breakdown, "Q8", "", "willing")
    assert willing.national_percent is None
    assert willing.national_text == "given in words only"


def test_a_split_sample_statement_has_the_asked_half_of_each_group_for_its_base(known):
    breakdown = _build(known, "SEX").breakdown
    dignity = _row(breakdown, "Q3", "dignity", "agree")
    needs = _row(breakdown, "Q4", "needs", "always or often")
    women = _column(breakdown, "female")

    # Only arm A was asked the "dignity" statement: half of the 120 women.
    assert dignity.split_sample
    assert dignity.cells[women].base == WOMEN // 2
    assert dignity.cells[women].percent == pytest.approx(100.0)
    assert dignity.all.base == (WOMEN + MEN) // 2
    # A statement asked of everyone has the whole group.
    assert not needs.split_sample
    assert needs.cells[women].base == WOMEN


def test_a_base_under_50_is_flagged_low(known):
    breakdown = _build(known, "AGE").breakdown
    row = _row(breakdown, "Q2", "", "equality of opportunity")

    thirty = row.cells[_column(breakdown, "35_44")]
    assert thirty.base == 30
    assert thirty.low_base
    assert not row.cells[_column(breakdown, "55_64")].low_base


def test_a_clear_difference_between_groups_is_significant_and_none_is_not(known):
    breakdown = _build(known, "SEX").breakdown
    women, men = _column(breakdown, "female"), _column(breakdown, "male")
    q2 = _row(breakdown, "Q2", "", "equality of opportunity")
    q8 = _row(breakdown, "Q8", "", "willing")

    assert q2.cells[women].verdict == "significantly higher"
    assert q2.cells[women].marker == "▲"
    assert q2.cells[women].verdict_words == "significantly higher than the rest of the council"
    assert q2.cells[men].verdict == "significantly lower"
    assert q2.cells[men].marker == "▼"
    assert q8.cells[women].verdict == q8.cells[men].verdict == "no significant difference"
    assert q8.cells[women].marker == ""
    # The test is the two-sample score test on the group and the rest (here the other sex).
    test = stats.group_versus_rest_test(p_group=0.8, n_group=120, p_rest=0.3, n_rest=120)
    assert q2.cells[women].p_value == pytest.approx(test.p_value)
    assert q2.cells[women].rest_percent == pytest.approx(30.0)


@pytest.mark.parametrize("adjustment", [stats.Adjustment.HOLM, stats.Adjustment.BH])
def test_the_verdicts_are_adjusted_over_the_breakdowns_tests(known, adjustment):
    known.multiple_comparisons = adjustment
    known.save()
    breakdown = _build(known, "SEX").breakdown
    tested = [c for r in breakdown.rows for c in r.cells if c.tested]

    assert breakdown.tests == len(tested) > 2
    assert breakdown.adjustment == adjustment
    adjusted = stats.p_adjust([c.p_value for c in tested], adjustment)
    assert [c.p_adjusted for c in tested] == pytest.approx(adjusted)
    for cell, p in zip(tested, adjusted, strict=True):
        assert cell.verdict == stats.verdict(p, cell.percent - cell.rest_percent)
    assert breakdown.significant == sum(
        c.verdict in ("significantly higher", "significantly lower") for c in tested
    )


def test_the_group_of_everyone_has_no_one_to_be_tested_against(known):
    breakdown = _build(known, "SEX", ResponseFilters(subgroups=(("SEX", "female"),))).breakdown
    women = _column(breakdown, "female")

    assert all(not r.cells[women].tested for r in breakdown.rows)
    assert breakdown.tests == 0
    assert breakdown.rest_words == "the rest of the selected respondents"


def test_small_groups_are_hidden_with_their_intervals_and_tests(known):
    breakdown = _build(known, "AGE").breakdown
    columns = {code: n for code, _, n in breakdown.categories}

    assert columns["15_24"] == columns["25_34"] == "fewer than 10"
    for code in ("15_24", "25_34"):
        for row in breakdown.rows:
            cell = row.cells[_column(breakdown, code)]
            assert cell.suppressed
            assert cell.ci_low is cell.ci_high is cell.base is cell.p_value is None
            assert cell.ci_text == "" and cell.verdict == "" and cell.marker == ""
    assert REST not in columns


def test_the_page_shows_cells_columns_marks_and_labels(officer_client, known):
    page = officer_client.get(
        reverse("officers:report", args=[known.slug]),
        {"breakdown": "SEX", "weighting": "unweighted"},
    )
    content = page.content.decode()

    assert page.status_code == 200
    section = content[content.index('aria-labelledby="breakdown"') :]
    assert "Broken down by sex</h2>" in section
    assert "by SEX" not in content
    assert "Local percentages by sex (unweighted)" in section
    assert 'data-group="all">All' in section
    assert 'data-group="national">GB 2014' in section
    row = re.search(r'data-figure="Q2\|\|equality of opportunity">(.*?)</tr>', section, re.S)
    assert row
    assert "<span data-local>80%</span>" in row.group(1)
    assert "significantly higher than the rest of the council" in row.group(1)
    assert 'aria-hidden="true" data-marker>▲' in row.group(1)
    assert "base 120" in row.group(1)
    assert "data-ci>" in row.group(1)
    assert ">40%</td>" in row.group(1)
    dignity = re.search(r'data-figure="Q3\|dignity\|agree">(.*?)</tr>', section, re.S)
    assert "Asked of half the respondents" in dignity.group(1)
    assert "base 60" in dignity.group(1)
    # The breakdown's tests are counted with the report's.
    tests_run = re.search(r'id="tests-run">(.*?)</p>', content, re.S).group(1)
    breakdown = page.context["report"].breakdown
    assert f"ran {breakdown.tests} more tests, each group against the rest" in tests_run


def test_the_page_hides_small_groups_and_flags_low_bases(officer_client, known):
    page = officer_client.get(
        reverse("officers:report", args=[known.slug]),
        {"breakdown": "AGE", "weighting": "unweighted"},
    )
    section = page.content.decode().split('aria-labelledby="breakdown"')[1]
    row = re.search(r'data-figure="Q2\|\|equality of opportunity">(.*?)</tr>', section, re.S)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    breakdown = page.context["report"].breakdown

    assert "Broken down by age</h2>" in section
    hidden = cells[_column(breakdown, "15_24")]
    assert hidden.strip() == "fewer than 10"
    assert "data-low-base" in cells[_column(breakdown, "35_44")]
    assert "data-low-base" not in cells[_column(breakdown, "55_64")]


def _no_progress(_percent: int) -> None:
    return None


def _breakdown_csv(survey: Survey, breakdown: str) -> list[list[str]]:
    content = figures_csv_content(
        survey=survey, weighted=False, progress=_no_progress, breakdown=breakdown
    )
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    start = rows.index(BREAKDOWN_HEADER)
    table = [r for r in rows[start + 1 :] if len(r) == len(BREAKDOWN_HEADER)]
    return [rows[start - 1], rows[start], *table]


def test_the_csv_carries_the_pages_cells_intervals_flags_and_verdicts(known):
    page = _build(known, "SEX").breakdown
    heading, header, *rows = _breakdown_csv(known, "SEX")
    by_key = {(r[0], r[1], r[2]): dict(zip(header, r, strict=True)) for r in rows}
    q2 = _row(page, "Q2", "", "equality of opportunity")
    women = q2.cells[_column(page, "female")]

    assert heading == ["Broken down by sex"]
    line = by_key[("Q2", q2.row.label, "Female")]
    assert float(line["Local %"]) == round(women.percent, 1)
    assert float(line["95% interval low"]) == round(women.ci_low, 1)
    assert float(line["95% interval high"]) == round(women.ci_high, 1)
    assert int(line["Base"]) == 120
    assert line["Against the rest"] == "significantly higher than the rest of the council"
    assert float(line["GB 2014 %"]) == 40
    everyone = by_key[("Q2", q2.row.label, "All")]
    assert int(everyone["Base"]) == WOMEN + MEN
    dignity = _row(page, "Q3", "dignity", "agree")
    assert int(by_key[("Q3", dignity.row.label, "Female")]["Base"]) == WOMEN // 2


def test_the_csv_hides_small_groups_and_flags_low_bases_as_the_page_does(known):
    _heading, header, *rows = _breakdown_csv(known, "AGE")
    lines = [dict(zip(header, r, strict=True)) for r in rows if r and r[0] == "Q2"]
    small = [line for line in lines if line["Group"].startswith("15 to 24")]
    thirty = [line for line in lines if line["Group"].startswith("35 to 44")]

    assert small and all(line["Local %"] == "fewer than 10" for line in small)
    assert all(line["95% interval low"] == line["Against the rest"] == "" for line in small)
    assert thirty and all(line["Low base"] == "yes" for line in thirty)


def test_the_pdf_prints_the_breakdown(known):
    content = pdf_content(survey=known, weighted=False, progress=_no_progress, breakdown="SEX")
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split()
    )

    assert "Broken down by sex" in text
    assert "80% HIGHER" in text
    assert "GB 2014" in text
    assert "each group against the rest of the council" in text


def test_an_export_asked_for_from_a_broken_down_report_records_the_breakdown(
    officer_client, known, django_capture_on_commit_callbacks
):
    url = reverse("officers:exports", args=[known.slug])
    form = officer_client.get(url, {"breakdown": "SEX"}).content.decode()
    assert 'type="hidden" name="breakdown" value="SEX"' in form
    assert "breakdown (broken down by sex)" in form

    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(url, {"kind": "csv", "breakdown": "SEX"})

    assert response.status_code == 302
    export = Export.objects.get()
    assert export.filters == {"breakdown": "SEX"}
    assert breakdown_from_record(export.filters) == "SEX"
