"""The comparison report page: its figures are the comparison engine's, and bad input of every
kind gets a clear page."""

from __future__ import annotations

import re

import pytest
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.html import escape

from results.comparison import survey_compare
from results.selectors import ResponseFilters


def _row_html(content: str, row) -> str:
    key = escape(f"{row.question}|{row.item}|{row.net}|{row.subgroup}")
    match = re.search(rf'<tr[^>]*data-figure="{re.escape(key)}">(.*?)</tr>', content, re.S)
    assert match, f"no table row for {key}"
    return match.group(1)


def test_report_figures_equal_the_comparison_engines(officer_client, seeded):
    page = officer_client.get(reverse("officers:report", args=[seeded.slug]))

    assert page.status_code == 200
    content = page.content.decode()
    comparison = survey_compare(survey=seeded, weighted=False)
    assert f"{comparison.respondents} complete responses" in content
    checked = 0
    for row in comparison.rows:
        if not row.net:
            continue
        cells = _row_html(content, row)
        if row.local_percent is None:
            continue
        assert f"data-local>{floatformat(row.local_percent, 0)}%<" in cells
        assert f"data-ci>{floatformat(row.ci_low, 0)}% to {floatformat(row.ci_high, 0)}%<" in cells
        assert f"data-base>{row.base}<" in cells
        assert f"data-effective-base>{floatformat(row.effective_base, 0)}<" in cells
        assert f"data-national>{floatformat(row.national_percent, 0)}%" in cells
        if row.difference is not None:
            assert f"data-difference>{floatformat(row.difference, 0)}<" in cells
        checked += 1
    assert checked >= 10


def test_report_says_where_no_national_figure_is_published(officer_client, seeded):
    content = officer_client.get(reverse("officers:report", args=[seeded.slug])).content.decode()

    comparison = survey_compare(survey=seeded, weighted=False)
    assert any(not r.net for r in comparison.rows)
    assert "No national figure published" in content


def test_report_lists_significant_differences_first(officer_client, seeded):
    page = officer_client.get(reverse("officers:report", args=[seeded.slug]))

    report = page.context["report"]
    rows = survey_compare(survey=seeded, weighted=False).rows
    significant = [r for r in rows if r.verdict.startswith("significantly")]
    assert len(report.significant) == len(significant) > 0
    content = page.content.decode()
    assert content.index('id="significant"') < content.index('id="notes"')
    assert "face-to-face" in content  # the mode note is visible


def test_each_chart_is_an_image_named_once_whose_figures_are_read_in_the_table(
    officer_client, seeded
):
    content = officer_client.get(reverse("officers:report", args=[seeded.slug])).content.decode()

    charts = re.findall(r"<svg[^>]*>.*?</svg>", content, re.S)
    assert charts
    for svg in charts:
        assert 'role="img"' in svg
        # Named by its title alone: the figures are not read out in its name as well.
        labelled = re.search(r'aria-labelledby="([^"]+)"', svg).group(1).split()
        assert len(labelled) == 1 and labelled[0].endswith("-title")
        assert f'id="{labelled[0]}"' in svg
        desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S).group(1)
        assert "%" not in desc and "table" in desc
        # Each bar's figures in words stay, as a tooltip, for those who point at it.
        assert re.search(r"<g><title>[^<]*%[^<]*</title>", svg)


def test_filters_narrow_the_comparison(officer_client, seeded):
    url = reverse("officers:report", args=[seeded.slug])

    page = officer_client.get(url, {"area": "north", "weighting": "unweighted"})

    assert page.status_code == 200
    expected = survey_compare(survey=seeded, weighted=False, filters=ResponseFilters(area="north"))
    assert page.context["report"].comparison.respondents == expected.respondents == 20


def test_breakdown_by_age_suppresses_small_groups(officer_client, seeded):
    page = officer_client.get(reverse("officers:report", args=[seeded.slug]), {"breakdown": "AGE"})

    assert page.status_code == 200
    breakdown = page.context["report"].breakdown
    columns = {code: respondents for code, _, respondents in breakdown.categories}
    assert columns["55_64"] == "47"  # 45, plus two of the rest
    assert columns["15_24"] == "fewer than 10"
    column = [code for code, _, _ in breakdown.categories].index("15_24")
    assert all(r.cells[column].suppressed for r in breakdown.rows)
    big = [code for code, _, _ in breakdown.categories].index("55_64")
    assert any(not r.cells[big].suppressed for r in breakdown.rows)
    assert "fewer than 10" in page.content.decode()


def test_breakdown_by_area(officer_client, seeded):
    page = officer_client.get(reverse("officers:report", args=[seeded.slug]), {"breakdown": "AREA"})

    columns = {code: n for code, _, n in page.context["report"].breakdown.categories}
    assert columns == {"north": "20", "south": "20", "east": "20"}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"breakdown": "SHOE_SIZE"}, "You can only break results down by one of the listed"),
        ({"submitted_from": "31/02/2026"}, "Enter the start date as a real date"),
        ({"submitted_to": "next tuesday"}, "Enter the end date as a real date"),
        ({"submitted_from": "2026-03-02", "submitted_to": "2026-03-01"}, "must be the same as or"),
        ({"mode": "carrier_pigeon"}, "Select a valid choice"),
        ({"subgroup": "AGE:999"}, "Select a valid choice"),
        ({"area": "atlantis"}, "Select a valid choice"),
    ],
)
def test_bad_filters_get_a_clear_error(officer_client, seeded, params, message):
    page = officer_client.get(reverse("officers:report", args=[seeded.slug]), params)

    assert page.status_code == 400
    content = page.content.decode()
    assert "There is a problem" in content
    assert message in content


def test_report_of_a_survey_with_no_responses_says_so(officer_client, survey):
    page = officer_client.get(reverse("officers:report", args=[survey.slug]))

    assert page.status_code == 200
    assert "has no complete responses" in page.content.decode()


def test_filters_that_leave_nothing_read_the_same_as_filters_that_leave_a_few(
    officer_client, seeded
):
    # An empty group and a small group look the same: neither says which it is.
    url = reverse("officers:report", args=[seeded.slug])
    empty = officer_client.get(url, {"mode": "telephone"})
    assert empty.status_code == 200
    text = empty.content.decode()
    assert "no complete responses" not in text
    assert "Fewer than 10 complete responses match (Way of answering: Telephone)" in text


def test_weighted_figures_before_any_weighting_explain_what_to_do(officer_client, seeded):
    page = officer_client.get(
        reverse("officers:report", args=[seeded.slug]), {"weighting": "weighted"}
    )

    assert page.status_code == 200
    assert "has not been weighted yet" in page.content.decode()


def test_report_defaults_to_unweighted_when_the_survey_has_no_targets(officer_client, seeded):
    page = officer_client.get(reverse("officers:report", args=[seeded.slug]))

    assert page.context["report"].comparison.weighted is False
