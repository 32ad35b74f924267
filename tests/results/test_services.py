"""Population targets and weighting: validation, the reweight task, and failed runs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache

from officers.cache import is_cached, survey_data_version
from officers.report import report_key
from results.errors import ResultsError
from results.models import PopulationTarget, WeightingRun
from results.selectors import ResponseFilters
from results.services import (
    survey_responses_changed,
    survey_reweight,
    surveys_reweight_stale,
    targets_import,
    targets_set,
)
from results.tasks import reweight_survey
from surveys.models import Response
from tests.results.factories import responses_make

AGE_SHARES = {
    "15_24": 0.14,
    "25_34": 0.16,
    "35_44": 0.16,
    "45_54": 0.17,
    "55_64": 0.14,
    "65_74": 0.12,
    "75_plus": 0.11,
}


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def _sample(survey, *, female=30, male=70, prefer_not=0):
    responses_make(female, survey=survey, answers={"SEX": "female", "AREA": "north"})
    responses_make(male, survey=survey, answers={"SEX": "male", "AREA": "south"})
    responses_make(prefer_not, survey=survey, answers={"SEX": "prefer_not", "AREA": "south"})


def _weighted_share(survey, option: str) -> float:
    responses = Response.objects.filter(survey=survey)
    total = sum(r.weight for r in responses)
    chose = responses.filter(answers__question__code="SEX", answers__option__code=option)
    return sum(r.weight for r in chose) / total


def test_targets_set_stores_shares_and_accepts_percentages(survey):
    targets_set(survey=survey, margin="SEX", shares={"female": "51%", "male": "49%"})
    stored = dict(PopulationTarget.objects.filter(survey=survey).values_list("category", "share"))
    assert stored == {"female": Decimal("0.51"), "male": Decimal("0.49")}


@pytest.mark.parametrize(
    ("margin", "shares", "message"),
    [
        ("SEX", {"female": 0.5, "male": 0.4}, "add up to 90.0%, not 100%"),
        ("SEX", {"female": 0.5, "male": 0.5, "other": 0}, "SEX has no category 'other'"),
        ("SEX", {"female": 0.5, "male": 0.5, "prefer_not": 0}, "Prefer not to say"),
        ("SEX", {"female": 1.0}, "missing: male"),
        ("SEX", {"female": "half", "male": 0.5}, "not a number"),
        ("SEX", {"female": -0.5, "male": 1.5}, "between 0 and 1"),
        ("SHOE", {"big": 1.0}, "'SHOE' is not a question that responses can be weighted on"),
        ("Q2", {"dont_know": 1.0}, "'Q2' is not a question that responses can be weighted on"),
        ("AREA", {"north": 0.5, "west": 0.5}, "AREA has no category 'west'"),
    ],
)
def test_bad_targets_are_refused_and_nothing_is_written(survey, margin, shares, message):
    targets_set(survey=survey, margin="SEX", shares={"female": 0.5, "male": 0.5})
    with pytest.raises(ResultsError, match=message):
        targets_set(survey=survey, margin=margin, shares=shares)
    assert PopulationTarget.objects.filter(survey=survey).count() == 2


def test_shares_within_a_tenth_of_a_point_of_100_are_accepted(survey):
    targets_set(survey=survey, margin="SEX", shares={"female": 0.5105, "male": 0.4899})
    assert PopulationTarget.objects.filter(survey=survey).count() == 2


def test_targets_import_replaces_every_target(survey):
    csv_text = (
        "margin,category,share\nSEX,female,0.52\nSEX,male,0.48\nAREA,north,40%\nAREA,south,60%\n"
    )
    assert targets_import(survey=survey, csv_text=csv_text) == 4
    assert set(PopulationTarget.objects.values_list("margin", flat=True)) == {"SEX", "AREA"}


@pytest.mark.parametrize(
    ("csv_text", "message"),
    [
        ("margin,category\nSEX,female\n", "exactly the columns margin,category,share"),
        ("margin,category,share\n", "no targets in it"),
        ("margin,category,share\nSEX,female,0.5\nSEX,female,0.5\n", "given twice"),
        (
            "margin,category,share\nSEX,female,0.6\nSEX,male,0.6\nAREA,north,1\nAREA,south,0\n",
            "Nothing was imported. The shares for SEX add up to 120.0%",
        ),
    ],
)
def test_a_bad_targets_file_imports_nothing(survey, csv_text, message):
    targets_set(survey=survey, margin="SEX", shares={"female": 0.5, "male": 0.5})
    with pytest.raises(ResultsError, match=message):
        targets_import(survey=survey, csv_text=csv_text)
    assert PopulationTarget.objects.filter(survey=survey).count() == 2


def test_changing_targets_reweights_after_commit(survey, django_capture_on_commit_callbacks):
    _sample(survey)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        targets_set(survey=survey, margin="SEX", shares={"female": 0.5, "male": 0.5})
    assert len(callbacks) == 1
    run = WeightingRun.objects.get(survey=survey)
    assert run.status == WeightingRun.Status.OK and run.respondents == 100
    assert _weighted_share(survey, "female") == pytest.approx(0.5)
    female = Response.objects.filter(survey=survey, answers__option__code="female").first()
    assert female.weight == pytest.approx(0.5 / 0.3)
    # Kish: 30 at 5/3 and 70 at 5/7 -> (100)^2 / (30*25/9 + 70*25/49)
    n_eff = 100**2 / (30 * 25 / 9 + 70 * 25 / 49)
    assert run.effective_base == pytest.approx(n_eff)
    assert run.efficiency == pytest.approx(n_eff / 100)


def _sex_targets(survey, *, female=0.5, male=0.5):
    PopulationTarget.objects.create(survey=survey, margin="SEX", category="female", share=female)
    PopulationTarget.objects.create(survey=survey, margin="SEX", category="male", share=male)


def test_the_task_is_safe_to_run_twice(survey):
    _sample(survey)
    _sex_targets(survey)
    assert reweight_survey.delay(survey.id).get() == "ok"
    first = sorted(Response.objects.values_list("id", "weight"))
    assert reweight_survey.delay(survey.id).get() == "ok"
    assert sorted(Response.objects.values_list("id", "weight")) == first


def test_a_reweight_delivered_again_after_it_finished_records_no_second_run(survey):
    _sample(survey)
    _sex_targets(survey)
    assert reweight_survey.delay(survey.id).get() == "ok"
    run = WeightingRun.objects.get(survey=survey)
    version = survey_data_version(survey_id=survey.id)

    assert reweight_survey.delay(survey.id).get() == "ok"
    assert survey_reweight(survey_id=survey.id) == run

    assert list(WeightingRun.objects.filter(survey=survey)) == [run]
    # The officers' report is not sent to be computed again for nothing.
    assert survey_data_version(survey_id=survey.id) == version


def test_targets_set_again_to_the_same_shares_record_no_new_run(
    survey, django_capture_on_commit_callbacks
):
    _sample(survey)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            targets_set(survey=survey, margin="SEX", shares={"female": "50%", "male": "50%"})

    assert WeightingRun.objects.filter(survey=survey).count() == 1


def test_a_failed_reweight_delivered_again_records_no_second_failure(survey):
    responses_make(50, survey=survey, answers={"AGE": "15_24"})
    for category, share in AGE_SHARES.items():
        PopulationTarget.objects.create(survey=survey, margin="AGE", category=category, share=share)
    failed = survey_reweight(survey_id=survey.id)

    assert survey_reweight(survey_id=survey.id) == failed
    assert WeightingRun.objects.filter(survey=survey).count() == 1


def test_a_reweight_after_new_targets_records_a_new_run(survey):
    _sample(survey)
    _sex_targets(survey)
    first = survey_reweight(survey_id=survey.id)
    PopulationTarget.objects.filter(survey=survey).delete()
    _sex_targets(survey, female=0.4, male=0.6)

    second = survey_reweight(survey_id=survey.id)

    assert second != first and second.efficiency != first.efficiency
    assert _weighted_share(survey, "female") == pytest.approx(0.4)


def test_a_reweight_after_a_new_response_records_a_new_run(survey):
    _sample(survey)
    _sex_targets(survey)
    first = survey_reweight(survey_id=survey.id)
    responses_make(1, survey=survey, answers={"SEX": "female", "AREA": "north"})

    second = survey_reweight(survey_id=survey.id)

    assert second != first and second.respondents == 101


def test_a_reweight_after_responses_changed_records_a_run_even_if_no_weight_moves(survey):
    # Targets equal to the sample's own shares: every weight is 1, before and after.
    _sample(survey)
    _sex_targets(survey, female=0.3, male=0.7)
    first = survey_reweight(survey_id=survey.id)
    Response.objects.filter(survey=survey, answers__option__code="female").first().delete()
    responses_make(1, survey=survey, answers={"SEX": "female", "AREA": "north"})

    second = survey_reweight(survey_id=survey.id)

    assert second != first and second.respondents == first.respondents == 100
    # The weighting catch-up sees the run as newer than the response and leaves it alone.
    assert surveys_reweight_stale() == []


def test_a_reweight_puts_back_weights_changed_since_the_last_run_and_records_it(survey):
    _sample(survey)
    _sex_targets(survey)
    first = survey_reweight(survey_id=survey.id)
    weights = sorted(Response.objects.values_list("id", "weight"))
    Response.objects.filter(survey=survey).update(weight=1.0)

    second = survey_reweight(survey_id=survey.id)

    assert second != first
    assert sorted(Response.objects.values_list("id", "weight")) == weights


def test_prefer_not_to_say_keeps_the_mean_weight_on_that_margin(survey):
    _sample(survey, female=30, male=50, prefer_not=20)
    PopulationTarget.objects.create(survey=survey, margin="SEX", category="female", share=0.5)
    PopulationTarget.objects.create(survey=survey, margin="SEX", category="male", share=0.5)
    run = survey_reweight(survey_id=survey.id)
    assert run.status == "ok"
    undisclosed = Response.objects.filter(answers__option__code="prefer_not")
    assert {round(r.weight, 9) for r in undisclosed} == {1.0}
    # Among those who said, the population split is met.
    female = _weighted_share(survey, "female")
    male = _weighted_share(survey, "male")
    assert female / (female + male) == pytest.approx(0.5)


def test_weighting_on_two_margins_meets_both(survey):
    _sample(survey)
    for margin, shares in {
        "SEX": {"female": 0.5, "male": 0.5},
        "AREA": {"north": 0.4, "south": 0.6},
    }.items():
        for category, share in shares.items():
            PopulationTarget.objects.create(
                survey=survey, margin=margin, category=category, share=share
            )
    # Sex and area coincide in this sample, so the targets contradict each other.
    run = survey_reweight(survey_id=survey.id)
    assert run.status == "failed"


def test_a_failed_run_records_why_and_leaves_weights_alone(survey):
    _sample(survey)
    Response.objects.filter(survey=survey).update(weight=1.25)
    for category, share in AGE_SHARES.items():
        PopulationTarget.objects.create(survey=survey, margin="AGE", category=category, share=share)
    run = survey_reweight(survey_id=survey.id)
    assert run.status == WeightingRun.Status.FAILED
    assert "Nobody has given an answer to AGE" in run.message
    assert set(Response.objects.values_list("weight", flat=True)) == {1.25}


def test_a_target_category_without_respondents_fails_with_its_name(survey):
    responses_make(50, survey=survey, answers={"AGE": "15_24"})
    responses_make(50, survey=survey, answers={"AGE": "45_54"})
    for category, share in AGE_SHARES.items():
        PopulationTarget.objects.create(survey=survey, margin="AGE", category=category, share=share)
    run = survey_reweight(survey_id=survey.id)
    assert run.status == WeightingRun.Status.FAILED
    assert "No respondents in 'AGE: 25 to 34'" in run.message
    assert set(Response.objects.values_list("weight", flat=True)) == {1.0}


def test_no_targets_sets_every_weight_back_to_1(survey):
    _sample(survey)
    Response.objects.filter(survey=survey).update(weight=2.0)
    run = survey_reweight(survey_id=survey.id)
    assert run.status == "ok" and run.efficiency is None
    assert set(Response.objects.values_list("weight", flat=True)) == {1.0}


def test_responses_changed_queues_one_run_per_burst(survey, django_capture_on_commit_callbacks):
    _sample(survey)
    PopulationTarget.objects.create(survey=survey, margin="SEX", category="female", share=0.5)
    PopulationTarget.objects.create(survey=survey, margin="SEX", category="male", share=0.5)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        survey_responses_changed(survey_id=survey.id)
        survey_responses_changed(survey_id=survey.id)
    assert len(callbacks) == 1
    assert WeightingRun.objects.filter(survey=survey).count() == 1
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        survey_responses_changed(survey_id=survey.id)  # the run cleared the debounce key
    assert len(callbacks) == 1


def test_responses_changed_without_targets_refreshes_the_report_instead_of_reweighting(
    survey, django_capture_on_commit_callbacks, settings
):
    settings.OFFICER_REPORT_PREWARM = True
    _sample(survey)
    version = survey_data_version(survey_id=survey.id)
    key = report_key(survey=survey, version=version, filters=ResponseFilters(), weighted=False)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        survey_responses_changed(survey_id=survey.id)
    assert not is_cached(key), "nothing is queued before the change is committed"
    for callback in callbacks:
        callback()

    assert is_cached(key)
    assert not WeightingRun.objects.filter(survey=survey).exists()
