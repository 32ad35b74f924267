"""Charts drawn on the server as SVG, so they need no JavaScript and no CDN.

Every chart is an ``<svg role="img">`` named by its ``<title>``. The page gives the same
figures in a table beside the chart, so the chart's ``<desc>`` says so rather than reading
every figure out a second time; each bar's figures in words are its tooltip (a ``<title>``
inside the chart, which assistive technology leaves out of an image's children).
Text and lines are drawn in ``currentColor`` and the bars take their colours from classes
that static/css/officers.css styles, so a chart follows the page's colours, including a
forced-colours (high contrast) theme, light or dark.
Text in a chart is escaped here, because the markup is marked safe for the template.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

# GOV.UK Frontend colours, blue for local and dark grey for national, as presentation
# attributes that the classes' styles override (forced colours replace them with system
# colours); text and lines are the colour of the text around the chart.
LOCAL = 'class="collab-chart__local" fill="#1d70b8"'
NATIONAL = 'class="collab-chart__national" fill="#505a5f"'
GRID = 'class="collab-chart__grid" stroke="#b1b4b6"'
TEXT = "currentColor"
# Where the figures are read: once, in the table beside the chart.
DESC = "The figures in this chart are also in the table that follows it."


def _svg(*, chart_id: str, width: int, height: int, title: str, desc: str, body: str) -> SafeString:
    return format_html(
        '<svg class="collab-chart" role="img" aria-labelledby="{0}-title" '
        'viewBox="0 0 {1} {2}" width="{1}" height="{2}" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{0}-title">{3}</title><desc id="{0}-desc">{4}</desc>{5}</svg>',
        chart_id,
        width,
        height,
        title,
        desc,
        mark_safe(body),  # built below from escaped parts only
    )


def bar_chart(
    *, chart_id: str, title: str, bars: Sequence[tuple[str, int]], unit: str = "responses"
) -> SafeString:
    """Vertical bars of counts (responses by day)."""
    width, height, top, bottom, left = 640, 220, 20, 40, 40
    n = max(len(bars), 1)
    peak = max((count for _, count in bars), default=0) or 1
    step = (width - left - 10) / n
    parts = []
    for i, (label, count) in enumerate(bars):
        bar_h = (height - top - bottom) * count / peak
        x = left + i * step + step * 0.1
        y = height - bottom - bar_h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.8:.1f}" height="{bar_h:.1f}" '
            f"{LOCAL}><title>{escape(label)}: {count} {unit}</title></rect>"
        )
        if n <= 14 or i % max(n // 7, 1) == 0:
            parts.append(
                f'<text x="{x + step * 0.4:.1f}" y="{height - bottom + 16}" font-size="11" '
                f'text-anchor="middle" fill="{TEXT}">{escape(label[4:10])}</text>'
            )
    parts.append(
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" '
        f'stroke="{TEXT}"/>'
        f'<text x="{left - 6}" y="{top + 4}" font-size="11" text-anchor="end" '
        f'fill="{TEXT}">{peak}</text>'
    )
    return _svg(
        chart_id=chart_id, width=width, height=height, title=title, desc=DESC, body="".join(parts)
    )


@dataclass(frozen=True)
class ChartBar:
    """One figure of a comparison chart: local (with its interval) beside national."""

    label: str
    local: float | None
    ci_low: float | None
    ci_high: float | None
    national: float | None
    description: str


def comparison_chart(*, chart_id: str, title: str, bars: Sequence[ChartBar]) -> SafeString:
    """Horizontal bars, 0-100%: local with 95% interval whiskers, national below it."""
    label_w, plot_w, row_h, top = 230, 360, 56, 30
    width = label_w + plot_w + 60
    height = top + row_h * max(len(bars), 1) + 10

    def x(percent: float) -> float:
        return label_w + plot_w * max(0.0, min(percent, 100.0)) / 100

    parts = [
        # A legend, so colour is never the only way to tell local from national.
        f'<rect x="{label_w}" y="4" width="12" height="12" {LOCAL}/>'
        f'<text x="{label_w + 16}" y="14" font-size="12" fill="{TEXT}">Local (95% interval)</text>'
        f'<rect x="{label_w + 170}" y="4" width="12" height="12" {NATIONAL}/>'
        f'<text x="{label_w + 186}" y="14" font-size="12" fill="{TEXT}">National 2014</text>'
    ]
    for tick in (0, 25, 50, 75, 100):
        parts.append(
            f'<line x1="{x(tick):.1f}" y1="{top - 6}" x2="{x(tick):.1f}" y2="{height - 10}" '
            f'{GRID} stroke-width="1"/>'
        )
    for i, bar in enumerate(bars):
        y = top + i * row_h
        # The row's figures in words, as a tooltip: an image's children are not read out.
        parts.append(f"<g><title>{escape(bar.description)}</title>")
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 24}" font-size="12" text-anchor="end" '
            f'fill="{TEXT}">{escape(bar.label[:38])}</text>'
        )
        if bar.local is not None:
            parts.append(
                f'<rect x="{label_w}" y="{y + 6}" width="{x(bar.local) - label_w:.1f}" '
                f'height="16" {LOCAL}/>'
                f'<text x="{x(bar.local) + 4:.1f}" y="{y + 18}" font-size="12" '
                f'fill="{TEXT}">{bar.local:.0f}%</text>'
            )
            if bar.ci_low is not None and bar.ci_high is not None:
                lo, hi, mid = x(bar.ci_low), x(bar.ci_high), y + 14
                parts.append(
                    f'<path d="M{lo:.1f} {mid - 6}V{mid + 6}M{lo:.1f} {mid}H{hi:.1f}'
                    f'M{hi:.1f} {mid - 6}V{mid + 6}" stroke="{TEXT}" stroke-width="1.5" '
                    'fill="none"/>'
                )
        if bar.national is not None:
            parts.append(
                f'<rect x="{label_w}" y="{y + 28}" width="{x(bar.national) - label_w:.1f}" '
                f'height="16" {NATIONAL}/>'
                f'<text x="{x(bar.national) + 4:.1f}" y="{y + 40}" font-size="12" '
                f'fill="{TEXT}">{bar.national:.0f}%</text>'
            )
        parts.append("</g>")
    return _svg(
        chart_id=chart_id, width=width, height=height, title=title, desc=DESC, body="".join(parts)
    )
