"""axe-core in the page: WCAG 2.0, 2.1 and 2.2 A and AA rules, reported readably; and the
Audit that checks each page state a walk reaches, at desktop width and at 320 CSS pixels."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, resolve
from playwright.sync_api import ConsoleMessage, Page, Response

from tests.browser import checkers
from tests.browser.conftest import DESKTOP

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

RUN = """async (tags) => {
  // resultTypes: only violations are wanted, which spares axe detailing every pass.
  const results = await axe.run(document, {
    runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
  });
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({
      target: n.target.join(' '), html: n.html, summary: n.failureSummary,
    })),
  }));
}"""


def axe_violations(page: Page) -> list[dict]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, not added as a <script>: the site's
        # Content-Security-Policy (script-src 'self') rightly blocks inline scripts.
        page.evaluate(AXE_JS.read_text())
    return page.evaluate(RUN, WCAG_TAGS)


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:10]:
            lines.append(f"      at {node['target']}")
            lines.append(f"         {node['html'][:200]}")
            for summary_line in (node["summary"] or "").splitlines():
                lines.append(f"         {summary_line}")
        if len(v["nodes"]) > 10:
            lines.append(f"      ... and {len(v['nodes']) - 10} more")
    return "\n".join(lines)


# The outermost elements that stick out past the viewport's right edge (an element inside a
# box that scrolls or clips sideways does not make the page scroll, so it is left out).
STICKING_OUT = """() => {
  const width = document.documentElement.clientWidth;
  const out = (el) => el.getBoundingClientRect().right > width + 0.5;
  const clipped = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') return true;
    }
    return false;
  };
  return [...document.querySelectorAll('body *')]
    .filter(el => out(el) && !out(el.parentElement) && !clipped(el))
    .slice(0, 3)
    .map(el => el.outerHTML.slice(0, 160));
}"""


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the viewport (0: no horizontal scroll)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


DESKTOP_SIZE = DESKTOP["viewport"]
# WCAG 1.4.10: the width of a 1280px screen zoomed to 400%.
REFLOW_SIZE = {"width": 320, "height": 640}


def resize(page: Page, size: dict) -> None:
    """Resize the viewport and wait until the page has laid itself out again: two animation
    frames, since the ResizeObservers that make table boxes tab stops (static/js/collab.mjs)
    are told of the new size in the first frame's rendering step, after its callbacks."""
    page.set_viewport_size(size)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def view_name(url: str) -> str | None:
    """The URL pattern's name ("officers:report", "login") of a page, None for a 404."""
    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return None


class Audit:
    """Checks each page state as a walk reaches it, at each width, and keeps every problem
    for one report at the end. It also notes the URL patterns the walk reached (for the
    check that no officer page is left out) and any style or script the page's
    Content-Security-Policy refused, which would leave the page looking or working
    differently from what was tested.

    Beside axe (at each width), each state is checked with HTML_CodeSniffer and for ARIA
    references to missing ids, and its HTML, as sent and as built, is kept for the Nu HTML
    Checker, which assert_clean runs once over the whole walk (see checkers.py)."""

    def __init__(self, page: Page, *, reflow: bool):
        if reason := checkers.missing():
            if os.environ.get("COLLAB_REQUIRE_BROWSER") == "1":
                pytest.fail(f"COLLAB_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
            pytest.skip(f"BROWSER TESTS NOT RUN: {reason}")
        self.page = page
        self.reflow = reflow
        self.checked: list[str] = []
        self.problems: list[str] = []
        self.visited: set[str] = set()
        self.html_dir = Path(tempfile.mkdtemp(prefix="collab-vnu-"))
        self.html_files: dict[Path, str] = {}
        self._sent: Response | None = None
        page.on("console", self._console)
        page.on("response", self._response)

    def _response(self, response: Response) -> None:
        """Keep the last HTML document the page loaded: the page as the server sent it."""
        if (
            response.request.is_navigation_request()
            and response.frame == self.page.main_frame
            and response.headers.get("content-type", "").startswith("text/html")
        ):
            self._sent = response

    def _keep_html(self, label: str) -> None:
        number = len(self.html_files) // 2 + 1
        if self._sent is not None:
            sent = self.html_dir / f"{number:03}-sent.html"
            sent.write_bytes(self._sent.body())
            self.html_files[sent] = f"{label}, as sent ({self.page.url})"
        built = self.html_dir / f"{number:03}-built.html"
        built.write_text(self.page.content(), encoding="utf-8")
        self.html_files[built] = f"{label}, as built in the browser ({self.page.url})"

    def _other_checkers(self, label: str) -> None:
        for error in checkers.htmlcs_errors(self.page):
            self.problems.append(
                f"{label} ({self.page.url}): HTML_CodeSniffer {error['code']}: {error['msg']}"
                f"\n      at {error['html']}"
            )
        for broken in checkers.broken_references(self.page):
            self.problems.append(f"{label} ({self.page.url}): no element for {broken}")
        self._keep_html(label)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.problems.append(f"{self.page.url}: {message.text}")

    def _axe(self, label: str) -> None:
        violations = axe_violations(self.page)
        if violations:
            self.problems.append(f"{label} ({self.page.url}):\n{describe(violations)}")

    def __call__(self, label: str) -> None:
        self.checked.append(label)
        if name := view_name(self.page.url):
            self.visited.add(name)
        self._axe(f"{label}, {DESKTOP_SIZE['width']}px")
        self._other_checkers(label)
        if not self.reflow:
            return
        resize(self.page, REFLOW_SIZE)
        try:
            if (overflow := horizontal_overflow(self.page)) > 0:
                culprits = "".join(f"\n      {html}" for html in self.page.evaluate(STICKING_OUT))
                self.problems.append(
                    f"{label} ({self.page.url}): scrolls sideways by {overflow}px at 320px"
                    f" wide, because of:{culprits}"
                )
            self._axe(f"{label}, 320px")
        finally:
            resize(self.page, DESKTOP_SIZE)

    def assert_clean(self) -> None:
        try:
            for error in checkers.vnu_errors(self.html_files):
                self.problems.append(f"Nu HTML Checker: {error}")
        finally:
            shutil.rmtree(self.html_dir, ignore_errors=True)
        report = "\n\n".join(self.problems)
        assert not self.problems, (
            f"{len(self.problems)} problems in {len(self.checked)} page states:\n\n{report}"
        )
