"""What the report says about its verdicts: how many figures were tested and what chance
alone gives, p-values beside each verdict, what a filtered selection is compared with, a
weighting that went wrong, and the methods page "About these figures" links to."""

from __future__ import annotations

import re
from decimal import Decimal

from django.urls import reverse

from results.comparison import survey_compare
from results.models import PopulationTarget, WeightingRun


def _page(client, survey, **params) -> str:
    page = client.get(reverse("officers:report", args=[survey.slug]), params)
    assert page.status_code == 200
    return page.content.decode()


def test_the_headline_says_how_many_tests_and_what_chance_gives(officer_client, seeded):
    content = _page(officer_client, seeded)
    comparison = survey_compare(survey=seeded, weighted=False)

    match = re.search(r'<p class="govuk-body" id="tests-run">(.*?)</p>', content, re.S)
    assert match
    assert f"{comparison.tests} figures were tested at the 5% level" in match.group(1)
    assert f"about {0.05 * comparison.tests:.1f} would look significant" in match.group(1)


def test_every_tested_row_shows_its_p_values(officer_client, seeded):
    content = _page(officer_client, seeded)
    comparison = survey_compare(survey=seeded, weighted=False)
    tested = [r for r in comparison.rows if r.tested]

    assert tested
    assert content.count("data-p>p = ") == len(tested)


def test_a_filtered_selection_says_what_it_is_compared_with(officer_client, seeded):
    content = _page(officer_client, seeded, subgroup="AGE:55_64", weighting="unweighted")

    assert "55-64 year olds here, compared with all adults nationally" in content
    assert "data-compared>55-64 year olds here compared with all adults nationally<" in content


def test_the_headline_never_lists_a_low_base_result_without_its_flag(officer_client, seeded):
    page = officer_client.get(
        reverse("officers:report", args=[seeded.slug]), {"subgroup": "AGE:55_64"}
    )
    report = page.context["report"]
    for r in report.significant:
        if r.row.low_base:
            assert "low base" in r.sentence()
    rows = [
        r
        for s in report.sections
        for r in s.rows
        if r.row.low_base and r.row.local_percent is not None
    ]
    assert rows and all("low base: fewer than 50" in r.sentence() for r in rows)


def test_a_failed_weighting_is_stated_at_the_top(officer_client, seeded):
    for category, share in {"female": "0.51", "male": "0.49"}.items():
        PopulationTarget.objects.create(
            survey=seeded, margin="SEX", category=category, share=Decimal(share)
        )
    WeightingRun.objects.create(survey=seeded, status="failed", message="Targets unreachable.")
    content = _page(officer_client, seeded)

    problem = content.index('id="weighting-problem"')
    assert problem < content.index('id="headline"')
    assert "Weighting failed" in content and "Targets unreachable." in content


def test_about_these_figures_links_the_statistical_methods(officer_client, seeded):
    content = _page(officer_client, seeded)
    assert f'href="{reverse("officers:statistics")}"' in content

    methods = officer_client.get(reverse("officers:statistics"))
    assert methods.status_code == 200
    text = methods.content.decode()
    assert '<h1 class="govuk-heading-l">Statistical methods</h1>' in text
    assert "Newcombe" in text and "Benjamini" in text and "svymean" in text
    assert '<pre class="collab-formula"' in text


def test_changing_a_statistical_setting_is_a_new_report_not_a_stale_one(seeded):
    from officers.cache import survey_data_version
    from officers.report import report_key
    from results.selectors import ResponseFilters

    version = survey_data_version(survey_id=seeded.pk)
    before = report_key(survey=seeded, version=version, filters=ResponseFilters(), weighted=False)
    seeded.multiple_comparisons = "holm"
    after = report_key(survey=seeded, version=version, filters=ResponseFilters(), weighted=False)
    assert before != after


def test_the_methods_page_escapes_text_and_renders_each_kind_of_block():
    from officers.methods import methods_html

    title, body = methods_html(
        "# Methods\n\n## A <b>heading</b>\n\nSome `x < y` and **bold**.\n\n"
        "    p = x / n\n\n- one\n  more\n- two\n\n1. first\n2. second\n\n"
        "| What | Count |\n| --- | ---: |\n| tests | 27 |"
    )
    assert title == "Methods"
    assert '<h2 class="govuk-heading-m">A &lt;b&gt;heading&lt;/b&gt;</h2>' in body
    assert "<code>x &lt; y</code>" in body and "<strong>bold</strong>" in body
    assert '<pre class="collab-formula" tabindex="0"><code>p = x / n</code></pre>' in body
    assert "<li>one more</li><li>two</li></ul>" in body
    assert '<ol class="govuk-list govuk-list--number"><li>first</li>' in body
    assert 'govuk-table__cell--numeric">27</td>' in body


def test_exports_state_the_tests_run_and_what_chance_gives(seeded):
    import io as _io

    from openpyxl import load_workbook
    from pypdf import PdfReader

    from officers.exports import pdf_content, xlsx_content

    comparison = survey_compare(survey=seeded, weighted=False)
    expected = f"{comparison.tests} figures were tested at the 5% level"

    book = load_workbook(
        _io.BytesIO(xlsx_content(survey=seeded, weighted=False, progress=lambda _: None))
    )
    about = [row[0] for row in book["About"].iter_rows(values_only=True) if row and row[0]]
    assert any(str(line).startswith(expected) for line in about)

    pdf = PdfReader(
        _io.BytesIO(pdf_content(survey=seeded, weighted=False, progress=lambda _: None))
    )
    text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    assert expected in text


def _words(verdict: str, difference: float | None) -> str:
    from officers.report import ReportRow
    from results.comparison import ComparisonRow

    row = ComparisonRow(
        question="Q4", item="needs", net="always or often", subgroup="all adults",
        verdict=verdict, difference=difference,
    )  # fmt: skip
    return ReportRow(row=row, label="", trend_2010=None).verdict_words


def test_one_verdict_wording_that_never_contradicts_itself():
    assert (
        _words("significantly higher", 12.4) == "Significantly higher than nationally, by 12 points"
    )
    assert _words("significantly lower", -1.2) == "Significantly lower than nationally, by 1 point"
    # A large gap that is not significant is never called "higher": it could be chance.
    assert _words("no significant difference", 14.6) == (
        "No significant difference from nationally: 15 points higher here, which could be chance"
    )
    assert _words("no significant difference", -3.0) == "No significant difference from nationally"
    assert _words("not tested", None) == "Not tested"


def test_no_verdict_on_the_demo_report_reads_higher_and_not_significant(officer_client, seeded):
    content = _page(officer_client, seeded)
    verdicts = re.findall(r"<td[^>]*data-verdict>([^<]*)", content)

    assert verdicts
    for words in verdicts:
        assert not ("No significant difference" in words and words.endswith(("higher)", "lower)")))


def test_the_headline_counts_figures_by_verdict_not_by_their_gaps(officer_client, seeded):
    content = _page(officer_client, seeded)
    tally = re.findall(r"<li>([^<:]+(?::[^<:]+)?): (\d+) figures?</li>", content)

    assert tally
    assert all("points" not in words and "could be chance" not in words for words, _ in tally)
    assert len({words for words, _ in tally}) == len(tally)
