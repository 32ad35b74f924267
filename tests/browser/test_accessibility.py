"""axe-core finds no WCAG 2.2 A or AA violation on any resident page or error state, at
desktop width (1280 CSS pixels) and at 320 CSS pixels, where the page must also reflow
without scrolling sideways (WCAG 1.4.10: the width of a 1280px screen zoomed to 400%)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from surveys.models import Response
from tests.browser.axe import Audit
from tests.browser.conftest import DESKTOP
from tests.browser.resident import (
    answer_page,
    button,
    codes_by_page,
    latest_response,
    start,
    submit,
)
from tests.surveys.conftest import answers_for

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def walk_questionnaire(page: Page, survey, audit: Audit) -> None:
    """Landing, every page and its error state, check your answers and its error state,
    thank-you, and joining and leaving the residents' group."""
    page.goto("/")
    audit("home")
    page.goto(f"/s/{survey.slug}/")
    audit("landing")
    response = start(page, survey)
    answers = answers_for(response.split_arm)
    pages = codes_by_page(survey)
    for number, codes in enumerate(pages, start=1):
        audit(f"page {number}")
        if "COMMENTS" in codes:
            page.locator('textarea[name="COMMENTS"]').fill("x" * 2001)
        if "HOUSEHOLD" in codes:
            page.locator('input[name="HOUSEHOLD"]').fill("several")
        submit(page, button(page, "Continue"))
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        audit(f"page {number}, errors")
        answer_page(page, codes, answers, how="click")
        submit(page, button(page, "Continue"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before sending them"
    )
    audit("check your answers")

    # An answer that went missing after it was given (the draft edited behind the page):
    # sending is refused with an error summary linking to the question.
    response.refresh_from_db()
    complete_draft = dict(response.draft)
    Response.objects.filter(pk=response.pk).update(
        draft={k: v for k, v in complete_draft.items() if k != "Q2"}
    )
    submit(page, button(page, "Send my answers"))
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    audit("check your answers, errors")
    Response.objects.filter(pk=response.pk).update(draft=complete_draft)
    submit(page, button(page, "Send my answers"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you, your answers have been sent"
    )
    audit("thank you")

    # The residents' group, offered to those willing to work with services (Q8).
    page.get_by_role(
        "link", name="leave your contact details for the council's residents' group"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Help shape local services")
    audit("residents' group")
    submit(page, button(page, "Join the group"))
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    audit("residents' group, errors")
    page.locator('input[name="name"]').fill("A Resident")
    page.locator('input[name="email"]').fill("resident@example.org")
    page.locator('input[name="consent"]').check()
    submit(page, button(page, "Join the group"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for joining")
    audit("residents' group, joined")
    withdrawal_code = page.locator(".collab-code").inner_text().strip()
    page.get_by_role("link", name="leave the residents' group").click()
    audit("leave the residents' group")
    submit(page, button(page, "Delete my details"))
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    audit("leave the residents' group, errors")
    page.locator('input[name="code"]').fill(withdrawal_code)
    submit(page, button(page, "Delete my details"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your details have been deleted")
    audit("left the residents' group")


def walk_other_pages(page: Page, survey, audit: Audit) -> None:
    """Saved code, code entry and its errors, erasing answers with the code, accessibility
    statement, closed survey, 404."""
    start(page, survey)
    answer_page(
        page, codes_by_page(survey)[0], answers_for(latest_response(survey).split_arm), how="click"
    )
    submit(page, button(page, "Save and finish later"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answers have been saved")
    audit("saved, with the code")
    code = page.locator(".collab-code").inner_text().strip()

    page.goto("/code/")
    audit("enter a code")
    submit(page, button(page, "Continue"))
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    audit("enter a code, empty")
    page.get_by_label("Enter your code").fill("ABCD-EFGH-JKMN")
    submit(page, button(page, "Continue"))
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    audit("enter a code, unknown code")

    page.goto("/erase/")
    audit("erase answers")
    submit(page, button(page, "Continue"))
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    audit("erase answers, no code")
    page.locator('input[name="code"]').fill(code)
    submit(page, button(page, "Continue"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Are you sure you want to erase these answers?"
    )
    audit("erase answers, are you sure")
    submit(page, button(page, "Yes, erase my answers"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answers have been erased")
    audit("erase answers, erased")

    page.get_by_role("link", name="Accessibility statement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accessibility statement for Collab")
    audit("accessibility statement")

    survey.closes_at = timezone.now() - dt.timedelta(minutes=1)
    survey.save(update_fields=["closes_at"])
    page.goto(f"/s/{survey.slug}/")
    expect(page.get_by_text("This survey has closed")).to_be_visible()
    audit("closed survey")

    reply = page.goto("/s/no-such-survey/")
    assert reply is not None and reply.status == 404
    audit("page not found")


def test_questionnaire_pages_and_errors_pass_axe_and_reflow(new_context, survey):
    page = new_context(**DESKTOP).new_page()
    audit = Audit(page, reflow=True)
    walk_questionnaire(page, survey, audit)
    assert len(audit.checked) == 2 + 2 * 8 + 3 + 6
    audit.assert_clean()


def test_code_saved_closed_and_missing_pages_pass_axe_and_reflow(new_context, survey):
    page = new_context(**DESKTOP).new_page()
    audit = Audit(page, reflow=True)
    walk_other_pages(page, survey, audit)
    assert len(audit.checked) == 11
    audit.assert_clean()


def test_start_challenge_pages_pass_axe_and_reflow(new_context, survey):
    """With the start challenge on: the landing page once the browser has solved it (its
    status line announced), and the page that asks for a wait when no solution came."""
    survey.start_challenge = True
    survey.save(update_fields=["start_challenge"])
    page = new_context(**DESKTOP).new_page()
    audit = Audit(page, reflow=True)
    page.goto(f"/s/{survey.slug}/")
    status = page.locator("#start-challenge-status")
    expect(status).to_have_text("Done, you can start.")
    assert page.locator('input[name="altcha"]').input_value()
    audit("landing, start challenge solved")

    # As if the solution never came: the server asks the resident to wait instead.
    page.locator('input[name="altcha"]').evaluate("field => { field.value = '' }")
    submit(page, button(page, "Start now"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Please wait a moment")
    audit("start challenge, please wait")
    assert len(audit.checked) == 2
    audit.assert_clean()
