"""What the forced-colours and zoom passes measure in the page: the colours of chart text
and of each focus indicator, beside the background they are drawn on."""

from __future__ import annotations

from playwright.sync_api import Page

# The colour an element is drawn on: the first ancestor with an opaque background, else
# the canvas (the page's own background colour, which forced colours set).
HELPERS = """
const opaque = (c) => c && c !== 'transparent' && !/rgba\\(.*,\\s*0\\)$/.test(c);
const canvas = () => {
  const probe = document.createElement('div');
  probe.style.cssText = 'background-color: Canvas; position: absolute';
  document.body.appendChild(probe);
  const colour = getComputedStyle(probe).backgroundColor;
  probe.remove();
  return colour;
};
const behind = (el) => {
  for (let a = el; a; a = a.parentElement) {
    const c = getComputedStyle(a).backgroundColor;
    if (opaque(c)) return c;
  }
  return canvas();
};
"""

# Each chart's texts and lines whose colour is the colour behind them (so they cannot be
# seen), with how many were looked at.
CHART_INK = (
    "() => {"
    + HELPERS
    + """
  const unseen = [];
  let looked = 0;
  for (const svg of document.querySelectorAll('svg.collab-chart')) {
    const back = behind(svg);
    for (const el of svg.querySelectorAll('text, path, line')) {
      const style = getComputedStyle(el);
      const ink = el.tagName === 'text' ? style.fill : style.stroke;
      looked += 1;
      if (ink === back || ink === 'none') {
        unseen.push(`${el.outerHTML.slice(0, 120)}: ${ink} on ${back}`);
      }
    }
  }
  return {looked, unseen};
}"""
)

# The focused element's indicator: visible if its outline, or its background, differs from
# the colour around it.
FOCUS_RING = (
    "() => {"
    + HELPERS
    + """
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const around = behind(el.parentElement || el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
    && opaque(style.outlineColor) && style.outlineColor !== around;
  const shadow = style.boxShadow !== 'none' && !style.boxShadow.includes('inset');
  const fill = opaque(style.backgroundColor) && style.backgroundColor !== around;
  return {
    html: el.outerHTML.slice(0, 120), visible: outline || shadow || fill,
    outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`,
    shadow: style.boxShadow, background: style.backgroundColor, around,
  };
}"""
)


def chart_ink(page: Page) -> dict:
    return page.evaluate(CHART_INK)


def focus_rings(page: Page, *, stops: int) -> list[dict]:
    """Press Tab `stops` times from the top of the page; the indicator of each stop."""
    page.locator("body").focus()
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    rings = []
    for _ in range(stops):
        page.keyboard.press("Tab")
        ring = page.evaluate(FOCUS_RING)
        if ring is not None:
            rings.append(ring)
    return rings
