"""Forced colours (a high contrast theme, dark and light) and 400% zoom (320 CSS pixels):
the charts' text, values, whiskers and dates, and every focus indicator, stay visible,
because each is drawn in a colour that differs from the background behind it. Also what
the audit found at 320 pixels: a code never wraps inside a group, and a table box is a tab
stop only while it scrolls, with its focus drawn outside it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import REFLOW_SIZE
from tests.browser.conftest import DESKTOP
from tests.browser.officer import officer_make, responses_seed, sign_in, survey_weight
from tests.browser.resident import (
    answer_page,
    button,
    codes_by_page,
    latest_response,
    start,
    submit,
)
from tests.browser.visibility import chart_ink, focus_rings
from tests.surveys.conftest import answers_for

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

THEMES = [
    pytest.param({**DESKTOP, "forced_colors": "active", "color_scheme": "dark"}, id="forced-dark"),
    pytest.param(
        {**DESKTOP, "forced_colors": "active", "color_scheme": "light"}, id="forced-light"
    ),
    pytest.param({"viewport": REFLOW_SIZE}, id="zoom-400"),
]


@pytest.fixture
def answered_survey(survey, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Six responses a day: every period's bar drawn (it is the chart's ink that is checked here;
    # tests/officers/test_disclosure.py checks that small counts are hidden).
    settings.DISCLOSURE_THRESHOLD = 1
    responses_seed(survey=survey, count=60)
    survey_weight(survey=survey)
    return survey


def assert_seen(page: Page, where: str, *, stops: int = 25) -> int:
    ink = chart_ink(page)
    assert not ink["unseen"], f"{where}: chart ink the colour of its background: {ink['unseen']}"
    rings = focus_rings(page, stops=stops)
    assert rings, f"{where}: nothing took focus"
    unseen = [r for r in rings if not r["visible"]]
    assert not unseen, f"{where}: focus indicators that cannot be seen: {unseen}"
    return ink["looked"]


@pytest.mark.parametrize("options", THEMES)
def test_charts_and_focus_stay_visible_on_the_officers_pages(new_context, answered_survey, options):
    survey = answered_survey
    user = officer_make(survey=survey)
    page = new_context(**options).new_page()
    page.goto("/officer/")
    assert_seen(page, "sign in")
    sign_in(page, user)

    page.goto(f"/officer/surveys/{survey.slug}/")
    expect(page.locator("#complete-count")).to_have_text("60")
    looked = assert_seen(page, "dashboard")
    # A bar per period (whole weeks here, the threshold being 1: ten days span two or three).
    assert looked >= 4, "the dashboard's chart of responses by period was not looked at"
    page.goto(f"/officer/surveys/{survey.slug}/report/")
    looked = assert_seen(page, "comparison report", stops=60)
    assert looked > 50, "the report's charts were not looked at"


@pytest.mark.parametrize("options", THEMES)
def test_focus_stays_visible_on_the_residents_pages(new_context, survey, options):
    page = new_context(**options).new_page()
    page.goto(f"/s/{survey.slug}/")
    assert_seen(page, "landing")
    start(page, survey)
    assert_seen(page, "page 1")
    submit(page, button(page, "Continue"))
    assert_seen(page, "page 1, errors")


def test_a_code_wraps_only_between_its_groups_at_320_pixels(new_context, survey):
    page = new_context(viewport=REFLOW_SIZE).new_page()
    start(page, survey)
    answers = answers_for(latest_response(survey).split_arm)
    answer_page(page, codes_by_page(survey)[0], answers, how="click")
    submit(page, button(page, "Save and finish later"))
    code = page.locator(".collab-code")
    text = code.inner_text().strip()
    # The line each character is drawn on, from the boxes of one-character ranges.
    tops = page.evaluate(
        """(el) => {
      const node = el.firstChild;
      return [...node.textContent].map((_, i) => {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        return Math.round(range.getBoundingClientRect().top);
      });
    }""",
        code.element_handle(),
    )
    groups: dict[int, set[int]] = {}
    group = 0
    for char, top in zip(code.evaluate("el => el.firstChild.textContent"), tops, strict=True):
        if char == "-":
            group += 1
            continue
        groups.setdefault(group, set()).add(top)
    assert len(groups) == len(text.split("-")) >= 3
    split = {g: lines for g, lines in groups.items() if len(lines) > 1}
    assert not split, f"{text}: groups drawn over two lines: {split}"


def test_a_table_box_is_a_tab_stop_only_while_it_scrolls_and_its_focus_covers_no_cell(
    new_context, answered_survey
):
    survey = answered_survey
    user = officer_make(survey=survey)
    page = new_context(**DESKTOP).new_page()
    sign_in(page, user)
    page.goto(f"/officer/surveys/{survey.slug}/")
    boxes = page.locator(".collab-table-scroll")
    expect(boxes.first).to_be_visible()

    def tab_stops() -> list[tuple[bool, str | None]]:
        return boxes.evaluate_all(
            "els => els.map(b => [b.scrollWidth > b.clientWidth, b.getAttribute('tabindex')])"
        )

    wide = tab_stops()
    assert wide and all(not scrolls for scrolls, _ in wide), "a box scrolls at 1280px"
    assert all(tabindex is None for _, tabindex in wide), f"boxes that do not scroll: {wide}"

    page.set_viewport_size(REFLOW_SIZE)
    page.goto(f"/officer/surveys/{survey.slug}/report/")
    narrow = tab_stops()
    assert any(scrolls for scrolls, _ in narrow)
    assert all((tabindex == "0") == scrolls for scrolls, tabindex in narrow), narrow

    box = page.locator(".collab-table-scroll[tabindex='0']").first
    box.focus()
    style = box.evaluate(
        "b => { const s = getComputedStyle(b);"
        " return [s.boxShadow, s.outlineOffset, s.outlineWidth]; }"
    )
    shadow, offset, width = style
    assert "inset" not in shadow, f"the focus is drawn inside the box, over its cells: {shadow}"
    assert float(offset.removesuffix("px")) >= 0 and float(width.removesuffix("px")) >= 3
