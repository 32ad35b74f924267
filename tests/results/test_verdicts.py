"""What the comparison may say about a figure: the minimum base for a test, the verdicts after
the survey's multiple-comparison adjustment, the design-effect tolerance, what a filtered
selection is compared with, and a weighting that failed or is out of date."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from results import stats
from results.comparison import survey_compare
from results.models import PopulationTarget, WeightingRun
from results.selectors import ResponseFilters
from results.services import survey_reweight
from surveys.models import Survey
from tests.results.factories import responses_make


def _row(comparison, question, item="", net=None, subgroup="all adults"):
    (row,) = [
        r
        for r in comparison.rows
        if r.question == question
        and r.item == item
        and (net is None or r.net == net)
        and r.subgroup == subgroup
    ]
    return row


def test_one_response_at_100_percent_is_too_few_to_test_not_significant(survey, settings):
    settings.DISCLOSURE_THRESHOLD = 1  # the verdict alone: the report itself shows none of 1
    responses_make(1, survey=survey, answers={"Q2": "equality_opportunity"})
    row = _row(survey_compare(survey=survey, weighted=False), "Q2", net="equality of opportunity")

    assert row.local_percent == 100 and row.ci_low == pytest.approx(20.65, abs=0.01)
    assert row.verdict == stats.TOO_FEW_TO_TEST
    assert not row.tested and row.p_value is None
    assert any("too few responses to test" in note for note in row.notes)


def test_the_minimum_base_is_a_survey_setting(survey):
    responses_make(40, survey=survey, answers={"Q2": "equality_opportunity"})
    assert _row(
        survey_compare(survey=survey, weighted=False), "Q2", net="equality of opportunity"
    ).tested

    Survey.objects.filter(pk=survey.pk).update(min_test_base=50)
    survey.refresh_from_db()
    row = _row(survey_compare(survey=survey, weighted=False), "Q2", net="equality of opportunity")
    assert row.verdict == stats.TOO_FEW_TO_TEST
    assert "below the 50 needed" in " ".join(row.notes)


@pytest.fixture
def mixed_survey(survey):
    """120 respondents far from the national figures on some questions and close on others."""
    responses_make(
        70,
        survey=survey,
        answers={"Q2": "equality_opportunity", "Q8": "willing", "Q1": ["whole_community"]},
    )
    responses_make(
        50,
        survey=survey,
        answers={"Q2": "same_for_everyone", "Q8": "no_time", "Q1": ["taxes"]},
    )
    return survey


def test_verdicts_are_adjusted_over_every_tested_figure_by_benjamini_hochberg(mixed_survey):
    comparison = survey_compare(survey=mixed_survey, weighted=False)
    tested = [r for r in comparison.rows if r.tested]

    assert comparison.adjustment == "bh"
    assert comparison.tests == len(tested) > 3
    assert comparison.expected_by_chance == pytest.approx(0.05 * len(tested))
    expected = stats.p_adjust_bh([r.p_value for r in tested])
    assert [r.p_adjusted for r in tested] == pytest.approx(expected, abs=1e-15)
    for r in tested:
        assert r.verdict == stats.verdict(r.p_adjusted, r.difference)
        assert r.unadjusted_verdict == stats.verdict(r.p_value, r.difference)
        assert r.test_method.startswith("Newcombe")
    assert comparison.significant == sum(r.verdict.startswith("significantly") for r in tested)
    note = comparison.multiple_comparisons_note
    assert f"{len(tested)} figures were tested" in note
    assert f"about {0.05 * len(tested):.1f} would look significant by chance" in note
    assert "Benjamini-Hochberg" in note
    assert note in comparison.notes


@pytest.mark.parametrize(("setting", "adjust"), [("holm", stats.p_adjust_holm), ("none", list)])
def test_the_adjustment_is_a_survey_setting(mixed_survey, setting, adjust):
    Survey.objects.filter(pk=mixed_survey.pk).update(multiple_comparisons=setting)
    mixed_survey.refresh_from_db()
    comparison = survey_compare(survey=mixed_survey, weighted=False)
    tested = [r for r in comparison.rows if r.tested]

    assert [r.p_adjusted for r in tested] == pytest.approx(adjust([r.p_value for r in tested]))


def test_an_adjusted_verdict_can_differ_from_the_unadjusted_one(survey):
    # 62 of 120 against 53% nationally (Q8 willing) is p ~ 0.04 on its own: not after BH with
    # many other figures tested that show nothing.
    responses_make(20, survey=survey, answers={"Q2": "equality_opportunity", "Q8": "willing"})
    comparison = survey_compare(survey=survey, weighted=False)
    flipped = [r for r in comparison.rows if r.tested and r.unadjusted_verdict != r.verdict]
    for r in flipped:
        assert r.p_value < 0.05 <= r.p_adjusted
        assert r.verdict == "no significant difference"


def test_each_significant_verdict_says_the_design_effect_it_survives(mixed_survey):
    comparison = survey_compare(survey=mixed_survey, weighted=False)
    significant = [r for r in comparison.rows if r.verdict.startswith("significantly")]

    assert significant
    for r in significant:
        assert r.design_effect_tolerance is not None and r.design_effect_tolerance > 1
        assert any(n.startswith("Holds unless the 2014 design effect exceeds") for n in r.notes)
    for r in comparison.rows:
        if not r.verdict.startswith("significantly"):
            assert r.design_effect_tolerance is None
    assert any("National design effect: 1" in n for n in comparison.notes)


def test_the_national_design_effect_is_a_survey_setting(mixed_survey):
    plain = survey_compare(survey=mixed_survey, weighted=False)
    Survey.objects.filter(pk=mixed_survey.pk).update(national_design_effect=Decimal("2"))
    mixed_survey.refresh_from_db()
    wider = survey_compare(survey=mixed_survey, weighted=False)

    assert wider.national_design_effect == 2
    assert any("National design effect: 2 (set for this survey" in n for n in wider.notes)
    for a, b in zip(plain.rows, wider.rows, strict=True):
        if a.tested:
            assert b.national_design_effect == 2
            assert b.p_value > a.p_value or a.p_value == 0


# What a filtered selection is compared with


def test_an_unfiltered_row_compares_all_respondents_with_all_adults(mixed_survey):
    row = _row(
        survey_compare(survey=mixed_survey, weighted=False), "Q2", net="equality of opportunity"
    )
    assert row.compared == "all respondents here compared with all adults nationally"


def test_a_filtered_selection_says_which_group_it_compares_with_all_adults(survey):
    responses_make(
        40, survey=survey, answers={"Q2": "equality_opportunity", "AGE": "15_24"}, mode="telephone"
    )
    comparison = survey_compare(
        survey=survey,
        weighted=False,
        filters=ResponseFilters(mode="telephone", subgroups=(("AGE", "15_24"),)),
    )
    row = _row(comparison, "Q2", net="equality of opportunity")

    assert comparison.group == "15-24 year olds answering telephone"
    assert row.compared == (
        "15-24 year olds answering telephone here compared with all adults nationally"
    )
    assert any(n.startswith("These figures are for 15-24 year olds") for n in comparison.notes)


def test_a_filtered_group_the_report_publishes_is_not_tested_against_all_adults(survey):
    # The baseline publishes "all or mostly" for 15-24 year olds only; give it an all-adults
    # figure for the same net, as a later baseline might.
    from results.models import NationalFigure

    own = NationalFigure.objects.get(
        question_code="Q5", item_code="job_career", subgroup_label="aged 15-24"
    )
    NationalFigure.objects.create(
        questionnaire_slug=own.questionnaire_slug,
        position=999,
        question_code="Q5",
        item_code="job_career",
        net_label=own.net_label,
        net_option_codes=own.net_option_codes,
        percent=Decimal("25"),
        base=989,
        source="test",
    )
    responses_make(
        40,
        survey=survey,
        answers={"Q5": {"job_career": "all"}, "AGE": "15_24", "Q2": "dont_know"},
    )
    comparison = survey_compare(
        survey=survey, weighted=False, filters=ResponseFilters(subgroups=(("AGE", "15_24"),))
    )
    overall = _row(comparison, "Q5", "job_career", net="all or mostly")
    own = _row(comparison, "Q5", "job_career", net="all or mostly", subgroup="aged 15-24")

    assert not overall.tested and overall.verdict == "not tested"
    assert any("publishes its own figure for aged 15-24" in n for n in overall.notes)
    assert (
        own.compared == "aged 15-24 among 15-24 year olds here compared with aged 15-24 nationally"
    )


# Weighting that went wrong


def _targets(survey, margin="SEX", shares=None):
    for category, share in (shares or {"female": "0.51", "male": "0.49"}).items():
        PopulationTarget.objects.create(
            survey=survey, margin=margin, category=category, share=Decimal(share)
        )


def test_a_failed_weighting_is_stated_not_passed_over(survey):
    responses_make(40, survey=survey, answers={"Q2": "equality_opportunity", "SEX": "female"})
    _targets(survey)
    WeightingRun.objects.create(
        survey=survey, status="failed", message="No respondents in 'SEX: Male'."
    )
    comparison = survey_compare(survey=survey, weighted=False)

    assert comparison.weighting_state == "unweighted: weighting failed"
    assert comparison.weighting_problem.startswith("Weighting failed")
    assert "No respondents in 'SEX: Male'." in comparison.weighting_problem
    assert comparison.notes[0] == comparison.weighting_problem


def test_targets_never_weighted_are_stated(survey):
    responses_make(10, survey=survey, answers={"Q2": "equality_opportunity"})
    _targets(survey)
    comparison = survey_compare(survey=survey, weighted=False)
    assert comparison.weighting_state == "unweighted: not weighted yet"
    assert "has not been weighted yet" in comparison.weighting_problem


def test_an_out_of_date_weighting_is_stated(survey):
    responses_make(30, survey=survey, answers={"SEX": "female", "Q2": "dont_know"})
    responses_make(30, survey=survey, answers={"SEX": "male", "Q2": "dont_know"})
    _targets(survey)
    run = survey_reweight(survey_id=survey.pk)
    assert run.status == "ok"
    WeightingRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    responses_make(1, survey=survey, answers={"SEX": "male", "Q2": "dont_know"})

    comparison = survey_compare(survey=survey, weighted=True)
    assert comparison.weighting_state == "weighted: out of date"
    assert "out of date" in comparison.notes[0]

    survey_reweight(survey_id=survey.pk)
    assert survey_compare(survey=survey, weighted=True).weighting_problem == ""


def test_weights_held_at_the_cap_are_counted_and_stated(survey):
    responses_make(57, survey=survey, answers={"SEX": "female", "Q2": "dont_know"})
    responses_make(3, survey=survey, answers={"SEX": "male", "Q2": "dont_know"})
    _targets(survey, shares={"female": "0.80", "male": "0.20"})
    run = survey_reweight(survey_id=survey.pk, cap=4.0)

    assert run.status == "ok", run.message
    assert run.capped == 3
    comparison = survey_compare(survey=survey, weighted=True)
    assert comparison.capped == 3
    assert any(
        n.startswith("3 respondents' weights reached the cap of 4") for n in comparison.notes
    )


def test_compare_says_a_failed_weighting_on_stderr_and_in_a_column(survey):
    responses_make(40, survey=survey, answers={"Q2": "equality_opportunity", "SEX": "female"})
    _targets(survey)
    WeightingRun.objects.create(survey=survey, status="failed", message="Targets unreachable.")
    out, err = io.StringIO(), io.StringIO()
    call_command("compare", survey.slug, "--format", "csv", stdout=out, stderr=err)

    assert "Weighting failed" in err.getvalue() and "Targets unreachable." in err.getvalue()
    import csv

    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert {r["weighting"] for r in rows} == {"unweighted: weighting failed"}


def test_the_compare_csv_carries_the_new_columns(mixed_survey):
    import csv

    out = io.StringIO()
    call_command("compare", mixed_survey.slug, "--format", "csv", stdout=out)
    rows = [r for r in csv.DictReader(io.StringIO(out.getvalue())) if r["net"]]
    comparison = survey_compare(survey=mixed_survey, weighted=False)

    assert {r["tests_run"] for r in rows} == {str(comparison.tests)}
    assert {r["expected_by_chance"] for r in rows} == {f"{0.05 * comparison.tests:.2f}"}
    assert {r["weighted"] for r in rows} == {"no"}
    assert {r["weighting"] for r in rows} == {"unweighted"}
    assert {r["adjustment"] for r in rows} == {"bh"}
    assert {r["national_exact"] for r in rows} == {"exact", "approximate"}
    tested = [r for r in rows if r["test_method"]]
    assert len(tested) == comparison.tests
    for r in tested:
        assert r["test_method"] == "Newcombe hybrid score (1998, method 10)"
        assert r["p_value"] and r["p_adjusted"] and r["size"]
        assert r["compared"] == "all respondents here compared with all adults nationally"
    for r in rows:
        if r["verdict"].startswith("significantly"):
            assert float(r["design_effect_tolerance"]) > 1


def test_the_compare_table_states_the_tests_run_and_the_adjustment(mixed_survey):
    out = io.StringIO()
    call_command("compare", mixed_survey.slug, stdout=out)
    text = " ".join(out.getvalue().split())
    comparison = survey_compare(survey=mixed_survey, weighted=False)
    assert f"{comparison.tests} figures were tested at the 5% level" in text
    assert "Benjamini-Hochberg adjustment (false discovery rate)" in text
    assert "docs/statistics.md" in text
