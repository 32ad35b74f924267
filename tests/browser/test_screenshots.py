"""Screenshots of the main resident pages, the officer's dashboard and report, and the public
"What you told us" page, at phone and desktop widths, for the README.

Runs only when COLLAB_SCREENSHOTS names a folder (scripts/screenshots.py sets it to
docs/screenshots); otherwise it is deselected by a skip, not counted as a check.
"""

from __future__ import annotations

import os
import re
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
        if screen == "desktop":
            report_paper_shots(page=page, survey=survey)
        page.goto(f"/findings/{survey.slug}/")
        shoot(page, "11-what-you-told-us", screen)


def test_screenshot_of_the_comparison_with_an_earlier_wave(new_context, survey, settings):
    """A figure of the report beside last year's wave: the change in words, the trend chart
    with the national reference lines, and the table of changes."""
    from surveys.management.commands.demo_setup import EARLIER_WAVE
    from tests.results.factories import survey_make

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    earlier = survey_make(slug="riverside-2025", council=survey.council)
    earlier.wave_label = "2025"
    earlier.save()
    responses_seed(survey=earlier, count=200, sample=EARLIER_WAVE)
    responses_seed(survey=survey, count=200)
    survey.previous_wave = earlier
    survey.save()
    user = officer_make(survey=survey)
    page = new_context(**SCREENS["desktop"]).new_page()
    sign_in(page, user)
    page.goto(f"/officer/surveys/{survey.slug}/report/?weighting=unweighted")
    figure = page.locator('[data-wave-figure="Q2||equality of opportunity|all adults"]')
    expect(figure.locator("svg")).to_be_visible()
    folder = Path(OUT)
    folder.mkdir(parents=True, exist_ok=True)
    figure.screenshot(path=folder / "17-officer-report-waves-desktop.png", animations="disabled")


def report_paper_shots(*, page: Page, survey) -> None:
    """A chart as its PNG download gives it (300 dpi), and two pages of the report's PDF."""
    import pypdfium2

    from officers.report import report_build
    from officers.report_paper import report_pdf
    from results.selectors import ResponseFilters

    folder = Path(OUT)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"chart as PNG")).first.click()
    download.value.save_as(folder / "12-report-chart-download.png")
    report = report_build(survey=survey, filters=ResponseFilters(), weighted=True)
    document = pypdfium2.PdfDocument(report_pdf(survey=survey, report=report))
    charts_page = next(
        i for i, p in enumerate(document) if "Charts" in p.get_textpage().get_text_range()
    )
    # The page after the heading, so that the shot shows charts rather than the table's end.
    charts_page = min(charts_page + 1, len(document) - 1)
    for name, index in (("13-report-pdf-first-page", 0), ("14-report-pdf-charts", charts_page)):
        document[index].render(scale=150 / 72).to_pil().save(folder / f"{name}.png")


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


def test_screenshots_of_the_paper_questionnaire(new_context, survey, settings):
    """Page 1 of version A as Chromium prints it (A4), in standard and in large print."""
    import pypdfium2

    from tests.browser.test_paper_form import print_to_pdf

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    survey.council.return_address = "Riverside Borough Council\nFreepost RIVERSIDE SURVEY"
    survey.council.save()
    user = officer_make(survey=survey)
    page = new_context(**SCREENS["desktop"]).new_page()
    sign_in(page, user)
    folder = Path(OUT)
    folder.mkdir(parents=True, exist_ok=True)
    for name, query in (
        ("15-paper-questionnaire", ""),
        ("16-paper-questionnaire-large", "?print=large"),
    ):
        page.goto(f"/officer/surveys/{survey.slug}/paper/forms/A/{query}")
        document = pypdfium2.PdfDocument(print_to_pdf(page))
        document[0].render(scale=110 / 72).to_pil().save(folder / f"{name}-print.png")
