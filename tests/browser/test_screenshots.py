"""Screenshots of the main resident pages, the officer's dashboard and report, and the public
"What you told us" page, at phone and desktop widths, for the README.

Runs only when COLLAB_SCREENSHOTS names a folder (scripts/screenshots.py sets it to
docs/screenshots); otherwise it is deselected by a skip, not counted as a check.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from officers.findings import candidates, public_report
from officers.services import FindingChoice, findings_publish, findings_save
from tests.browser.officer import officer_make, responses_seed, sign_in, survey_weight
from tests.browser.resident import (
    answer_page,
    button,
    codes_by_page,
    complete_questionnaire,
    start,
    submit,
)
from tests.surveys.conftest import answers_for

OUT = os.environ.get("COLLAB_SCREENSHOTS", "")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not OUT, reason="set COLLAB_SCREENSHOTS=<folder> to write screenshots"),
]

SCREENS = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 1,
    },
    "desktop": {"viewport": {"width": 1280, "height": 900}, "device_scale_factor": 1},
}


def shoot(page: Page, name: str, screen: str) -> None:
    folder = Path(OUT)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=folder / f"{name}-{screen}.png", animations="disabled", caret="hide")


@pytest.mark.parametrize("screen", list(SCREENS))
def test_screenshots_of_the_resident_pages(new_context, survey, screen):
    page = new_context(**SCREENS[screen]).new_page()
    page.goto(f"/s/{survey.slug}/")
    shoot(page, "01-landing", screen)

    response = start(page, survey)
    answers = answers_for(response.split_arm)
    pages = codes_by_page(survey)
    shoot(page, "02-question", screen)
    submit(page, button(page, "Continue"))
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    shoot(page, "03-error", screen)
    answer_page(page, pages[0], answers, how="click")
    submit(page, button(page, "Continue"))
    shoot(page, "04-grid", screen)

    submit(page, button(page, "Save and finish later"))
    shoot(page, "05-saved-code", screen)
    page.goto(f"/s/{survey.slug}/page/2/")
    complete_questionnaire(page, survey, how="click", from_page=2)
    shoot(page, "07-thank-you", screen)


@pytest.mark.parametrize("screen", list(SCREENS))
def test_screenshots_of_review_and_code_pages(new_context, survey, screen):
    page = new_context(**SCREENS[screen]).new_page()
    response = start(page, survey)
    answers = answers_for(response.split_arm)
    for codes in codes_by_page(survey):
        answer_page(page, codes, answers, how="click")
        submit(page, button(page, "Continue"))
    shoot(page, "06-check-your-answers", screen)
    page.goto("/code/")
    shoot(page, "08-enter-a-code", screen)


def test_screenshots_of_the_officer_pages_and_what_you_told_us(new_context, survey, settings):
    """The officer's dashboard and comparison report, and the public page of findings they
    publish, on 60 weighted responses; one set of data for both widths."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    responses_seed(survey=survey, count=60)
    survey_weight(survey=survey)
    user = officer_make(survey=survey)
    publish_findings(survey=survey, user=user)
    for screen in SCREENS:
        page = new_context(**SCREENS[screen]).new_page()
        sign_in(page, user)
        page.goto(f"/officer/surveys/{survey.slug}/")
        shoot(page, "09-officer-dashboard", screen)
        page.goto(f"/officer/surveys/{survey.slug}/report/")
        expect(page.locator("#selection")).to_contain_text("60 complete responses")
        shoot(page, "10-officer-report", screen)
        page.goto(f"/findings/{survey.slug}/")
        shoot(page, "11-what-you-told-us", screen)


WE_DID = [
    "We will ask the new residents' panel how to make our services fairer, starting with "
    "housing repairs this spring.",
    "Each of our services will publish once a year what it changed after listening to residents.",
]


def publish_findings(*, survey, user) -> None:
    shown = [c for c in candidates(report=public_report(survey=survey)) if c.publishable][
        : len(WE_DID)
    ]
    findings_save(
        survey=survey,
        user=user,
        introduction="Thank you to the 60 residents who took part in our survey this year.",
        choices=[
            FindingChoice(key=c.key, chosen=True, we_did=we_did)
            for c, we_did in zip(shown, WE_DID, strict=True)
        ],
    )
    findings_publish(survey=survey, user=user)
