"""A live survey is guarded: once it has responses its questionnaire cannot be swapped and it
cannot go back to draft; a survey created live records its opening; closed with "Close now"
it opens again; an area that responses name cannot be deleted; and every change made in the
admin or the council's set-up is audited with who, when and which fields."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from surveys import lifecycle, services
from surveys.errors import SurveyError
from surveys.models import Area, AuditEntry, Membership, Response, Survey
from tests.running.test_admin_setup import _survey_form
from tests.surveys.conftest import ANSWERS_A


@pytest.fixture
def answered(survey):
    services.response_record(
        survey=survey, mode=Response.Mode.PAPER, answers=ANSWERS_A, split_arm="A"
    )
    return survey


@pytest.fixture
def council_admin_client(db, council):
    user = User.objects.create_user("riverside-setup", password="not-a-real-password-9")
    Membership.objects.create(user=user, council=council, role=Membership.Role.COUNCIL_ADMIN)
    client = Client()
    client.force_login(user)
    return client


def test_a_survey_with_responses_cannot_swap_its_questionnaire(answered):
    copy = services.questionnaire_copy(questionnaire=answered.questionnaire)

    with pytest.raises(SurveyError, match="cannot be switched to another version"):
        lifecycle.survey_change_check(survey=answered, questionnaire_id=copy.pk)


@pytest.mark.parametrize("site", ["admin", "council_admin"])
def test_the_admin_form_refuses_the_swap_and_stores_nothing(
    admin_client, council_admin_client, answered, site
):
    client = admin_client if site == "admin" else council_admin_client
    copy = services.questionnaire_copy(questionnaire=answered.questionnaire)
    data = _survey_form(answered, [])
    data["questionnaire"] = copy.pk

    response = client.post(reverse(f"{site}:surveys_survey_change", args=[answered.pk]), data)

    assert response.status_code == 200
    assert "cannot be switched to another version" in response.content.decode()
    answered.refresh_from_db()
    assert answered.questionnaire_id != copy.pk


def test_a_survey_with_responses_cannot_go_back_to_draft(answered):
    with pytest.raises(SurveyError, match="cannot go back to draft"):
        lifecycle.survey_change_check(survey=answered, status=Survey.Status.DRAFT)


def test_status_is_not_a_field_of_an_existing_surveys_form(admin_client, answered):
    data = _survey_form(answered, [])
    data["status"] = Survey.Status.DRAFT

    admin_client.post(reverse("admin:surveys_survey_change", args=[answered.pk]), data)

    answered.refresh_from_db()
    assert answered.status == Survey.Status.LIVE


def test_a_survey_created_live_records_its_opening(council_admin_client, survey):
    data = _survey_form(survey, [])
    data.update(slug="riverside-2027", title="Next year", status=Survey.Status.LIVE)

    response = council_admin_client.post(reverse("council_admin:surveys_survey_add"), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    created = Survey.objects.get(slug="riverside-2027")
    assert created.opens_at is not None and created.opens_at <= timezone.now()
    actions = set(AuditEntry.objects.filter(survey=created).values_list("action", flat=True))
    assert {"survey.created", "survey.opened", "admin.survey.added"} <= actions


def test_a_survey_closed_now_opens_again(admin_client, survey):
    lifecycle.survey_close(survey=survey)

    admin_client.post(
        reverse("admin:surveys_survey_changelist"),
        {"action": "open_now", "_selected_action": [survey.pk]},
    )

    survey.refresh_from_db()
    assert survey.status == Survey.Status.LIVE and survey.is_open()
    entry = AuditEntry.objects.get(action="survey.reopened")
    assert entry.actor.username == "admin" and entry.detail["closed_at"]


def test_deleting_an_area_that_responses_use_is_refused(admin_client, answered, council):
    area = Area.objects.get(council=council, code="north")
    Response.objects.filter(survey=answered).update(area=area)
    areas = list(Area.objects.filter(council=council).order_by("position"))
    data = {
        "name": council.name,
        "slug": council.slug,
        "accent_colour": council.accent_colour,
        "areas-TOTAL_FORMS": len(areas),
        "areas-INITIAL_FORMS": len(areas),
        "memberships-TOTAL_FORMS": 0,
        "memberships-INITIAL_FORMS": 0,
    }
    for i, a in enumerate(areas):
        data.update(
            {
                f"areas-{i}-id": a.pk,
                f"areas-{i}-council": council.pk,
                f"areas-{i}-code": a.code,
                f"areas-{i}-name": a.name,
                f"areas-{i}-position": a.position,
            }
        )
        if a == area:
            data[f"areas-{i}-DELETE"] = "on"

    response = admin_client.post(reverse("admin:surveys_council_change", args=[council.pk]), data)

    assert response.status_code == 200
    assert "protected" in response.content.decode()
    assert Area.objects.filter(pk=area.pk).exists()
    assert Response.objects.filter(survey=answered, area=area).count() == 1


def test_every_admin_change_is_audited_with_its_fields(council_admin_client, survey):
    data = _survey_form(survey, [])
    data["contact"] = "research@riverside.example"

    response = council_admin_client.post(
        reverse("council_admin:surveys_survey_change", args=[survey.pk]), data
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.get(action="admin.survey.changed")
    assert entry.actor.username == "riverside-setup"
    assert "contact" in entry.detail["fields"]
    assert entry.detail["site"] == "council_admin"
    assert entry.survey == survey
