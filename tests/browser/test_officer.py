"""An officer signs in, opens the comparison report, changes a filter and downloads an
export, in a real browser; axe-core checks every officer page and error state on the way."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from surveys.models import Response
from surveys.services import response_record
from tests.browser.conftest import DESKTOP
from tests.browser.resident import button, submit
from tests.browser.test_accessibility import Audit
from tests.surveys.conftest import answers_for

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "not-a-real-password-1"


@pytest.fixture
def officer(survey, settings, tmp_path) -> User:
    # Export files go to a folder of the test's own; the live server runs in this process.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = User.objects.create_user("riverside-officer", password=PASSWORD)
    survey.council.officers.add(user)
    for i in range(30):
        arm = "A" if i % 2 else "B"
        response_record(
            survey=survey,
            answers={**answers_for(arm), "AREA": ["north", "south", "east"][i % 3]},
            mode=Response.Mode.PAPER if i % 5 == 0 else Response.Mode.ONLINE,
            split_arm=arm,
        )
    return user


def test_officer_signs_in_filters_the_report_and_downloads_an_export(new_context, survey, officer):
    page = new_context(**DESKTOP, accept_downloads=True).new_page()
    audit = Audit(page, reflow=False)

    page.goto("/officer/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    audit("sign in")
    page.get_by_label("Username").fill(officer.username)
    page.get_by_label("Password").fill("wrong password")
    submit(page, button(page, "Sign in"))
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    audit("sign in, wrong password")
    page.get_by_label("Password").fill(PASSWORD)
    submit(page, button(page, "Sign in"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your surveys")
    audit("your surveys")

    page.get_by_role("link", name=survey.title).click()
    expect(page.get_by_role("link", name="Dashboard")).to_have_attribute("aria-current", "page")
    audit("dashboard")

    page.get_by_role("link", name="Comparison report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Comparison with the national picture"
    )
    expect(page.locator("#selection")).to_contain_text("30 complete responses")
    audit("comparison report")

    page.get_by_text("Choose which responses to compare").click()
    page.get_by_label("Area").select_option(label="North ward")
    submit(page, button(page, "Apply"))
    expect(page).to_have_url(re.compile(r"area=north"))
    expect(page.locator("#selection")).to_contain_text("10 complete responses")
    audit("comparison report, one area")

    page.get_by_label("Sent on or after").fill("31/02/2026")
    submit(page, button(page, "Apply"))
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    audit("comparison report, bad date")

    page.get_by_role("link", name="Exports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Exports")
    audit("exports")
    submit(page, button(page, "Start export"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select a format")
    audit("exports, no format")
    page.get_by_label("CSV", exact=False).first.check()
    submit(page, button(page, "Start export"))
    # Tasks run in-process in these tests, so the file is ready when the page loads.
    expect(page.locator("#export-status")).to_have_text("Ready to download")
    audit("export ready")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the file").click()
    path = download.value.path()
    header = path.read_text(encoding="utf-8-sig").splitlines()[0]
    assert "Q2" in header, header

    audit.assert_clean()
