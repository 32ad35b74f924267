"""Export files: CSV, Excel, SPSS and PDF, built from the same reads as the pages.

What goes in, and what never does:
- CSV and SPSS hold one row per complete response: answer codes (and, in the CSV, labels) and
  the weight. No names, e-mail or postal addresses: invitees' details never reach a response,
  and free-text answers are left out because residents may name people in them.
- Excel and PDF hold the comparison with the national figures as the report page shows it,
  with subgroup cells below the disclosure threshold replaced by "fewer than 10"; the Excel
  question sheets count all respondents, which is not a subgroup.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from officers.models import Export
from officers.report import SUPPRESSED_TEXT, ReportRow, report_rows
from officers.selectors import ResponseRecord, survey_response_count, survey_response_records
from results.comparison import Comparison, survey_compare
from results.selectors import ResponseFilters, survey_answer_counts, survey_bases
from surveys.models import Response, Survey
from surveys.services import spec_for
from surveys.spec import QuestionSpec

Progress = Callable[[int], None]
MODE_LABELS = dict(Response.Mode.choices)
# Progress is written to the database every this many responses, not on every row.
PROGRESS_EVERY = 1000


@dataclass(frozen=True)
class Column:
    """One variable of a per-response file. ``labels`` maps codes to labels for coded
    variables (written as numbers 1..k in SPSS); numeric variables have none."""

    name: str
    label: str
    value: Callable[[ResponseRecord], Any]
    labels: dict[str, str] = field(default_factory=dict)


def _answer(code: str, item: str | None = None) -> Callable[[ResponseRecord], Any]:
    if item is None:
        return lambda r: r.answers.get(code)
    return lambda r: r.answers.get(code, {}).get(item)


def _chose(code: str, option: str) -> Callable[[ResponseRecord], Any]:
    # Blank, not 0, for someone who did not answer the question at all.
    return lambda r: (1 if option in r.answers[code] else 0) if code in r.answers else None


def response_columns(*, survey: Survey) -> list[Column]:
    areas = {a.code: a.label for a in spec_for(survey).questions["AREA"].options}
    columns = [
        Column("respondent", "Respondent number (this export only)", lambda r: r.serial),
        Column("mode", "Way of answering", lambda r: r.mode, MODE_LABELS),
        Column("split_half", "Split-sample half", lambda r: r.split_arm, {"A": "A", "B": "B"}),
        Column(
            "submitted",
            "Date sent",
            lambda r: (
                timezone.localtime(r.submitted_at).date().isoformat() if r.submitted_at else None
            ),
        ),
        Column("area", "Area", lambda r: r.area_code or None, areas),
        Column("weight", "Weight", lambda r: r.weight),
    ]
    for q in spec_for(survey).questions.values():
        columns.extend(_question_columns(q))
    return columns


def _question_columns(q: QuestionSpec) -> list[Column]:
    labels = {o.code: o.label for o in q.options}
    if q.kind == "single":
        return [Column(q.code, q.text, _answer(q.code), labels)]
    if q.kind == "grid":
        return [
            Column(f"{q.code}_{i.code}", f"{q.text} {i.text}", _answer(q.code, i.code), labels)
            for i in q.items
        ]
    if q.kind == "multi":
        return [
            Column(
                f"{q.code}_{o.code}",
                f"{q.text} {o.label}",
                _chose(q.code, o.code),
                {"0": "Not chosen", "1": "Chosen"},
            )
            for o in q.options
        ]
    if q.kind == "number":
        return [Column(q.code, q.text, _answer(q.code))]
    return []  # area is in the response's own columns; free text is never exported


def _records(survey: Survey, progress: Progress) -> Iterator[ResponseRecord]:
    total = survey_response_count(survey=survey) or 1
    for record in survey_response_records(survey=survey):
        if record.serial % PROGRESS_EVERY == 0:
            progress(int(90 * record.serial / total))
        yield record


# ---------------------------------------------------------------------------------------------
# CSV


def csv_content(*, survey: Survey, progress: Progress) -> bytes:
    columns = response_columns(survey=survey)
    out = io.StringIO()
    writer = csv.writer(out)
    header: list[str] = []
    for c in columns:
        header.append(c.name)
        if c.labels and c.name not in ("split_half",):
            header.append(f"{c.name}_label")
    writer.writerow(header)
    for record in _records(survey, progress):
        row: list[Any] = []
        for c in columns:
            value = c.value(record)
            row.append("" if value is None else value)
            if c.labels and c.name not in ("split_half",):
                row.append(c.labels.get(str(value), "") if value is not None else "")
        writer.writerow(row)
    # A byte-order mark so that Excel opens the labels' curly quotes and accents correctly.
    return out.getvalue().encode("utf-8-sig")


# ---------------------------------------------------------------------------------------------
# SPSS


def _spss_codes(column: Column) -> dict[str, int]:
    if set(column.labels) == {"0", "1"}:
        return {"0": 0, "1": 1}
    return {code: n for n, code in enumerate(column.labels, start=1)}


def sav_content(*, survey: Survey, progress: Progress) -> bytes:
    import pandas as pd
    import pyreadstat

    columns = response_columns(survey=survey)
    codes = {c.name: _spss_codes(c) for c in columns if c.labels}
    data: dict[str, list[Any]] = {c.name: [] for c in columns}
    for record in _records(survey, progress):
        for c in columns:
            value = c.value(record)
            if c.name in codes and value is not None:
                value = codes[c.name][str(value)]
            data[c.name].append(value)
    frame = pd.DataFrame(
        {
            name: pd.Series(values, dtype="object" if name == "submitted" else "float64")
            for name, values in data.items()
        }
    )
    value_labels = {
        c.name: {codes[c.name][code]: label for code, label in c.labels.items()}
        for c in columns
        if c.labels
    }
    # pyreadstat writes to a path; a temporary file keeps the build in the worker's memory.
    fd, path = tempfile.mkstemp(suffix=".sav")
    os.close(fd)
    try:
        pyreadstat.write_sav(
            frame,
            path,
            column_labels={c.name: c.label[:250] for c in columns},
            variable_value_labels=value_labels,
            variable_measure={
                c.name: ("nominal" if c.labels else "scale")
                for c in columns
                if c.name != "submitted"
            },
        )
        with open(path, "rb") as f:
            return f.read()
    finally:
        os.remove(path)


# ---------------------------------------------------------------------------------------------
# The comparison, shared by Excel and PDF


def comparison_for_export(*, survey: Survey, weighted: bool) -> tuple[Comparison, list[ReportRow]]:
    comparison = survey_compare(survey=survey, weighted=weighted, filters=ResponseFilters())
    return comparison, report_rows(survey=survey, comparison=comparison)


def comparison_table(rows: list[ReportRow]) -> list[list[Any]]:
    """The comparison as rows of cells, suppressed cells replaced by words."""
    table: list[list[Any]] = [
        [
            "Question",
            "Figure",
            "Local %",
            "95% interval low",
            "95% interval high",
            "Base",
            "Effective base",
            "National %",
            "Difference (points)",
            "Verdict",
            "National 2010 %",
            "Notes",
        ]
    ]
    for r in rows:
        row = r.row
        if row.suppressed:
            local: list[Any] = [SUPPRESSED_TEXT, "", "", SUPPRESSED_TEXT, ""]
        else:
            local = [
                _round(row.local_percent),
                _round(row.ci_low),
                _round(row.ci_high),
                row.base,
                _round(row.effective_base),
            ]
        table.append(
            [
                row.question,
                r.label,
                *local,
                row.national_percent if row.net else "No national figure published",
                _round(row.difference) if not row.suppressed else "",
                r.verdict_words,
                r.trend_2010,
                " ".join(row.notes),
            ]
        )
    return table


def _round(value: float | None, places: int = 1) -> float | None:
    return None if value is None else round(value, places)


# ---------------------------------------------------------------------------------------------
# Excel


def xlsx_content(*, survey: Survey, weighted: bool, progress: Progress) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    comparison, rows = comparison_for_export(survey=survey, weighted=weighted)
    progress(30)
    book = Workbook()
    about = book.active
    about.title = "About"
    for line in [
        [survey.title],
        [survey.council.name],
        ["Exported", timezone.localtime().strftime("%d %B %Y %H:%M")],
        ["Complete responses", comparison.respondents],
        ["Figures", "Weighted" if comparison.weighted else "Unweighted"],
        [],
        *[[note] for note in comparison.notes],
    ]:
        about.append(line)
    about["A1"].font = Font(bold=True, size=14)

    sheet = book.create_sheet("Comparison")
    for line in comparison_table(rows):
        sheet.append(line)
    _bold_header(sheet, Font)

    spec = spec_for(survey)
    counts = survey_answer_counts(survey=survey)
    bases = survey_bases(survey=survey, counts=counts)
    for q in spec.questions.values():
        if q.kind not in ("single", "multi", "grid"):
            continue
        qs = book.create_sheet(q.code[:31])
        qs.append([q.code, q.text])
        qs.append(["Item", "Answer", "Respondents", "%", "Weighted %"])
        for item in q.items or [None]:
            item_code = item.code if item else ""
            base = bases.get((q.code, item_code))
            for option in q.options:
                cell = counts.get((q.code, item_code, option.code))
                n = cell.n if cell else 0
                sum_w = cell.sum_w if cell else 0.0
                qs.append(
                    [
                        item.text if item else "",
                        option.label,
                        n,
                        round(100 * n / base.n, 1) if base and base.n else None,
                        round(100 * sum_w / base.sum_w, 1) if base and base.sum_w else None,
                    ]
                )
            qs.append(["", "Base (answered)", base.n if base else 0])
        qs["A1"].font = Font(bold=True)
    progress(90)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _bold_header(sheet, font_class) -> None:
    for cell in sheet[1]:
        cell.font = font_class(bold=True)


# ---------------------------------------------------------------------------------------------
# PDF


def pdf_content(*, survey: Survey, weighted: bool, progress: Progress) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    comparison, rows = comparison_for_export(survey=survey, weighted=weighted)
    progress(40)
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    story: list[Any] = [
        Paragraph(f"{_esc(survey.title)}: comparison with the national picture", styles["Title"]),
        Paragraph(
            f"{_esc(survey.council.name)}. {comparison.respondents} complete responses, "
            f"{'weighted' if comparison.weighted else 'unweighted'}. Produced "
            f"{timezone.localtime():%d %B %Y}.",
            styles["BodyText"],
        ),
        Spacer(1, 4 * mm),
        Paragraph("Headline", styles["Heading2"]),
    ]
    significant = [r for r in rows if r.is_significant]
    story.extend(
        Paragraph(f"{r.row.question} {_esc(r.sentence())}", styles["BodyText"]) for r in significant
    )
    if not significant:
        story.append(
            Paragraph(
                "No local figure differs significantly from the national one.", styles["BodyText"]
            )
        )
    story.append(Paragraph("About these figures", styles["Heading2"]))
    story.extend(Paragraph(_esc(note), small) for note in comparison.notes)
    story.append(Paragraph("Figures", styles["Heading2"]))

    header = [
        "Q",
        "Figure",
        "Local",
        "95% interval",
        "Base",
        "Eff. base",
        "National",
        "Diff.",
        "Verdict",
        "2010",
    ]
    table = [header]
    for r in rows:
        row = r.row
        if not row.net:
            cells = ["", "", "", "", "No national figure published", "", "", ""]
        elif row.suppressed:
            cells = [
                SUPPRESSED_TEXT,
                "",
                "",
                "",
                f"{row.national_percent:g}%",
                "",
                r.verdict_words,
                "",
            ]
        else:
            cells = [
                _pct(row.local_percent),
                f"{_pct(row.ci_low)} to {_pct(row.ci_high)}" if row.ci_low is not None else "",
                str(row.base or ""),
                f"{row.effective_base:.0f}" if row.effective_base is not None else "",
                f"{row.national_percent:g}%" + ("" if row.national_exact else " (approx.)"),
                f"{row.difference:+.0f}" if row.difference is not None else "",
                r.verdict_words,
                "",
            ]
        cells[-1] = f"{r.trend_2010:g}%" if r.trend_2010 is not None else ""
        table.append(
            [row.question, Paragraph(_esc(r.label), small)]
            + [Paragraph(_esc(c), small) for c in cells]
        )
    widths = [
        10 * mm,
        70 * mm,
        16 * mm,
        28 * mm,
        14 * mm,
        16 * mm,
        28 * mm,
        14 * mm,
        45 * mm,
        14 * mm,
    ]
    grid = Table(table, colWidths=widths, repeatRows=1)
    grid.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(grid)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        title=f"{survey.title}: comparison with the national picture",
        author=survey.council.name,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
    )
    doc.build(story)
    progress(90)
    return out.getvalue()


def _esc(text: str) -> str:
    # reportlab's Paragraph reads a small XML-like markup, so &, < and > must be escaped.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}%"


# ---------------------------------------------------------------------------------------------


def export_content(*, export: Export, progress: Progress) -> bytes:
    survey = export.survey
    if export.kind == Export.Kind.CSV:
        return csv_content(survey=survey, progress=progress)
    if export.kind == Export.Kind.SAV:
        return sav_content(survey=survey, progress=progress)
    if export.kind == Export.Kind.XLSX:
        return xlsx_content(survey=survey, weighted=export.weighted, progress=progress)
    return pdf_content(survey=survey, weighted=export.weighted, progress=progress)
