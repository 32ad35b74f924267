"""Weighted figures use the design-based variance of raked weights, summed by weighting cell
in the database; checked against a respondent-by-respondent computation of what R's
``svyrecvar`` does for a raked design (the formula itself is checked against R in
test_score.py)."""

from __future__ import annotations

import random
from decimal import Decimal

import numpy as np
import pytest

from results.comparison import survey_compare
from results.models import PopulationTarget, WeightingRun
from results.selectors import ResponseFilters
from results.services import survey_reweight
from surveys.models import Response
from tests.results.factories import response_make

TARGETS = {
    "SEX": {"female": "0.51", "male": "0.49"},
    "AGE": {
        "15_24": "0.14",
        "25_34": "0.17",
        "35_44": "0.16",
        "45_54": "0.17",
        "55_64": "0.15",
        "65_74": "0.12",
        "75_plus": "0.09",
    },
}


@pytest.fixture
def weighted_survey(survey):
    rng = random.Random(11)
    ages = list(TARGETS["AGE"])
    people = []
    for _ in range(240):
        age = rng.choices(ages, weights=[3, 6, 10, 14, 18, 20, 14])[0]
        sex = rng.choices(["female", "male"], weights=[62, 38])[0]
        # Older people and women more often say "willing", so the margins explain part of Q8.
        willing = rng.random() < 0.25 + 0.06 * ages.index(age) + 0.1 * (sex == "female")
        answers = {"AGE": age, "SEX": sex, "Q8": "willing" if willing else "no_time"}
        answers["Q2"] = rng.choice(["equality_opportunity", "same_for_everyone", "dont_know"])
        people.append((response_make(survey=survey, answers=answers), answers))
    for margin, shares in TARGETS.items():
        for category, share in shares.items():
            PopulationTarget.objects.create(
                survey=survey, margin=margin, category=category, share=Decimal(share)
            )
    run = survey_reweight(survey_id=survey.pk)
    assert run.status == WeightingRun.Status.OK, run.message
    return survey, people


def _naive_se(people, weights, *, yes, in_base):
    """svyrecvar for rake(), respondent by respondent: influence values, ten sweeps of
    centring within each margin's categories, then the one-stage variance."""
    w = np.array(weights)
    y = np.array([1.0 if yes(a) else 0.0 for _, a in people])
    d = np.array([1.0 if in_base(a) else 0.0 for _, a in people])
    total = (w * d).sum()
    p = (w * d * y).sum() / total
    u = d * (y - p) / total
    margins = [np.array([a[m] for _, a in people]) for m in ("SEX", "AGE")]
    for _ in range(10):
        for categories in margins:
            for c in set(categories):
                members = categories == c
                u[members] -= u[members].mean()
    x = w * u
    n = len(x)
    return p, np.sqrt(n / (n - 1) * ((x - x.mean()) ** 2).sum())


def test_weighting_stores_each_responses_cell_and_the_cells_categories(weighted_survey):
    survey, people = weighted_survey
    run = WeightingRun.objects.filter(survey=survey).first()
    assert sorted(run.margins) == ["AGE", "SEX"]
    for response, answers in people[:30]:
        response.refresh_from_db()
        assert run.cells[response.weight_cell] == [answers[m] for m in run.margins]


def test_a_weighted_figure_uses_the_design_based_variance(weighted_survey):
    survey, people = weighted_survey
    comparison = survey_compare(survey=survey, weighted=True)
    (row,) = [r for r in comparison.rows if r.question == "Q8" and r.net.startswith("willing")]
    weights = [Response.objects.get(pk=r.pk).weight for r, _ in people]

    p, se = _naive_se(people, weights, yes=lambda a: a["Q8"] == "willing", in_base=lambda a: True)
    assert row.variance_method == "design-based (raking residuals)"
    assert row.local_percent == pytest.approx(100 * p, abs=1e-9)
    assert row.effective_base == pytest.approx(p * (1 - p) / se**2, rel=1e-9)
    kish = sum(weights) ** 2 / sum(w * w for w in weights)
    assert row.effective_base != pytest.approx(kish, rel=0.01)


def test_a_filtered_selection_is_a_domain_of_the_raked_sample(weighted_survey):
    survey, people = weighted_survey
    filters = ResponseFilters(subgroups=(("SEX", "female"),))
    comparison = survey_compare(survey=survey, weighted=True, filters=filters)
    (row,) = [r for r in comparison.rows if r.question == "Q8" and r.net.startswith("willing")]
    weights = [Response.objects.get(pk=r.pk).weight for r, _ in people]

    p, se = _naive_se(
        people,
        weights,
        yes=lambda a: a["Q8"] == "willing",
        in_base=lambda a: a["SEX"] == "female",
    )
    assert row.local_percent == pytest.approx(100 * p, abs=1e-9)
    assert row.effective_base == pytest.approx(p * (1 - p) / se**2, rel=1e-9)


def test_an_out_of_date_weighting_falls_back_to_the_kish_base_and_says_so(weighted_survey):
    survey, _people = weighted_survey
    response_make(survey=survey, answers={"AGE": "15_24", "SEX": "male", "Q8": "willing"})
    comparison = survey_compare(survey=survey, weighted=True)
    (row,) = [r for r in comparison.rows if r.question == "Q8" and r.net.startswith("willing")]

    assert row.variance_method == "Kish effective base"
    assert comparison.weighting_state == "weighted: out of date"
