"""The test of a figure's change between two waves (stats.wave_change_test), checked against R
(fixture written by fixtures/make_wave_fixtures.R): two waves of respondents, each raked to the
same targets with survey::rake. Each wave's percentage and effective base is worked out here as
the comparison works it out (the Kish base from the sums of weights, or the design-based base
from the sums by weighting cell), then the change is tested, and all must agree with R to 1e-6.
The tests need no R."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from results import stats

FIXTURES = Path(__file__).parent / "fixtures"
R: dict[str, Any] = json.loads((FIXTURES / "r_wave_tests.json").read_text())
MARGINS = ("age", "sex", "area")


def _side(wave: str, variable: str, domain: str, method: str) -> stats.Proportion:
    data = R["waves"][wave]
    n = len(data["age"])
    weights = data["weights"] if method != "unweighted" else [1.0] * n
    member = [domain == "everyone" or data["age"][i] == "16-34" for i in range(n)]
    y = data[variable]
    if method != "design":
        base = [i for i in range(n) if member[i]]
        return stats.weighted_proportion(
            sum_w_yes=math.fsum(weights[i] * y[i] for i in base),
            sum_w=math.fsum(weights[i] for i in base),
            sum_w2=math.fsum(weights[i] ** 2 for i in base),
        )
    # The sums by weighting cell (one category on each raking margin), as one GROUP BY gives.
    cells: dict[tuple[str, ...], dict[str, float]] = {}
    for i in range(n):
        c = cells.setdefault(
            tuple(data[m][i] for m in MARGINS),
            dict.fromkeys(("n", "w", "w2", "nd", "yd", "wd", "wyd", "w2d", "w2yd"), 0.0),
        )
        w = weights[i]
        c["n"] += 1
        c["w"] += w
        c["w2"] += w * w
        if member[i]:
            c["nd"] += 1
            c["yd"] += y[i]
            c["wd"] += w
            c["wyd"] += w * y[i]
            c["w2d"] += w * w
            c["w2yd"] += w * w * y[i]
    return stats.raked_proportion(
        [
            stats.WeightingCell(
                categories=key,
                n=int(c["n"]),
                sum_w=c["w"],
                sum_w2=c["w2"],
                n_d=int(c["nd"]),
                y_d=c["yd"],
                sum_w_d=c["wd"],
                sum_wy_d=c["wyd"],
                sum_w2_d=c["w2d"],
                sum_w2y_d=c["w2yd"],
            )
            for key, c in cells.items()
        ]
    )


@pytest.mark.parametrize(
    "case", R["cases"], ids=lambda c: f"{c['variable']}-{c['domain']}-{c['method']}"
)
def test_the_change_between_two_waves_matches_r(case: dict) -> None:
    now = _side("now", case["variable"], case["domain"], case["method"])
    then = _side("then", case["variable"], case["domain"], case["method"])

    result = stats.wave_change_test(
        p_now=now.p, n_now=now.base_effective, p_then=then.p, n_then=then.base_effective
    )

    assert now.p == pytest.approx(case["p_now"], abs=1e-9)
    assert then.p == pytest.approx(case["p_then"], abs=1e-9)
    assert now.base_effective == pytest.approx(case["n_eff_now"], rel=1e-6)
    assert then.base_effective == pytest.approx(case["n_eff_then"], rel=1e-6)
    assert result.difference == pytest.approx(case["change"], abs=1e-9)
    assert result.ci_low == pytest.approx(case["low"], abs=1e-6)
    assert result.ci_high == pytest.approx(case["high"], abs=1e-6)
    assert result.p_value == pytest.approx(case["p_value"], abs=1e-6)


def test_the_fixture_holds_a_significant_change_and_changes_that_are_not() -> None:
    """So that the agreement above is over both verdicts, not one."""
    p_values = [c["p_value"] for c in R["cases"]]

    assert min(p_values) < 0.01
    assert max(p_values) > 0.5


def test_the_change_is_significant_exactly_when_its_interval_leaves_out_zero() -> None:
    for case in R["cases"]:
        result = stats.wave_change_test(
            p_now=case["p_now"],
            n_now=case["n_eff_now"],
            p_then=case["p_then"],
            n_then=case["n_eff_then"],
        )
        assert (result.p_value < 0.05) == (result.ci_low > 0 or result.ci_high < 0)
