"""Weighting that could not be queued (the broker was down) is caught up by Celery beat."""

import datetime as dt

import pytest
from django.utils import timezone

from results.models import WeightingRun
from results.services import surveys_reweight_stale
from results.tasks import reweight_stale_surveys
from surveys import services
from surveys.models import Response
from tests.surveys.conftest import answers_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def weighted_survey(survey):
    from results.services import targets_set

    for i in range(12):
        arm = "AB"[i % 2]
        answers = {**answers_for(arm), "SEX": ["female", "male"][i % 2]}
        services.response_record(survey=survey, answers=answers, mode="paper", split_arm=arm)
    targets_set(survey=survey, margin="SEX", shares={"female": 0.5, "male": 0.5})
    return survey


def test_survey_with_responses_newer_than_its_last_run_is_reweighted(
    weighted_survey, django_capture_on_commit_callbacks
):
    WeightingRun.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert surveys_reweight_stale() == [weighted_survey.pk]
    assert WeightingRun.objects.filter(survey=weighted_survey, status="ok").exists()


def test_survey_weighted_since_its_last_response_is_left_alone(
    weighted_survey, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        surveys_reweight_stale()
    Response.objects.update(submitted_at=timezone.now() - dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert reweight_stale_surveys() == 0


def test_survey_without_targets_is_never_queued(survey):
    services.response_record(survey=survey, answers=answers_for("A"), mode="paper", split_arm="A")
    assert surveys_reweight_stale() == []
