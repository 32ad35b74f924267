"""A resident completes the questionnaire with the keyboard alone, seeing where focus is."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP
from tests.browser.keyboard import (
    answer_page_by_keyboard,
    focused,
    tab,
    tab_to_button,
    tab_until,
)
from tests.browser.resident import assert_stored_complete, codes_by_page, latest_response
from tests.surveys.conftest import answers_for

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_resident_completes_questionnaire_with_the_keyboard_alone(new_context, survey):
    page = new_context(**DESKTOP).new_page()
    page.goto(f"/s/{survey.slug}/")
    tab_to_button(page, "Start now")
    expect(page.locator(".govuk-caption-l")).to_have_text("Part 1 of 8")
    answers = answers_for(latest_response(survey).split_arm)
    pages = codes_by_page(survey)

    # Continue with nothing chosen: the error summary takes focus, its first link
    # takes focus to the first question, and the resident carries on from there.
    tab_to_button(page, "Continue")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert page.evaluate(
        "() => document.activeElement.classList.contains('govuk-error-summary')"
    ), f"focus is on {focused(page)}, not on the error summary"
    link = tab(page)
    assert link and link["tag"] == "a", link
    page.keyboard.press("Enter")
    now = focused(page)
    assert now and now["name"] == pages[0][0], f"the error link left focus on {now}"
    answer_page_by_keyboard(page, answers, pages[0])

    for number in range(2, len(pages) + 1):
        expect(page.locator(".govuk-caption-l")).to_have_text(f"Part {number} of {len(pages)}")
        answer_page_by_keyboard(page, answers, pages[number - 1])

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before sending them"
    )
    tab_to_button(page, "Send my answers")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you, your answers have been sent"
    )
    assert_stored_complete(survey)


def test_resident_starts_by_keyboard_with_the_start_challenge_on(new_context, survey):
    """Tab to Start, Enter, and the first question: the challenge takes no focus and needs
    no key of its own, and a Start pressed before it is solved goes ahead once it is."""
    survey.start_challenge = True
    survey.save(update_fields=["start_challenge"])
    page = new_context(**DESKTOP).new_page()
    page.goto(f"/s/{survey.slug}/")
    status = page.locator("#start-challenge-status")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_have_attribute("role", "status")
    expect(status).to_have_text(re.compile(r"Checking your browser|Done, you can start"))
    tab_to_button(page, "Start now")
    expect(page.locator(".govuk-caption-l")).to_have_text("Part 1 of 8")
    response = latest_response(survey)
    assert response.furthest_page == 1
    # Focus was left where the resident put it: the first question is reached by Tab.
    first = tab_until(page, lambda el: el["tag"] == "input", "the first question")
    assert first["name"] == codes_by_page(survey)[0][0]


def test_skip_link_is_the_first_stop_and_moves_focus_to_the_content(new_context, survey):
    page = new_context(**DESKTOP).new_page()
    page.goto(f"/s/{survey.slug}/")
    first = tab(page)
    assert first and first["text"] == "Skip to main content", first
    expect(page.get_by_role("link", name="Skip to main content")).to_be_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main-content"
