"""The checkers the browser tests run beside axe-core on every page state a walk reaches:

- HTML_CodeSniffer (npm ``html_codesniffer``), its WCAG 2 AA standard run in the same page;
- the W3C Nu HTML Checker (npm ``vnu-jar``, run with the machine's Java) on each page's HTML
  as the server sent it and as the browser built it: a walk keeps both in files and checks
  them all with one Java process at its end, which costs seconds rather than minutes;
- every ``aria-describedby`` and ``aria-labelledby`` points at an element on the page.

Both come from tests/browser/package.json (`make browsers` runs `npm ci` there, and installs
Debian's Java as root when it is missing). No rule of either is muted.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from playwright.sync_api import Page

HERE = Path(__file__).resolve().parent
HTMLCS_JS = HERE / "node_modules" / "html_codesniffer" / "build" / "HTMLCS.js"
VNU_JAR = HERE / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
JAVA = os.environ.get("COLLAB_JAVA", "java")
INSTALL_HINT = "run `make browsers` (npm ci in tests/browser/, Java as root)"

HTMLCS_RUN = """() => new Promise((resolve) => {
  HTMLCS.process('WCAG2AA', document, () => {
    resolve(HTMLCS.getMessages()
      .filter(m => m.type === HTMLCS.ERROR)
      .map(m => ({
        code: m.code,
        msg: m.msg,
        html: m.element && m.element.outerHTML ? m.element.outerHTML.slice(0, 200)
          : String(m.element && m.element.nodeName),
      })));
  });
})"""

# Every ARIA reference to an id, and the ids it names that no element has.
BROKEN_REFERENCES = """() => {
  const broken = [];
  for (const attr of ['aria-describedby', 'aria-labelledby']) {
    for (const el of document.querySelectorAll(`[${attr}]`)) {
      for (const id of el.getAttribute(attr).split(/\\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) {
          broken.push(`${attr}="${id}" on ${el.outerHTML.slice(0, 160)}`);
        }
      }
    }
  }
  return broken;
}"""


def missing() -> str | None:
    """Why the checkers cannot run, or None."""
    if not HTMLCS_JS.is_file() or not VNU_JAR.is_file():
        return f"the npm checkers are not installed in {HERE}: {INSTALL_HINT}"
    if not shutil.which(JAVA):
        return f"{JAVA} not found, which the Nu HTML Checker needs: {INSTALL_HINT}"
    return None


def htmlcs_errors(page: Page) -> list[dict]:
    if not page.evaluate("() => typeof window.HTMLCS !== 'undefined'"):
        # Evaluated through the DevTools protocol, as axe is: the CSP blocks inline scripts.
        page.evaluate(HTMLCS_JS.read_text())
    return page.evaluate(HTMLCS_RUN)


def broken_references(page: Page) -> list[str]:
    return page.evaluate(BROKEN_REFERENCES)


def vnu_errors(files: dict[Path, str]) -> list[str]:
    """Check the HTML files with one run of the Nu HTML Checker; its errors, each with the
    label of the page state it came from. Warnings and info messages are not failures."""
    if not files:
        return []
    result = subprocess.run(
        [JAVA, "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always"]
        + [str(path) for path in files],
        capture_output=True,
        text=True,
        timeout=600,
    )
    try:
        messages = json.loads(result.stderr)["messages"]
    except (ValueError, KeyError) as e:
        raise AssertionError(f"the Nu HTML Checker did not answer in JSON: {result.stderr}") from e
    by_name = {path.name: label for path, label in files.items()}
    problems = []
    for m in messages:
        if m.get("type") == "error" or m.get("subType") == "fatal":
            url = m.get("url", "?")
            label = by_name.get(url.rsplit("/", 1)[-1], url)
            where = f"line {m.get('lastLine', '?')}"
            problems.append(f"{label}, {where}: {m['message']}\n         {m.get('extract', '')!r}")
    return problems
