"""Charts drawn on the server as SVG, so they need no JavaScript and no CDN.

Every chart is an ``<svg role="img">`` named by its ``<title>`` and described by a ``<desc>``
that gives the same figures in words; the page also shows them in a table beside the chart.
Text in a chart is escaped here, because the markup is marked safe for the template.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

# GOV.UK Frontend colours: blue for local, dark grey for national, black text.
LOCAL = "#1d70b8"
NATIONAL = "#505a5f"
TEXT = "#0b0c0c"
GRID = "#b1b4b6"


def _svg(*, chart_id: str, width: int, height: int, title: str, desc: str, body: str) -> SafeString:
    return format_html(
        '<svg class="collab-chart" role="img" aria-labelledby="{0}-title {0}-desc" '
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
            f'fill="{LOCAL}"><title>{escape(label)}: {count} {unit}</title></rect>'
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
    desc = "; ".join(f"{label}: {count} {unit}" for label, count in bars) or "No responses yet."
    return _svg(
        chart_id=chart_id, width=width, height=height, title=title, desc=desc, body="".join(parts)
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
        f'<rect x="{label_w}" y="4" width="12" height="12" fill="{LOCAL}"/>'
        f'<text x="{label_w + 16}" y="14" font-size="12" fill="{TEXT}">Local (95% interval)</text>'
        f'<rect x="{label_w + 170}" y="4" width="12" height="12" fill="{NATIONAL}"/>'
        f'<text x="{label_w + 186}" y="14" font-size="12" fill="{TEXT}">National 2014</text>'
    ]
    for tick in (0, 25, 50, 75, 100):
        parts.append(
            f'<line x1="{x(tick):.1f}" y1="{top - 6}" x2="{x(tick):.1f}" y2="{height - 10}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
    for i, bar in enumerate(bars):
        y = top + i * row_h
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 24}" font-size="12" text-anchor="end" '
            f'fill="{TEXT}">{escape(bar.label[:38])}</text>'
        )
        if bar.local is not None:
            parts.append(
                f'<rect x="{label_w}" y="{y + 6}" width="{x(bar.local) - label_w:.1f}" '
                f'height="16" fill="{LOCAL}"/>'
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
                f'height="16" fill="{NATIONAL}"/>'
                f'<text x="{x(bar.national) + 4:.1f}" y="{y + 40}" font-size="12" '
                f'fill="{TEXT}">{bar.national:.0f}%</text>'
            )
    desc = " ".join(bar.description for bar in bars)
    return _svg(
        chart_id=chart_id, width=width, height=height, title=title, desc=desc, body="".join(parts)
    )
