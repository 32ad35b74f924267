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

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

# GOV.UK Frontend colours, blue for local and dark grey for national, as presentation
# attributes that the classes' styles override (forced colours replace them with system
# colours); text and lines are the colour of the text around the chart.
LOCAL = 'class="collab-chart__local" fill="#1d70b8"'
NATIONAL = (
    'class="collab-chart__national" fill="none" stroke="currentColor" stroke-width="2" '
    'stroke-dasharray="5 3"'
)
GRID = 'class="collab-chart__grid" stroke="#b1b4b6"'
TEXT = "currentColor"
# Where the figures are read: once, in the table beside the chart.
DESC = "The figures in this chart are also in the table that follows it."


def _svg(*, chart_id: str, width: int, height: int, title: str, desc: str, body: str) -> SafeString:
    return format_html(
        '<svg class="collab-chart" role="img" aria-labelledby="{0}-title" '
        'font-family="Arial, Helvetica, sans-serif" '
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
    width, height, top, bottom, left = 640, 240, 20, 64, 40
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
            # The whole label, wrapped to the bar's width (never cut): "2-8 November 2026".
            chars = max(6, int(step * (1 if n <= 14 else max(n // 7, 1)) / 6.5))
            lines = textwrap.wrap(label, chars, break_long_words=False)[:3] or [""]
            spans = "".join(
                f'<tspan x="{x + step * 0.4:.1f}" y="{height - bottom + 16 + 13 * j}">'
                f"{escape(line)}</tspan>"
                for j, line in enumerate(lines)
            )
            parts.append(f'<text font-size="11" text-anchor="middle" fill="{TEXT}">{spans}</text>')
    parts.append(
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" '
        f'stroke="{TEXT}"/>'
        f'<line x1="{left}" y1="{top}" x2="{width - 10}" y2="{top}" {GRID} stroke-width="1"/>'
        f'<text x="{left - 6}" y="{top + 4}" font-size="11" text-anchor="end" '
        f'fill="{TEXT}">{peak}</text>'
        f'<text x="{left - 6}" y="{height - bottom + 4}" font-size="11" text-anchor="end" '
        f'fill="{TEXT}">0</text>'
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


LABEL_CHARS = 34  # characters per line of a bar's label: wrapped, never cut
FONT = 14
LINE = 17


def _label_lines(label: str) -> list[str]:
    return textwrap.wrap(label, LABEL_CHARS, break_long_words=False) or [""]


def comparison_chart(*, chart_id: str, title: str, bars: Sequence[ChartBar]) -> SafeString:
    """Horizontal bars on a 0-100% axis with gridlines: local as a solid bar with its 95%
    interval whiskers, national as a dashed outline below it (told apart by shape and the
    legend, not only by colour). Labels wrap onto as many lines as they need, and each value
    is written beyond the end of its bar and of its whisker, so nothing overlaps."""
    label_w, plot_w, top, axis_h = 300, 380, 36, 30
    width = label_w + plot_w + 70
    rows = []
    y = top
    for bar in bars:
        lines = _label_lines(bar.label)
        row_h = max(60, LINE * len(lines) + 16)
        rows.append((bar, lines, y, row_h))
        y += row_h
    plot_bottom = y
    height = plot_bottom + axis_h

    def x(percent: float) -> float:
        return label_w + plot_w * max(0.0, min(percent, 100.0)) / 100

    parts = [
        # A legend, so colour is never the only way to tell local from national.
        f'<rect x="{label_w}" y="8" width="18" height="14" {LOCAL}/>'
        f'<text x="{label_w + 24}" y="20" font-size="{FONT}" fill="{TEXT}">'
        "Local (line: 95% interval)</text>"
        f'<rect x="{label_w + 230}" y="8" width="18" height="14" {NATIONAL}/>'
        f'<text x="{label_w + 254}" y="20" font-size="{FONT}" fill="{TEXT}">National 2014</text>'
    ]
    for tick in (0, 20, 40, 60, 80, 100):
        parts.append(
            f'<line x1="{x(tick):.1f}" y1="{top}" x2="{x(tick):.1f}" y2="{plot_bottom}" '
            f'{GRID} stroke-width="1"/>'
            f'<text x="{x(tick):.1f}" y="{plot_bottom + 18}" font-size="{FONT - 2}" '
            f'text-anchor="middle" fill="{TEXT}">{tick}%</text>'
        )
    parts.append(
        f'<line x1="{label_w}" y1="{plot_bottom}" x2="{x(100):.1f}" y2="{plot_bottom}" '
        f'stroke="{TEXT}" stroke-width="1"/>'
    )
    for bar, lines, y, row_h in rows:
        # The row's figures in words, as a tooltip: an image's children are not read out.
        parts.append(f"<g><title>{escape(bar.description)}</title>")
        first = y + row_h / 2 - LINE * (len(lines) - 1) / 2 + 5
        spans = "".join(
            f'<tspan x="{label_w - 10}" y="{first + LINE * i:.1f}">{escape(line)}</tspan>'
            for i, line in enumerate(lines)
        )
        parts.append(f'<text font-size="{FONT}" text-anchor="end" fill="{TEXT}">{spans}</text>')
        mid_local = y + row_h / 2 - 11
        mid_national = y + row_h / 2 + 11
        if bar.local is not None:
            end = x(bar.local)
            parts.append(
                f'<rect x="{label_w}" y="{mid_local - 8:.1f}" width="{end - label_w:.1f}" '
                f'height="16" {LOCAL}/>'
            )
            if bar.ci_low is not None and bar.ci_high is not None:
                lo, hi = x(bar.ci_low), x(bar.ci_high)
                m = mid_local
                parts.append(
                    f'<path d="M{lo:.1f} {m - 7:.1f}V{m + 7:.1f}M{lo:.1f} {m:.1f}H{hi:.1f}'
                    f'M{hi:.1f} {m - 7:.1f}V{m + 7:.1f}" stroke="{TEXT}" stroke-width="1.5" '
                    'fill="none"/>'
                )
                end = max(end, hi)
            parts.append(
                f'<text x="{end + 6:.1f}" y="{mid_local + 5:.1f}" font-size="{FONT}" '
                f'font-weight="bold" fill="{TEXT}">{_percent(bar.local)}</text>'
            )
        if bar.national is not None:
            end = x(bar.national)
            parts.append(
                f'<rect x="{label_w}" y="{mid_national - 7:.1f}" width="{end - label_w:.1f}" '
                f'height="14" {NATIONAL}/>'
                f'<text x="{end + 6:.1f}" y="{mid_national + 5:.1f}" font-size="{FONT}" '
                f'fill="{TEXT}">{_percent(bar.national)} national</text>'
            )
        parts.append("</g>")
    return _svg(
        chart_id=chart_id, width=width, height=height, title=title, desc=DESC, body="".join(parts)
    )


def _percent(value: float) -> str:
    """A whole percentage, never "-0%"."""
    return f"{round(value) + 0:d}%"


# A chart on its own, outside the page: text black on white, as it prints.
PRINT_DPI = 300
CSS_DPI = 96


def chart_document(svg: str, *, heading: str = "", notes: Sequence[str] = ()) -> bytes:
    """A downloaded chart as a standalone SVG file: the page's colours written in, so that it
    reads the same pasted into a document as on the page. ``heading`` (the question) is
    written above it and ``notes`` (the selection, base and source) below, so a chart pasted
    into a committee paper still says what it shows."""
    standalone = svg.replace(
        'class="collab-chart"', 'class="collab-chart" style="color:#0b0c0c;background:#fff"', 1
    )
    if heading or notes:
        standalone = _framed(standalone, heading=heading, notes=notes)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + standalone).encode()


HEADING_CHARS = 80
NOTE_CHARS = 110


def _framed(svg: str, *, heading: str, notes: Sequence[str]) -> str:
    """The chart inside a taller image with its heading above and its notes below."""
    import re

    size = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)
    width, height = int(size.group(1)), int(size.group(2))
    title_lines = textwrap.wrap(heading, HEADING_CHARS) if heading else []
    note_lines = [line for note in notes for line in textwrap.wrap(note, NOTE_CHARS)]
    head_h = 12 + (LINE + 4) * len(title_lines)
    foot_h = 10 + (LINE - 2) * len(note_lines) + 8
    total = head_h + height + foot_h
    parts = [f'<rect width="{width}" height="{total}" fill="#fff"/>']
    for i, line in enumerate(title_lines):
        parts.append(
            f'<text x="8" y="{26 + (LINE + 4) * i}" font-size="{FONT + 2}" font-weight="bold" '
            f'fill="#0b0c0c">{escape(line)}</text>'
        )
    inner = svg.replace("<svg ", f'<svg x="0" y="{head_h}" ', 1)
    parts.append(inner)
    for i, line in enumerate(note_lines):
        parts.append(
            f'<text x="8" y="{head_h + height + 18 + (LINE - 2) * i}" font-size="{FONT - 2}" '
            f'fill="#0b0c0c">{escape(line)}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" font-family="Arial, Helvetica, sans-serif" '
        f'viewBox="0 0 {width} {total}" width="{width}" height="{total}">{"".join(parts)}</svg>'
    )


def chart_png(
    svg: str, *, dpi: int = PRINT_DPI, heading: str = "", notes: Sequence[str] = ()
) -> bytes:
    """The same chart as PNG at ``dpi`` for its printed size (its CSS pixels at 96 to the
    inch), drawn by cairosvg from the SVG itself, so both downloads show one chart."""
    import io

    import cairosvg
    from PIL import Image

    raw = cairosvg.svg2png(
        bytestring=chart_document(svg, heading=heading, notes=notes),
        scale=dpi / CSS_DPI,
        background_color="white",
    )
    image = Image.open(io.BytesIO(raw))
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


@dataclass(frozen=True)
class TrendPoint:
    """One wave of a trend chart: its name, and its figure with the 95% interval (None where
    it is not shown, or its wording was different)."""

    wave: str
    percent: float | None
    ci_low: float | None
    ci_high: float | None
    description: str


REFERENCE_2014 = 'class="collab-chart__national" stroke="currentColor" stroke-dasharray="6 4"'
REFERENCE_2010 = 'class="collab-chart__national" stroke="currentColor" stroke-dasharray="2 3"'


def trend_chart(
    *,
    chart_id: str,
    title: str,
    points: Sequence[TrendPoint],
    national: float | None = None,
    national_2010: float | None = None,
) -> SafeString:
    """A figure over the waves of a survey, oldest on the left: each wave's percentage as a
    marker on a line with its 95% interval as whiskers, and the 2014 national figure (dashed)
    and the 2010 one (dotted) as reference lines across the chart, named in the legend and at
    their end, so that no line is told apart by colour alone. A wave whose figure is not shown
    leaves a gap in the line. The y axis runs 0-100%."""
    width, height, left, right, top, bottom = 640, 260, 48, 150, 34, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(points), 1)
    step = plot_w / n

    def x(i: int) -> float:
        return left + step * (i + 0.5)

    def y(percent: float) -> float:
        return top + plot_h * (1 - max(0.0, min(percent, 100.0)) / 100)

    parts = [
        f'<line x1="{left}" y1="14" x2="{left + 22}" y2="14" stroke="{TEXT}" '
        'stroke-width="2.5"/>'
        f'<circle cx="{left + 11}" cy="14" r="4" {LOCAL}/>'
        f'<text x="{left + 28}" y="19" font-size="{FONT - 1}" fill="{TEXT}">'
        "This council, each wave (line: 95% interval)</text>"
    ]
    for tick in (0, 25, 50, 75, 100):
        parts.append(
            f'<line x1="{left}" y1="{y(tick):.1f}" x2="{left + plot_w}" y2="{y(tick):.1f}" '
            f'{GRID} stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" font-size="{FONT - 2}" '
            f'text-anchor="end" fill="{TEXT}">{tick}%</text>'
        )
    for value, style, name in (
        (national, REFERENCE_2014, "National 2014"),
        (national_2010, REFERENCE_2010, "National 2010"),
    ):
        if value is None:
            continue
        parts.append(
            f'<line x1="{left}" y1="{y(value):.1f}" x2="{left + plot_w}" y2="{y(value):.1f}" '
            f'{style} stroke-width="2"><title>{name}: {_percent(value)}</title></line>'
            f'<text x="{left + plot_w + 6}" y="{y(value) + 4:.1f}" font-size="{FONT - 1}" '
            f'fill="{TEXT}">{name} {_percent(value)}</text>'
        )
    # The line joins consecutive waves that both have a figure; a hidden one breaks it.
    runs: list[list[str]] = [[]]
    for i, point in enumerate(points):
        if point.percent is None:
            runs.append([])
        else:
            runs[-1].append(f"{x(i):.1f} {y(point.percent):.1f}")
    for run in runs:
        if len(run) > 1:
            parts.append(
                f'<path d="M{"L".join(run)}" stroke="{TEXT}" stroke-width="2.5" fill="none"/>'
            )
    for i, point in enumerate(points):
        parts.append(
            f'<text x="{x(i):.1f}" y="{height - bottom + 18}" font-size="{FONT - 1}" '
            f'text-anchor="middle" fill="{TEXT}">{escape(point.wave)}</text>'
        )
        if point.percent is None:
            parts.append(
                f'<text x="{x(i):.1f}" y="{top + plot_h / 2:.1f}" font-size="{FONT - 2}" '
                f'text-anchor="middle" fill="{TEXT}">not shown<title>'
                f"{escape(point.description)}</title></text>"
            )
            continue
        parts.append(f"<g><title>{escape(point.description)}</title>")
        if point.ci_low is not None and point.ci_high is not None:
            lo, hi = y(point.ci_low), y(point.ci_high)
            parts.append(
                f'<path d="M{x(i) - 6:.1f} {lo:.1f}H{x(i) + 6:.1f}M{x(i):.1f} {lo:.1f}'
                f'V{hi:.1f}M{x(i) - 6:.1f} {hi:.1f}H{x(i) + 6:.1f}" stroke="{TEXT}" '
                'stroke-width="1.5" fill="none"/>'
            )
        parts.append(
            f'<circle cx="{x(i):.1f}" cy="{y(point.percent):.1f}" r="5" {LOCAL}/>'
            f'<text x="{x(i) + 9:.1f}" y="{y(point.percent) - 7:.1f}" font-size="{FONT}" '
            f'font-weight="bold" fill="{TEXT}">{_percent(point.percent)}</text></g>'
        )
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        f'stroke="{TEXT}" stroke-width="1"/>'
    )
    return _svg(
        chart_id=chart_id, width=width, height=height, title=title, desc=DESC, body="".join(parts)
    )
