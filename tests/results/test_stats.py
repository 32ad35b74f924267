"""results.stats checked against R (fixture written by fixtures/make_stats_fixtures.R) and
statsmodels, plus the behaviour at the edges that reports rely on."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from results.stats import (
    LOW_BASE,
    SUPPRESS_BELOW,
    Z95,
    difference_test,
    effective_base,
    effective_base_of,
    is_low_base,
    is_suppressed,
    proportion,
    size_label,
    verdict,
    weighted_proportion,
    weighting_efficiency,
    wilson_interval,
)

FIXTURE = Path(__file__).parent / "fixtures" / "r_survey_stats.json"
R: dict[str, Any] = json.loads(FIXTURE.read_text())
TOL = 1e-6


def _case_id(case: dict[str, Any]) -> str:
    return "-".join(f"{v:g}" for v in case.values() if isinstance(v, int | float))[:40]


def test_z95_is_r_qnorm_975() -> None:
    # jsonlite writes 15 significant digits.
    assert pytest.approx(R["z95"], abs=1e-13) == Z95


# Wilson interval


@pytest.mark.parametrize("case", R["wilson"], ids=_case_id)
def test_wilson_interval_matches_r_prop_test(case: dict[str, Any]) -> None:
    low, high = wilson_interval(case["successes"], case["n"])

    assert low == pytest.approx(case["low"], abs=TOL)
    assert high == pytest.approx(case["high"], abs=TOL)


@pytest.mark.parametrize("case", R["wilson"], ids=_case_id)
def test_wilson_interval_matches_statsmodels(case: dict[str, Any]) -> None:
    proportion_module = pytest.importorskip("statsmodels.stats.proportion")

    expected = proportion_module.proportion_confint(
        case["successes"], case["n"], alpha=0.05, method="wilson"
    )

    assert wilson_interval(case["successes"], case["n"]) == pytest.approx(expected, abs=TOL)


def test_wilson_interval_is_exactly_zero_or_one_at_the_edges() -> None:
    assert wilson_interval(0, 37)[0] == 0.0
    assert wilson_interval(37, 37)[1] == 1.0


def test_wilson_interval_contains_the_estimate_and_stays_in_range() -> None:
    for successes, n in [(0, 1), (1, 3), (2.5, 7.2), (400, 401)]:
        low, high = wilson_interval(successes, n)
        assert 0 <= low <= successes / n <= high <= 1


@pytest.mark.parametrize("n", [0, -5, math.nan])
def test_wilson_interval_refuses_a_base_of_zero_or_less(n: float) -> None:
    with pytest.raises(ValueError, match="base above zero"):
        wilson_interval(0, n)


@pytest.mark.parametrize("successes", [-1, 11])
def test_wilson_interval_refuses_successes_outside_the_base(successes: float) -> None:
    with pytest.raises(ValueError, match="between 0 and the base"):
        wilson_interval(successes, 10)


# Effective base and weighted proportions


def test_effective_base_of_equal_weights_is_the_respondent_count() -> None:
    assert effective_base_of([2.0] * 40) == pytest.approx(40)
    assert weighting_efficiency([0.7] * 40) == pytest.approx(1.0)


def test_effective_base_shrinks_when_weights_vary() -> None:
    weights = [0.5, 0.5, 1.0, 2.0]

    assert effective_base(sum(weights), sum(w * w for w in weights)) == pytest.approx(16 / 5.5)
    assert weighting_efficiency(weights) == pytest.approx(16 / 5.5 / 4)


def test_effective_base_refuses_no_weight() -> None:
    with pytest.raises(ValueError, match="squared weights must be above zero"):
        effective_base(0.0, 0.0)
    with pytest.raises(ValueError, match="at least one weight"):
        weighting_efficiency([])


@pytest.mark.parametrize("case", R["weighted"], ids=lambda case: case["weights"])
def test_weighted_proportion_matches_r_survey(case: dict[str, Any]) -> None:
    result = weighted_proportion(
        sum_w_yes=case["sum_w_yes"], sum_w=case["sum_w"], sum_w2=case["sum_w2"]
    )

    assert result.p == pytest.approx(case["p_svymean"], abs=TOL)
    assert result.base_effective == pytest.approx(case["effective_base"], abs=TOL)
    assert result.ci_low == pytest.approx(case["low"], abs=TOL)
    assert result.ci_high == pytest.approx(case["high"], abs=TOL)


def test_weighted_proportion_with_all_weights_one_is_the_unweighted_proportion() -> None:
    weighted = weighted_proportion(sum_w_yes=37, sum_w=120, sum_w2=120)

    assert weighted == proportion(37, 120)
    assert weighted.base_effective == 120
    assert (weighted.ci_low, weighted.ci_high) == wilson_interval(37, 120)


def test_weighted_proportion_interval_is_wider_than_on_the_raw_base() -> None:
    # 100 respondents whose weights vary (half 0.5, half 1.5): n_eff = 80.
    weighted = weighted_proportion(sum_w_yes=50, sum_w=100, sum_w2=125)
    unweighted = proportion(50, 100)

    assert weighted.base_effective == pytest.approx(80)
    assert weighted.ci_high - weighted.ci_low > unweighted.ci_high - unweighted.ci_low


def test_weighted_proportion_refuses_a_weighted_count_above_the_total() -> None:
    with pytest.raises(ValueError, match="between 0 and the sum of weights"):
        weighted_proportion(sum_w_yes=12, sum_w=10, sum_w2=10)
    with pytest.raises(ValueError, match="sum of weights must be above zero"):
        weighted_proportion(sum_w_yes=0, sum_w=0, sum_w2=0)


# Difference test


def test_difference_test_accounts_for_the_national_design_effect() -> None:
    plain = difference_test(p_local=0.42, n_local=400, p_national=0.35, n_national=2000)
    split = difference_test(
        p_local=0.42, n_local=400, p_national=0.35, n_national=2000, national_design_effect=2
    )

    assert split.p_value > plain.p_value
    assert split.ci_high - split.ci_low > plain.ci_high - plain.ci_low


def test_difference_test_of_two_equal_certainties_finds_no_difference() -> None:
    result = difference_test(p_local=1.0, n_local=30, p_national=1.0, n_national=500)

    assert result.p_value == 1.0
    assert result.z == 0.0
    assert result.difference == 0.0
    # Thirty answers of 100% still leave the local rate uncertain below: so does the gap.
    assert result.ci_low < -0.1 and result.ci_high > 0


def test_difference_test_of_two_different_certainties_is_significant() -> None:
    result = difference_test(p_local=0.0, n_local=30, p_national=1.0, n_national=500)

    assert 0 < result.p_value < 1e-10
    assert result.ci_low == -1.0 and result.ci_high < -0.8
    assert verdict(result.p_value, result.difference) == "significantly lower"


def test_difference_test_keeps_precision_in_the_far_tail() -> None:
    result = difference_test(p_local=0.9, n_local=2000, p_national=0.5, n_national=2000)

    assert 0 < result.p_value < 1e-100


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"p_local": 42.0}, "p_local must be a proportion between 0 and 1"),
        ({"p_national": -0.1}, "p_national must be a proportion between 0 and 1"),
        ({"n_local": 0}, "n_local must be above zero"),
        ({"n_national": -3}, "n_national must be above zero"),
        ({"national_design_effect": 0}, "national_design_effect must be above zero"),
    ],
)
def test_difference_test_refuses_bad_input(arguments: dict[str, float], message: str) -> None:
    valid = {"p_local": 0.4, "n_local": 100, "p_national": 0.3, "n_national": 1000}

    with pytest.raises(ValueError, match=message):
        difference_test(**(valid | arguments))


# Words for reports


@pytest.mark.parametrize(
    ("p_value", "difference", "expected"),
    [
        (0.001, 0.08, "significantly higher"),
        (0.001, -0.08, "significantly lower"),
        (0.2, 0.08, "no significant difference"),
        (0.05, 0.08, "no significant difference"),
        (0.0, 0.0, "no significant difference"),
    ],
)
def test_verdict_says_significance_and_direction(
    p_value: float, difference: float, expected: str
) -> None:
    assert verdict(p_value, difference) == expected


def test_verdict_uses_the_given_alpha() -> None:
    assert verdict(0.03, 0.05, alpha=0.01) == "no significant difference"


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        (25, "much higher"),
        (20, "much higher"),
        (19.9, "higher"),
        (10, "higher"),
        (9.9, "similar"),
        (0, "similar"),
        (-9.9, "similar"),
        (-10, "lower"),
        (-19.9, "lower"),
        (-20, "much lower"),
        (-35, "much lower"),
    ],
)
def test_size_label_bands_at_ten_and_twenty_points(points: float, expected: str) -> None:
    assert size_label(points) == expected


def test_bases_below_fifty_are_low_and_cells_below_ten_are_suppressed() -> None:
    assert (LOW_BASE, SUPPRESS_BELOW) == (50, 10)
    assert is_low_base(49.9) and not is_low_base(50)
    assert is_suppressed(9) and not is_suppressed(10)
