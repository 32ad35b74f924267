"""The comparison with earlier waves (results.waves): each figure's change since each earlier
wave, tested as two independent samples on their effective bases; a question whose wording
changed is flagged and not tested; a figure hidden in either wave is hidden here too."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from results import stats
from results.errors import ResultsError
from results.selectors import ResponseFilters
from results.waves import SUPPRESSED, WORDING_CHANGED, survey_compare_waves
from surveys import services, waves
from surveys.models import Question, Survey
from tests.results.factories import response_make

EQUALITY = ("Q2", "", "equality of opportunity", "all adults")
UNIVERSAL = ("Q2", "", "universal provision", "all adults")


def _answer(survey: Survey, *, equality: int, universal: int, other: int, area="north") -> None:
    for option, count in (
        ("equality_opportunity", equality),
        ("same_for_everyone", universal),
        ("dont_know", other),
    ):
        for _ in range(count):
            response_make(survey=survey, answers={"Q2": option, "AREA": area})


@pytest.fixture
def two_waves(survey):
    """2025: 40 of 100 for equality of opportunity; 2026: 60 of 100."""
    survey.wave_label = "2025"
    survey.multiple_comparisons = Survey.Adjustment.NONE
    survey.save()
    _answer(survey, equality=40, universal=30, other=30)
    later = waves.survey_run_again(
        survey=survey, title="Your views 2026", slug="riverside-2026b", wave_label="2026"
    )
    _answer(later, equality=60, universal=30, other=10)
    return survey, later


def test_each_figure_changes_by_its_points_with_the_two_sample_test(two_waves):
    _earlier, later = two_waves

    result = survey_compare_waves(survey=later, weighted=False)

    (change,) = result.changes_of(EQUALITY)
    expected = stats.wave_change_test(p_now=0.6, n_now=100, p_then=0.4, n_then=100)
    assert change.wave == "2025"
    assert change.now_percent == pytest.approx(60)
    assert change.then_percent == pytest.approx(40)
    assert change.change == pytest.approx(20)
    assert change.ci_low == pytest.approx(expected.ci_low * 100)
    assert change.ci_high == pytest.approx(expected.ci_high * 100)
    assert change.p_value == pytest.approx(expected.p_value)
    assert change.verdict == "significantly higher"
    assert change.words == "up 20 points since 2025, a significant change"
    (same,) = result.changes_of(UNIVERSAL)
    assert same.change == pytest.approx(0)
    assert same.verdict == "no significant difference"
    assert same.words == "unchanged since 2025, not significant"


def test_the_trend_runs_from_the_oldest_wave_to_this_one(two_waves):
    _earlier, later = two_waves
    third = waves.survey_run_again(
        survey=later, title="Your views 2027", slug="riverside-2027", wave_label="2027"
    )
    _answer(third, equality=50, universal=30, other=20)

    result = survey_compare_waves(survey=third, weighted=False)

    assert [w.wave_name for w in result.earlier] == ["2026", "2025"]
    trend = result.trend(EQUALITY)
    assert [p.wave for p in trend] == ["2025", "2026", "2027"]
    assert [round(p.percent) for p in trend] == [40, 60, 50]
    assert trend[-1].ci_low < 50 < trend[-1].ci_high


def test_a_question_whose_wording_changed_is_flagged_and_not_tested(survey):
    survey.wave_label = "2025"
    survey.save()
    _answer(survey, equality=40, universal=30, other=30)
    copy = services.questionnaire_copy(questionnaire=survey.questionnaire)
    question = Question.objects.get(questionnaire=copy, code="Q2")
    question.text = question.text + " (please think of your own council)"
    question.save()
    later = waves.survey_run_again(survey=survey, title="2026", slug="riverside-2026b")
    later.questionnaire = copy
    later.save()
    _answer(later, equality=60, universal=30, other=10)

    result = survey_compare_waves(survey=later, weighted=False)

    (change,) = result.changes_of(EQUALITY)
    assert change.wording_changed
    assert change.verdict == WORDING_CHANGED
    assert change.p_value is None and change.ci_low is None and not change.tested
    assert "text" in change.notes[0]
    assert change.words == "wording changed since 2025, so not compared"
    # Nothing else of the questionnaire changed: other questions are compared as before.
    assert all(not r.wording_changed for r in result.rows if r.question != "Q2")
    assert result.tests == 0 or all(r.question != "Q2" for r in result.rows if r.tested)


def test_an_answer_label_changed_blocks_the_test_too(survey):
    _answer(survey, equality=40, universal=30, other=30)
    copy = services.questionnaire_copy(questionnaire=survey.questionnaire)
    option = Question.objects.get(questionnaire=copy, code="Q2").options.get(
        code="same_for_everyone"
    )
    option.label = "The same services for all"
    option.save()
    later = waves.survey_run_again(survey=survey, title="2026", slug="riverside-2026b")
    later.questionnaire = copy
    later.save()
    _answer(later, equality=60, universal=30, other=10)

    result = survey_compare_waves(survey=later, weighted=False)

    assert all(
        c.wording_changed for c in result.changes_of(EQUALITY) + result.changes_of(UNIVERSAL)
    )


def test_a_figure_hidden_in_the_earlier_wave_is_hidden_here(survey):
    survey.wave_label = "2025"
    survey.save()
    # 2025 in the south ward: 5 respondents, too few to show anything of.
    _answer(survey, equality=40, universal=30, other=30)
    _answer(survey, equality=2, universal=2, other=1, area="south")
    later = waves.survey_run_again(survey=survey, title="2026", slug="riverside-2026b")
    _answer(later, equality=30, universal=10, other=10, area="south")

    result = survey_compare_waves(
        survey=later, weighted=False, filters=ResponseFilters(area="south")
    )

    (change,) = result.changes_of(EQUALITY)
    assert change.suppressed and change.verdict == SUPPRESSED
    assert change.then_percent is None and change.now_percent is None and change.change is None
    assert result.trend(EQUALITY)[0].percent is None
    assert any("2025" in note for note in result.notes)


def test_a_small_question_base_in_either_wave_hides_the_change(survey):
    _answer(survey, equality=40, universal=30, other=30)
    later = waves.survey_run_again(survey=survey, title="2026", slug="riverside-2026b")
    _answer(later, equality=60, universal=30, other=10)
    # Q8 answered by only four people in the earlier wave.
    for _ in range(4):
        response_make(survey=survey, answers={"Q8": "willing"})
    for _ in range(40):
        response_make(survey=later, answers={"Q8": "willing"})

    result = survey_compare_waves(survey=later, weighted=False)

    willing = [r for r in result.rows if r.question == "Q8"]
    assert willing and all(r.suppressed and r.then_percent is None for r in willing)


def test_a_survey_with_no_earlier_wave_has_nothing_to_compare(survey):
    _answer(survey, equality=40, universal=30, other=30)

    with pytest.raises(ResultsError, match="no earlier wave"):
        survey_compare_waves(survey=survey, weighted=False)


def test_the_adjustment_covers_every_change_tested(two_waves):
    _earlier, later = two_waves
    later.multiple_comparisons = Survey.Adjustment.HOLM
    later.save()

    result = survey_compare_waves(survey=later, weighted=False)

    tested = [r for r in result.rows if r.tested]
    assert result.tests == len(tested) > 1
    expected = stats.p_adjust([r.p_value for r in tested], stats.Adjustment.HOLM)
    assert [r.p_adjusted for r in tested] == pytest.approx(expected)


def _compare(*args: str) -> str:
    out = io.StringIO()
    call_command("compare", *args, stdout=out)
    return out.getvalue()


def test_compare_against_wave_prints_each_change_in_csv_and_in_words(two_waves):
    _earlier, later = two_waves

    rows = list(
        csv.DictReader(io.StringIO(_compare(later.slug, "--against", "wave", "--format", "csv")))
    )
    table = _compare(later.slug, "--against", "wave")

    equality = next(r for r in rows if r["net"] == "equality of opportunity")
    assert (equality["wave"], equality["percent_now"], equality["percent_then"]) == (
        "2025",
        "60.0",
        "40.0",
    )
    assert equality["change"] == "20.0" and equality["verdict"] == "significantly higher"
    assert "up 20 points since 2025, a significant change" in table
    # National stays the default.
    assert "compared with the 2014 national figures" in _compare(later.slug)


def test_compare_against_wave_without_an_earlier_wave_fails_clearly(survey):
    _answer(survey, equality=40, universal=30, other=30)

    with pytest.raises(CommandError, match="no earlier wave"):
        _compare(survey.slug, "--against", "wave")
