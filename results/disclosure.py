"""Collab's one disclosure policy: whether a figure may be shown, for every output.

Every page, export and command that shows counts or percentages of residents asks these
functions, so a figure hidden on one page cannot be read off another. The rules follow
statistical disclosure control practice (ONS, "Disclosure control guidance for tables"):

- A selection (any filters, date filters included) with fewer respondents than the threshold
  shows no figures at all.
- A count below the threshold is not shown (primary suppression), and an empty count looks the
  same as a small one: both read "fewer than 10".
- When a table has a total that is shown, suppressing one cell alone is no protection: the
  total minus the other cells gives it back. Secondary suppression hides further cells, the
  smallest first, until at least two are hidden and the hidden cells add up to at least the
  threshold, so neither a single hidden value nor a small hidden group can be worked out.
- One-row-per-respondent files are made k-anonymous on their quasi-identifiers
  (:func:`k_anonymise`): every combination is shared by at least k respondents.

The core functions here take plain numbers and dictionaries and import no Django;
:func:`threshold` and :func:`k_minimum` read the settings for callers that have them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

DEFAULT_THRESHOLD = 10
DEFAULT_K = 5
HIDDEN = None  # a suppressed count, in the dictionaries these functions return


def threshold() -> int:
    """The smallest count shown (setting DISCLOSURE_THRESHOLD, 10 by default)."""
    from django.conf import settings

    return int(getattr(settings, "DISCLOSURE_THRESHOLD", DEFAULT_THRESHOLD))


def k_minimum() -> int:
    """The k that microdata files reach (setting MICRODATA_K, 5 by default)."""
    from django.conf import settings

    return int(getattr(settings, "MICRODATA_K", DEFAULT_K))


def fewer_than(limit: int) -> str:
    return f"fewer than {limit}"


def is_hidden(n: float | None, limit: int) -> bool:
    """Whether a count may not be shown: below the threshold, zero included (an empty group
    must look like a small one, or "0" beside "fewer than 10" names the small one)."""
    return n is None or n < limit


def selection_shown(respondents: int, limit: int) -> bool:
    """Whether a selection of responses may show any figure at all."""
    return respondents >= limit


def count_text(n: int | None, limit: int) -> str:
    return fewer_than(limit) if is_hidden(n, limit) else f"{n:,}"


def suppress(
    counts: Mapping[Hashable, int], limit: int, already: Iterable[Hashable] = ()
) -> dict[Hashable, int | None]:
    """The cells of a table whose total is shown, with every cell that must be hidden set to
    None: primary suppression below ``limit``, then secondary suppression of the smallest
    other cells until the hidden cells are at least two and add up to at least ``limit``
    (or everything is hidden), unless they add up to 0. ``already`` are cells hidden by
    another table (a hidden group's column). Cells keep their order."""
    hidden = {key for key, n in counts.items() if is_hidden(n, limit)} | set(already)
    if hidden:
        shown = sorted((n, i) for i, (key, n) in enumerate(counts.items()) if key not in hidden)
        keys = list(counts)
        # Hidden cells that add up to 0 need no protection: working out that a group is
        # empty tells nothing about anyone.
        while (
            shown
            and sum(counts[k] for k in hidden) > 0
            and (len(hidden) < 2 or sum(counts[k] for k in hidden) < limit)
        ):
            _, i = shown.pop(0)
            hidden.add(keys[i])
    return {key: (HIDDEN if key in hidden else n) for key, n in counts.items()}


def suppress_columns(
    rows: Sequence[Mapping[Hashable, int]],
    columns: Mapping[Hashable, int],
    limit: int,
    hidden: Iterable[Hashable] = (),
) -> tuple[dict[Hashable, int | None], list[dict[Hashable, int | None]]]:
    """A two-way table: ``columns`` are the groups' sizes (their total shown), ``rows`` each
    figure's base in each group. A hidden group hides its whole column; then each row is
    suppressed on its own (a figure with a small base in a shown group), keeping the hidden
    columns hidden, so no row's margin gives a hidden cell back. ``hidden`` are groups to
    hide whatever their size (protected by secondary suppression like small ones)."""
    shown_columns = suppress(columns, limit, already=hidden)
    out: list[dict[Hashable, int | None]] = []
    for row in rows:
        # A hidden column is a hidden cell of the row, so its value is protected too.
        cells = suppress(row, limit, already=[k for k in row if shown_columns.get(k) is HIDDEN])
        out.append(
            {
                k: (HIDDEN if shown_columns.get(k) is HIDDEN or cells[k] is HIDDEN else row[k])
                for k in row
            }
        )
    return shown_columns, out


def complement_safe(selected: int, whole: int, limit: int) -> bool:
    """Whether a part of a whole may be shown beside the whole: the rest must be empty or at
    least the threshold, or the whole's figures minus the part's give the rest back (the
    "everyone but one day" attack)."""
    rest = whole - selected
    return rest == 0 or rest >= limit


# ---------------------------------------------------------------------------------------------
# Microdata: k-anonymity on quasi-identifiers


@dataclass
class Recoding:
    """What k_anonymise did to one quasi-identifier, for the file's metadata."""

    variable: str
    steps: list[str] = field(default_factory=list)


@dataclass
class Anonymised:
    records: list[dict[str, Any]]
    k: int  # the smallest group size reached (0 when no record is left)
    dropped: int  # records left out because no recoding reached k for them
    recodings: list[Recoding]
    cells_suppressed: int


def k_reached(records: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> int:
    """The size of the smallest group of records sharing the same values of ``keys``."""
    if not records:
        return 0
    groups = Counter(tuple(r.get(k) for k in keys) for r in records)
    return min(groups.values())


def k_anonymise(
    records: Sequence[Mapping[str, Any]],
    *,
    keys: Sequence[str],
    k: int,
    hierarchies: Mapping[str, Sequence[Mapping[Any, Any]]] | None = None,
    drop_order: Sequence[str] = (),
) -> Anonymised:
    """Make every combination of ``keys`` shared by at least ``k`` records.

    1. Global recoding: for each quasi-identifier in turn, a level of its ``hierarchies``
       (each a mapping of value -> broader value) is applied while it lowers the number of
       records in groups smaller than k; a level is kept only if it helps.
    2. Local suppression: in the records still in small groups, the values of ``drop_order``
       are blanked one variable at a time (None, "not released"), until they join a group of
       at least k.
    3. Any record still in a group smaller than k is left out of the file.

    The result's ``k`` is counted afresh on the records returned.
    """
    hierarchies = hierarchies or {}
    rows = [dict(r) for r in records]
    recodings = {key: Recoding(key) for key in keys}

    def at_risk(data: list[dict[str, Any]]) -> int:
        groups = Counter(tuple(r.get(x) for x in keys) for r in data)
        return sum(1 for r in data if groups[tuple(r.get(x) for x in keys)] < k)

    risk = at_risk(rows)
    for key in keys:
        for level, mapping in enumerate(hierarchies.get(key, ()), start=1):
            if risk == 0:
                break
            trial = [{**r, key: mapping.get(r.get(key), r.get(key))} for r in rows]
            trial_risk = at_risk(trial)
            if trial_risk < risk:
                rows, risk = trial, trial_risk
                recodings[key].steps.append(f"grouped into broader categories (level {level})")

    cells = 0
    for key in drop_order:
        if risk == 0:
            break
        groups = Counter(tuple(r.get(x) for x in keys) for r in rows)
        changed = False
        for r in rows:
            if groups[tuple(r.get(x) for x in keys)] < k and r.get(key) is not None:
                r[key] = None
                cells += 1
                changed = True
        if changed:
            recodings[key].steps.append("left blank for respondents who were still too few")
            risk = at_risk(rows)

    groups = Counter(tuple(r.get(x) for x in keys) for r in rows)
    kept = [r for r in rows if groups[tuple(r.get(x) for x in keys)] >= k]
    return Anonymised(
        records=kept,
        k=k_reached(kept, keys),
        dropped=len(rows) - len(kept),
        recodings=[recodings[key] for key in keys],
        cells_suppressed=cells,
    )
