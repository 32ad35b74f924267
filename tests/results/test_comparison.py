"""The comparison with the national figures, row by row, against hand-computed values."""

from __future__ import annotations

import math

import pytest

from results.comparison import NO_FIGURE, ComparisonRow, survey_compare
from results.errors import ResultsError
from results.models import WeightingRun
from results.selectors import ResponseFilters, SelectionTooSmall
from surveys.models import Question, Response
from tests.results.factories import response_make, responses_make

Z = 1.959963984540054


def _wilson(x: float, n: float, z: float = Z) -> tuple[float, float]:
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return 100 * max(0.0, centre - half), 100 * min(1.0, centre + half)


def _p_value(p1: float, n1: float, p2: float, n2: float) -> float:
    """Newcombe's method 10 p-value, worked out here independently: the z at which the bound
    of the hybrid score interval nearer zero reaches it, by bisection."""

    def bound(z: float) -> float:
        l1, u1 = (v / 100 for v in _wilson(p1 * n1, n1, z))
        l2, u2 = (v / 100 for v in _wilson(p2 * n2, n2, z))
        if p1 > p2:
            return p1 - p2 - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
        return p2 - p1 - math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)

    low, high = 0.0, 30.0
    for _ in range(100):
        mid = (low + high) / 2
        low, high = (mid, high) if bound(mid) > 0 else (low, mid)
    return math.erfc(low / math.sqrt(2))


def _row(comparison, question, item="", net=None, subgroup="all adults") -> ComparisonRow:
    matches = [
        r
        for r in comparison.rows
        if r.question == question
        and r.item == item
        and (net is None or r.net == net)
        and (r.subgroup == subgroup or not r.net)
    ]
    assert len(matches) == 1, matches
    return matches[0]


@pytest.fixture
def q2_survey(survey):
    """100 online respondents: 60 equality of opportunity, 25 universal, 10 targeted, 5 DK."""
    for option, count in [
        ("equality_opportunity", 60),
        ("same_for_everyone", 25),
        ("most_in_need", 10),
        ("dont_know", 5),
    ]:
        responses_make(count, survey=survey, answers={"Q2": option})
    return survey


def test_a_tested_row_matches_hand_computed_values(q2_survey):
    row = _row(
        survey_compare(survey=q2_survey, weighted=False), "Q2", net="equality of opportunity"
    )
    low, high = _wilson(60, 100)
    assert row.local_percent == pytest.approx(60)
    assert (row.ci_low, row.ci_high) == (
        pytest.approx(low, abs=1e-9),
        pytest.approx(high, abs=1e-9),
    )
    assert (row.base, row.effective_base) == (100, pytest.approx(100))
    assert (row.national_percent, row.national_base) == (40, 989)
    assert row.difference == pytest.approx(20)
    assert row.p_value == pytest.approx(_p_value(0.6, 100, 0.4, 989), rel=1e-9)
    assert (row.verdict, row.size, row.tested) == ("significantly higher", "much higher", True)
    assert any("2010 national figure: 50%" in note for note in row.notes)
    assert any("design effect 1" in note for note in row.notes)


def test_a_difference_within_chance_is_no_significant_difference(q2_survey):
    row = _row(survey_compare(survey=q2_survey, weighted=False), "Q2", net="universal provision")
    assert row.difference == pytest.approx(-5)
    assert row.p_value == pytest.approx(_p_value(0.25, 100, 0.3, 989), rel=1e-9)
    assert (row.verdict, row.size) == ("no significant difference", "similar")


def test_a_verbal_national_figure_is_shown_flagged_and_never_tested(q2_survey):
    row = _row(
        survey_compare(survey=q2_survey, weighted=False),
        "Q2",
        net="targeted at those most in need",
    )
    assert row.local_percent == pytest.approx(10)
    assert (row.national_percent, row.national_exact, row.national_wording) == (
        30,
        False,
        "almost three in ten",
    )
    assert (row.p_value, row.difference, row.verdict, row.tested) == (
        None,
        None,
        "not tested",
        False,
    )
    assert any("only in words" in note for note in row.notes)


def test_questions_and_items_without_a_national_figure_say_so(q2_survey):
    comparison = survey_compare(survey=q2_survey, weighted=False)
    for question, item in [("Q1", ""), ("Q4", "personalised"), ("Q6", "public_cost")]:
        row = _row(comparison, question, item)
        assert row.notes == (NO_FIGURE,) and row.local_percent is None
    assert not any(r.question in ("AGE", "SEX", "AREA", "COMMENTS") for r in comparison.rows)


def test_every_row_with_a_national_figure_notes_the_face_to_face_mode(q2_survey):
    comparison = survey_compare(survey=q2_survey, weighted=False)
    assert "face-to-face" in comparison.mode_note and "online or on paper" in comparison.mode_note
    for row in comparison.rows:
        if row.local_percent is not None:
            assert comparison.mode_note in row.notes


def test_telephone_answers_get_the_milder_mode_note(survey):
    responses_make(20, survey=survey, answers={"Q2": "equality_opportunity"}, mode="telephone")
    comparison = survey_compare(survey=survey, weighted=False)
    assert "by telephone" in comparison.mode_note
    assert "online" not in comparison.mode_note


def test_a_base_under_50_is_flagged_low(survey):
    responses_make(30, survey=survey, answers={"Q2": "equality_opportunity"})
    row = _row(survey_compare(survey=survey, weighted=False), "Q2", net="equality of opportunity")
    assert row.low_base and any("Low base" in note for note in row.notes)
    assert row.local_percent == pytest.approx(100)


def _young(survey, count: int, option: str) -> None:
    responses_make(count, survey=survey, answers={"AGE": "15_24", "Q5": {"job_career": option}})


def test_a_published_subgroup_is_compared_with_the_national_subgroup_without_a_test(survey):
    _young(survey, 6, "mostly")
    _young(survey, 6, "partly")
    # Ten others: fewer outside the subgroup would be hidden, being all adults minus it.
    responses_make(10, survey=survey, answers={"AGE": "45_54", "Q5": {"job_career": "all"}})
    comparison = survey_compare(survey=survey, weighted=False)
    row = _row(comparison, "Q5", "job_career", net="all or mostly", subgroup="aged 15-24")
    assert (row.base, row.local_percent, row.national_percent) == (12, pytest.approx(50), 33)
    assert row.national_base is None and row.p_value is None and row.verdict == "not tested"
    assert row.difference == pytest.approx(17)
    assert any("does not publish how many aged 15-24" in note for note in row.notes)
    overall = _row(comparison, "Q5", "job_career", net="some role (all, mostly or partly)")
    assert overall.base == 22 and overall.local_percent == pytest.approx(100)


def test_a_subgroup_cell_under_10_is_suppressed(survey):
    _young(survey, 9, "mostly")
    responses_make(50, survey=survey, answers={"AGE": "45_54", "Q5": {"job_career": "all"}})
    row = _row(
        survey_compare(survey=survey, weighted=False),
        "Q5",
        "job_career",
        net="all or mostly",
        subgroup="aged 15-24",
    )
    assert row.suppressed and row.verdict == "suppressed"
    assert (row.local_percent, row.ci_low, row.ci_high, row.base, row.effective_base) == (None,) * 5


def test_filtering_to_a_small_group_shows_no_figure(survey):
    responses_make(40, survey=survey, answers={"AREA": "north", "Q2": "equality_opportunity"})
    responses_make(5, survey=survey, answers={"AREA": "south", "Q2": "equality_opportunity"})
    with pytest.raises(SelectionTooSmall, match="Fewer than 10"):
        survey_compare(survey=survey, weighted=False, filters=ResponseFilters(area="south"))


def test_a_selection_that_leaves_few_out_is_refused_like_a_small_one(survey):
    """Everyone but a few: the whole survey's figures minus the selection's give the few."""
    responses_make(40, survey=survey, answers={"AREA": "north", "Q2": "equality_opportunity"})
    responses_make(3, survey=survey, answers={"AREA": "south", "Q2": "same_for_everyone"})
    with pytest.raises(SelectionTooSmall):
        survey_compare(survey=survey, weighted=False, filters=ResponseFilters(area="north"))


def test_weighted_results_use_weights_and_the_effective_base(survey):
    responses_make(30, survey=survey, answers={"Q2": "equality_opportunity"}, weight=2.0)
    responses_make(60, survey=survey, answers={"Q2": "same_for_everyone"}, weight=0.5)
    WeightingRun.objects.create(survey=survey, status="ok", efficiency=0.8, effective_base=72)
    row = _row(survey_compare(survey=survey, weighted=True), "Q2", net="equality of opportunity")
    sum_w, sum_w2 = 30 * 2.0 + 60 * 0.5, 30 * 4.0 + 60 * 0.25
    n_eff = sum_w**2 / sum_w2
    p = 60 / 90
    assert row.local_percent == pytest.approx(100 * p)
    assert row.effective_base == pytest.approx(n_eff)
    low, high = _wilson(p * n_eff, n_eff)
    assert (row.ci_low, row.ci_high) == (pytest.approx(low), pytest.approx(high))
    assert row.p_value == pytest.approx(_p_value(p, n_eff, 0.4, 989), rel=1e-9)
    assert row.base == 90


def test_split_sample_figures_use_the_half_sample_national_base(survey):
    responses_make(40, survey=survey, arm="A", answers={"Q3": {"dignity": "strongly_agree"}})
    responses_make(40, survey=survey, arm="B", answers={"Q3": {"outcome": "tend_disagree"}})
    comparison = survey_compare(survey=survey, weighted=False)
    agree = _row(comparison, "Q3", "dignity", net="agree")
    assert (agree.base, agree.national_base, agree.local_percent) == (40, 500, pytest.approx(100))
    assert agree.p_value == pytest.approx(_p_value(1.0, 40, 0.79, 500), rel=1e-9)
    disagree = _row(comparison, "Q3", "outcome", net="disagree")
    assert disagree.base == 40 and disagree.local_percent == pytest.approx(100)


def test_a_question_answered_only_dont_know_is_not_compared(survey):
    responses_make(20, survey=survey, answers={"Q8": "dont_know", "Q2": "most_in_need"})
    comparison = survey_compare(survey=survey, weighted=False)
    assert comparison.dont_know_only == ["Q8"]
    row = _row(comparison, "Q8", net="willing")
    assert row.local_percent is None and row.verdict == "not tested"


def test_weighted_results_need_a_successful_weighting(survey):
    responses_make(10, survey=survey, answers={"Q2": "dont_know"})
    with pytest.raises(ResultsError, match="has not been weighted"):
        survey_compare(survey=survey, weighted=True)
    WeightingRun.objects.create(survey=survey, status="failed", message="No respondents aged 75+.")
    with pytest.raises(ResultsError, match="No respondents aged 75"):
        survey_compare(survey=survey, weighted=True)


def test_no_responses_is_refused(survey):
    response = response_make(survey=survey, answers={"Q2": "dont_know"})
    Response.objects.filter(pk=response.pk).update(status=Response.Status.IN_PROGRESS)
    with pytest.raises(ResultsError, match="no complete responses"):
        survey_compare(survey=survey, weighted=False)
    # A selection with none reads as one with a few: an empty group looks like a small one.
    with pytest.raises(ResultsError, match="Fewer than 10 complete responses match"):
        survey_compare(survey=survey, weighted=False, filters=ResponseFilters(mode="paper"))


def _reference_row(responses, figure, filters: ResponseFilters) -> tuple[int, float, float]:
    """Base, weighted percentage and effective base of one figure, counted naively in Python
    over every response: the independent check of the database's counting."""
    subgroups = list(filters.subgroups)
    if figure.has_subgroup:
        subgroups.append((figure.subgroup_question_code, figure.subgroup_option_code))
    base_w, base_w2, yes_w, base_n = 0.0, 0.0, 0.0, 0
    for response, answers in responses:
        if filters.mode and response.mode != filters.mode:
            continue
        if filters.area and answers.get("AREA") != filters.area:
            continue
        if not all(option in _chosen(answers.get(q)) for q, option in subgroups):
            continue
        value = answers.get(figure.question_code)
        if figure.item_code:
            value = (value or {}).get(figure.item_code)
        chosen = _chosen(value)
        if not chosen:
            continue
        w = response.weight
        base_n, base_w, base_w2 = base_n + 1, base_w + w, base_w2 + w * w
        if chosen & set(figure.net_option_codes):
            yes_w += w
    if base_n == 0:
        return 0, math.nan, math.nan
    return base_n, 100 * yes_w / base_w, base_w**2 / base_w2


def _chosen(value) -> set[str]:
    if value is None:
        return set()
    return set(value) if isinstance(value, list) else {value}


def _optional(survey, *codes: str) -> None:
    """Make questions optional, as a council's own questionnaire may."""
    Question.objects.filter(questionnaire_id=survey.questionnaire_id, code__in=codes).update(
        required=False
    )


@pytest.mark.parametrize("optional", [False, True], ids=["as-shipped", "Q4-Q7-optional"])
@pytest.mark.parametrize(
    "filters",
    [
        ResponseFilters(),
        ResponseFilters(mode="online"),
        ResponseFilters(area="north"),
        ResponseFilters(subgroups=(("SEX", "female"),)),
        ResponseFilters(mode="online", subgroups=(("INTERNET", "yes"), ("SEX", "female"))),
    ],
)
def test_the_database_counts_agree_with_a_naive_count_of_every_response(
    survey, filters, optional, settings
):
    """Random weighted responses, filters and the report's published subgroups: every figure's
    base, weighted percentage and effective base equal a plain Python count.

    As shipped, every question is required, so every response answers every question (and
    split-sample item) it was asked, as the write paths ensure, and a required question's base
    is taken to be the selection: the naive count checks that. With Q4 to Q7 optional, some
    respondents skip them and their bases are counted. (No disclosure threshold: the random
    selections are small, and this checks the counting.)"""
    import random

    settings.DISCLOSURE_THRESHOLD = 1

    from results.models import NationalFigure

    if optional:
        _optional(survey, "Q4", "Q5", "Q6", "Q7")
    skips = 0.1 if optional else 0.0
    rng = random.Random(2014)
    grids = {
        "Q4": (["needs", "personalised", "preferences", "decisions"],
               ["always", "often", "sometimes", "hardly_ever", "never", "dont_know"]),
        "Q5": (["living_expenses", "things_go_wrong", "job_career"],
               ["all", "mostly", "partly", "not_at_all", "dont_know"]),
        "Q6": (["public_quality", "partnership_quality", "partnership_cost",
                "partnership_accountability", "charities_quality", "charities_cost",
                "charities_accountability", "businesses_quality", "businesses_cost",
                "businesses_accountability"],
               ["better", "no_difference", "worse", "dont_know"]),
    }  # fmt: skip
    q7 = ["transparency", "accountability", "accessibility", "strategic_planning", "local"]
    responses = []
    for _ in range(150):
        arm = rng.choice("AB")
        answers = {
            "AGE": rng.choice(["15_24", "15_24", "45_54", "65_74"]),
            "SEX": rng.choice(["female", "male"]),
            "INTERNET": rng.choice(["yes", "no"]),
            "NEWSPAPER": rng.choice(["broadsheet", "tabloid", "none"]),
            "AREA": rng.choice(["north", "south"]),
            "Q2": rng.choice(["equality_opportunity", "same_for_everyone", "dont_know"]),
            "Q3": {("dignity" if arm == "A" else "outcome"): rng.choice(
                ["strongly_agree", "tend_agree", "tend_disagree", "strongly_disagree"])},
            "Q8": rng.choice(["willing", "no_time", "not_interested", "dont_know"]),
        }  # fmt: skip
        for code, (items, options) in grids.items():
            # Where optional, some respondents skip some items, so bases differ by item.
            answers[code] = {i: rng.choice(options) for i in items if rng.random() >= skips}
        if rng.random() >= skips:
            answers["Q7"] = rng.sample(q7, rng.randint(1, 3))
        response = response_make(
            survey=survey,
            answers=answers,
            arm=arm,
            mode=rng.choice(["online", "paper"]),
            weight=rng.choice([0.5, 1.0, 1.5, 2.5]),
        )
        responses.append((response, answers))
    WeightingRun.objects.create(survey=survey, status="ok", efficiency=0.9, effective_base=120)

    comparison = survey_compare(survey=survey, weighted=True, filters=filters)
    figures = {
        (f.question_code, f.item_code, f.net_label, f.subgroup_label): f
        for f in NationalFigure.objects.filter(questionnaire_slug=survey.questionnaire.slug)
    }
    compared = 0
    for row in comparison.rows:
        if not row.net:
            continue
        base, percent, effective = _reference_row(
            responses, figures[(row.question, row.item, row.net, row.subgroup)], filters
        )
        if row.suppressed:
            assert base < 10
            continue
        assert row.base == base, row
        if row.local_percent is not None:
            assert row.local_percent == pytest.approx(percent, abs=1e-9), row
            assert row.effective_base == pytest.approx(effective, abs=1e-9), row
            compared += 1
    assert compared >= 20
    if optional:
        # Some did skip: the optional bases were counted, not taken from the selection.
        q7 = _row(comparison, "Q7", net="transparency")
        assert q7.base < comparison.respondents
    assert comparison.respondents == sum(
        1
        for response, answers in responses
        if (not filters.mode or response.mode == filters.mode)
        and (not filters.area or answers["AREA"] == filters.area)
        and all(answers[q] == o for q, o in filters.subgroups)
    )


def test_an_optional_multiple_choice_question_counts_only_those_who_answered_it(survey):
    _optional(survey, "Q7")
    responses_make(6, survey=survey, answers={"Q2": "dont_know", "Q7": ["transparency"]}, weight=2)
    responses_make(4, survey=survey, answers={"Q2": "dont_know", "Q7": ["local", "expertise"]})
    responses_make(5, survey=survey, answers={"Q2": "dont_know"})  # skipped Q7
    WeightingRun.objects.create(survey=survey, status="ok", efficiency=0.9, effective_base=12)
    row = _row(survey_compare(survey=survey, weighted=True), "Q7", net="transparency")
    assert row.base == 10
    assert row.local_percent == pytest.approx(100 * 12 / 16)
    assert row.effective_base == pytest.approx(16**2 / (6 * 4 + 4 * 1))


def test_a_required_multiple_choice_base_is_every_selected_response(survey):
    """Q7 is required: every complete response answered it, so its base is the selection."""
    responses_make(
        12, survey=survey, answers={"Q7": ["transparency", "local"]}, mode=Response.Mode.PAPER
    )
    # Online: ten would leave the paper selection to show beside all of them.
    responses_make(10, survey=survey, answers={"Q7": ["dont_know"]}, weight=3)
    WeightingRun.objects.create(survey=survey, status="ok", efficiency=0.9, effective_base=12)
    comparison = survey_compare(survey=survey, weighted=True)
    row = _row(comparison, "Q7", net="transparency")
    assert row.base == comparison.respondents == 22
    assert row.local_percent == pytest.approx(100 * 12 / 42)
    assert row.effective_base == pytest.approx(42**2 / (12 + 10 * 9))
    paper = survey_compare(survey=survey, weighted=True, filters=ResponseFilters(mode="paper"))
    assert _row(paper, "Q7", net="transparency").base == 12


def test_a_required_question_left_blank_on_paper_is_counted_only_by_those_who_answered(survey):
    """Online, a required question is answered by every response; a paper form may leave it
    blank (item non-response), and then the question's base is those who answered it."""
    from surveys import services
    from surveys.errors import ResponseInvalid
    from tests.surveys.conftest import ANSWERS_A

    without_q7 = {code: value for code, value in ANSWERS_A.items() if code != "Q7"}
    with pytest.raises(ResponseInvalid):
        services.response_record(
            survey=survey, answers=without_q7, mode=Response.Mode.ONLINE, split_arm="A"
        )
    drafts = [("paper", "A", {**ANSWERS_A, "HOUSEHOLD": n}) for n in range(1, 11)]
    drafts += [("paper", "A", {**without_q7, "HOUSEHOLD": n}) for n in range(1, 4)]
    services.responses_record_bulk(survey=survey, drafts=drafts)

    comparison = survey_compare(survey=survey, weighted=False)
    assert comparison.respondents == 13
    assert _row(comparison, "Q7", net="transparency").base == 10
    assert _row(comparison, "Q2", net="equality of opportunity").base == 13


def test_a_questionnaire_with_no_national_figures_loaded_is_still_reported(survey):
    # As after a transactional test's flush, or for a council's own questionnaire: local
    # figures, nothing tested, and no error.
    from results.models import NationalFigure

    responses_make(12, survey=survey, answers={"AREA": "north", "Q2": "equality_opportunity"})
    NationalFigure.objects.all().delete()

    comparison = survey_compare(survey=survey, weighted=False)

    assert comparison.respondents == 12 and comparison.tests == 0
    assert comparison.national_design_effect == 1.0
