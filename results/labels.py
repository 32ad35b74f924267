"""Labels, never codes, in selection lines and headings ("Age: 15-24", "Area: Brookside",
"Broken down by age"). Pure: no Django imports; callers pass the survey's texts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

# Short names of the demographic questions, for headings and selection lines. A question not
# listed is named by its own text.
GROUP_NAMES = {
    "AGE": "Age",
    "SEX": "Sex",
    "AREA": "Area",
    "INTERNET": "Internet at home",
    "CHILDREN": "Children under 16 at home",
    "WORK": "Work",
    "NEWSPAPER": "Daily newspaper",
    "HOUSEHOLD": "Household size",
}


def group_name(code: str, text: str = "") -> str:
    """ "Age" for AGE; the question's text (without its question mark) otherwise."""
    return GROUP_NAMES.get(code) or text.rstrip("?").strip() or code


def breakdown_heading(code: str, text: str = "") -> str:
    """ "Broken down by age"."""
    name = group_name(code, text)
    return f"Broken down by {name[:1].lower()}{name[1:]}"


def selection_lines(
    *,
    submitted_from: dt.date | None = None,
    submitted_to: dt.date | None = None,
    mode: str | None = None,
    area: str | None = None,
    subgroups: tuple[tuple[str, str], ...] = (),
    modes: Mapping[str, str] | None = None,
    areas: Mapping[str, str] | None = None,
    questions: Mapping[str, tuple[str, Mapping[str, str]]] | None = None,
) -> list[str]:
    """One line per filter, in words: "Sent on or after: 1 March 2026", "Way of answering:
    Online", "Area: Brookside", "Age: 15-24". ``questions`` maps a code to (question text,
    option labels). No filters at all: ["All complete responses"]."""
    modes, areas, questions = modes or {}, areas or {}, questions or {}
    lines = []
    if submitted_from:
        lines.append(f"Sent on or after: {submitted_from.day} {submitted_from:%B %Y}")
    if submitted_to:
        lines.append(f"Sent on or before: {submitted_to.day} {submitted_to:%B %Y}")
    if mode:
        lines.append(f"Way of answering: {modes.get(mode, mode)}")
    if area:
        lines.append(f"Area: {areas.get(area, area)}")
    for code, option in subgroups:
        text, options = questions.get(code, ("", {}))
        lines.append(f"{group_name(code, text)}: {options.get(option, option)}")
    return lines or ["All complete responses"]
