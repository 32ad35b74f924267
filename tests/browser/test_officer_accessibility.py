"""axe-core finds no WCAG 2.2 A or AA violation on any officer page or error state, at 1280
and at 320 CSS pixels, where the page must also reflow without scrolling sideways; and the
public "What you told us" page the officers publish is checked the same way.

The URL patterns come from officers.urls (and the sign-in pages and the public findings
page): each walk names the patterns it reaches and proves it reached them, and
test_every_officer_url_is_walked fails, listing it, for a pattern no walk names. The Django
admin is not walked: it is Django's, not ours.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from officers import auth_urls
from officers import urls as officer_urls
from officers.models import Export
from surveys import panel
from surveys.imports import responses_csv
from surveys.services import spec_for
from tests.browser.axe import (
    Audit,
    view_name,
)
from tests.browser.conftest import DESKTOP
from tests.browser.officer import (
    PASSWORD,
    officer_make,
    responses_seed,
    sign_in,
    survey_weight,
)
from tests.browser.resident import answer_page, button, codes_by_page, latest_response, submit
from tests.officers.factories import export_make
from tests.results.factories import survey_make
from tests.surveys.conftest import ANSWERS_A, ANSWERS_B, answers_for
from tests.two_factor import authenticator_for, code_now

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Every page an officer can reach, by URL pattern name; the public findings page is theirs
# too, since they write it.
ALL_PATTERNS = {
    *(f"officers:{p.name}" for p in officer_urls.urlpatterns if isinstance(p, URLPattern)),
    *(p.name for p in auth_urls.urlpatterns if isinstance(p, URLPattern)),
    "findings",
}
# Patterns answered with a file, not a page: reached by downloading, with nothing for axe.
DOWNLOADS = {
    "officers:download",
    "officers:panel_export",
    "officers:report_chart",
    "officers:paper_form_pdf",
}

RESULTS_WALK = {
    "login",
    "logout",
    "officers:home",
    "officers:dashboard",
    "officers:report",
    "officers:report_chart",
    "officers:statistics",
    "officers:exports",
    "officers:export",
    "officers:download",
    "officers:findings",
    "findings",
}
RUNNING_WALK = {
    "officers:dashboard",
    "officers:report",
    "officers:findings",
    "officers:invitations",
    "officers:invitations_upload",
    "officers:letters",
    "officers:paper",
    "officers:responses_upload",
    "officers:responses_template",
    "officers:responses_codes",
    "officers:panel",
    "officers:panel_export",
}

PAPER_FORM_WALK = {"officers:paper_forms", "officers:paper_form", "officers:paper_form_pdf"}


TWO_FACTOR_WALK = {"two_factor_setup", "two_factor_recovery_codes", "two_factor_verify"}
INTEGRITY_WALK = {
    "officers:responses_import",
    "officers:responses_import_undo",
    "officers:review",
    "officers:response_find",
    "officers:response_detail",
}


COMMENTS_WALK = {
    "officers:comments",
    "officers:comment",
    "officers:comment_themes",
    "officers:comment_theme",
    "officers:comment_counts",
    "officers:comments_export",
    "officers:export",
    "findings",
}


def test_every_officer_url_is_walked():
    missing = (
        ALL_PATTERNS
        - RESULTS_WALK
        - RUNNING_WALK
        - INTEGRITY_WALK
        - TWO_FACTOR_WALK
        - COMMENTS_WALK
        - PAPER_FORM_WALK
    )
    assert not missing, (
        f"no accessibility walk visits {sorted(missing)}: add each to a walk in "
        "tests/browser/test_officer_accessibility.py"
    )


def download(page: Page, audit: Audit, link_name: str | re.Pattern) -> bytes:
    """Follow a download link and note its URL pattern as reached."""
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).first.click()
    if name := view_name(info.value.url):
        audit.visited.add(name)
    return info.value.path().read_bytes()


def expect_error_summary(page: Page) -> None:
    expect(page.locator(".govuk-error-summary")).to_be_visible()


@pytest.fixture
def weighted_survey(survey, settings, tmp_path):
    """60 responses (enough to publish findings, whose base must be 50), weighted by sex."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    responses_seed(survey=survey, count=60)
    survey_weight(survey=survey)
    return survey


def test_results_pages_pass_axe_and_reflow(new_context, weighted_survey):
    """Signing in, the surveys, the dashboard, the comparison report in each of its states,
    the statistical methods, exports, and choosing, publishing and reading the findings."""
    survey = weighted_survey
    user = officer_make(survey=survey)
    device = authenticator_for(user)
    report = f"/officer/surveys/{survey.slug}/report/"
    page = new_context(**DESKTOP, accept_downloads=True).new_page()
    audit = Audit(page, reflow=True)

    page.goto("/officer/")
    audit("sign in")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("wrong password")
    submit(page, button(page, "Sign in"))
    expect_error_summary(page)
    audit("sign in, wrong password")
    page.get_by_label("Password").fill(PASSWORD)
    submit(page, button(page, "Sign in"))
    # Their roles need two-factor sign-in (its pages are walked by test_two_factor_pages_...).
    page.get_by_label("Code").fill(code_now(device))
    submit(page, button(page, "Continue"))
    audit("your surveys")

    page.get_by_role("link", name=survey.title).click()
    expect(page.locator("#complete-count")).to_have_text("60")
    audit("dashboard, weighted, with targets")

    page.goto(report)
    expect(page.locator("#selection")).to_contain_text("weighted.")
    audit("comparison report, weighted")
    # Each chart downloads as SVG and as PNG from links beside it.
    assert download(page, audit, "chart as SVG").startswith(b"<?xml")
    assert download(page, audit, "chart as PNG").startswith(b"\x89PNG")
    page.locator("#statistics-link").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    audit("statistical methods")
    page.goto(f"{report}?weighting=unweighted")
    expect(page.locator("#selection")).to_contain_text("unweighted.")
    audit("comparison report, unweighted")
    page.goto(f"{report}?weighting=weighted&area=north")
    expect(page.locator("#selection")).to_contain_text("complete responses")
    audit("comparison report, filtered")
    # A few people only: no figures at all (results.disclosure), and the page says why.
    page.goto(f"{report}?weighting=weighted&mode=paper&area=north&subgroup=SEX:female")
    expect(page.locator("#problem")).to_contain_text("Choose a wider selection")
    audit("comparison report, a selection too small to show")
    page.goto(f"{report}?weighting=unweighted&breakdown=AGE")
    expect(page.locator("#breakdown-table")).to_be_visible()
    audit("comparison report, broken down by age")
    page.goto(f"{report}?submitted_from=31/02/2026&breakdown=NOPE")
    expect_error_summary(page)
    audit("comparison report, bad filters")

    export_make(survey=survey, user=user, ready=False)
    page.goto(f"/officer/surveys/{survey.slug}/exports/")
    audit("exports")
    submit(page, button(page, "Start export"))
    expect_error_summary(page)
    audit("exports, no format")
    page.get_by_label("CSV", exact=False).first.check()
    submit(page, button(page, "Start export"))
    # Tasks run in-process in these tests, so the file is ready when the page loads.
    expect(page.locator("#export-status")).to_have_text("Ready to download")
    audit("export, ready")
    assert download(page, audit, "Download the file").startswith(b"\xef\xbb\xbf")

    page.get_by_role("link", name="What you told us").click()
    audit("findings, to choose")
    finding = page.locator("fieldset[data-finding]").filter(
        has=page.locator("input[type=checkbox]:not([disabled])")
    )
    finding.first.get_by_label("Publish this finding").check()
    submit(page, button(page, "Save choices"))
    expect_error_summary(page)
    audit("findings, errors")
    finding.first.get_by_label("What the council will do about it").fill(
        "We will ask residents to help redesign the housing repairs service."
    )
    submit(page, button(page, "Save and publish"))
    expect(page.locator("#status")).to_contain_text("Published")
    audit("findings, published")
    page.locator("#status").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What you told us")
    expect(page.locator("[data-finding]")).to_have_count(1)
    audit("public findings page")

    page.goto("/officer/")
    submit(page, button(page, "Sign out"))
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
    audit("signed out")

    assert RESULTS_WALK - audit.visited == set(), "the walk missed pages it names"
    assert len(audit.checked) == 19
    audit.assert_clean()


def test_the_comparison_with_an_earlier_wave_passes_axe_and_reflow(
    new_context, weighted_survey, settings
):
    """The report of a survey run again: its "Compared with earlier waves" section, each
    figure's changes in words and a table, and its trend chart over the waves."""
    survey = weighted_survey
    earlier = survey_make(slug="riverside-2025", council=survey.council)
    earlier.wave_label = "2025"
    earlier.save()
    responses_seed(survey=earlier, count=40)
    survey.previous_wave = earlier
    survey.save()
    user = officer_make(survey=survey)
    page = new_context(**DESKTOP).new_page()
    audit = Audit(page, reflow=True)
    sign_in(page, user)

    page.goto(f"/officer/surveys/{survey.slug}/report/?weighting=unweighted")
    expect(page.locator("#waves")).to_have_text("Compared with earlier waves")
    expect(page.locator("[data-wave-figure] svg").first).to_be_visible()
    audit("comparison report, with an earlier wave")

    assert {"officers:report"} - audit.visited == set()
    audit.assert_clean()


def test_two_factor_pages_pass_axe_and_reflow(new_context, survey, settings):
    """Setting up two-factor sign-in (the QR code and key, a wrong code), the recovery codes
    shown once and the page without them, then signing in again with a code."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = officer_make(survey=survey)
    page = new_context(**DESKTOP).new_page()
    audit = Audit(page, reflow=True)
    page.goto("/officer/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    submit(page, button(page, "Sign in"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    audit("two-factor set-up")
    page.get_by_label("Code from the app").fill("000000")
    submit(page, button(page, "Turn on two-factor sign-in"))
    expect_error_summary(page)
    audit("two-factor set-up, wrong code")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    device.throttle_reset()
    page.get_by_label("Code from the app").fill(code_now(device))
    submit(page, button(page, "Turn on two-factor sign-in"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Save your recovery codes")
    audit("recovery codes, shown once")
    page.goto("/accounts/two-factor/recovery-codes/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery codes")
    audit("recovery codes, already shown")
    submit(page, button(page, "Sign out"))

    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # the same 30 seconds: reuse
    page.goto("/officer/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    submit(page, button(page, "Sign in"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your sign-in code")
    audit("two-factor code")
    page.get_by_label("Code").fill("000000")
    submit(page, button(page, "Continue"))
    expect_error_summary(page)
    audit("two-factor code, wrong")

    assert TWO_FACTOR_WALK - audit.visited == set(), "the walk missed pages it names"
    audit.assert_clean()


def test_export_being_built_passes_axe_and_updates_in_place(new_context, survey, settings):
    """The page of an unfinished export never reloads itself (WCAG 2.2.1): a script checks
    the progress and updates the status in place, and the download button appears."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = officer_make(survey=survey)
    running = export_make(survey=survey, user=user, ready=False)
    Export.objects.filter(pk=running.pk).update(status=Export.Status.RUNNING, progress=40)
    page = new_context(**DESKTOP).new_page()
    sign_in(page, user)

    audit = Audit(page, reflow=True)
    page.goto(f"/officer/surveys/{survey.slug}/exports/{running.pk}/")
    expect(page.locator("#export-status")).to_contain_text("40% done")
    audit("export being made")
    audit.assert_clean()

    url = page.url
    ready = export_make(survey=survey, user=user, ready=True)
    Export.objects.filter(pk=running.pk).update(
        status=Export.Status.READY,
        progress=100,
        file=ready.file.name,
        disclosure_controlled=True,
    )
    expect(page.get_by_role("link", name="Download the file")).to_be_visible(timeout=15_000)
    assert page.url == url


def test_running_pages_and_empty_states_pass_axe_and_reflow(new_context, survey, settings):
    """A survey with no responses yet (dashboard, report, findings), invitations and their
    upload, letters and their print view, paper entry (its first part, then every part to
    checking the answers and storing them) and import, the residents' group."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = officer_make(survey=survey)
    panel.panel_join(
        survey=survey,
        name="A Resident",
        email="resident@example.org",
        topics=["housing"],
        other_topics="Parks",
        consent=True,
    )
    base = f"/officer/surveys/{survey.slug}"
    page = new_context(**DESKTOP, accept_downloads=True).new_page()
    audit = Audit(page, reflow=True)
    sign_in(page, user)

    page.goto(f"{base}/")
    expect(page.locator("#complete-count")).to_have_text("0")
    audit("dashboard, no responses")
    page.goto(f"{base}/report/")
    expect(page.locator("#problem")).to_be_visible()
    audit("comparison report, no responses")
    page.goto(f"{base}/findings/")
    expect(page.locator("#problem")).to_be_visible()
    audit("findings, no responses")

    page.goto(f"{base}/invitations/")
    audit("invitations, nobody invited")
    page.get_by_role("link", name="Upload a list of invitees").click()
    audit("upload invitees")
    header = "name,email,postal_address,area\n"
    upload(page, header + "Ann,not-an-address,,north\nBob,,,nowhere\n", "Upload invitees")
    expect(page.locator("#problems")).to_be_visible()
    audit("upload invitees, error report")
    good = (
        header + "Ann Example,ann@example.org,,north\n"
        'Cat Example,,"1 High Street\nRiverside RV1 1AA",east\n'
    )
    upload(page, good, "Upload invitees")
    expect(page.locator("#invitees-total")).to_have_text("2")
    audit("invitations, with a message")

    page.get_by_role("link", name="Print letters").click()
    audit("letters")
    submit(page, button(page, "Make the letters"))
    expect_error_summary(page)
    audit("letters, errors")
    page.get_by_label("Letters to invitees with no e-mail address who have not had one yet").check()
    page.get_by_label("Web page to print").check()
    submit(page, button(page, "Make the letters"))
    expect(page.locator("section.letter")).to_have_count(1)
    audit("letters, print view")

    page.goto(f"{base}/paper/")
    audit("paper entry, start")
    submit(page, button(page, "Start entering"))
    expect_error_summary(page)
    audit("paper entry, start, errors")
    page.get_by_label("On a paper questionnaire").check()
    submit(page, button(page, "Start entering"))
    expect_error_summary(page)  # a paper form's version is on its first page: it must be given
    audit("paper entry, start, version missing")
    page.get_by_label("Version A").check()
    page.get_by_label("REF (or the code from the letter)").fill("R900001")
    submit(page, button(page, "Start entering"))
    audit("paper entry, page 1")
    answers = answers_for(latest_response(survey).split_arm)
    pages = codes_by_page(survey)
    for number, codes in enumerate(pages, start=1):
        answer_page(page, codes, answers, how="click")
        last = number == len(pages)
        submit(page, button(page, "Continue to check the answers" if last else "Continue"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the answers against the form")
    audit("paper entry, check the answers")
    submit(page, button(page, "Store this response"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("response was stored")
    audit("paper entry, stored")

    page.goto(f"{base}/paper/import/")
    audit("import paper responses")
    spec = spec_for(survey)
    bad = responses_csv(
        spec=spec, drafts=[("A", {**ANSWERS_A, "Q2": "x"}), ("B", {**ANSWERS_B, "AGE": "old"})]
    )
    upload(page, bad, "Import responses")
    expect(page.locator("#problems")).to_be_visible()
    audit("import paper responses, error report")
    page.goto(f"{base}/paper/import/")
    download(page, audit, "Download the blank template")
    download(page, audit, "Download the list of codes")

    page.goto(f"{base}/panel/")
    expect(page.get_by_role("row", name="A Resident")).to_be_visible()
    audit("residents' group")
    assert download(page, audit, "Download as CSV").decode("utf-8-sig").startswith("name,")

    assert RUNNING_WALK - audit.visited == set(), "the walk missed pages it names"
    assert len(audit.checked) == 19
    audit.assert_clean()


def test_imports_and_the_review_queue_pass_axe_and_reflow(new_context, survey, settings):
    """An import's page and its undoing, the responses to review, finding one response and
    voiding it: each state with its errors."""
    from tests.surveys.test_integrity import answer

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = officer_make(survey=survey)
    for n in range(3):  # three quick responses from one network: flagged as fast
        answer(survey, ANSWERS_A, ANSWERS_B, address=f"203.0.113.{n}", seconds_per_page=0.1)
    base = f"/officer/surveys/{survey.slug}"
    page = new_context(**DESKTOP).new_page()
    audit = Audit(page, reflow=True)
    sign_in(page, user)

    page.goto(f"{base}/paper/import/")
    good = responses_csv(spec=spec_for(survey), drafts=[("A", ANSWERS_A), ("B", ANSWERS_B)])
    upload(page, good, "Import responses")
    expect(page.locator("#import-status")).to_have_text("Imported")
    audit("import, done")
    page.get_by_role("link", name="Undo this import").click()
    audit("undo an import")
    submit(page, button(page, "Undo the import"))
    expect_error_summary(page)
    audit("undo an import, not confirmed")
    page.get_by_label("Delete every response of this import").check()
    submit(page, button(page, "Undo the import"))
    expect(page.locator("#import-status")).to_contain_text("Undone")

    page.goto(f"{base}/review/")
    expect(page.locator("#count-fast")).to_have_text("3")
    audit("responses to review")
    submit(page, button(page, "Void"))
    expect_error_summary(page)
    audit("responses to review, nothing chosen")
    page.get_by_role("link", name="Find a response by its REF or a resident's code").click()
    audit("find a response")
    page.get_by_label("REF or code").fill("NOSUCHCODE1")
    submit(page, button(page, "Find"))
    expect_error_summary(page)
    audit("find a response, not found")
    page.goto(f"{base}/review/")
    page.locator("td a.govuk-link").first.click()
    audit("one response")
    submit(page, button(page, "Void this response"))
    expect_error_summary(page)
    audit("one response, no reason")
    page.get_by_label("Why void it").fill("Three in a second from one network")
    submit(page, button(page, "Void this response"))
    expect(page.locator("#response-status")).to_contain_text("Voided")
    audit("one response, voided")

    assert INTEGRITY_WALK - audit.visited == set(), "the walk missed pages it names"
    audit.assert_clean()


def upload(page: Page, text: str, label: str) -> None:
    page.locator("#id_file").set_input_files(
        files=[{"name": "file.csv", "mimeType": "text/csv", "buffer": text.encode()}]
    )
    submit(page, button(page, label))


def test_comment_pages_pass_axe_and_reflow(new_context, survey, settings, tmp_path):
    """Residents' comments: the list and its filters, one comment with its flags of personal
    data, coding it with themes (suggested and chosen), its redaction with an error, quoting
    it, the coding frame and one theme with their errors, theme counts by group, the export,
    and the quote on the public page."""
    from officers.models import FindingsPage
    from surveys.models import Response
    from surveys.services import response_record

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = officer_make(survey=survey)
    texts = [
        "My name is Ada Lovelace: e-mail ada@example.org or ring 07700 900123 about the library.",
        "The buses to the hospital are too infrequent.",
        "Please open the library later in the evenings.",
    ]
    for i in range(12):
        response_record(
            survey=survey,
            answers={**answers_for("A"), "COMMENTS": texts[i % 3]},
            mode=Response.Mode.ONLINE,
            split_arm="A",
        )
    base = f"/officer/surveys/{survey.slug}"
    page = new_context(**DESKTOP, accept_downloads=True).new_page()
    audit = Audit(page, reflow=True)
    sign_in(page, user)

    page.goto(f"{base}/")
    page.get_by_role("link", name="Residents' comments").click()
    expect(page.locator("#total-comments")).to_have_text("12")
    audit("residents' comments")
    page.get_by_role("link", name="Coding frame").click()
    audit("coding frame, empty")
    submit(page, button(page, "Add the theme"))
    expect_error_summary(page)
    audit("coding frame, no name")
    page.get_by_label("Name").fill("Libraries")
    page.get_by_label("Words that suggest it (optional)").fill("library, books")
    submit(page, button(page, "Add the theme"))
    page.get_by_label("Name").fill("Transport")
    page.get_by_label("What it covers (optional)").fill("Buses, trains and roads")
    submit(page, button(page, "Add the theme"))
    expect(page.locator("#themes-table tbody tr")).to_have_count(2)
    audit("coding frame, two themes")
    page.locator("#themes-table a", has_text="Transport").click()
    audit("one theme")
    page.get_by_label("Name").fill("Libraries")
    submit(page, button(page, "Save the theme"))
    expect_error_summary(page)
    audit("one theme, name taken")

    page.goto(f"{base}/comments/?status=pending")
    page.locator("[data-comment] a").last.click()
    expect(page.locator("[data-flag]")).to_have_count(3)
    expect(page.locator("[data-suggested]")).to_have_count(1)
    audit("one comment, with flags and a suggestion")
    page.get_by_label("Libraries").check()
    page.get_by_label("Transport").check()
    submit(page, button(page, "Save themes"))
    page.get_by_label("Other text to mask (optional)").fill("Charles Babbage")
    submit(page, button(page, "Save the redaction"))
    expect_error_summary(page)
    audit("one comment, redaction error")
    submit(page, button(page, "Save the redaction"))
    expect(page.locator("#redacted-text")).to_contain_text("[email]")
    submit(page, button(page, "Quote it on the public page"))
    expect(page.locator("#quote-status")).to_contain_text("Quoted")
    audit("one comment, coded, redacted and quoted")

    page.get_by_role("link", name="Back to residents' comments").click()
    page.get_by_role("link", name="Theme counts").click()
    audit("theme counts")
    page.get_by_label("Break down by").select_option("SEX")
    submit(page, button(page, "Show"))
    expect(page.locator("#by-group")).to_be_visible()
    audit("theme counts by sex")

    page.get_by_role("link", name="Export redacted comments").click()
    audit("export comments")
    submit(page, button(page, "Start export"))
    expect_error_summary(page)
    audit("export comments, no format")
    page.get_by_label("Excel").check()
    submit(page, button(page, "Start export"))
    expect(page.locator("#export-status")).to_have_text("Ready to download")
    audit("comments export, ready")

    FindingsPage.objects.create(
        survey=survey, published_at=timezone.now(), figures_taken_at=timezone.now()
    )
    page.goto(f"/findings/{survey.slug}/")
    expect(page.locator("[data-quote]")).to_have_count(1)
    expect(page.locator("[data-quote]")).not_to_contain_text("ada@example.org")
    audit("public findings page with a quote")

    assert COMMENTS_WALK - audit.visited == set(), "the walk missed pages it names"
    audit.assert_clean()


def test_the_paper_questionnaire_passes_axe_and_reflow(new_context, survey, settings):
    """The choice of versions, each version's page to print in standard and large print (as
    shown on screen), and the PDF download; a draft survey's proof copy too."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = officer_make(survey=survey)
    page = new_context(**DESKTOP, accept_downloads=True).new_page()
    audit = Audit(page, reflow=True)
    sign_in(page, user)

    page.goto(f"/officer/surveys/{survey.slug}/paper/")
    page.get_by_role("link", name="Print the paper questionnaire").click()
    audit("paper questionnaires")
    forms = page.url
    for version in ("A", "B"):
        pdf_link = re.compile(rf"^PDF\W+Version {version}$")
        assert download(page, audit, pdf_link).startswith(b"%PDF")
        page.goto(f"{forms}{version}/")
        expect(page.locator("#version-mark")).to_have_text(f"Version {version}")
        audit(f"paper questionnaire, version {version}")
        page.goto(f"{forms}{version}/?print=large")
        audit(f"paper questionnaire, version {version}, large print")
        page.goto(forms)
    survey.status = survey.Status.DRAFT
    survey.save()
    page.goto(f"{forms}A/")
    expect(page.locator(".draft")).to_be_visible()
    audit("paper questionnaire, draft proof")

    assert PAPER_FORM_WALK - audit.visited == set(), "the walk missed pages it names"
    assert len(audit.checked) == 6
    audit.assert_clean()
