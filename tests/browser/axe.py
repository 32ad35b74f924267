"""axe-core in the page: WCAG 2.0, 2.1 and 2.2 A and AA rules, reported readably."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

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


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the viewport (0: no horizontal scroll)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
