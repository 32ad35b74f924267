"""The score-based difference test, multiple-comparison adjustments, the minimum base for a
test, design-effect sensitivity and the design-based variance of raked weights, checked
against Newcombe's published examples and against R (fixture written by
fixtures/make_score_fixtures.R)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from results import stats
from results.stats import (
    WeightingCell,
    can_test,
    design_effect_tolerance,
    difference_test,
    expected_by_chance,
    newcombe_interval,
    p_adjust,
    p_adjust_bh,
    p_adjust_holm,
    raked_proportion,
    raked_variance,
    verdict,
    wilson_interval,
)

FIXTURES = Path(__file__).parent / "fixtures"
R: dict[str, Any] = json.loads((FIXTURES / "r_score_tests.json").read_text())
DATA: dict[str, Any] = json.loads((FIXTURES / "r_survey_stats.json").read_text())["data"]

# Newcombe (1998), Statistics in Medicine 17:873-890, table II, method 10 (score interval
# without continuity correction), examples (a) to (h), to the four decimals printed.
NEWCOMBE_TABLE_II = [
    (56, 70, 48, 80, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.1705, 0.8090),
    (6, 7, 2, 7, 0.0582, 0.8062),
    (5, 56, 0, 29, -0.0381, 0.1926),
    (0, 10, 0, 20, -0.1611, 0.2775),
    (0, 10, 0, 10, -0.2775, 0.2775),
    (10, 10, 0, 20, 0.6791, 1.0000),
    (10, 10, 0, 10, 0.6075, 1.0000),
]


def _test_of(x1: float, n1: float, x2: float, n2: float) -> stats.Difference:
    return difference_test(p_local=x1 / n1, n_local=n1, p_national=x2 / n2, n_national=n2)


@pytest.mark.parametrize(("x1", "n1", "x2", "n2", "low", "high"), NEWCOMBE_TABLE_II)
def test_newcombe_interval_reproduces_the_published_examples(
    x1: int, n1: int, x2: int, n2: int, low: float, high: float
) -> None:
    result = newcombe_interval(p1=x1 / n1, n1=n1, p2=x2 / n2, n2=n2)

    assert round(result[0], 4) == pytest.approx(low, abs=1e-12)
    assert round(result[1], 4) == pytest.approx(high, abs=1e-12)


@pytest.mark.parametrize("case", R["newcombe"], ids=lambda c: f"{c['x1']:g}/{c['n1']:g}")
def test_difference_test_matches_newcombe_by_hand_in_r(case: dict[str, Any]) -> None:
    result = _test_of(case["x1"], case["n1"], case["x2"], case["n2"])

    assert result.ci_low == pytest.approx(case["low"], abs=1e-9)
    assert result.ci_high == pytest.approx(case["high"], abs=1e-9)
    assert result.p_value == pytest.approx(case["p_value"], rel=1e-6, abs=1e-12)


@pytest.mark.parametrize("case", R["newcombe"], ids=lambda c: f"{c['x1']:g}/{c['n1']:g}")
def test_difference_interval_matches_statsmodels_newcombe(case: dict[str, Any]) -> None:
    proportion_module = pytest.importorskip("statsmodels.stats.proportion")
    with np.errstate(divide="ignore", invalid="ignore"):
        low, high = proportion_module.confint_proportions_2indep(
            case["x1"], case["n1"], case["x2"], case["n2"], method="newcomb", compare="diff"
        )
    result = _test_of(case["x1"], case["n1"], case["x2"], case["n2"])

    assert (result.ci_low, result.ci_high) == pytest.approx((low, high), abs=1e-9)


def test_one_response_at_100_percent_is_not_significantly_above_40() -> None:
    local = wilson_interval(1, 1)
    result = difference_test(p_local=1.0, n_local=1, p_national=0.40, n_national=989)

    assert local[0] == pytest.approx(0.2065, abs=1e-4)  # the interval the report prints
    assert result.ci_low < 0 < result.ci_high
    assert result.p_value > 0.05
    assert verdict(result.p_value, result.difference) == "no significant difference"


def test_none_of_twelve_is_not_significantly_below_22_percent() -> None:
    result = difference_test(p_local=0.0, n_local=12, p_national=0.22, n_national=989)

    assert result.ci_low < 0 < result.ci_high
    # Fisher's exact test gives 0.08 for these counts; the Wald test gave 1e-62.
    assert 0.05 < result.p_value < 0.1
    assert verdict(result.p_value, result.difference) == "no significant difference"


def test_the_p_value_is_below_alpha_exactly_when_the_interval_excludes_zero() -> None:
    for x1, n1, x2, n2 in [(30, 50, 400, 989), (13, 50, 400, 989), (0, 40, 150, 989)]:
        result = _test_of(x1, n1, x2, n2)
        excludes = result.ci_low > 0 or result.ci_high < 0
        assert (result.p_value < 0.05) == excludes
        # At the p-value's own level the interval just touches zero.
        z = stats._z_of_alpha(result.p_value)
        low, high = newcombe_interval(p1=x1 / n1, n1=n1, p2=x2 / n2, n2=n2, z=z)
        assert min(abs(low), abs(high)) < 1e-9


@settings(max_examples=400, deadline=None)
@given(
    n_local=st.integers(min_value=1, max_value=3000),
    share_local=st.floats(min_value=0, max_value=1),
    n_national=st.integers(min_value=50, max_value=5000),
    p_national=st.floats(min_value=0, max_value=1),
    deff=st.floats(min_value=1, max_value=4),
    weighting=st.floats(min_value=0.2, max_value=1),
)
def test_never_significant_while_the_national_figure_is_inside_the_local_interval(
    n_local: int,
    share_local: float,
    n_national: int,
    p_national: float,
    deff: float,
    weighting: float,
) -> None:
    yes = round(share_local * n_local)
    p_local = yes / n_local
    n_effective = n_local * weighting  # a weighted base shrinks to its effective size
    low, high = wilson_interval(p_local * n_effective, n_effective)
    result = difference_test(
        p_local=p_local,
        n_local=n_effective,
        p_national=p_national,
        n_national=n_national,
        national_design_effect=deff,
    )

    if low <= p_national <= high:
        assert result.p_value >= 0.05
        assert verdict(result.p_value, result.difference) == "no significant difference"
    assert (result.p_value < 0.05) == (result.ci_low > 0 or result.ci_high < 0)


# Minimum base


def test_an_effective_base_below_30_cannot_be_tested() -> None:
    assert not can_test(29.99)
    assert can_test(30)
    assert not can_test(40, minimum=50)
    assert stats.MIN_TEST_BASE == 30


# Multiple comparisons


def _adjust_id(case: dict[str, Any]) -> str:
    return f"{len(case['p']) if isinstance(case['p'], list) else 1}-p-values"


@pytest.mark.parametrize("case", R["p_adjust"], ids=_adjust_id)
def test_holm_matches_r_p_adjust(case: dict[str, Any]) -> None:
    p = case["p"] if isinstance(case["p"], list) else [case["p"]]
    expected = case["holm"] if isinstance(case["holm"], list) else [case["holm"]]

    assert p_adjust_holm(p) == pytest.approx(expected, abs=1e-12)
    assert p_adjust(p, "holm") == p_adjust_holm(p)


@pytest.mark.parametrize("case", R["p_adjust"], ids=_adjust_id)
def test_benjamini_hochberg_matches_r_p_adjust(case: dict[str, Any]) -> None:
    p = case["p"] if isinstance(case["p"], list) else [case["p"]]
    expected = case["BH"] if isinstance(case["BH"], list) else [case["BH"]]

    assert p_adjust_bh(p) == pytest.approx(expected, abs=1e-12)
    assert p_adjust(p, "bh") == p_adjust_bh(p)


def test_no_adjustment_keeps_the_p_values_and_an_unknown_one_is_refused() -> None:
    assert p_adjust([0.01, 0.2], "none") == [0.01, 0.2]
    assert p_adjust([], "bh") == []
    with pytest.raises(ValueError, match="Unknown adjustment"):
        p_adjust([0.1], "bonferroni")


def test_chance_alone_gives_one_in_twenty_tests_significant() -> None:
    assert expected_by_chance(27) == pytest.approx(1.35)
    assert expected_by_chance(0) == 0


# Design-effect sensitivity


def test_design_effect_tolerance_is_where_significance_ends() -> None:
    args = {"p_local": 0.6, "n_local": 120.5, "p_national": 0.4, "n_national": 500}
    tolerance = design_effect_tolerance(**args)

    assert tolerance is not None and 1 < tolerance < 100
    below = difference_test(**args, national_design_effect=tolerance * 0.999)
    above = difference_test(**args, national_design_effect=tolerance * 1.001)
    assert below.p_value < 0.05 <= above.p_value


def test_design_effect_tolerance_of_a_difference_that_is_not_significant_is_none() -> None:
    assert (
        design_effect_tolerance(p_local=0.42, n_local=100, p_national=0.35, n_national=989) is None
    )


def test_a_large_local_gap_holds_for_any_plausible_design_effect() -> None:
    assert (
        design_effect_tolerance(p_local=0.95, n_local=2000, p_national=0.05, n_national=989)
        == 100.0
    )


# Design-based variance of raked weights


def _cells(weights: list[float], y: list[int], domain: list[bool]) -> list[WeightingCell]:
    sums: dict[tuple[str, str, str], list[float]] = {}
    for i, w in enumerate(weights):
        key = (DATA["age"][i], DATA["sex"][i], DATA["area"][i])
        c = sums.setdefault(key, [0] * 9)
        c[0] += 1
        c[1] += w
        c[2] += w * w
        if domain[i]:
            c[3] += 1
            c[4] += y[i]
            c[5] += w
            c[6] += w * y[i]
            c[7] += w * w
            c[8] += w * w * y[i]
    return [
        WeightingCell(key, int(c[0]), c[1], c[2], int(c[3]), c[4], c[5], c[6], c[7], c[8])
        for key, c in sums.items()
    ]


DESIGN_CASES = [
    (case, outcome)
    for case in R["design"]["cases"]
    for outcome in ("outcome", "outcome2", "outcome_young", "outcome2_young")
]


@pytest.mark.parametrize(
    ("case", "outcome"), DESIGN_CASES, ids=[f"{c['weights']}-{o}" for c, o in DESIGN_CASES]
)
def test_raked_variance_matches_r_survey_svymean_after_rake(
    case: dict[str, Any], outcome: str
) -> None:
    y = R["design"]["outcome2"] if outcome.startswith("outcome2") else DATA["outcome"]
    domain = R["design"]["young"] if outcome.endswith("_young") else [True] * len(y)

    p, variance = raked_variance(_cells(case["w"], y, domain))

    assert p == pytest.approx(case[outcome]["mean"], abs=1e-12)
    assert math.sqrt(variance) == pytest.approx(case[outcome]["se"], abs=1e-6)


def test_raking_narrows_the_interval_of_a_figure_the_margins_explain_and_kish_misses_it() -> None:
    capped = R["design"]["cases"][1]
    cells = _cells(capped["w"], DATA["outcome"], [True] * len(capped["w"]))
    raked = raked_proportion(cells)
    kish = stats.weighted_proportion(
        sum_w_yes=sum(c.sum_wy_d for c in cells),
        sum_w=sum(c.sum_w_d for c in cells),
        sum_w2=sum(c.sum_w2_d for c in cells),
    )

    assert raked.p == pytest.approx(kish.p)
    se = capped["outcome"]["se"]
    assert raked.base_effective == pytest.approx(raked.p * (1 - raked.p) / se**2, rel=1e-6)
    assert raked.base_effective != pytest.approx(kish.base_effective, rel=0.01)


def test_raked_proportion_at_zero_falls_back_to_the_kish_base() -> None:
    cells = [
        WeightingCell(("a",), 10, 10.0, 10.0, 10, 0, 10.0, 0.0, 10.0, 0.0),
        WeightingCell(("b",), 10, 20.0, 40.0, 10, 0, 20.0, 0.0, 40.0, 0.0),
    ]
    result = raked_proportion(cells)

    assert result.p == 0
    assert result.base_effective == pytest.approx(900 / 50)
    assert result.ci_low == 0 and result.ci_high > 0


def test_design_effect_tolerances_move_every_national_figure_and_readjust() -> None:
    tests = [stats.TestInput(0.30 + 0.01 * i, 200, 0.35, 989) for i in range(27)]
    tolerances = stats.design_effect_tolerances(tests, method="bh")
    raw_p = [
        difference_test(
            p_local=t.p_local, n_local=t.n_local, p_national=t.p_national, n_national=989
        ).p_value
        for t in tests
    ]
    adjusted = p_adjust_bh(raw_p)

    assert [t is not None for t in tolerances] == [p < 0.05 for p in adjusted]
    for index, tolerance in enumerate(tolerances):
        if tolerance is None:
            continue
        just_below = stats._adjusted_p_values(tests, "bh", tolerance * 0.999)[index]
        just_above = stats._adjusted_p_values(tests, "bh", tolerance * 1.002)[index]
        assert just_below < 0.05 <= just_above
    # Adjusting makes every verdict more fragile than the same test on its own.
    alone = design_effect_tolerance(p_local=0.45, n_local=200, p_national=0.35, n_national=989)
    assert tolerances[15] < alone
