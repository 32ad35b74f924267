"""Date filters on a fixed partition of the fieldwork into periods: no small group by difference.

An officer who could choose any dates could ask for responses sent 1-10 March, then 1-11
March: if 11 March had 3 responses, the second view's counts and percentages minus the
first's give those 3 people's answers, though each view alone is large. So dates are only
ever taken on period boundaries:

- The fieldwork (the Monday of the first complete response's week to the Sunday of the
  last's) is cut into whole weeks, and weeks are merged forward until each period holds at
  least the disclosure threshold of respondents; a short last period joins the one before.
- With a narrowing filter (a mode, an area, a subgroup) those periods are merged again, the
  same way, until each holds the threshold *within the selection*: telephone answers in one
  area may be 3 in a period that holds 40 responses in all.
- :func:`dates_snap` widens any from/to date to the boundaries of the period it falls in,
  and :func:`periods_safe` tells whether dates are on the boundaries (the disclosure check
  refuses any that are not, whatever asked for them).

The difference between two allowed ranges under the same other filters is then a union of
whole periods, each of at least the threshold, so no small group can be worked out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from results import disclosure
from results.selectors import ResponseFilters, _response_condition, filters_resolve
from surveys.models import Response, Survey

WEEK = dt.timedelta(days=7)


@dataclass(frozen=True)
class Period:
    """Days ``start`` to ``end`` inclusive (UK time), and the respondents they hold in the
    selection the partition was made for."""

    start: dt.date
    end: dt.date
    respondents: int

    @property
    def label(self) -> str:
        return period_words(self.start, self.end)

    @property
    def text(self) -> str:
        return disclosure.count_text(self.respondents, disclosure.threshold())


def period_words(start: dt.date, end: dt.date) -> str:
    """The days in words, with an en dash: "3-16 March 2025", "24 February - 9 March 2025"."""
    if start == end:
        return f"{end.day} {end:%B %Y}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {end:%B %Y}"
    if start.year == end.year:
        return f"{start.day} {start:%B} – {end.day} {end:%B %Y}"
    return f"{start.day} {start:%B %Y} – {end.day} {end:%B %Y}"


def _without_dates(filters: ResponseFilters) -> ResponseFilters:
    return replace(filters, submitted_from=None, submitted_to=None)


def _daily_counts(*, survey: Survey, filters: ResponseFilters) -> dict[dt.date, int]:
    """Complete responses by day (UK time) under the filters' other parts, in one GROUP BY."""
    resolved = filters_resolve(survey=survey, filters=_without_dates(filters))
    rows = (
        Response.objects.filter(survey=survey)
        .filter(_response_condition(resolved, prefix="", outer="pk"))
        .annotate(day=TruncDate("submitted_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(n=Count("id"))
        .order_by("day")
        .values_list("day", "n")
    )
    return dict(rows)


def _merged(
    units: list[tuple[dt.date, dt.date]], days: dict[dt.date, int], limit: int
) -> list[Period]:
    """Consecutive units merged forward until each holds ``limit``; a short remainder joins
    the last period (or is the only one when everything together is short)."""

    def count(start: dt.date, end: dt.date) -> int:
        return sum(n for day, n in days.items() if start <= day <= end)

    periods: list[Period] = []
    start: dt.date | None = None
    for unit_start, unit_end in units:
        start = start or unit_start
        n = count(start, unit_end)
        if n >= limit:
            periods.append(Period(start, unit_end, n))
            start = None
    if start is not None:
        end = units[-1][1]
        if periods:
            last = periods.pop()
            start = last.start
        periods.append(Period(start, end, count(start, end)))
    return periods


def periods_partition(*, survey: Survey, filters: ResponseFilters | None = None) -> list[Period]:
    """The periods dates may be chosen on, for the filters' mode, area and subgroups (their
    dates play no part). Empty when the survey has no complete response."""
    limit = disclosure.threshold()
    whole = _daily_counts(survey=survey, filters=ResponseFilters())
    if not whole:
        return []
    first, last = min(whole), max(whole)
    monday = first - dt.timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        weeks.append((monday, monday + WEEK - dt.timedelta(days=1)))
        monday += WEEK
    periods = _merged(weeks, whole, limit)
    filters = filters or ResponseFilters()
    if filters.narrows_to_group:
        # Merged again within the selection: its periods are whole periods of the survey's.
        narrowed = _daily_counts(survey=survey, filters=filters)
        periods = _merged([(p.start, p.end) for p in periods], narrowed, limit)
    return periods


@dataclass(frozen=True)
class Snapped:
    filters: ResponseFilters
    changed: bool  # whether a date asked for was moved to a period boundary
    periods: list[Period]
    asked: ResponseFilters | None = None  # the filters as asked for, before widening

    @property
    def has_dates(self) -> bool:
        return bool(self.filters.submitted_from or self.filters.submitted_to)

    @property
    def words(self) -> str:
        """The days the dates now cover, in words."""
        if not self.periods or not self.has_dates:
            return ""
        return period_words(
            self.filters.submitted_from or self.periods[0].start,
            self.filters.submitted_to or self.periods[-1].end,
        )

    @property
    def notice(self) -> str:
        """What was asked for and what the figures cover instead, and why."""
        if not self.changed:
            return ""
        asked = ""
        if self.asked is not None and self.periods:
            chosen = period_words(
                self.asked.submitted_from or self.periods[0].start,
                self.asked.submitted_to or self.periods[-1].end,
            )
            asked = f"You chose {chosen}; "
        return (
            f"{asked}the figures cover {self.words}, the whole periods of this selection "
            "those dates fall in, so that nobody can be recognised from a few days' responses"
        )


def _snap_from(day: dt.date, periods: list[Period]) -> dt.date:
    for p in periods:
        if day <= p.end:
            return p.start
    return periods[-1].start


def _snap_to(day: dt.date, periods: list[Period]) -> dt.date:
    for p in reversed(periods):
        if day >= p.start:
            return p.end
    return periods[0].end


def dates_snap(*, survey: Survey, filters: ResponseFilters) -> Snapped:
    """The filters with their dates widened to the boundaries of the periods they fall in
    (the partition for the filters' other parts). Dates in the wrong order are left as they
    are, for the engine to say so."""
    if not (filters.submitted_from or filters.submitted_to):
        return Snapped(filters, False, [])
    periods = periods_partition(survey=survey, filters=filters)
    start, end = filters.submitted_from, filters.submitted_to
    if not periods or (start and end and start > end):
        return Snapped(filters, False, periods)
    snapped = replace(
        filters,
        submitted_from=_snap_from(start, periods) if start else None,
        submitted_to=_snap_to(end, periods) if end else None,
    )
    return Snapped(snapped, snapped != filters, periods, asked=filters)


def periods_safe(*, survey: Survey, filters: ResponseFilters) -> bool:
    """Whether the filters' dates are on period boundaries of their partition."""
    if not (filters.submitted_from or filters.submitted_to):
        return True
    periods = periods_partition(survey=survey, filters=filters)
    if not periods:
        return False
    starts, ends = {p.start for p in periods}, {p.end for p in periods}
    return (filters.submitted_from is None or filters.submitted_from in starts) and (
        filters.submitted_to is None or filters.submitted_to in ends
    )
