"""An officer signs in, opens the comparison report, changes a filter and downloads an
export in a real browser: with the mouse, and with the keyboard alone, seeing where focus is.
axe-core checks the officer pages in test_officer_accessibility.py."""

from __future__ import annotations

import re
from base64 import b32decode

import pytest
from django.contrib.auth.models import User
from django_otp.oath import totp
from playwright.sync_api import expect

from tests.browser.axe import REFLOW_SIZE, resize
from tests.browser.conftest import DESKTOP
from tests.browser.keyboard import (
    choose_in_select,
    choose_radio,
    focused,
    tab_to_button,
    tab_to_link,
    tab_until,
    type_into,
)
from tests.browser.officer import PASSWORD, officer_make, responses_seed
from tests.browser.resident import button, submit
from tests.two_factor import authenticator_for, code_now

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def officer(survey, settings, tmp_path) -> User:
    # Export files go to a folder of the test's own; the live server runs in this process.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    responses_seed(survey=survey, count=30)
    return officer_make(survey=survey)


def first_line_of_download(download) -> str:
    return download.path().read_text(encoding="utf-8-sig").splitlines()[0]


def test_officer_signs_in_filters_the_report_and_downloads_an_export(new_context, survey, officer):
    page = new_context(**DESKTOP, accept_downloads=True).new_page()

    page.goto("/officer/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.get_by_label("Username").fill(officer.username)
    page.get_by_label("Password").fill("wrong password")
    submit(page, button(page, "Sign in"))
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    page.get_by_label("Password").fill(PASSWORD)
    submit(page, button(page, "Sign in"))
    # This officer's roles include response-level data: the first sign-in sets up two-factor,
    # with the key as text (as someone who cannot scan the QR code types it into their app).
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    expect(
        page.get_by_role("img", name="QR code to scan with your authenticator app")
    ).to_be_visible()
    key = page.locator(".collab-secret").inner_text().replace(" ", "")
    page.get_by_label("Code from the app").fill(
        f"{totp(b32decode(key + '=' * (-len(key) % 8))):06d}"
    )
    submit(page, button(page, "Turn on two-factor sign-in"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Save your recovery codes")
    expect(page.locator(".collab-recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="I have saved my recovery codes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your surveys")

    page.get_by_role("link", name=survey.title).click()
    expect(page.get_by_role("link", name="Dashboard")).to_have_attribute("aria-current", "page")

    page.get_by_role("link", name="Comparison report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Comparison with the national picture"
    )
    expect(page.locator("#selection")).to_contain_text("30 complete responses")

    page.get_by_text("Choose which responses to compare").click()
    page.get_by_label("Area").select_option(label="North ward")
    submit(page, button(page, "Apply"))
    expect(page).to_have_url(re.compile(r"area=north"))
    expect(page.locator("#selection")).to_contain_text("10 complete responses")

    # Dates come in whole periods, from lists, never as free dates (results.periods).
    expect(page.get_by_label("From period")).to_have_js_property("tagName", "SELECT")
    page.get_by_label("From period").select_option(index=1)
    page.get_by_label("To period").select_option(index=1)
    submit(page, button(page, "Apply"))
    expect(page).to_have_url(re.compile(r"submitted_from=\d{4}-\d{2}-\d{2}"))
    expect(page.locator("#selection")).to_contain_text("10 complete responses")
    expect(page.get_by_label("From period")).not_to_have_value("")

    # A date typed into the address that is not a date is still an error, not a 500.
    page.goto(page.url + "&submitted_to=31/02/2026")
    expect(page.locator(".govuk-error-summary")).to_be_visible()

    page.get_by_role("link", name="Exports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Exports")
    submit(page, button(page, "Start export"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select a format")
    page.get_by_label("CSV", exact=False).first.check()
    submit(page, button(page, "Start export"))
    # Tasks run in-process in these tests, so the file is ready when the page loads.
    expect(page.locator("#export-status")).to_have_text("Ready to download")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the file").click()
    header = first_line_of_download(download.value)
    assert header.startswith("Question,Figure,Local %"), header  # the report's figures


def test_officer_filters_the_report_and_exports_with_the_keyboard_alone(
    new_context, survey, officer
):
    device = authenticator_for(officer)  # set up earlier: this sign-in asks for its code
    page = new_context(**DESKTOP, accept_downloads=True).new_page()
    page.goto("/officer/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    seen: set[str] = set()  # kinds of control whose focus has been seen, across pages

    tab_until(page, lambda el: el["name"] == "username", "the username", checked_kinds=seen)
    type_into(page, officer.username)
    tab_until(page, lambda el: el["name"] == "password", "the password", checked_kinds=seen)
    type_into(page, PASSWORD)
    tab_to_button(page, "Sign in", checked_kinds=seen)
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your sign-in code")
    tab_until(page, lambda el: el["name"] == "code", "the code", checked_kinds=seen)
    type_into(page, code_now(device))
    tab_to_button(page, "Continue", checked_kinds=seen)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your surveys")

    tab_to_link(page, survey.title, checked_kinds=seen)
    tab_to_link(page, "Comparison report", checked_kinds=seen)
    expect(page.locator("#selection")).to_contain_text("30 complete responses")

    # The filters are folded away: Enter on their summary opens them.
    tab_until(
        page,
        lambda el: el["tag"] == "summary",
        "Choose which responses to compare",
        checked_kinds=seen,
    )
    page.keyboard.press("Enter")
    expect(page.locator("details.govuk-details")).to_have_attribute("open", "")
    tab_until(page, lambda el: el["name"] == "area", "the area", checked_kinds=seen)
    choose_in_select(page, "north")
    tab_to_button(page, "Apply", checked_kinds=seen)
    expect(page).to_have_url(re.compile(r"area=north"))
    expect(page.locator("#selection")).to_contain_text("10 complete responses")

    # A wide table scrolls in its own box on a narrow screen, so the box takes focus there
    # (and only there: where it does not scroll it is no tab stop).
    resize(page, REFLOW_SIZE)
    region = tab_until(
        page,
        lambda el: "collab-table-scroll" in el["cls"],
        "the first table's scrolling box",
        checked_kinds=seen,
    )
    assert region["tag"] == "div", region
    resize(page, DESKTOP["viewport"])

    tab_to_link(page, "Exports", checked_kinds=seen, backwards=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("Exports")
    fmt = tab_until(page, lambda el: el["name"] == "kind", "the formats", checked_kinds=seen)
    choose_radio(page, fmt, "csv")
    tab_to_button(page, "Start export", checked_kinds=seen)
    expect(page.locator("#export-status")).to_have_text("Ready to download")

    tab_until(
        page,
        lambda el: el["text"] == "Download the file",
        "the download link",
        checked_kinds=seen,
    )
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert first_line_of_download(download.value).startswith("Question,Figure,Local %")
    met = {"input:text", "input:password", "button", "a", "summary", "select", "div", "input:radio"}
    assert met <= seen, f"focus was checked on {sorted(seen)} only; now on {focused(page)}"
