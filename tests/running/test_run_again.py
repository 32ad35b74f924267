"""“Run again”: a council administrator makes the next wave of a survey from a confirmation
page; it is a draft with the earlier survey's settings and targets, linked to it, audited.
Only a survey of the same council, with the same questionnaire or a version of it, can ever
be an earlier wave."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from results.models import PopulationTarget
from surveys import services, waves
from surveys.errors import SurveyError
from surveys.models import AuditEntry, Membership, Question, Survey
from tests.results.factories import council_make, survey_make
from tests.running.test_admin_setup import _survey_form


@pytest.fixture
def council_admin_client(db, council):
    user = User.objects.create_user("riverside-setup", password="not-a-real-password-9")
    Membership.objects.create(user=user, council=council, role=Membership.Role.COUNCIL_ADMIN)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def earlier(survey):
    survey.min_test_base = 40
    survey.multiple_comparisons = Survey.Adjustment.HOLM
    survey.start_challenge = True
    survey.save()
    PopulationTarget.objects.create(
        survey=survey, margin="SEX", category="female", share=Decimal("0.51")
    )
    PopulationTarget.objects.create(
        survey=survey, margin="SEX", category="male", share=Decimal("0.49")
    )
    return survey


def test_run_again_shows_a_confirmation_page_first(council_admin_client, earlier):
    url = reverse("council_admin:surveys_survey_run_again", args=[earlier.pk])

    page = council_admin_client.get(url)

    assert page.status_code == 200
    text = page.content.decode()
    assert "sets up its next wave" in text
    assert not Survey.objects.filter(previous_wave=earlier).exists()


def test_run_again_makes_a_draft_next_wave_with_the_settings_and_targets(
    council_admin_client, earlier
):
    url = reverse("council_admin:surveys_survey_run_again", args=[earlier.pk])

    response = council_admin_client.post(
        url, {"title": "Your views 2027", "slug": "riverside-2027", "wave_label": "2027"}
    )

    wave = Survey.objects.get(slug="riverside-2027")
    assert response.status_code == 302
    assert response["Location"] == reverse("council_admin:surveys_survey_change", args=[wave.pk])
    assert wave.previous_wave == earlier
    assert wave.status == Survey.Status.DRAFT
    assert wave.opens_at is None and wave.closes_at is None
    assert wave.council_id == earlier.council_id
    assert wave.questionnaire_id == earlier.questionnaire_id
    assert (wave.min_test_base, wave.multiple_comparisons, wave.start_challenge) == (
        40,
        Survey.Adjustment.HOLM,
        True,
    )
    assert wave.wave_name == "2027"
    targets = {(t.margin, t.category, t.share) for t in wave.population_targets.all()}
    assert targets == {("SEX", "female", Decimal("0.51")), ("SEX", "male", Decimal("0.49"))}
    entry = AuditEntry.objects.get(action="survey.run_again", survey=wave)
    assert entry.detail["previous_wave"] == earlier.pk
    assert entry.actor.username == "riverside-setup"


def test_run_again_refuses_an_address_in_use_and_stores_nothing(
    council_admin_client, earlier, other_survey
):
    url = reverse("council_admin:surveys_survey_run_again", args=[earlier.pk])

    response = council_admin_client.post(url, {"title": "Again", "slug": other_survey.slug})

    assert response.status_code == 400
    assert "already used" in response.content.decode()
    assert not Survey.objects.filter(previous_wave=earlier).exists()


def test_another_councils_administrator_cannot_run_a_survey_again(earlier, other_survey):
    user = User.objects.create_user("hilltop-setup", password="not-a-real-password-8")
    Membership.objects.create(
        user=user, council=other_survey.council, role=Membership.Role.COUNCIL_ADMIN
    )
    client = Client()
    client.force_login(user)
    url = reverse("council_admin:surveys_survey_run_again", args=[earlier.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, {"title": "Mine now", "slug": "stolen"}).status_code == 404
    assert not Survey.objects.filter(slug="stolen").exists()


def test_a_survey_of_another_council_can_never_be_an_earlier_wave(survey, other_survey):
    with pytest.raises(SurveyError, match="same council"):
        waves.wave_link_check(survey=survey, previous=other_survey)


def test_the_set_up_form_refuses_another_councils_survey_as_earlier_wave(
    admin_client, survey, other_survey
):
    data = _survey_form(survey, [])
    data["previous_wave"] = other_survey.pk

    response = admin_client.post(reverse("admin:surveys_survey_change", args=[survey.pk]), data)

    assert response.status_code == 200
    assert "same council" in response.content.decode()
    survey.refresh_from_db()
    assert survey.previous_wave is None


def test_the_council_set_up_offers_only_its_own_surveys_as_earlier_waves(
    council_admin_client, survey, other_survey
):
    data = _survey_form(survey, [])
    data["previous_wave"] = other_survey.pk

    response = council_admin_client.post(
        reverse("council_admin:surveys_survey_change", args=[survey.pk]), data
    )

    assert response.status_code == 200
    survey.refresh_from_db()
    assert survey.previous_wave is None


def test_a_survey_cannot_be_its_own_earlier_wave_nor_a_later_waves(survey):
    later = waves.survey_run_again(survey=survey, title="Again", slug="riverside-2027")

    with pytest.raises(SurveyError, match="later waves"):
        waves.wave_link_check(survey=survey, previous=later)
    with pytest.raises(SurveyError, match="later waves"):
        waves.wave_link_check(survey=survey, previous=survey)


def test_a_copied_version_of_the_questionnaire_may_be_the_next_waves(survey):
    copy = services.questionnaire_copy(questionnaire=survey.questionnaire)
    later = survey_make(slug="riverside-2027", council=survey.council)
    later.questionnaire = copy
    later.save()

    waves.wave_link_check(survey=later, previous=survey)  # no error


def test_another_questionnaire_cannot_be_an_earlier_wave(survey):
    copy = services.questionnaire_copy(questionnaire=survey.questionnaire)
    copy.slug, copy.based_on = "something-else", None
    copy.save()
    later = survey_make(slug="riverside-2027", council=survey.council)
    later.questionnaire = copy
    later.save()

    with pytest.raises(SurveyError, match="another questionnaire"):
        waves.wave_link_check(survey=later, previous=survey)


def test_earlier_waves_are_listed_most_recent_first_and_only_the_councils(survey):
    second = waves.survey_run_again(survey=survey, title="2027", slug="riverside-2027")
    third = waves.survey_run_again(survey=second, title="2028", slug="riverside-2028")
    # A link made behind the checks' back to another council's survey is not followed.
    stray = survey_make(slug="hilltop-2025", council=council_make(slug="hilltop"))
    Survey.objects.filter(pk=survey.pk).update(previous_wave=stray)

    assert waves.survey_earlier_waves(survey=third) == [second, survey]
    assert Question.objects.filter(questionnaire=third.questionnaire).exists()
