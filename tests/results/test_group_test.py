"""The breakdown's test of each group against the rest of the selection
(stats.group_versus_rest_test), checked against Newcombe's published examples and against R
(fixture written by fixtures/make_group_fixtures.R from the respondents and raking weights of
r_survey_stats.json). The rest is worked out here as the report works it out: the whole
selection's sums less the group's."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from results import stats

FIXTURES = Path(__file__).parent / "fixtures"
R: dict[str, Any] = json.loads((FIXTURES / "r_group_tests.json").read_text())
SURVEY: dict[str, Any] = json.loads((FIXTURES / "r_survey_stats.json").read_text())
DATA = SURVEY["data"]
RAKED = SURVEY["rake_uncapped"]["weights"]

# Newcombe (1998), Statistics in Medicine 17:873-890, table II, method 10, to the four
# decimals printed: two independent samples, as a group and the rest of the council are.
PUBLISHED = [
    (56, 70, 48, 80, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.1705, 0.8090),
    (5, 56, 0, 29, -0.0381, 0.1926),
    (10, 10, 0, 20, 0.6791, 1.0000),
]


@pytest.mark.parametrize(("x1", "n1", "x2", "n2", "low", "high"), PUBLISHED)
def test_group_test_reproduces_newcombes_published_intervals(x1, n1, x2, n2, low, high) -> None:
    result = stats.group_versus_rest_test(p_group=x1 / n1, n_group=n1, p_rest=x2 / n2, n_rest=n2)

    assert round(result.ci_low, 4) == pytest.approx(low, abs=1e-12)
    assert round(result.ci_high, 4) == pytest.approx(high, abs=1e-12)
    # The p-value agrees with the interval: below 5% exactly when it leaves out zero.
    assert (result.p_value < 0.05) == (low > 0 or high < 0)


def _sums(indices: list[int], weights: list[float]) -> tuple[float, float, float]:
    """(sum w, sum w^2, sum w*y) over some respondents, as the database sums them."""
    w = [weights[i] for i in indices]
    return (
        math.fsum(w),
        math.fsum(x * x for x in w),
        math.fsum(weights[i] * DATA["outcome"][i] for i in indices),
    )


def _cases() -> list[tuple[str, str, dict[str, Any]]]:
    return [(b["variable"], b["weights"], g) for b in R["breakdowns"] for g in b["groups"]]


@pytest.mark.parametrize(
    ("variable", "weights", "case"), _cases(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_group_against_the_rest_matches_r(variable: str, weights: str, case: dict) -> None:
    n = len(DATA["outcome"])
    w = RAKED if weights == "raked" else [1.0] * n
    everyone = list(range(n))
    members = [i for i in everyone if DATA[variable][i] == case["group"]]
    whole_w, whole_w2, whole_yes = _sums(everyone, w)
    group_w, group_w2, group_yes = _sums(members, w)
    group = stats.weighted_proportion(sum_w_yes=group_yes, sum_w=group_w, sum_w2=group_w2)
    rest = stats.weighted_proportion(
        sum_w_yes=whole_yes - group_yes, sum_w=whole_w - group_w, sum_w2=whole_w2 - group_w2
    )

    result = stats.group_versus_rest_test(
        p_group=group.p, n_group=group.base_effective, p_rest=rest.p, n_rest=rest.base_effective
    )

    assert len(members) == case["n_group"]
    assert group.p == pytest.approx(case["p_group"], abs=1e-12)
    assert rest.p == pytest.approx(case["p_rest"], abs=1e-12)
    assert group.base_effective == pytest.approx(case["n_eff_group"], rel=1e-10)
    assert rest.base_effective == pytest.approx(case["n_eff_rest"], rel=1e-10)
    assert result.ci_low == pytest.approx(case["low"], abs=1e-9)
    assert result.ci_high == pytest.approx(case["high"], abs=1e-9)
    assert result.p_value == pytest.approx(case["p_value"], rel=1e-6, abs=1e-12)


@pytest.mark.parametrize("breakdown", R["breakdowns"], ids=lambda b: f"{b['variable']}")
def test_the_adjustment_over_a_breakdowns_groups_matches_r(breakdown: dict) -> None:
    p_values = [g["p_value"] for g in breakdown["groups"]]

    holm = stats.p_adjust(p_values, stats.Adjustment.HOLM)
    bh = stats.p_adjust(p_values, stats.Adjustment.BH)

    assert holm == pytest.approx([g["holm"] for g in breakdown["groups"]], rel=1e-9, abs=1e-15)
    assert bh == pytest.approx([g["BH"] for g in breakdown["groups"]], rel=1e-9, abs=1e-15)


def test_the_fixture_holds_a_clear_difference_and_a_clear_lack_of_one() -> None:
    """So that the comparison above is of both verdicts, not of one."""
    p_values = [g["p_value"] for b in R["breakdowns"] for g in b["groups"]]

    assert min(p_values) < 0.001
    assert max(p_values) > 0.5
