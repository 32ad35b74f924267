"""results.weighting checked against R's survey::rake and survey::trimWeights (fixture written by
fixtures/make_stats_fixtures.R), and its refusals of input it cannot weight honestly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from results.stats import effective_base_of
from results.weighting import RakeResult, WeightingError, rake, trim_weights

FIXTURE = Path(__file__).parent / "fixtures" / "r_survey_stats.json"
R: dict[str, Any] = json.loads(FIXTURE.read_text())
MARGINS = {name: np.array(R["data"][name]) for name in ("age", "sex", "area")}
TARGETS: dict[str, dict[str, float]] = R["targets"]


def _weighted_shares(result: RakeResult, codes: np.ndarray) -> dict[Any, float]:
    return {
        category: float(result.weights[codes == category].sum() / result.weights.sum())
        for category in np.unique(codes).tolist()
    }


# Agreement with R


def test_rake_without_cap_matches_r_survey_rake() -> None:
    result = rake(MARGINS, TARGETS, cap=None, tolerance=1e-12, max_iterations=1000)

    np.testing.assert_allclose(result.weights, R["rake_uncapped"]["weights"], rtol=0, atol=1e-6)


def test_rake_with_cap_matches_r_rake_then_trim_weights_loop() -> None:
    # The R loop is one rake() sweep then trimWeights(upper = cap * mean, strict = TRUE), the
    # same steps in the same order, so the weights agree far inside 1e-6 and so does the count.
    capped = R["rake_capped"]
    assert capped["uncapped_max_weight"] > capped["cap"], "the fixture's cap must bind"

    result = rake(MARGINS, TARGETS, cap=capped["cap"], tolerance=capped["tolerance"])

    np.testing.assert_allclose(result.weights, capped["weights"], rtol=0, atol=1e-6)
    assert result.iterations == capped["iterations"]


@pytest.mark.parametrize("case", R["weighted"], ids=lambda case: case["weights"])
def test_rake_result_reports_the_kish_effective_base_r_finds(case: dict[str, Any]) -> None:
    cap = R["rake_capped"]["cap"] if case["weights"] == "capped" else None

    result = rake(MARGINS, TARGETS, cap=cap, tolerance=1e-10, max_iterations=1000)

    assert result.effective_base == pytest.approx(case["effective_base"], abs=1e-6)
    assert result.efficiency == pytest.approx(case["efficiency"], abs=1e-6)


# Behaviour


def test_rake_weights_have_mean_one_and_meet_every_margin() -> None:
    result = rake(MARGINS, TARGETS)

    assert result.converged
    assert result.weights.mean() == pytest.approx(1.0)
    for name, codes in MARGINS.items():
        assert _weighted_shares(result, codes) == pytest.approx(TARGETS[name], abs=1e-8)


def test_rake_keeps_every_weight_within_the_cap() -> None:
    uncapped = rake(MARGINS, TARGETS, cap=None)
    capped = rake(MARGINS, TARGETS, cap=3.5)

    assert uncapped.max_weight > 3.5
    assert capped.max_weight == pytest.approx(3.5)
    assert capped.weights.max() <= 3.5 + 1e-12
    assert capped.min_weight == capped.weights.min() > 0


def test_rake_capping_costs_less_precision_than_leaving_weights_uncapped() -> None:
    uncapped = rake(MARGINS, TARGETS, cap=None)
    capped = rake(MARGINS, TARGETS, cap=3)

    assert capped.efficiency > uncapped.efficiency
    assert capped.effective_base == pytest.approx(effective_base_of(capped.weights))
    assert capped.efficiency == pytest.approx(capped.effective_base / len(capped.weights))


def test_rake_accepts_integer_codes_and_string_targets_alike() -> None:
    codes = {"sex": np.array([0, 0, 0, 1])}

    result = rake(codes, {"sex": {0: 0.5, 1: 0.5}}, cap=None)

    np.testing.assert_allclose(result.weights, [2 / 3, 2 / 3, 2 / 3, 2.0])


def test_rake_leaves_a_sample_that_already_matches_unweighted() -> None:
    result = rake({"sex": ["f", "m", "f", "m"]}, {"sex": {"f": 0.5, "m": 0.5}})

    np.testing.assert_allclose(result.weights, 1.0)
    assert result.efficiency == pytest.approx(1.0)
    assert result.iterations == 1


def test_rake_gives_weight_zero_to_a_category_explicitly_targeted_at_zero() -> None:
    codes = {"age": np.array(["16-24", "25+", "25+", "under 16"])}

    result = rake(codes, {"age": {"16-24": 0.5, "25+": 0.5, "under 16": 0.0}}, cap=None)

    assert result.weights[3] == 0
    assert result.weights.sum() == pytest.approx(4)
    assert result.weights[0] == pytest.approx(2 * result.weights[1])


def test_rake_starts_from_base_weights() -> None:
    codes = {"sex": np.array(["f", "f", "m", "m"])}

    result = rake(codes, {"sex": {"f": 0.5, "m": 0.5}}, base_weights=[1, 3, 1, 1], cap=None)

    np.testing.assert_allclose(result.weights, [0.5, 1.5, 1.0, 1.0])


def test_rake_accepts_targets_that_sum_to_100_percent_after_rounding() -> None:
    result = rake({"sex": ["f", "m"]}, {"sex": {"f": 0.5, "m": 0.4995}})

    assert result.weights.sum() == pytest.approx(2)


def test_rake_of_100_000_respondents_converges_with_the_cap() -> None:
    rng = np.random.default_rng(7)
    n = 100_000
    margins = {
        "age": rng.choice(7, size=n, p=[0.06, 0.1, 0.13, 0.17, 0.2, 0.2, 0.14]),
        "sex": rng.choice(2, size=n, p=[0.6, 0.4]),
        "area": rng.integers(0, 10, size=n),
    }
    targets = {
        "age": dict(enumerate([0.14, 0.17, 0.16, 0.17, 0.15, 0.12, 0.09])),
        "sex": {0: 0.51, 1: 0.49},
        "area": dict(enumerate([0.1] * 10)),
    }

    result = rake(margins, targets, cap=5)

    assert result.converged
    assert result.max_weight <= 5 + 1e-9


def test_trim_weights_matches_survey_strict_trimming_by_hand() -> None:
    # 10 over a cap of 4 frees 6, shared equally by the other three (2 each); that pushes 3 to 5,
    # whose 1 is shared by the two still under the cap (0.5 each), which stay under.
    trimmed = trim_weights(np.array([10.0, 3.0, 1.0, 1.0]), upper=4)

    np.testing.assert_allclose(trimmed, [4.0, 4.0, 3.5, 3.5])
    assert trimmed.sum() == pytest.approx(15)


# Refusals, with the messages officers will read


def test_rake_refuses_target_category_with_no_respondents() -> None:
    with pytest.raises(
        WeightingError, match=r"No respondents in 'age band: 75\+' \(target 8\.0%\)"
    ):
        rake(
            {"age band": ["16-74", "16-74"]},
            {"age band": {"16-74": 0.92, "75+": 0.08}},
        )


def test_rake_messages_use_human_labels_when_given() -> None:
    with pytest.raises(WeightingError, match="No respondents in 'age band: 75 and over'"):
        rake(
            {"age band": [1, 1]},
            {"age band": {1: 0.92, 7: 0.08}},
            labels={"age band": {7: "75 and over"}},
        )


def test_rake_refuses_respondents_in_a_category_with_no_target() -> None:
    with pytest.raises(WeightingError, match=r"no target \(2 in 'sex: other'\).*or a share of 0"):
        rake({"sex": ["f", "m", "other", "other"]}, {"sex": {"f": 0.5, "m": 0.5}})


def test_rake_refuses_respondents_with_no_answer_for_a_margin() -> None:
    with pytest.raises(WeightingError, match="1 in 'sex: None'"):
        rake({"sex": ["f", "m", None]}, {"sex": {"f": 0.5, "m": 0.5}})


def test_rake_refuses_shares_that_do_not_sum_to_100_percent() -> None:
    with pytest.raises(WeightingError, match=r"targets for 'sex' add up to 90\.0%, not 100%"):
        rake({"sex": ["f", "m"]}, {"sex": {"f": 0.5, "m": 0.4}})


def test_rake_refuses_percentages_given_instead_of_shares() -> None:
    with pytest.raises(WeightingError, match="as fractions of 1"):
        rake({"sex": ["f", "m"]}, {"sex": {"f": 51, "m": 49}})


def test_rake_refuses_a_negative_share() -> None:
    with pytest.raises(WeightingError, match=r"target for 'sex: m' is -0\.1; shares cannot be neg"):
        rake({"sex": ["f", "m"]}, {"sex": {"f": 1.1, "m": -0.1}})


def test_rake_refuses_margins_of_different_lengths() -> None:
    with pytest.raises(WeightingError, match=r"lengths differ \(sex: 3, area: 2\)"):
        rake(
            {"sex": ["f", "m", "f"], "area": ["n", "s"]},
            {"sex": {"f": 0.5, "m": 0.5}, "area": {"n": 0.5, "s": 0.5}},
        )


def test_rake_refuses_no_respondents() -> None:
    with pytest.raises(WeightingError, match="no respondents to weight"):
        rake({"sex": []}, {"sex": {"f": 0.5, "m": 0.5}})


def test_rake_refuses_a_margin_without_targets_and_targets_without_a_margin() -> None:
    with pytest.raises(WeightingError, match="no targets for 'area'"):
        rake({"sex": ["f"], "area": ["n"]}, {"sex": {"f": 1.0}})
    with pytest.raises(WeightingError, match="targets for 'area' but no respondent data"):
        rake({"sex": ["f"]}, {"sex": {"f": 1.0}, "area": {"n": 1.0}})


def test_rake_refuses_a_target_the_cap_makes_unreachable() -> None:
    codes = {"age": ["young"] + ["old"] * 99}

    with pytest.raises(
        WeightingError,
        match=r"Only 1 respondent in 'age: young' but the target gives it 20\.0%; with weights "
        r"capped at 5 times the average they can carry at most 5\.0%",
    ):
        rake(codes, {"age": {"young": 0.2, "old": 0.8}}, cap=5)


def test_rake_reports_a_cap_too_tight_to_converge() -> None:
    with pytest.raises(
        WeightingError,
        match=r"did not converge in 2 iterations: the cap of 3 times the average weight may be "
        r"too tight",
    ):
        rake(MARGINS, TARGETS, cap=3, max_iterations=2)


def test_rake_reports_targets_that_contradict_each_other() -> None:
    # Everyone in area "n" is female and everyone in "s" male, so the two margins cannot both
    # be met with 30% in "n" and 60% female.
    margins = {"sex": ["f", "f", "m", "m"], "area": ["n", "n", "s", "s"]}
    targets = {"sex": {"f": 0.6, "m": 0.4}, "area": {"n": 0.3, "s": 0.7}}

    with pytest.raises(WeightingError, match="may contradict each other"):
        rake(margins, targets, cap=None)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"cap": 1.0}, "cap must be above 1"),
        ({"max_iterations": 0}, "max_iterations must be at least 1"),
        ({"tolerance": 0}, "tolerance must be above zero"),
        ({"base_weights": [1, 1, 1]}, "3 base weights for 2 respondents"),
        ({"base_weights": [1, -1]}, "finite and not negative"),
        ({"base_weights": [0, 0]}, "all zero"),
    ],
)
def test_rake_refuses_bad_options(options: dict[str, Any], message: str) -> None:
    with pytest.raises(WeightingError, match=message):
        rake({"sex": ["f", "m"]}, {"sex": {"f": 0.5, "m": 0.5}}, **options)


def test_rake_refuses_a_targeted_category_whose_base_weights_are_all_zero() -> None:
    with pytest.raises(WeightingError, match="'sex: m' have a base weight of 0"):
        rake({"sex": ["f", "m"]}, {"sex": {"f": 0.5, "m": 0.5}}, base_weights=[1, 0])
