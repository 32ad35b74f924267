"""A resident who uses the keyboard alone: Tab to move, Space to tick, the arrow keys to
choose within a group of radios (as a browser's radios work), Enter to press a button.

Every stop is checked for a visible focus indicator the first time a kind of control is
met on a page: the control is pictured focused (Tab) and unfocused (Shift+Tab away), and
the two pictures must differ.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page

from tests.browser.resident import MAX_TABS

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  return {
    tag: el.tagName.toLowerCase(),
    type: (el.getAttribute('type') || '').toLowerCase(),
    name: el.getAttribute('name') || '',
    value: el.value || '',
    checked: !!el.checked,
    text: (el.innerText || '').trim(),
    id: el.id || '',
    cls: el.className || '',
  };
}"""

# The area a focus indicator is drawn in: a radio's or checkbox's whole item (GOV.UK
# draws the ring around the label's box), otherwise the control itself.
MARK_FOCUS_AREA = """() => {
  for (const attr of ['data-focus-area', 'data-focus-probe']) {
    document.querySelectorAll(`[${attr}]`).forEach(e => e.removeAttribute(attr));
  }
  const el = document.activeElement;
  const area = el.closest('.govuk-radios__item, .govuk-checkboxes__item') || el;
  area.setAttribute('data-focus-area', '');
  el.setAttribute('data-focus-probe', '');
}"""
PROBE_FOCUSED = "() => document.activeElement.hasAttribute('data-focus-probe')"


def focused(page: Page) -> dict[str, Any] | None:
    return page.evaluate(FOCUSED)


def kind_of(el: dict[str, Any]) -> str:
    return f"{el['tag']}:{el['type']}" if el["tag"] == "input" else el["tag"]


def assert_focus_visible(page: Page, el: dict[str, Any]) -> None:
    page.evaluate(MARK_FOCUS_AREA)
    area = page.locator("[data-focus-area]")
    area.scroll_into_view_if_needed()
    # The area and a margin round it: a focus ring may be drawn outside the element, as a
    # table box's is, so that it covers none of the table.
    box = area.bounding_box()
    assert box is not None, f"the focused {el} is not drawn"
    # In the document's coordinates, so the clip stays put if Shift+Tab scrolls the page.
    scroll_x, scroll_y = page.evaluate("() => [window.scrollX, window.scrollY]")
    box = {**box, "x": box["x"] + scroll_x, "y": box["y"] + scroll_y}
    margin = 8
    x, y = max(box["x"] - margin, 0), max(box["y"] - margin, 0)
    clip = {
        "x": x,
        "y": y,
        "width": box["x"] + box["width"] + margin - x,
        "height": box["y"] + box["height"] + margin - y,
    }
    shot = {"clip": clip, "full_page": True, "animations": "disabled", "caret": "hide"}
    with_focus = page.screenshot(**shot)
    page.keyboard.press("Shift+Tab")
    without_focus = page.screenshot(**shot)
    # Back with Tab; from the first control of a page Shift+Tab leaves the document,
    # and the way back in may take more than one Tab.
    for _ in range(3):
        page.keyboard.press("Tab")
        if page.evaluate(PROBE_FOCUSED):
            break
    else:
        raise AssertionError(f"Shift+Tab then Tab did not return to {el}, but to {focused(page)}")
    assert with_focus != without_focus, f"no visible focus indicator on {kind_of(el)} {el}"


def tab(page: Page) -> dict[str, Any] | None:
    page.keyboard.press("Tab")
    return focused(page)


def choose_radio(page: Page, el: dict[str, Any], wanted: str) -> None:
    """Move through a radio group with the arrow keys to the wanted answer."""
    if el["value"] == wanted:
        page.keyboard.press("Space")
    else:
        for _ in range(20):
            page.keyboard.press("ArrowDown")
            now = focused(page)
            if now and now["value"] == wanted:
                break
    now = focused(page)
    assert now and now["value"] == wanted and now["checked"], f"could not choose {wanted}: {now}"


def choose_in_select(page: Page, wanted: str) -> None:
    """Move down a focused select's options with the arrow key to the wanted value."""
    for _ in range(50):
        if page.evaluate("() => document.activeElement.value") == wanted:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"the arrow keys never reached {wanted!r} in {focused(page)}")


def press_enter_and_wait(page: Page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")


def tab_until(
    page: Page,
    wanted: Callable[[dict[str, Any]], bool],
    what: str,
    *,
    checked_kinds: set[str] | None = None,
    backwards: bool = False,
) -> dict[str, Any]:
    """Tab forward (or back) to the first control that is wanted, checking focus is visible
    on each kind of control met on the way."""
    checked_kinds = set() if checked_kinds is None else checked_kinds
    for _ in range(MAX_TABS):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        el = focused(page)
        if el is None:
            continue
        if kind_of(el) not in checked_kinds:
            assert_focus_visible(page, el)
            checked_kinds.add(kind_of(el))
        if wanted(el):
            return el
    raise AssertionError(f"Tab never reached {what}")


def tab_to_button(page: Page, label: str, *, checked_kinds: set[str] | None = None) -> None:
    """Tab forward to the button with this label (checking focus on the way) and press Enter."""
    tab_until(
        page,
        lambda el: el["tag"] == "button" and el["text"] == label,
        f"the button {label!r}",
        checked_kinds=checked_kinds,
    )
    press_enter_and_wait(page)


def tab_to_link(
    page: Page, text: str, *, checked_kinds: set[str] | None = None, backwards: bool = False
) -> None:
    """Tab to the link with this text (checking focus on the way) and follow it with Enter."""
    tab_until(
        page,
        lambda el: el["tag"] == "a" and el["text"] == text,
        f"the link {text!r}",
        checked_kinds=checked_kinds,
        backwards=backwards,
    )
    press_enter_and_wait(page)


def type_into(page: Page, text: str) -> None:
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def answer_page_by_keyboard(page: Page, answers: dict[str, Any], codes: list[str]) -> None:
    """One pass of Tab through the page, answering at each control, then Enter on Continue."""
    wanted: dict[str, Any] = {}
    for code in codes:
        value = answers.get(code)
        if isinstance(value, dict):
            wanted.update({f"{code}__{item}": option for item, option in value.items()})
        elif value is not None:
            wanted[code] = value
    checked_kinds: set[str] = set()
    el = focused(page)
    for _ in range(MAX_TABS):
        if el is not None:
            if kind_of(el) not in checked_kinds:
                assert_focus_visible(page, el)
                checked_kinds.add(kind_of(el))
            name, value = el["name"], wanted.get(el["name"])
            if el["tag"] == "button" and el["text"] == "Continue":
                press_enter_and_wait(page)
                return
            if value is None:
                pass
            elif el["type"] == "checkbox":
                if el["value"] in value and not el["checked"]:
                    page.keyboard.press("Space")
            elif el["type"] == "radio":
                choose_radio(page, el, value)
            elif el["tag"] in ("textarea", "input"):
                type_into(page, str(value))
            elif el["tag"] == "select":
                choose_in_select(page, value)
            del_after = name if el["type"] != "checkbox" else None
            if del_after:
                wanted.pop(del_after, None)
        el = tab(page)
    raise AssertionError("Tab never reached the Continue button")
