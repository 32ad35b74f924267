"""Every kind of bad input gets a clear message or a 4xx, stores nothing, and never a 500."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from surveys import services
from surveys.errors import ResponseInvalid, SurveyUnavailable
from surveys.models import Answer, Response, Survey
from tests.surveys.conftest import ANSWERS_A, answers_for, post_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident(client, survey) -> tuple[Client, Response]:
    client.post(reverse("surveys:start", args=[survey.slug]))
    return client, Response.objects.get(survey=survey)


def page_url(survey, number: int) -> str:
    return reverse("surveys:page", args=[survey.slug, number])


def assert_nothing_stored(response: Response, *, draft_before=None) -> None:
    response.refresh_from_db()
    assert not Answer.objects.exists()
    assert response.status == Response.Status.IN_PROGRESS
    if draft_before is not None:
        assert response.draft == draft_before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"Q1": ["nonsense"], "Q2": "other"}, "Select only the answers listed"),
        ({"Q1": ["everyone"], "Q2": "made_up_code"}, "Select one of the answers listed"),
        ({"Q1": ["whole_community", "everyone", "taxes"], "Q2": "other"}, "no more than two"),
        ({"Q1": ["none", "everyone"], "Q2": "other"}, "on its own"),
        ({"Q1": ["everyone"]}, "Select an answer for"),
        ({"Q2": "other"}, "Select at least one answer"),
    ],
    ids=["unknown-option", "unknown-single", "too-many", "exclusive-combined", "missing", "none"],
)
def test_bad_answers_are_refused_with_a_clear_message(resident, survey, data, message):
    client, response = resident
    reply = client.post(page_url(survey, 1), {"action": "continue", **data})
    assert reply.status_code == 400
    html = reply.content.decode()
    assert "There is a problem" in html
    assert message in html
    assert 'href="#id_Q' in html  # the error summary links to the field
    assert_nothing_stored(response, draft_before={})


def test_oversized_text_is_refused(resident, survey):
    client, response = resident
    response.furthest_page = 8
    response.save()
    reply = client.post(page_url(survey, 8), {"action": "continue", "COMMENTS": "x" * 2001})
    assert reply.status_code == 400
    assert "2,000 characters or fewer" in reply.content.decode()
    assert_nothing_stored(response, draft_before={})


def test_number_out_of_range_or_not_a_number_is_refused(resident, survey):
    client, response = resident
    response.furthest_page = 7
    response.save()
    base = post_data(ANSWERS_A, ["AGE", "SEX", "AREA", "INTERNET", "CHILDREN", "WORK", "NEWSPAPER"])
    for value, message in [("many", "whole number"), ("99", "between 1 and 20")]:
        reply = client.post(page_url(survey, 7), {"action": "continue", **base, "HOUSEHOLD": value})
        assert reply.status_code == 400
        assert message in reply.content.decode()
    assert_nothing_stored(response, draft_before={})


def test_answer_for_a_statement_not_asked_of_this_half_is_refused(resident, survey):
    _, response = resident
    response.furthest_page = 2
    response.save()
    asked, unasked = ("dignity", "outcome") if response.split_arm == "A" else ("outcome", "dignity")
    services.response_save_page(response=response, values={"Q3": {unasked: "tend_agree"}})
    with pytest.raises(ResponseInvalid) as caught:
        services.answers_validate(
            spec=services.spec_for(survey),
            arm=response.split_arm,
            answers={**answers_for(response.split_arm), "Q3": {unasked: "tend_agree"}},
        )
    assert "not asked" in str(caught.value.errors["Q3"])
    assert asked


def test_answer_to_a_question_not_in_the_survey_is_refused(survey):
    with pytest.raises(ResponseInvalid) as caught:
        services.response_record(
            survey=survey, answers={**ANSWERS_A, "Q99": "yes"}, mode=Response.Mode.PAPER
        )
    assert "Q99" in caught.value.errors
    assert not Response.objects.exists()
    assert not Answer.objects.exists()


def test_review_with_invalid_draft_lists_problems_and_stores_nothing(resident, survey):
    client, response = resident
    response.furthest_page = 9
    response.draft = {**answers_for(response.split_arm), "Q1": ["none", "everyone"]}
    response.save()
    reply = client.post(reverse("surveys:review", args=[survey.slug]))
    assert reply.status_code == 400
    html = reply.content.decode()
    assert "There is a problem" in html and "on its own" in html
    assert page_url(survey, 1) + "?return=review" in html
    assert_nothing_stored(response)


@pytest.mark.parametrize("number", [0, 9, 999])
def test_tampered_page_number_is_not_found(resident, survey, number):
    client, response = resident
    assert client.get(page_url(survey, number)).status_code == 404
    assert client.post(page_url(survey, number), {"action": "continue"}).status_code == 404
    assert_nothing_stored(response, draft_before={})


def test_skipping_ahead_goes_back_to_the_furthest_page_reached(resident, survey):
    client, response = resident
    reply = client.post(page_url(survey, 5), {"action": "continue"})
    assert reply.status_code == 302
    assert reply.url == page_url(survey, 1)
    assert_nothing_stored(response, draft_before={})


def test_closed_survey_refuses_answers(resident, survey):
    client, response = resident
    survey.closes_at = timezone.now() - dt.timedelta(minutes=1)
    survey.save()
    reply = client.post(page_url(survey, 1), {"action": "continue", **post_data(ANSWERS_A, ["Q2"])})
    assert reply.status_code == 403
    assert "This survey has closed" in reply.content.decode()
    landing = client.get(reverse("surveys:landing", args=[survey.slug]))
    assert "This survey has closed" in landing.content.decode()
    assert client.post(reverse("surveys:start", args=[survey.slug])).status_code == 403
    assert_nothing_stored(response, draft_before={})


def test_closed_survey_refuses_final_submission(resident, survey):
    client, response = resident
    response.furthest_page = 9
    response.draft = answers_for(response.split_arm)
    response.save()
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.CLOSED)
    reply = client.post(reverse("surveys:review", args=[survey.slug]))
    assert reply.status_code == 403
    assert_nothing_stored(response)


def test_survey_not_yet_open_says_so(client, survey):
    survey.opens_at = timezone.now() + dt.timedelta(days=3)
    survey.save()
    landing = client.get(reverse("surveys:landing", args=[survey.slug]))
    assert "not open yet" in landing.content.decode()
    assert client.post(reverse("surveys:start", args=[survey.slug])).status_code == 403
    assert not Response.objects.exists()


def test_draft_survey_is_not_open(survey):
    survey.status = Survey.Status.DRAFT
    survey.save()
    with pytest.raises(SurveyUnavailable):
        services.response_start(survey=survey)


def test_invitation_only_survey_refuses_the_public_link(client, survey):
    survey.public_link = False
    survey.save()
    reply = client.post(reverse("surveys:start", args=[survey.slug]))
    assert reply.status_code == 403
    assert "invitation only" in reply.content.decode()
    assert not Response.objects.exists()


@pytest.mark.parametrize("code", ["", "ABCD-EFGH-JKMN", "x" * 41, "<script>"])
def test_invalid_code_is_refused(client, survey, code):
    reply = client.post(reverse("surveys:code"), {"code": code})
    assert reply.status_code == 400
    assert "There is a problem" in reply.content.decode()
    assert not Response.objects.exists()


def test_expired_code_is_refused(client, survey, make_invitation):
    _, code = make_invitation(expires_at=timezone.now() - dt.timedelta(days=1))
    reply = client.post(reverse("surveys:code"), {"code": code})
    assert reply.status_code == 400
    assert "expired" in reply.content.decode()
    assert not Response.objects.exists()


def test_used_code_is_refused(client, survey, make_invitation):
    invitation, code = make_invitation()
    response = services.response_start(survey=survey, invitation=invitation)
    response.draft = answers_for(response.split_arm)
    response.save()
    services.response_submit(response_id=response.pk)
    reply = Client().post(reverse("surveys:code"), {"code": code})
    assert reply.status_code == 400
    assert "already been used" in reply.content.decode()
    assert Response.objects.count() == 1


def test_resume_code_of_a_sent_response_is_refused(client, survey):
    response = services.response_start(survey=survey)
    code = services.response_save_for_later(response=response)
    response.draft = answers_for(response.split_arm)
    response.save()
    services.response_submit(response_id=response.pk)
    reply = client.post(reverse("surveys:code"), {"code": code})
    assert reply.status_code == 400


@pytest.mark.parametrize(
    "data",
    [
        {"action": "continue", "Q1": "not-a-list-but-a-string-" * 50},
        {"action": "continue", "Q2": ["a", "b"]},
        {"action": "explode"},
        {"action": "continue", "Q1": ["\x00"], "Q2": "\x00\x1b"},
    ],
    ids=["string-for-list", "list-for-single", "unknown-action", "control-characters"],
)
def test_malformed_post_never_500(resident, survey, data):
    client, _ = resident
    reply = client.post(page_url(survey, 1), data)
    assert reply.status_code < 500
    assert not Answer.objects.exists()


def test_body_that_is_not_utf8_never_500(resident, survey):
    client, _ = resident
    reply = client.generic(
        "POST",
        page_url(survey, 1),
        b"action=continue&Q2=%ED%A0%80%FF&Q1=%C3",
        content_type="application/x-www-form-urlencoded",
    )
    assert reply.status_code < 500
    assert not Answer.objects.exists()


def test_post_without_csrf_token_is_refused_plainly(survey):
    client = Client(enforce_csrf_checks=True)
    reply = client.post(reverse("surveys:start", args=[survey.slug]))
    assert reply.status_code == 403
    assert "session has expired" in reply.content.decode()
    assert not Response.objects.exists()


def test_too_many_fields_is_a_bad_request(resident, survey):
    client, _ = resident
    data = {f"field{i}": "x" for i in range(1000)}
    reply = client.post(page_url(survey, 1), data)
    assert reply.status_code == 400
    assert not Answer.objects.exists()


def test_unknown_survey_is_not_found(client, db):
    assert client.get(reverse("surveys:landing", args=["no-such-survey"])).status_code == 404
    assert client.post(reverse("surveys:start", args=["no-such-survey"])).status_code == 404


def test_page_without_a_started_response_goes_to_the_landing_page(client, survey):
    reply = client.post(page_url(survey, 1), {"action": "continue"})
    assert reply.status_code == 302
    assert reply.url == reverse("surveys:landing", args=[survey.slug])
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    "draft",
    [
        {"Q4": "not-a-dict", "Q1": "not-a-list", "Q2": ["a"], "HOUSEHOLD": "many"},
        {"Q4": {"needs": ["x"]}, "Q1": [1, None], "COMMENTS": 12},
    ],
)
def test_review_of_a_malformed_draft_shows_problems_not_a_500(resident, survey, draft):
    client, response = resident
    response.furthest_page = 9
    response.draft = draft
    response.save()
    assert client.get(reverse("surveys:review", args=[survey.slug])).status_code == 200
    reply = client.post(reverse("surveys:review", args=[survey.slug]))
    assert reply.status_code == 400
    assert "There is a problem" in reply.content.decode()
    assert_nothing_stored(response)
