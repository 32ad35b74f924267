"""What the forced-colours and zoom passes measure in the page: the colours of chart text
and of each focus indicator, beside the background they are drawn on. "Differs" means a
contrast ratio of at least 3:1 (WCAG 1.4.11, and 1.4.3 for large text), since ink of a
slightly different shade of black on black is as invisible as ink of the same colour."""

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
const rgb = (c) => (c.match(/[\\d.]+/g) || []).slice(0, 3).map(Number);
const luminance = (c) => {
  const [r, g, b] = rgb(c).map((v) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const contrast = (a, b) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
};
const MIN_CONTRAST = 3;
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
    // Grid lines are a light guide, not information: the values are written beside the bars.
    for (const el of svg.querySelectorAll('text, path, line:not(.collab-chart__grid)')) {
      const style = getComputedStyle(el);
      const ink = el.tagName === 'text' ? style.fill : style.stroke;
      looked += 1;
      if (ink === 'none' || contrast(ink, back) < MIN_CONTRAST) {
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
    && opaque(style.outlineColor) && contrast(style.outlineColor, around) >= MIN_CONTRAST;
  // A shadow (GOV.UK draws a thick black bar under a focused link, and a thick border inside
  // a focused box) in some colour that stands out from around the element.
  const shadow = style.boxShadow !== 'none'
    && (style.boxShadow.match(/rgba?\\([^)]*\\)/g) || [])
      .some((c) => opaque(c) && contrast(c, around) >= MIN_CONTRAST);
  // A fill that stands out; or GOV.UK's yellow highlight, a fill of another colour than
  // around it whose text stands out from it (the skip link).
  const filled = opaque(style.backgroundColor) && style.backgroundColor !== around;
  const fill = filled && (contrast(style.backgroundColor, around) >= MIN_CONTRAST
    || contrast(style.color, style.backgroundColor) >= 4.5);
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
