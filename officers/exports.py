"""Export files, built from the same reads as the pages and through the same disclosure
policy (results.disclosure).

Aggregates, for every officer: the report's figures with their intervals and bases as CSV,
SPSS and PDF, and Excel with the comparison and a table of answers per question. Figures the
report hides are hidden here in the same words ("fewer than 10"), with the same secondary
suppression.

Microdata, for research officers only (permission export.microdata): one row per respondent,
CSV in a zip with a README, or SPSS with the README in its document record. Before writing,
statistical disclosure control: dates become weeks, areas with few respondents are merged,
and the quasi-identifiers are recoded or left blank until every combination of them is
shared by at least k respondents (results.disclosure.k_anonymise; k is the MICRODATA_K
setting). Rows are in a random order. Free-text answers are not in these files.

Residents' comments, for research officers only (permission comments.read): CSV or Excel of
the comments that went through the redaction step (officers.comments), as redacted, with
their themes, in a random order; those still waiting for it are left out. No export holds a
name, e-mail or postal address.

Every file is built into a temporary file (export_content), which the build saves to the
exports storage as it is. Those of a row per respondent or per comment are written as their
rows are read, a chunk at a time, so their size is not held in memory
(benchmarks/exports_at_scale.py measures it).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import pickle
import random
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import numpy as np
from django.utils import timezone

from officers.comments import comment_totals, comments_for_export, theme_counts
from officers.models import Export
from officers.report import (
    SUPPRESSED_TEXT,
    Breakdown,
    ReportRow,
    WaveSection,
    report_breakdown,
    report_rows,
    report_waves,
)
from officers.selectors import ResponseRecord, survey_response_count, survey_response_records
from results import disclosure, stats
from results.comparison import Comparison, survey_compare
from results.errors import ResultsError
from results.numbers import percent_text
from results.periods import dates_snap
from results.selectors import (
    ResponseFilters,
    filters_lines,
    survey_answer_counts,
    survey_bases,
    survey_not_answered,
)
from results.topline import ToplineQuestion, survey_topline
from surveys.imports import csv_safe, csv_safe_row
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


def _records(survey: Survey, progress: Progress, **chosen: Any) -> Iterator[ResponseRecord]:
    total = survey_response_count(survey=survey) or 1
    for record in survey_response_records(survey=survey, **chosen):
        if record.serial % PROGRESS_EVERY == 0:
            progress(int(90 * record.serial / total))
        yield record


# ---------------------------------------------------------------------------------------------
# The report's filters, recorded on the export and printed in its file


def filters_record(filters: ResponseFilters) -> dict[str, Any]:
    """The filters as JSON for Export.filters (empty for all complete responses)."""
    record: dict[str, Any] = {}
    if filters.submitted_from:
        record["submitted_from"] = filters.submitted_from.isoformat()
    if filters.submitted_to:
        record["submitted_to"] = filters.submitted_to.isoformat()
    if filters.mode:
        record["mode"] = filters.mode
    if filters.area:
        record["area"] = filters.area
    if filters.subgroups:
        record["subgroups"] = [list(pair) for pair in filters.subgroups]
    return record


def filters_from_record(record: dict[str, Any] | None) -> ResponseFilters:
    record = record or {}
    day = dt.date.fromisoformat
    return ResponseFilters(
        submitted_from=day(record["submitted_from"]) if record.get("submitted_from") else None,
        submitted_to=day(record["submitted_to"]) if record.get("submitted_to") else None,
        mode=record.get("mode") or None,
        area=record.get("area") or None,
        subgroups=tuple((q, o) for q, o in record.get("subgroups", ())),
    )


def breakdown_from_record(record: dict[str, Any] | None) -> str | None:
    """The demographic the report was broken down by when the export was asked for."""
    return (record or {}).get("breakdown") or None


def _about_lines(
    *, survey: Survey, comparison: Comparison, filters: ResponseFilters
) -> list[list[Any]]:
    """What the file holds, as label/value rows: printed at the end of the CSV, on the Excel
    About sheet, in the SPSS document record and at the top of the PDF."""
    lines: list[list[Any]] = [
        ["Survey", survey.title],
        ["Council", survey.council.name],
        ["Complete responses", comparison.respondents],
        ["Figures", "Weighted" if comparison.weighted else "Unweighted"],
    ]
    lines += [
        ["Responses included", line] for line in filters_lines(survey=survey, filters=filters)
    ]
    return lines


# ---------------------------------------------------------------------------------------------
# The comparison, shared by every aggregate file


def comparison_for_export(
    *, survey: Survey, weighted: bool, filters: ResponseFilters | None = None
) -> tuple[Comparison, list[ReportRow]]:
    comparison = survey_compare(
        survey=survey, weighted=weighted, filters=filters or ResponseFilters()
    )
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


def waves_for_export(
    *, survey: Survey, comparison: Comparison, rows: list[ReportRow]
) -> WaveSection | None:
    """The report page's comparison with earlier waves, for a file; None for a survey with no
    earlier wave, or whose earlier waves have nothing that may be compared."""
    if not survey.previous_wave_id:
        return None
    try:
        return report_waves(survey=survey, comparison=comparison, rows=rows)
    except ResultsError:
        return None


WAVES_HEADER = [
    "Question",
    "Figure",
    "Since",
    "Then %",
    "Base then",
    "Now %",
    "Base now",
    "Change (points)",
    "Change 95% interval low",
    "Change 95% interval high",
    "p-value",
    "Adjusted p-value",
    "Verdict",
    "In words",
]


def waves_table(section: WaveSection) -> list[list[Any]]:
    """The comparison with earlier waves as rows of cells, one per figure and earlier wave;
    a figure hidden in either wave has no figures at all, as on the page."""
    table: list[list[Any]] = [list(WAVES_HEADER)]
    for figure in section.figures:
        for ch in figure.changes:
            if ch.suppressed:
                values: list[Any] = [SUPPRESSED_TEXT, "", SUPPRESSED_TEXT, "", *[""] * 5]
            else:
                values = [
                    _round(ch.then_percent),
                    ch.then_base,
                    _round(ch.now_percent),
                    ch.now_base,
                    None if ch.wording_changed else _round(ch.change),
                    _round(ch.ci_low),
                    _round(ch.ci_high),
                    None if ch.p_value is None else round(ch.p_value, 6),
                    None if ch.p_adjusted is None else round(ch.p_adjusted, 6),
                    ch.verdict_words,
                ]
            table.append([figure.row.row.question, figure.row.label, ch.wave, *values, ch.words])
    return table


def _waves_lines(section: WaveSection | None) -> list[list[Any]]:
    """The comparison with earlier waves for the end of a CSV: heading, table, notes."""
    if section is None:
        return []
    return [
        [],
        [f"Compared with earlier waves ({section.earlier_words})"],
        *waves_table(section),
        *[[note] for note in section.comparison.notes],
    ]


def _round(value: float | None, places: int = 1) -> float | None:
    return None if value is None else round(value, places)


BREAKDOWN_HEADER = [
    "Question",
    "Figure",
    "Group",
    "Local %",
    "95% interval low",
    "95% interval high",
    "Base",
    "Effective base",
    "Low base",
    "Rest %",
    "p-value against the rest",
    "Adjusted p-value",
    "Against the rest",
    "GB 2014 %",
]


def breakdown_for_export(
    *,
    survey: Survey,
    weighted: bool,
    filters: ResponseFilters,
    rows: list[ReportRow],
    breakdown: str | None,
) -> Breakdown | None:
    """The report page's breakdown, made the page's way, for a file asked for from it."""
    if not breakdown:
        return None
    return report_breakdown(
        survey=survey, filters=filters, weighted=weighted, question_code=breakdown, rows=rows
    )


def breakdown_table(breakdown: Breakdown) -> list[list[Any]]:
    """The breakdown as rows of cells, one per figure and group (the whole selection as
    "All"), with the page's intervals, bases, flags and verdicts; hidden cells in words."""
    table: list[list[Any]] = [list(BREAKDOWN_HEADER)]
    groups = [(label, n) for _code, label, n in breakdown.categories]
    for r in breakdown.rows:
        national = r.national_percent if r.national_percent is not None else r.national_text
        for (label, size), cell in [*zip(groups, r.cells, strict=True), (("All", ""), r.all)]:
            name = label if not size or size[0].isdigit() else f"{label} ({size})"
            if cell.suppressed:
                values: list[Any] = [SUPPRESSED_TEXT, "", "", SUPPRESSED_TEXT, *[""] * 6]
            else:
                values = [
                    _round(cell.percent),
                    _round(cell.ci_low),
                    _round(cell.ci_high),
                    cell.base,
                    _round(cell.effective_base),
                    "yes" if cell.low_base else "",
                    _round(cell.rest_percent),
                    None if cell.p_value is None else round(cell.p_value, 6),
                    None if cell.p_adjusted is None else round(cell.p_adjusted, 6),
                    cell.verdict_words,
                ]
            table.append([r.row.row.question, r.row.label, name, *values, national])
    return table


def _breakdown_lines(breakdown: Breakdown | None) -> list[list[Any]]:
    """The breakdown for the end of a CSV: its heading, its table and its tests in words."""
    if breakdown is None:
        return []
    return [
        [],
        [breakdown.heading],
        *breakdown_table(breakdown),
        [breakdown.tests_note],
    ]


# ---------------------------------------------------------------------------------------------
# The report's figures as CSV and SPSS (aggregates)


def figures_csv_content(
    *,
    survey: Survey,
    weighted: bool,
    progress: Progress,
    filters: ResponseFilters | None = None,
    breakdown: str | None = None,
) -> bytes:
    filters = filters or ResponseFilters()
    comparison, rows = comparison_for_export(survey=survey, weighted=weighted, filters=filters)
    broken_down = breakdown_for_export(
        survey=survey, weighted=weighted, filters=filters, rows=rows, breakdown=breakdown
    )
    earlier = waves_for_export(survey=survey, comparison=comparison, rows=rows)
    progress(50)
    out = io.StringIO()
    writer = csv.writer(out)
    for line in [
        *comparison_table(rows),
        *_breakdown_lines(broken_down),
        *_waves_lines(earlier),
    ]:
        writer.writerow(csv_safe_row("" if v is None else v for v in line))
    writer.writerow([])
    for line in _about_lines(survey=survey, comparison=comparison, filters=filters):
        writer.writerow(csv_safe_row(line))
    for note in comparison.notes:
        writer.writerow([csv_safe(note)])
    return out.getvalue().encode("utf-8-sig")


def figures_sav_content(
    *,
    survey: Survey,
    weighted: bool,
    progress: Progress,
    filters: ResponseFilters | None = None,
) -> bytes:
    """One case per figure of the report: hidden figures are system-missing, and the variable
    ``shown`` says why ("fewer than 10"). The filters and weighting are in the file label and
    the document record."""
    import pandas as pd

    filters = filters or ResponseFilters()
    comparison, rows = comparison_for_export(survey=survey, weighted=weighted, filters=filters)
    progress(50)
    table = comparison_table(rows)
    names = [
        "question",
        "figure",
        "local_pct",
        "ci_low",
        "ci_high",
        "base",
        "eff_base",
        "national_pct",
        "difference",
        "verdict",
        "national_2010",
        "notes",
    ]
    numeric = {"local_pct", "ci_low", "ci_high", "base", "eff_base", "difference", "national_2010"}
    data: dict[str, list[Any]] = {name: [] for name in [*names, "shown"]}
    for line in table[1:]:
        hidden = line[2] == SUPPRESSED_TEXT
        for name, value in zip(names, line, strict=True):
            if name in numeric:
                value = value if isinstance(value, int | float) and not hidden else None
            elif name == "national_pct":
                value = value if isinstance(value, int | float) else None
            else:
                value = "" if value is None else str(value)
            data[name].append(value)
        data["shown"].append(SUPPRESSED_TEXT if hidden else "shown")
    frame = pd.DataFrame(
        {
            name: pd.Series(
                values,
                dtype="float64" if name in numeric or name == "national_pct" else "object",
            )
            for name, values in data.items()
        }
    )
    labels = dict(zip(names, table[0], strict=True))
    labels["shown"] = "Whether the local figure is shown (disclosure control)"
    chosen = "; ".join(filters_lines(survey=survey, filters=filters))
    out = io.BytesIO()
    _sav_write(
        frame,
        out,
        column_labels=labels,
        file_label=(f"{'Weighted' if comparison.weighted else 'Unweighted'}; {chosen}")[:64],
        note=_aggregate_note(comparison)
        + "\n"
        + "\n".join(
            f"{label}: {value}"
            for label, value in _about_lines(survey=survey, comparison=comparison, filters=filters)
        ),
    )
    return out.getvalue()


def _aggregate_note(comparison: Comparison) -> str:
    return (
        f"{comparison.survey.title}. {comparison.respondents} complete responses, "
        f"{'weighted' if comparison.weighted else 'unweighted'}. Figures with fewer than "
        f"{disclosure.threshold()} respondents are not shown."
    )


def _sav_write(frame, out: BinaryIO, *, note: str = "", **kwargs: Any) -> None:
    import textwrap

    import pyreadstat

    if note:
        # SPSS keeps a file's notes as document lines of up to 80 characters.
        kwargs["note"] = [
            wrapped
            for line in note.splitlines()
            for wrapped in (textwrap.wrap(line, 80, subsequent_indent="  ") or [""])
        ]
    # pyreadstat writes to a path: a temporary file, then copied into ``out`` a block at a time.
    fd, path = tempfile.mkstemp(suffix=".sav")
    os.close(fd)
    try:
        pyreadstat.write_sav(frame, path, **kwargs)
        with open(path, "rb") as f:
            shutil.copyfileobj(f, out)
    finally:
        os.remove(path)


# ---------------------------------------------------------------------------------------------
# Microdata, with statistical disclosure control

QUASI_IDENTIFIERS = ("area", "AGE", "SEX", "WORK", "CHILDREN", "HOUSEHOLD", "mode", "week")
OTHER_AREAS = "other"
RECODED_LABELS = {
    "area": {OTHER_AREAS: "Other areas (each with few respondents)", "all": "All areas"},
    "AGE": {
        "15_34": "15-34",
        "35_54": "35-54",
        "55_74": "55-74",
        "15_54": "15-54",
        "55_plus": "55 and over",
    },
    "WORK": {
        "working": "In work (full time, part time or self-employed)",
        "not_working": "Not in work (other than retired)",
    },
    "mode": {"interviewer": "By telephone (with an interviewer)", "self": "Online or on paper"},
}
_AGE_1 = {
    "15_24": "15_34",
    "25_34": "15_34",
    "35_44": "35_54",
    "45_54": "35_54",
    "55_64": "55_74",
    "65_74": "55_74",
}
HIERARCHIES: dict[str, list[dict[Any, Any]]] = {
    "area": [],  # filled per survey: every area into "all"
    "AGE": [
        _AGE_1,
        {
            **{k: ("15_54" if v != "55_74" else "55_plus") for k, v in _AGE_1.items()},
            "15_34": "15_54",
            "35_54": "15_54",
            "55_74": "55_plus",
            "75_plus": "55_plus",
        },
    ],
    "WORK": [
        {
            "full_time": "working",
            "part_time": "working",
            "self_employed": "working",
            "unemployed": "not_working",
            "student": "not_working",
            "home": "not_working",
            "unable": "not_working",
            "other": "not_working",
        }
    ],
    "HOUSEHOLD": [
        {n: ("5+" if n >= 5 else str(n)) for n in range(0, 100)},
        {
            **{n: ("3+" if n >= 3 else str(n)) for n in range(0, 100)},
            **{str(n): ("3+" if n >= 3 else str(n)) for n in range(0, 5)},
            "5+": "3+",
        },
    ],
    "mode": [{"online": "self", "paper": "self", "telephone": "interviewer"}],
    "week": [],  # filled per survey: weeks into months
}
# Blanked first when recoding is not enough: what identifies least, and matters least.
DROP_ORDER = ("week", "mode", "HOUSEHOLD", "CHILDREN", "WORK", "AGE", "area", "SEX")


def _week(when: dt.datetime | None) -> str | None:
    if when is None:
        return None
    day = timezone.localtime(when).date()
    monday = day - dt.timedelta(days=day.weekday())
    return monday.isoformat()


@dataclass(frozen=True)
class Microdata:
    columns: list[Column]
    # The kept respondents' quasi-identifiers as released, by response id, each with its
    # place in the file's random order ("_place"): the rest of each row is read again as the
    # file is written.
    quasi: dict[int, dict[str, Any]]
    anonymised: disclosure.Anonymised
    areas_merged: list[str]
    respondents: int


# The questions among the quasi-identifiers (the others are the response's own columns).
QUASI_QUESTIONS = ("AGE", "SEX", "WORK", "CHILDREN", "HOUSEHOLD")


def microdata_build(*, survey: Survey, progress: Progress) -> Microdata:
    """The respondents and their quasi-identifiers after statistical disclosure control.

    Only the quasi-identifiers are read here, and held for every respondent (k-anonymity is
    a property of the whole file); each row's answers are read again as the file is written
    (_microdata_rows), a chunk at a time, so the answers are never all in memory."""
    k = disclosure.k_minimum()
    quasi = []
    for r in _records(survey, progress, codes=QUASI_QUESTIONS):
        household = r.answers.get("HOUSEHOLD")
        quasi.append(
            {
                "_i": r.response_id,
                "area": r.area_code or None,
                "AGE": r.answers.get("AGE"),
                "SEX": r.answers.get("SEX"),
                "WORK": r.answers.get("WORK"),
                "CHILDREN": r.answers.get("CHILDREN"),
                "HOUSEHOLD": int(household) if household is not None else None,
                "mode": r.mode,
                "week": _week(r.submitted_at),
            }
        )
    # Areas with fewer than the threshold of respondents are merged before anything else.
    area_sizes: dict[Any, int] = {}
    for q in quasi:
        area_sizes[q["area"]] = area_sizes.get(q["area"], 0) + 1
    limit = disclosure.threshold()
    merged = sorted(a for a, n in area_sizes.items() if a is not None and n < limit)
    for q in quasi:
        if q["area"] in merged:
            q["area"] = OTHER_AREAS
    hierarchies = dict(HIERARCHIES)
    hierarchies["area"] = [{a: "all" for a in [*area_sizes, OTHER_AREAS] if a is not None}]
    hierarchies["week"] = [{q["week"]: q["week"][:7] for q in quasi if q["week"]}]
    respondents = len(quasi)
    result = disclosure.k_anonymise(
        quasi, keys=QUASI_IDENTIFIERS, k=k, hierarchies=hierarchies, drop_order=DROP_ORDER
    )
    del quasi  # k_anonymise works on its own copies
    progress(95)
    kept = {q["_i"]: q for q in result.records}
    places = list(range(len(kept)))
    random.SystemRandom().shuffle(places)
    for q, place in zip(kept.values(), places, strict=True):
        q["_place"] = place
    del places
    return Microdata(
        columns=response_columns(survey=survey),
        quasi=kept,
        anonymised=result,
        areas_merged=merged,
        respondents=respondents,
    )


MICRODATA_OWN = {"respondent", "submitted", "area", "mode"}


def _microdata_header(data: Microdata) -> tuple[list[str], dict[str, str], list[Column]]:
    """Header, variable labels and the answers' columns: the quasi-identifiers as recoded,
    then the answers."""
    header = ["respondent", "week", "mode", "area"]
    labels = {
        "respondent": "Respondent number (this export only, in random order)",
        "week": "Week answered (its Monday), or month when recoded",
        "mode": "Way of answering",
        "area": "Area",
    }
    answer_columns = [c for c in data.columns if c.name not in MICRODATA_OWN]
    header += [c.name for c in answer_columns]
    labels.update({c.name: c.label for c in answer_columns})
    return header, labels, answer_columns


def _microdata_rows(
    *, survey: Survey, data: Microdata, answer_columns: list[Column]
) -> Iterator[list[Any]]:
    """One row per kept respondent, in the file's random order, numbered 1, 2, ... in it.

    The responses are read in their own order, a chunk at a time (reading them in the random
    order would fetch each chunk's answers from all over the table), and each row is put in
    a temporary file with its place noted; the rows are then read back in the order of their
    places. In memory: two numbers per respondent, not the rows."""
    places = len(data.quasi)
    offsets = np.full(places, -1, dtype=np.int64)
    lengths = np.zeros(places, dtype=np.int64)
    with tempfile.TemporaryFile(suffix=".rows") as spool:
        for record in survey_response_records(survey=survey):
            quasi = data.quasi.get(record.response_id)
            if quasi is None:  # left out by disclosure control (or complete only since)
                continue
            row: list[Any] = [quasi["week"], quasi["mode"], quasi["area"]]
            for c in answer_columns:
                row.append(quasi[c.name] if c.name in QUASI_IDENTIFIERS else c.value(record))
            # Pickled: this process's own rows, in a file no other can open (unlinked).
            packed = pickle.dumps(row, protocol=pickle.HIGHEST_PROTOCOL)
            offsets[quasi["_place"]] = spool.tell()
            lengths[quasi["_place"]] = len(packed)
            spool.write(packed)
        serial = 0
        for offset, length in zip(offsets.tolist(), lengths.tolist(), strict=True):
            if offset < 0:  # no longer complete: not in the file
                continue
            spool.seek(offset)
            serial += 1
            yield [serial, *pickle.loads(spool.read(length))]


def microdata_readme(*, survey: Survey, data: Microdata) -> str:
    a = data.anonymised
    lines = [
        f"{survey.title} ({survey.council.name}): one row per respondent.",
        f"Exported {timezone.localtime():%d %B %Y %H:%M}.",
        "",
        "Statistical disclosure control applied before writing this file:",
        "- No names, e-mail or postal addresses: they never reach a response.",
        "- Free-text answers are not included: they will be released only after the",
        "  comments' redaction step.",
        "- Dates are given as the week (its Monday), not the day.",
        "- Rows are in a random order; respondent numbers belong to this file only.",
        f"- Quasi-identifiers: {', '.join(QUASI_IDENTIFIERS)}.",
    ]
    if data.areas_merged:
        lines.append(
            f"- Areas with fewer than {disclosure.threshold()} respondents were merged into "
            f"'{OTHER_AREAS}': {', '.join(data.areas_merged)}."
        )
    for recoding in a.recodings:
        for step in recoding.steps:
            lines.append(f"- {recoding.variable}: {step}.")
    lines += [
        f"- Values left blank to protect respondents: {a.cells_suppressed}.",
        f"- Respondents left out because no recoding protected them: {a.dropped} of "
        f"{data.respondents}.",
        "",
        f"k reached: every combination of the quasi-identifiers is shared by at least {a.k} "
        f"respondents in this file (required: {disclosure.k_minimum()}).",
        "",
        "Codes: the labels of recoded categories are",
    ]
    for variable, codes in RECODED_LABELS.items():
        lines.extend(f"  {variable} {code} = {label}" for code, label in codes.items())
    return "\n".join(lines) + "\n"


def microdata_csv_write(out: BinaryIO, *, survey: Survey, progress: Progress) -> None:
    """The zip of respondents.csv and README.txt, written into ``out`` row by row."""
    data = microdata_build(survey=survey, progress=progress)
    header, _labels, answer_columns = _microdata_header(data)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        with (
            z.open("respondents.csv", "w") as member,
            io.TextIOWrapper(member, encoding="utf-8-sig", newline="") as text,
        ):
            writer = csv.writer(text)
            writer.writerow(csv_safe_row(header))
            for row in _microdata_rows(survey=survey, data=data, answer_columns=answer_columns):
                writer.writerow(csv_safe_row("" if v is None else v for v in row))
        z.writestr("README.txt", microdata_readme(survey=survey, data=data))


def microdata_sav_write(out: BinaryIO, *, survey: Survey, progress: Progress) -> None:
    """The SPSS file, written into ``out``. pyreadstat writes a whole data frame at once, so
    this file's cells are in memory, about 8 bytes each (rows are not: they are read into
    columns, and each column becomes the frame's in turn)."""
    import pandas as pd

    data = microdata_build(survey=survey, progress=progress)
    header, labels, answer_columns = _microdata_header(data)
    coded = {"week", "mode", "area", *QUASI_IDENTIFIERS}
    values: list[list[Any]] = [[] for _ in header]
    for row in _microdata_rows(survey=survey, data=data, answer_columns=answer_columns):
        for column, value in zip(values, row, strict=True):
            column.append(value)
    series = {}
    for name in header:
        column = values.pop(0)
        if name in coded:
            series[name] = pd.Series(
                [None if v is None else str(v) for v in column], dtype="object"
            )
        else:
            series[name] = _sav_column(pd, column)
        del column
    frame = pd.DataFrame(series)
    del series
    readme = microdata_readme(survey=survey, data=data)
    _sav_write(frame, out, column_labels={n: labels.get(n, n)[:250] for n in header}, note=readme)


def _sav_column(pd, column: list[Any]):
    """A column as SPSS holds it: numeric when every answer in it is a number (numbers,
    multiple-choice 0/1), else the answers' codes as text ("dont_know"), never coerced to
    missing."""
    raw = pd.Series([None if v in ("", None) else v for v in column], dtype="object")
    numeric = pd.to_numeric(raw, errors="coerce")
    if int(numeric.notna().sum()) == int(raw.notna().sum()):
        return numeric
    return pd.Series([None if v is None else str(v) for v in raw], dtype="object")


# ---------------------------------------------------------------------------------------------
# Excel


def xlsx_content(
    *,
    survey: Survey,
    weighted: bool,
    progress: Progress,
    filters: ResponseFilters | None = None,
    breakdown: str | None = None,
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    filters = filters or ResponseFilters()
    comparison, rows = comparison_for_export(survey=survey, weighted=weighted, filters=filters)
    broken_down = breakdown_for_export(
        survey=survey, weighted=weighted, filters=filters, rows=rows, breakdown=breakdown
    )
    progress(30)
    book = Workbook()
    about = book.active
    about.title = "About"
    for line in [
        [survey.title],
        [survey.council.name],
        ["Exported", timezone.localtime().strftime("%d %B %Y %H:%M")],
        *_about_lines(survey=survey, comparison=comparison, filters=filters)[2:],
        [],
        *[[note] for note in comparison.notes],
    ]:
        about.append(csv_safe_row(line))
    about["A1"].font = Font(bold=True, size=14)

    _table_sheet(book, "Comparison", comparison_table(rows))
    if broken_down is not None:
        _table_sheet(
            book,
            "Breakdown",
            breakdown_table(broken_down),
            notes=[broken_down.heading, broken_down.tests_note],
        )
    earlier = waves_for_export(survey=survey, comparison=comparison, rows=rows)
    if earlier is not None:
        _table_sheet(book, "Earlier waves", waves_table(earlier), notes=earlier.comparison.notes)

    spec = spec_for(survey)
    _charts_sheet(book, rows=rows, texts={code: q.text for code, q in spec.questions.items()})
    limit = disclosure.threshold()
    counts = survey_answer_counts(survey=survey, filters=filters)
    bases = survey_bases(survey=survey, filters=filters, counts=counts)
    gaps = survey_not_answered(survey=survey, filters=filters)
    # The questions on the page's topline get their sheet from that topline, so every figure
    # is the page's: percentage, interval, base (the demographic questions, which it leaves
    # out, keep their counts below).
    topline = {q.code: q for q in survey_topline(survey=survey, filters=filters, weighted=weighted)}
    for q in spec.questions.values():
        if q.kind not in ("single", "multi", "grid"):
            continue
        if q.code in topline:
            _topline_sheet(book.create_sheet(q.code[:31]), topline[q.code], weighted=weighted)
            continue
        qs = book.create_sheet(q.code[:31])
        qs.append(csv_safe_row([q.code, q.text]))
        qs.append(["Item", "Answer", "Respondents", "%", "Weighted %"])
        for item in q.items or [None]:
            item_code = item.code if item else ""
            base = bases.get((q.code, item_code))
            cells = {o.code: counts.get((q.code, item_code, o.code)) for o in q.options}
            # The base is shown, so the answers' counts are one table under the policy.
            shown = disclosure.suppress(
                {code: (c.n if c else 0) for code, c in cells.items()}, limit
            )
            for option in q.options:
                cell, n = cells[option.code], shown[option.code]
                sum_w = cell.sum_w if cell else 0.0
                qs.append(
                    [
                        csv_safe(item.text if item else ""),
                        csv_safe(option.label),
                        SUPPRESSED_TEXT if n is None else n,
                        None if n is None or not (base and base.n) else round(100 * n / base.n, 1),
                        None
                        if n is None or not (base and base.sum_w)
                        else round(100 * sum_w / base.sum_w, 1),
                    ]
                )
            n_base = base.n if base else 0
            hidden_base = disclosure.is_hidden(n_base, limit)
            qs.append(["", "Base (answered)", SUPPRESSED_TEXT if hidden_base else n_base])
            if gaps:
                # Asked and left unanswered (a question blank on a paper form): outside the base.
                missing = gaps.get((q.code, item_code), 0)
                qs.append(
                    [
                        "",
                        "Not answered",
                        SUPPRESSED_TEXT
                        if hidden_base or disclosure.is_hidden(missing, limit)
                        else missing,
                    ]
                )
        qs["A1"].font = Font(bold=True)
    progress(90)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _topline_sheet(sheet, question: ToplineQuestion, *, weighted: bool) -> None:
    """One question as the report's topline shows it: each option's local percentage with
    its 95% interval and the national figure where one is published, then the base, the
    effective base and those who did not answer, each item of a grid in turn."""
    from openpyxl.styles import Font

    sheet.append(csv_safe_row([question.code, question.text]))
    sheet["A1"].font = Font(bold=True)
    sheet.append(
        [
            "Item",
            "Answer",
            "Weighted %" if weighted else "%",
            "95% interval low",
            "95% interval high",
            "National %",
        ]
    )
    for item in question.items:
        for row in item.rows:
            sheet.append(
                [
                    csv_safe(item.text),
                    csv_safe(row.label),
                    _round(row.percent) if item.base is not None else SUPPRESSED_TEXT,
                    _round(row.ci_low),
                    _round(row.ci_high),
                    row.national_percent,
                ]
            )
        sheet.append(["", "Base (answered)", item.base_text if item.base is None else item.base])
        if item.base is not None and item.effective_base is not None and weighted:
            sheet.append(["", "Effective base", _round(item.effective_base)])
        if item.not_answered is not None:
            hidden = item.base is None or disclosure.is_hidden(
                item.not_answered, disclosure.threshold()
            )
            sheet.append(["", "Not answered", SUPPRESSED_TEXT if hidden else item.not_answered])
        if item.low_base:
            sheet.append(["", f"Low base: fewer than {stats.LOW_BASE} answered"])


def _charts_sheet(book, *, rows: list[ReportRow], texts: dict[str, str]) -> None:
    """The page's charts as native Excel bar charts, one per question in the page's order:
    each figure's local percentage (with its 95% interval as error bars) beside the national
    one, on a 0-100% axis. Each chart's figures sit in a table beside it, so the chart can be
    restyled or pasted into a committee report and still say where its numbers came from."""
    from openpyxl.chart import BarChart, Reference
    from openpyxl.chart.data_source import NumDataSource, NumRef
    from openpyxl.chart.error_bar import ErrorBars
    from openpyxl.chart.label import DataLabelList
    from openpyxl.styles import Font

    charted: dict[str, list[ReportRow]] = {}
    for r in rows:
        row = r.row
        if row.suppressed or row.local_percent is None or row.national_percent is None:
            continue
        charted.setdefault(row.question, []).append(r)
    if not charted:
        return
    sheet = book.create_sheet("Charts", index=2)
    sheet.append(["Local and national percentages, as charted on the report"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.column_dimensions["A"].width = 48
    line = 3
    for code, q_rows in charted.items():
        title = f"{code}: {texts.get(code, '')}".rstrip(": ")
        sheet.cell(line, 1, csv_safe(title)).font = Font(bold=True)
        header = ["Figure", "Local %", "National %", "Interval below", "Interval above"]
        for column, text in enumerate(header, start=1):
            sheet.cell(line + 1, column, text)
        first = line + 2
        for offset, r in enumerate(q_rows):
            row = r.row
            local = _round(row.local_percent)
            values = [
                csv_safe(r.label),
                local,
                row.national_percent,
                _round(local - row.ci_low) if row.ci_low is not None else 0,
                _round(row.ci_high - local) if row.ci_high is not None else 0,
            ]
            for column, value in enumerate(values, start=1):
                sheet.cell(first + offset, column, value)
        last = first + len(q_rows) - 1

        chart = BarChart()
        chart.type = "bar"  # horizontal bars: long labels read across
        chart.title = csv_safe(title)[:250]
        chart.y_axis.title = "Percentage of respondents"
        chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 100
        chart.y_axis.majorUnit = 20
        chart.y_axis.number_format = '0"%"'
        chart.x_axis.scaling.orientation = "maxMin"  # the page's order, top to bottom
        chart.y_axis.delete = chart.x_axis.delete = False
        data = Reference(sheet, min_col=2, max_col=3, min_row=line + 1, max_row=last)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=1, min_row=first, max_row=last))
        local_series, national_series = chart.series
        local_series.errBars = ErrorBars(
            errBarType="both",
            errValType="cust",
            noEndCap=False,
            minus=NumDataSource(numRef=NumRef(f=f"'Charts'!$D${first}:$D${last}")),
            plus=NumDataSource(numRef=NumRef(f=f"'Charts'!$E${first}:$E${last}")),
        )
        # Told apart by more than colour: the national bar is patterned, and both carry values.
        national_series.graphicalProperties.solidFill = "FFFFFF"
        national_series.graphicalProperties.line.solidFill = "0B0C0C"
        national_series.graphicalProperties.line.prstDash = "dash"
        local_series.graphicalProperties.solidFill = "1D70B8"
        for series in chart.series:
            series.dLbls = DataLabelList(showVal=True, numFmt='0"%"')
            series.dLbls.position = "inEnd"
        chart.height = max(6.0, 1.6 + 1.3 * len(q_rows))
        chart.width = 22.0
        chart.legend.position = "b"
        sheet.add_chart(chart, f"G{line}")
        line = max(last + 3, line + int(chart.height * 2) + 2)


def _table_sheet(book, title: str, table: list[list[Any]], notes: Sequence[str] = ()) -> None:
    """A sheet of one table, its header row bold, its notes below it after a blank row;
    every cell neutralised as a formula."""
    from openpyxl.styles import Font

    sheet = book.create_sheet(title)
    for line in table:
        sheet.append(csv_safe_row(line))
    _bold_header(sheet, Font)
    if notes:
        sheet.append([])
        for note in notes:
            sheet.append(csv_safe_row([note]))


def _bold_header(sheet, font_class) -> None:
    for cell in sheet[1]:
        cell.font = font_class(bold=True)


# ---------------------------------------------------------------------------------------------
# PDF


def pdf_content(
    *,
    survey: Survey,
    weighted: bool,
    progress: Progress,
    filters: ResponseFilters | None = None,
    breakdown: str | None = None,
) -> bytes:
    """The report page on paper: officers.report_paper writes it from the page's own Report,
    chosen with the filters, weighting and breakdown the export records."""
    from officers.report import report_build
    from officers.report_paper import report_pdf

    filters = filters or ResponseFilters()
    report = report_build(survey=survey, filters=filters, weighted=weighted, breakdown=breakdown)
    progress(40)
    content = report_pdf(
        survey=survey,
        report=report,
        selection="; ".join(filters_lines(survey=survey, filters=filters)),
    )
    progress(90)
    return content


def _esc(text: str) -> str:
    # reportlab's Paragraph reads a small XML-like markup, so &, < and > must be escaped.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _pct(value: float | None) -> str:
    return percent_text(value)


# ---------------------------------------------------------------------------------------------
# Residents' comments: redacted ones only, with their themes


COMMENTS_HEADER = ["comment", "question", "comment_redacted", "themes", "redaction"]


def _comments_about(*, survey: Survey, shown: int) -> list[list[Any]]:
    totals = comment_totals(survey=survey)
    return [
        ["Survey", survey.title],
        ["Council", survey.council.name],
        ["Exported", timezone.localtime().strftime("%d %B %Y %H:%M")],
        ["Comments in this file", shown],
        [
            "Left out",
            f"{totals.waiting} comments still waiting for the redaction step. Every comment "
            "here went through it: personal data is masked, as [name], [email], [phone], "
            "[postcode], [address].",
        ],
        ["Order", "Random: comment numbers belong to this file only."],
    ]


def _comment_rows(survey: Survey) -> Iterator[list[Any]]:
    for n, c in enumerate(comments_for_export(survey=survey), start=1):
        yield [n, c.question, c.text, "; ".join(c.themes), c.redaction]


def comments_csv_write(out: BinaryIO, *, survey: Survey, progress: Progress) -> None:
    """The comments as CSV, written into ``out`` a comment at a time."""
    rows = _comment_rows(survey)
    progress(60)
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow(csv_safe_row(COMMENTS_HEADER))
    shown = 0
    for row in rows:
        writer.writerow(csv_safe_row(row))
        shown += 1
    writer.writerow([])
    for line in _comments_about(survey=survey, shown=shown):
        writer.writerow(csv_safe_row(line))
    text.flush()
    text.detach()  # ``out`` stays open, for the caller to save


def comments_xlsx_write(out: BinaryIO, *, survey: Survey, progress: Progress) -> None:
    """The comments as a workbook, written into ``out``: a write-only workbook keeps each
    sheet's rows in a temporary file, not in memory."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    rows = _comment_rows(survey)
    progress(50)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Comments")
    sheet.append(_bold_row(sheet, csv_safe_row(COMMENTS_HEADER), Font))
    shown = 0
    for row in rows:
        sheet.append(csv_safe_row(row))
        shown += 1
    frame = book.create_sheet("Themes")
    frame.append(
        _bold_row(frame, ["Theme", "Description", "Respondents whose comment has it"], Font)
    )
    counts = theme_counts(survey=survey)
    for count in counts.rows:
        frame.append(
            csv_safe_row(
                [
                    count.theme.name,
                    count.theme.description,
                    SUPPRESSED_TEXT if count.count is None else count.count,
                ]
            )
        )
    frame.append(["Coded comments", "", counts.coded if counts.shown else counts.coded_text])
    about = book.create_sheet("About")
    for line in _comments_about(survey=survey, shown=shown):
        about.append(csv_safe_row(line))
    progress(90)
    book.save(out)


def _bold_row(sheet, values: list[Any], font_class) -> list[Any]:
    """A header row for a write-only sheet, whose cells cannot be styled once appended."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = font_class(bold=True)
        cells.append(cell)
    return cells


# ---------------------------------------------------------------------------------------------


def export_content(*, export: Export, progress: Progress) -> BinaryIO:
    """The export's file, built into a temporary file on this machine (deleted when closed)
    and returned at its start, for the caller to save to the exports storage. Files of a row
    per respondent or per comment are written as their rows are read, never whole in memory;
    the figures' files are the size of the questionnaire, and made in memory first."""
    out = tempfile.TemporaryFile(suffix=".export")  # noqa: SIM115 (the caller closes it)
    try:
        _export_write(out, export=export, progress=progress)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return out


def _export_write(out: BinaryIO, *, export: Export, progress: Progress) -> None:
    survey = export.survey
    weighted = export.weighted
    # Widened to whole periods as the file is built (results.periods): the periods may have
    # moved since the export was asked for, as responses arrived.
    filters = dates_snap(survey=survey, filters=filters_from_record(export.filters)).filters
    aggregate = {"survey": survey, "weighted": weighted, "progress": progress, "filters": filters}
    # The breakdown goes where a table of it can: the CSV, the workbook and the PDF. The SPSS
    # file holds one case per figure, so it stays the comparison alone.
    broken_down = {**aggregate, "breakdown": breakdown_from_record(export.filters)}
    if export.kind == Export.Kind.CSV:
        out.write(figures_csv_content(**broken_down))
    elif export.kind == Export.Kind.SAV:
        out.write(figures_sav_content(**aggregate))
    elif export.kind == Export.Kind.XLSX:
        out.write(xlsx_content(**broken_down))
    elif export.kind == Export.Kind.MICRO_CSV:
        microdata_csv_write(out, survey=survey, progress=progress)
    elif export.kind == Export.Kind.MICRO_SAV:
        microdata_sav_write(out, survey=survey, progress=progress)
    elif export.kind == Export.Kind.COMMENTS_CSV:
        comments_csv_write(out, survey=survey, progress=progress)
    elif export.kind == Export.Kind.COMMENTS_XLSX:
        comments_xlsx_write(out, survey=survey, progress=progress)
    else:
        out.write(pdf_content(**broken_down))
