"""The checkers beside axe can fail: each finds the fault it is there for on a page made
with one, so a walk that passes them has really been checked."""

from __future__ import annotations

import pytest

from tests.browser import checkers

pytestmark = pytest.mark.browser

BAD = """<!DOCTYPE html><html lang="en"><head><title>Bad</title></head><body>
<main><h1>Bad</h1>
<form><input type="text" type="tel" id="phone" aria-describedby="phone-hint"></form>
<img src="x.png">
</main></body></html>"""


@pytest.fixture
def bad_page(browser):
    if reason := checkers.missing():
        pytest.fail(reason)
    page = browser.new_page()
    page.set_content(BAD)
    yield page
    page.close()


def test_html_codesniffer_finds_an_unlabelled_box_and_an_image_without_alt(bad_page):
    codes = {e["code"] for e in checkers.htmlcs_errors(bad_page)}

    assert any("H37" in code for code in codes), codes  # img with no alt
    assert any("F68" in code or "H44" in code or "InputText" in code for code in codes), codes


def test_a_reference_to_a_missing_id_is_found(bad_page):
    assert checkers.broken_references(bad_page) == [
        'aria-describedby="phone-hint" on <input type="text" id="phone" '
        'aria-describedby="phone-hint">'
    ]


def test_the_nu_html_checker_finds_a_duplicate_attribute_and_names_the_page(tmp_path):
    if reason := checkers.missing():
        pytest.fail(reason)
    bad, good = tmp_path / "bad.html", tmp_path / "good.html"
    bad.write_text(BAD)
    good.write_text(BAD.replace(' type="tel"', "").replace('<img src="x.png">', ""))

    errors = checkers.vnu_errors({bad: "the bad page", good: "the good page"})

    assert any(e.startswith("the bad page") and "Duplicate attribute" in e for e in errors), errors
    assert not any(e.startswith("the good page") for e in errors), errors
