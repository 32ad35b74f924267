"""A resident completes the 2014 questionnaire in a real browser: on a phone, without
JavaScript, and stopping half way to carry on elsewhere with a code."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from surveys.models import Response
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.resident import (
    answer_page,
    assert_stored_complete,
    button,
    codes_by_page,
    complete_questionnaire,
    latest_response,
    start,
    submit,
)
from tests.surveys.conftest import answers_for

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_resident_completes_questionnaire_on_a_phone(new_context, survey):
    page = new_context(**PHONE).new_page()
    start(page, survey, how="tap")
    complete_questionnaire(page, survey, how="tap")
    assert_stored_complete(survey)


def test_resident_completes_questionnaire_without_javascript(new_context, survey):
    page = new_context(**PHONE, java_script_enabled=False).new_page()
    start(page, survey, how="tap")
    # Without JavaScript no GOV.UK component initialises: the page says so in its classes.
    assert "js-enabled" not in (page.locator("body").get_attribute("class") or "")
    # A bad answer is caught by the server and explained without any script.
    submit(page, button(page, "Continue"), how="tap")
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text("There is a problem")
    complete_questionnaire(page, survey, how="tap")
    assert_stored_complete(survey)


def test_resident_without_javascript_gets_through_the_start_challenge_after_the_wait(
    new_context, survey, settings
):
    settings.START_CHALLENGE_WAIT_SECONDS = 2
    survey.start_challenge = True
    survey.save(update_fields=["start_challenge"])
    page = new_context(**PHONE, java_script_enabled=False).new_page()
    page.goto(f"/s/{survey.slug}/")
    expect(page.get_by_text("If JavaScript is off in your browser")).to_be_visible()
    submit(page, button(page, "Start now"), how="tap")
    expect(page.get_by_role("heading", level=1)).to_have_text("Please wait a moment")
    expect(page.get_by_text("Please wait about 2 seconds, then press Start.")).to_be_visible()
    # Too soon: the same friendly page, and no response yet.
    submit(page, button(page, "Start"), how="tap")
    expect(page.get_by_role("heading", level=1)).to_have_text("Please wait a moment")
    assert not Response.objects.filter(survey=survey).exists()
    time.sleep(2.2)
    submit(page, button(page, "Start"), how="tap")
    complete_questionnaire(page, survey, how="tap")
    assert_stored_complete(survey)


def test_a_resident_still_reading_gets_a_fresh_start_challenge_before_it_expires(
    new_context, survey, settings
):
    settings.START_CHALLENGE_EXPIRES_SECONDS = 62  # renewed a minute before: after 2 s
    survey.start_challenge = True
    survey.save(update_fields=["start_challenge"])
    page = new_context(**DESKTOP).new_page()
    page.goto(f"/s/{survey.slug}/")
    expect(page.locator("#start-challenge-status")).to_have_text("Done, you can start.")
    field = page.locator('input[name="altcha"]')
    first = field.input_value()
    expect(field).not_to_have_value(first, timeout=15_000)
    assert field.input_value(), "the fresh answer is in the field"
    start(page, survey)
    assert Response.objects.filter(survey=survey).count() == 1


def test_resident_saves_and_resumes_with_a_code_in_another_browser(new_context, survey):
    first = new_context(**DESKTOP).new_page()
    response = start(first, survey)
    answers = answers_for(response.split_arm)
    pages = codes_by_page(survey)
    for number in (1, 2):
        answer_page(first, pages[number - 1], answers, how="click")
        submit(first, button(first, "Continue"))
    # Page 3 answered, then saved instead of continued.
    answer_page(first, pages[2], answers, how="click")
    submit(first, button(first, "Save and finish later"))
    expect(first.get_by_role("heading", level=1)).to_have_text("Your answers have been saved")
    code = first.locator(".collab-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4})+", code), code

    # Another device: no cookies from the first.
    second = new_context(**DESKTOP).new_page()
    second.goto("/code/")
    second.get_by_label("Enter your code").fill(code.lower())
    submit(second, button(second, "Continue"))
    expect(second.locator(".govuk-caption-l")).to_have_text("Part 3 of 8")
    for item, option in answers["Q4"].items():
        expect(second.locator(f'input[name="Q4__{item}"][value="{option}"]')).to_be_checked()
    # Back on earlier pages, the answers given on the first device are there.
    submit(second, button(second, "Previous"))
    expect(second.locator(".govuk-caption-l")).to_have_text("Part 2 of 8")
    for item, option in answers["Q3"].items():
        expect(second.locator(f'input[name="Q3__{item}"][value="{option}"]')).to_be_checked()
    submit(second, button(second, "Continue"))
    complete_questionnaire(second, survey, how="click", from_page=3)

    stored = assert_stored_complete(survey)
    assert stored.pk == response.pk == latest_response(survey).pk
    assert Response.objects.count() == 1
