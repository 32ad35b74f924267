"""The report as a committee paper: a summary and a methods paragraph in plain English, and
the PDF. Both are written from the ``Report`` the page shows (``officers.report``), so the
paper carries the page's figures in the page's order: summary, methods, headline, every
answer (topline), the comparison, its charts and the notes. Nothing here computes a figure."""

from __future__ import annotations

import io
import math
from typing import Any

from django.utils import timezone

from officers.charts import CSS_DPI, chart_png
from officers.report import SUPPRESSED_TEXT, Report
from results import disclosure, stats
from surveys.models import Response, Survey

NATIONAL_SOURCE = (
    "The national figures are from The Collaborative Citizen (Collaborate, 2014): Ipsos MORI "
    "interviewed a representative sample of adults aged 15+ across Great Britain face-to-face "
    "between 31 January and 6 February 2014, weighted to the profile of the population. The "
    "report's charts give a base of 989 (its acknowledgements say 985 were interviewed); the "
    "comparison uses 989, and about 500 for each statement asked of half the sample."
)
MODE_CAVEAT = (
    "The national survey was face-to-face; residents here answered online, on paper or by "
    "telephone, and answers given without an interviewer can differ from those given to one, "
    "so part of any difference may come from the way of asking rather than from opinion."
)


def whole_percent(value: float | None) -> str:
    """A whole percentage; "-0%" is never printed (a value that rounds to zero is 0%)."""
    if value is None:
        return ""
    return f"{round(value) + 0:d}%"


def _date(value) -> str:
    return f"{timezone.localtime(value):%-d %B %Y}"


def report_summary(report: Report) -> str:
    """What stands out: the largest significant differences, with their caveats."""
    c = report.comparison
    who = c.group or "residents"
    if not report.significant:
        return (
            f"Among the {c.respondents:,} {who} who responded, no local figure differs "
            f"significantly from the 2014 national one ({c.tests} comparisons tested, "
            f"{c.adjustment_words}). {MODE_CAVEAT}"
        )
    parts = []
    for r in report.significant[:3]:
        row = r.row
        direction = "higher" if (row.difference or 0) > 0 else "lower"
        caveat = " (low base: treat with caution)" if row.low_base else ""
        parts.append(
            f"{r.label} ({row.question}): {whole_percent(row.local_percent)} here against "
            f"{whole_percent(row.national_percent)} nationally, "
            f"{abs(round(row.difference or 0))} points {direction}{caveat}"
        )
    more = len(report.significant) - len(parts)
    text = (
        f"Among the {c.respondents:,} {who} who responded, {len(report.significant)} of the "
        f"{c.tests} figures tested differ significantly from the 2014 national figures "
        f"(95% confidence, after the {c.adjustment_words}). The largest: " + "; ".join(parts) + "."
    )
    if more > 0:
        text += f" {more} other{' is' if more == 1 else 's are'} listed in the headline."
    expected = c.expected_by_chance
    if expected:
        text += f" About {expected:.1f} could differ by chance alone before adjustment."
    return f"{text} {MODE_CAVEAT}"


def _effective_base(report: Report) -> float | None:
    bases = [i.effective_base for q in report.topline for i in q.items if i.effective_base]
    return max(bases) if bases else None


def _listed(names: list[str]) -> str:
    """ "age, sex and area"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _margins(report: Report, survey: Survey) -> str:
    """The weighting run's margins in words: "age, sex and area"."""
    from results.labels import group_name
    from surveys.services import spec_for

    questions = spec_for(survey).questions
    names = []
    for code in report.weighting.margins or []:
        name = group_name(code, questions[code].text if code in questions else "")
        names.append(name[:1].lower() + name[1:])
    if not names:
        return "its population targets"
    return _listed(names)


def _selection(survey: Survey, filters) -> str:
    from results.selectors import ResponseFilters, filters_words

    if filters == ResponseFilters():
        return "all complete responses"
    return filters_words(survey=survey, filters=filters)


def _modes_text(by_mode: dict[str, int]) -> str:
    """The responses by way of answering, under the disclosure policy: the modes are one
    table whose total is shown, so a small count is hidden with enough others that it cannot
    be worked out ("21 online, paper and telephone not shown separately"). Shown counts first,
    largest first; hidden ones after, in the modes' own order, so their order tells nothing."""
    limit = disclosure.threshold()
    counts = {mode: by_mode.get(mode, 0) for mode in Response.Mode.values}
    if not any(counts.values()):
        return ""
    shown = disclosure.suppress(counts, limit)
    parts = [
        f"{n:,} {Response.Mode(mode).label.lower()}"
        for mode, n in sorted(shown.items(), key=lambda kv: -(kv[1] or 0))
        if n
    ]
    hidden = [Response.Mode(m).label.lower() for m, n in shown.items() if n is None]
    if hidden and any(counts[m] for m in shown if shown[m] is None):
        parts.append(f"{_listed(hidden)} not shown separately")
    return ", ".join(parts)


def report_methods(report: Report, *, survey: Survey) -> str:
    """How the figures were made: fieldwork, modes, responses, weighting, margins of error,
    the mode difference and the national source."""
    c = report.comparison
    if survey.opens_at and survey.closes_at:
        ran = "ran" if survey.availability() == "closed" else "runs"
        fieldwork = f"Fieldwork {ran} from {_date(survey.opens_at)} to {_date(survey.closes_at)}."
    elif survey.opens_at:
        fieldwork = f"Fieldwork opened on {_date(survey.opens_at)}."
    else:
        fieldwork = ""
    modes = _modes_text(c.by_mode)
    text = [
        fieldwork,
        f"{c.respondents:,} complete responses ({_selection(survey, c.filters)})"
        + (f": {modes}." if modes else "."),
    ]
    n_eff = _effective_base(report)
    if c.weighted and report.weighting and report.weighting.efficiency is not None:
        text.append(
            f"Figures are weighted to the council's population by {_margins(report, survey)} "
            f"(rim weighting, efficiency {report.weighting.efficiency:.0%})"
            + (f", which gives an effective base of about {n_eff:,.0f}." if n_eff else ".")
        )
    else:
        text.append("Figures are unweighted: every response counts once.")
    if n_eff:
        margin = 1.96 * math.sqrt(0.25 / n_eff) * 100
        text.append(
            f"On a question everyone answered, a local percentage near 50% has a margin of "
            f"error of about ±{margin:.0f} points (95% confidence); smaller groups and "
            f"questions asked of fewer residents have wider margins, shown as intervals. "
            f"Figures from fewer than {stats.LOW_BASE} responses are flagged as a low base "
            f"and none is shown from {SUPPRESSED_TEXT}."
        )
    text.append(MODE_CAVEAT)
    text.append(NATIONAL_SOURCE)
    return " ".join(t for t in text if t)


def report_pdf(*, survey: Survey, report: Report, selection: str = "") -> bytes:
    """The report on A4 paper, landscape, in the page's order; `selection` is the chosen
    responses in words, as the page's selection line reads them."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import inch, mm
    from reportlab.platypus import (
        Image,
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    c = report.comparison
    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    small = body.clone("small", fontSize=8, leading=10)
    h2, h3 = styles["Heading2"], styles["Heading3"]
    grid_style = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )

    def table(rows: list[list[str]], widths: list[float]) -> Table:
        cells = [[Paragraph(_esc(str(cell)), small) for cell in row] for row in rows]
        t = Table(cells, colWidths=widths, repeatRows=1)
        t.setStyle(grid_style)
        return t

    story: list[Any] = [
        Paragraph(f"{_esc(survey.title)}: comparison with the national picture", styles["Title"]),
        Paragraph(
            f"{_esc(survey.council.name)}. {c.respondents} complete responses, "
            f"{'weighted' if c.weighted else 'unweighted'}. "
            f"Produced {timezone.localtime():%d %B %Y}.",
            body,
        ),
        Paragraph("Responses included: " + _esc(selection or "all complete responses"), body),
        Paragraph("Summary", h2),
        Paragraph(_esc(report_summary(report)), body),
        Paragraph("How the figures were made", h2),
        Paragraph(_esc(report_methods(report, survey=survey)), body),
        Paragraph("Headline", h2),
    ]
    if report.significant:
        story.extend(
            Paragraph(f"{r.row.question} {_esc(r.sentence())}", body) for r in report.significant
        )
    else:
        story.append(
            Paragraph("No local figure differs significantly from the national one.", body)
        )
    story.extend(
        Paragraph(_esc(f"{words}: {count}"), small) for words, count in report.others.items()
    )

    story.append(Paragraph("Every answer", h2))
    for q in report.topline:
        rows = [["Answer", "Local", "95% interval", "Base", "National 2014"]]
        for item in q.items:
            if item.text:
                rows.append([item.text, "", "", "", ""])
            flag = " (low base)" if item.low_base else ""
            if item.not_answered is not None:
                flag += f"; {item.not_answered_text}"
            for r in item.rows:
                rows.append(
                    [
                        r.label,
                        whole_percent(r.percent) if r.percent is not None else "Not shown",
                        f"{whole_percent(r.ci_low)} to {whole_percent(r.ci_high)}"
                        if r.ci_low is not None
                        else "",
                        f"{item.base_text}{flag}",
                        ""
                        if r.national_percent is None
                        else whole_percent(r.national_percent)
                        + ("" if r.national_exact else " (approximate)"),
                    ]
                )
        story.append(Paragraph(_esc(f"{q.code}. {q.text}"), h3))
        story.append(table(rows, [120 * mm, 22 * mm, 35 * mm, 40 * mm, 45 * mm]))

    story.append(Paragraph("Comparison with the national figures", h2))
    rows = [["Q", "Figure", "Local", "95% interval", "Base", "National", "Diff.", "Verdict"]]
    for section in report.sections:
        for r in section.rows:
            row = r.row
            if not row.net:
                continue
            if row.suppressed or row.local_percent is None:
                local, interval = (SUPPRESSED_TEXT if row.suppressed else ""), ""
            else:
                local = whole_percent(row.local_percent)
                interval = f"{whole_percent(row.ci_low)} to {whole_percent(row.ci_high)}"
            base = str(row.base or "") + (" (low base)" if row.low_base else "")
            national = whole_percent(row.national_percent) + (
                "" if row.national_exact else f" ({row.national_wording or 'approximate'})"
            )
            diff = (
                ""
                if row.difference is None
                else f"{round(row.difference) + 0:+d}".replace("+0", "0")
            )
            rows.append(
                [row.question, r.label, local, interval, base, national, diff, r.verdict_words]
            )
    story.append(
        table(rows, [10 * mm, 85 * mm, 16 * mm, 28 * mm, 24 * mm, 40 * mm, 14 * mm, 55 * mm])
    )

    b = report.breakdown
    if b is not None:
        story.append(Paragraph(_esc(b.heading), h2))
        if b.text:
            story.append(Paragraph(_esc(f"{b.question}. {b.text}"), small))
        story.append(
            Paragraph(
                _esc(
                    "Local percentage of each national figure within each group"
                    f"{' (weighted)' if c.weighted else ''}, with its 95% interval and base, "
                    "beside all the selected respondents and the 2014 national figure. A "
                    "statement asked of half the respondents has for its base the half of each "
                    f"group who were asked. Each group is tested against {b.rest_words}, "
                    f"{b.adjustment_phrase}: a cell marked HIGHER or LOWER is significantly so. "
                    f"Low base: fewer than {b.low_base} respondents."
                ),
                small,
            )
        )
        rows = [
            [
                "Figure",
                *(f"{label} (base {n})" for _code, label, n in b.categories),
                f"All (base {b.respondents})",
                "GB 2014",
            ]
        ]
        for br in b.rows:
            label = f"{br.row.row.question} {br.row.label}"
            if br.split_sample:
                label += " (asked of half the respondents)"
            rows.append(
                [
                    label,
                    *(breakdown_cell_text(cell) for cell in [*br.cells, br.all]),
                    br.national_text,
                ]
            )
        columns = len(b.categories) + 2
        width = (273 * mm - 60 * mm) / columns
        story.append(table(rows, [60 * mm, *[width] * columns]))
        story.append(Paragraph(_esc(b.tests_note), small))

    w = report.waves
    if w is not None:
        story.append(Paragraph("Compared with earlier waves", h2))
        story.append(
            Paragraph(
                _esc(
                    f"Each figure of this wave ({w.comparison.wave}) beside the same figure in "
                    f"{w.earlier_words}, with the same selection of residents. A change is "
                    "tested as two independent samples on their effective bases, with the "
                    "score method of the national comparison. A question whose wording "
                    "changed between the waves is shown but not tested; a figure with too few "
                    "respondents in either wave is not shown for either."
                ),
                small,
            )
        )
        rows = [["Q", "Figure", "Since", "Then", "Now", "Change", "95% interval", "In words"]]
        for figure in w.figures:
            for ch in figure.changes:
                shown = not ch.suppressed
                rows.append(
                    [
                        figure.row.row.question,
                        figure.row.label,
                        ch.wave,
                        whole_percent(ch.then_percent)
                        if shown and ch.then_percent is not None
                        else (SUPPRESSED_TEXT if ch.suppressed else ""),
                        whole_percent(ch.now_percent)
                        if shown and ch.now_percent is not None
                        else (SUPPRESSED_TEXT if ch.suppressed else ""),
                        ""
                        if ch.change is None or ch.wording_changed
                        else f"{round(ch.change) + 0:+d}".replace("+0", "0"),
                        ""
                        if ch.ci_low is None
                        else f"{round(ch.ci_low) + 0:d} to {round(ch.ci_high) + 0:d}",
                        ch.words + (f" ({ch.p_words})" if ch.p_words else ""),
                    ]
                )
        story.append(
            table(rows, [10 * mm, 75 * mm, 16 * mm, 16 * mm, 16 * mm, 16 * mm, 26 * mm, 98 * mm])
        )
        story.extend(Paragraph(_esc(note), small) for note in w.comparison.notes)

    story.append(Paragraph("Charts", h2))
    for section in report.sections:
        if not section.chart:
            continue
        png = chart_png(section.chart)
        width, height = _svg_size(section.chart)
        # At its own size, or smaller to fit the page (the PNG has the resolution for it).
        scale = min(
            1.0, (250 * mm) / (width / CSS_DPI * inch), (150 * mm) / (height / CSS_DPI * inch)
        )
        image = Image(
            io.BytesIO(png),
            width=width / CSS_DPI * inch * scale,
            height=height / CSS_DPI * inch * scale,
        )
        # The chart's figures in words beneath it: its text equivalent, as on the page.
        words = [
            Paragraph(_esc(r.sentence()), small)
            for r in section.rows
            if r.row.national_percent is not None and r.row.local_percent is not None
        ]
        story.append(
            KeepTogether(
                [
                    Paragraph(_esc(f"{section.code}. {section.text}"), h3),
                    image,
                    *words,
                    Spacer(1, 3 * mm),
                ]
            )
        )

    if w is not None:
        story.append(Paragraph("Trends over the waves", h2))
        for figure in w.figures:
            if not figure.chart:
                continue
            png = chart_png(figure.chart)
            width, height = _svg_size(figure.chart)
            scale = min(1.0, (200 * mm) / (width / CSS_DPI * inch))
            story.append(
                KeepTogether(
                    [
                        Paragraph(_esc(f"{figure.row.row.question} {figure.row.label}"), h3),
                        Image(
                            io.BytesIO(png),
                            width=width / CSS_DPI * inch * scale,
                            height=height / CSS_DPI * inch * scale,
                        ),
                        # The chart in words beneath it, as its text equivalent.
                        Paragraph(_esc(figure.words + "."), small),
                        Spacer(1, 3 * mm),
                    ]
                )
            )

    story.append(Paragraph("Notes", h2))
    story.extend(Paragraph(_esc(note), small) for note in c.notes)

    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        title=f"{survey.title}: comparison with the national picture",
        author=survey.council.name,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
    ).build(story)
    return out.getvalue()


def breakdown_cell_text(cell) -> str:
    """A breakdown cell on paper: "80% HIGHER (73% to 86%), base 120, low base"; hidden cells
    in words, with no interval. Words, not the page's marks: the PDF's standard fonts have no
    arrows."""
    if cell.suppressed:
        return cell.text
    marks = {"significantly higher": " HIGHER", "significantly lower": " LOWER"}
    text = cell.text + marks.get(cell.verdict, "")
    if cell.ci_text:
        text += f" ({cell.ci_text})"
    text += f", base {cell.base}"
    if cell.low_base:
        text += ", low base"
    return text


def _svg_size(svg: str) -> tuple[int, int]:
    import re

    match = re.search(r'width="(\d+)" height="(\d+)"', svg)
    return int(match.group(1)), int(match.group(2))


def _esc(text: str) -> str:
    # reportlab's Paragraph reads a small XML-like markup, so &, < and > must be escaped.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
