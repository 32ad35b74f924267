"""A resident answers the whole 2014 questionnaire through the web pages."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from surveys import services
from surveys.models import Answer, Response
from tests.surveys.conftest import answers_for, post_data

pytestmark = pytest.mark.django_db


def start(client, survey) -> Response:
    reply = client.post(reverse("surveys:start", args=[survey.slug]))
    assert reply.status_code == 302
    return Response.objects.latest("started_at")


def answer_every_page(client, survey, response) -> None:
    answers = answers_for(response.split_arm)
    spec = services.spec_for(survey)
    for page in spec.pages:
        url = reverse("surveys:page", args=[survey.slug, page.position])
        assert client.get(url).status_code == 200
        codes = [q.code for q in page.questions]
        reply = client.post(url, {"action": "continue", **post_data(answers, codes)})
        assert reply.status_code == 302, reply.content.decode()[:2000]


def checked(html: str, name: str) -> list[str]:
    """Values of the checked radios or checkboxes called name."""
    inputs = re.findall(r"<input[^>]*>", html, flags=re.S)
    return [
        re.search(r'value="([^"]*)"', tag).group(1)
        for tag in inputs
        if f'name="{name}"' in tag and "checked" in tag
    ]


def stored_answers(response: Response) -> set[tuple]:
    return {
        (
            a.question.code,
            a.item.code if a.item else "",
            a.option.code if a.option else "",
            a.text_value,
            a.number_value,
        )
        for a in Answer.objects.filter(response=response).select_related(
            "question", "item", "option"
        )
    }


def expected_rows(answers: dict) -> set[tuple]:
    rows = set()
    for code, value in answers.items():
        if code == "AREA":
            rows.add((code, "", "", value, None))
        elif code == "HOUSEHOLD":
            rows.add((code, "", "", "", value))
        elif code == "COMMENTS":
            rows.add((code, "", "", value, None))
        elif isinstance(value, dict):
            rows |= {(code, item, option, "", None) for item, option in value.items()}
        elif isinstance(value, list):
            rows |= {(code, "", option, "", None) for option in value}
        else:
            rows.add((code, "", value, "", None))
    return rows


def test_resident_completes_whole_questionnaire_and_answer_rows_equal_choices(client, survey):
    landing = client.get(reverse("surveys:landing", args=[survey.slug]))
    assert landing.status_code == 200
    assert survey.privacy_notice in landing.content.decode()

    response = start(client, survey)
    answer_every_page(client, survey, response)

    review = client.get(reverse("surveys:review", args=[survey.slug]))
    assert review.status_code == 200
    assert "More evening opening hours" in review.content.decode()

    sent = client.post(reverse("surveys:review", args=[survey.slug]))
    assert sent.status_code == 302
    assert sent.url == reverse("surveys:thanks", args=[survey.slug])
    assert "your answers have been sent" in client.get(sent.url).content.decode()

    response.refresh_from_db()
    assert response.status == Response.Status.COMPLETE
    assert response.area.code == "south"
    assert stored_answers(response) == expected_rows(answers_for(response.split_arm))


def test_split_sample_statement_is_asked_of_the_residents_half_only(client, survey):
    response = start(client, survey)
    answer_every_page(client, survey, response)
    client.post(reverse("surveys:review", args=[survey.slug]))
    asked = set(
        Answer.objects.filter(response=response, question__code="Q3").values_list(
            "item__code", flat=True
        )
    )
    assert asked == ({"dignity"} if response.split_arm == "A" else {"outcome"})


def test_page_shows_progress(client, survey):
    start(client, survey)
    page = client.get(reverse("surveys:page", args=[survey.slug, 1])).content.decode()
    assert "Part 1 of 8" in page


def test_going_back_keeps_answers(client, survey):
    response = start(client, survey)
    answers = answers_for(response.split_arm)
    page1 = reverse("surveys:page", args=[survey.slug, 1])
    client.post(page1, {"action": "continue", **post_data(answers, ["Q1", "Q2"])})
    page2 = reverse("surveys:page", args=[survey.slug, 2])
    reply = client.post(page2, {"action": "previous"})
    assert reply.url == page1
    html = client.get(page1).content.decode()
    assert checked(html, "Q2") == ["equality_opportunity"]
    response.refresh_from_db()
    assert response.draft["Q2"] == "equality_opportunity"


def test_previous_keeps_valid_answers_and_drops_none(client, survey):
    response = start(client, survey)
    page1 = reverse("surveys:page", args=[survey.slug, 1])
    # Q1 has too many choices (invalid), Q2 is fine: Q2 must survive going back.
    client.post(
        page1,
        {"action": "previous", "Q1": ["whole_community", "everyone", "taxes"], "Q2": "other"},
    )
    response.refresh_from_db()
    assert response.draft == {"Q2": "other"}


def test_save_and_resume_with_a_code_on_another_device(client, survey, django_user_model):
    from django.test import Client

    response = start(client, survey)
    page1 = reverse("surveys:page", args=[survey.slug, 1])
    client.post(page1, {"action": "continue", **post_data(answers_for("A"), ["Q1", "Q2"])})
    saved = client.post(
        reverse("surveys:page", args=[survey.slug, 2]),
        {"action": "save", "Q3__dignity": "tend_agree", "Q3__outcome": "tend_agree"},
    )
    assert saved.status_code == 200
    code = saved.context["code"]
    response.refresh_from_db()
    assert code not in str(response.resume_code_hash)  # only the hash is kept

    other = Client()
    reply = other.post(reverse("surveys:code"), {"code": code.lower().replace("-", " ")})
    assert reply.status_code == 302
    assert reply.url == reverse("surveys:page", args=[survey.slug, 2])
    html = other.get(reply.url).content.decode()
    assert "Part 2 of 8" in html


def test_invitation_code_opens_a_response_linked_to_the_invitation(client, survey, make_invitation):
    invitation, code = make_invitation()
    reply = client.post(reverse("surveys:code"), {"code": code})
    assert reply.status_code == 302
    response = Response.objects.get(invitation=invitation)
    answer_every_page(client, survey, response)
    client.post(reverse("surveys:review", args=[survey.slug]))
    invitation.refresh_from_db()
    assert invitation.used_at is not None
    response.refresh_from_db()
    assert response.is_complete


def test_double_submit_and_replayed_posts_store_one_response(client, survey):
    response = start(client, survey)
    answer_every_page(client, survey, response)
    review = reverse("surveys:review", args=[survey.slug])
    first = client.post(review)
    rows = Answer.objects.filter(response=response).count()
    second = client.post(review)  # double click
    replay_page = client.post(  # replayed POST of the last page
        reverse("surveys:page", args=[survey.slug, 8]), {"action": "continue"}
    )
    assert first.status_code == second.status_code == replay_page.status_code == 302
    assert second.url == replay_page.url == reverse("surveys:thanks", args=[survey.slug])
    assert Response.objects.filter(survey=survey).count() == 1
    assert Answer.objects.filter(response=response).count() == rows


def test_double_click_on_start_continues_the_same_response(client, survey):
    client.post(reverse("surveys:start", args=[survey.slug]))
    client.post(reverse("surveys:start", args=[survey.slug]))
    assert Response.objects.filter(survey=survey).count() == 1


def test_review_before_all_pages_answered_goes_back_to_the_first_unanswered_page(client, survey):
    start(client, survey)
    reply = client.get(reverse("surveys:review", args=[survey.slug]))
    assert reply.status_code == 302
    assert reply.url == reverse("surveys:page", args=[survey.slug, 1])


def test_change_link_from_review_returns_to_review(client, survey):
    response = start(client, survey)
    answer_every_page(client, survey, response)
    page2 = reverse("surveys:page", args=[survey.slug, 1]) + "?return=review"
    reply = client.post(
        page2,
        {
            "action": "continue",
            "return": "review",
            **post_data(answers_for("A"), ["Q1"]),
            "Q2": "most_in_need",
        },
    )
    assert reply.url == reverse("surveys:review", args=[survey.slug])
    response.refresh_from_db()
    assert response.draft["Q2"] == "most_in_need"


def test_pages_work_without_javascript(client, survey):
    """Every control is a plain HTML form control posted by a submit button."""
    start(client, survey)
    html = client.get(reverse("surveys:page", args=[survey.slug, 1])).content.decode()
    assert '<form method="post"' in html
    assert 'type="submit" name="action" value="continue"' in html
    assert 'type="checkbox"' in html and 'type="radio"' in html
    assert 'name="viewport"' in html


def test_home_page_lists_open_public_surveys_only(client, survey):
    html = client.get("/").content.decode()
    assert survey.title in html
    survey.public_link = False
    survey.save()
    assert survey.title not in client.get("/").content.decode()


def test_save_for_later_keeps_the_answered_rows_of_a_half_answered_grid(client, survey):
    response = start(client, survey)
    response.furthest_page = 3
    response.save()
    client.post(
        reverse("surveys:page", args=[survey.slug, 3]),
        {"action": "save", "Q4__needs": "often", "Q4__decisions": "never"},
    )
    response.refresh_from_db()
    assert response.draft["Q4"] == {"needs": "often", "decisions": "never"}


def test_public_link_resident_can_get_a_code_that_erases_their_sent_answers(client, survey):
    response = start(client, survey)
    answer_every_page(client, survey, response)
    client.post(reverse("surveys:review", args=[survey.slug]))
    thanks = client.post(reverse("surveys:thanks", args=[survey.slug]))
    assert thanks.status_code == 200
    code = thanks.context["erasure_code"]
    assert code and code in thanks.content.decode()

    from surveys.erasure import response_erase

    response_erase(code=code)
    assert not Response.objects.filter(pk=response.pk).exists()
    assert not Answer.objects.filter(response_id=response.pk).exists()


def test_resume_code_noted_before_sending_still_erases_afterwards(client, survey):
    response = start(client, survey)
    saved = client.post(reverse("surveys:page", args=[survey.slug, 1]), {"action": "save"})
    code = saved.context["code"]
    answer_every_page(client, survey, response)
    client.post(reverse("surveys:review", args=[survey.slug]))
    from surveys.erasure import response_erase

    response_erase(code=code)
    assert not Response.objects.filter(pk=response.pk).exists()
