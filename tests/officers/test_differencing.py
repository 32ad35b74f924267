"""The differencing attack, replayed: an officer asks for responses sent 1-10 March, then 1-11
March, when 11 March had 3 responses, hoping the difference of the two views gives those 3
people's answers. Dates are only taken in whole periods (results.periods), so through the
report, the dashboard, the exports and `manage.py compare` the two views are the same and
nothing is recovered; the same under mode=telephone&area=east."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from dataclasses import replace
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from officers.forms import ReportFiltersForm
from officers.models import Export
from results.periods import dates_snap, periods_partition, periods_safe
from results.selectors import (
    ResponseFilters,
    SelectionTooSmall,
    selection_disclosure_check,
    survey_respondent_summary,
)
from tests.results.factories import responses_make
from tests.surveys.conftest import answers_for

NARROW = {"mode": "telephone", "area": "east"}
ATTACK = [("2026-03-01", "2026-03-10"), ("2026-03-01", "2026-03-11")]


def _at(day: int) -> dt.datetime:
    return dt.datetime(2026, 3, day, 12, tzinfo=dt.UTC)


@pytest.fixture
def fieldwork(survey):
    """Weeks of 2-8, 9-15 and 16-22 March 2026 (36, 30 and 20 responses). 11 March has 3
    telephone answers from the east ward, the only ones who had "no time" to take part;
    telephone answers from the east are 12 in the first week, 3 in the second, 10 in the
    third."""
    willing = {**answers_for("A"), "Q8": "willing"}

    def make(count: int, day: int, area: str, mode: str = "online", **answers) -> None:
        responses_make(
            count,
            survey=survey,
            answers={**willing, "AREA": area, **answers},
            mode=mode,
            submitted_at=_at(day),
        )

    make(12, 2, "north")
    make(12, 3, "east", "telephone")
    make(12, 6, "south")
    make(12, 10, "north")
    make(3, 11, "east", "telephone", Q8="no_time")  # the three to be recognised
    make(15, 13, "south")
    make(10, 17, "east", "telephone")
    make(10, 18, "north")
    return survey


def _rows(report) -> list[tuple]:
    return [
        (r.row.question, r.row.item, r.row.net, r.row.base, r.row.local_percent)
        for s in report.sections
        for r in s.rows
    ]


def test_the_fieldwork_is_cut_into_periods_of_at_least_10(fieldwork):
    whole = periods_partition(survey=fieldwork)
    assert [(p.label, p.respondents) for p in whole] == [
        ("2–8 March 2026", 36),
        ("9–15 March 2026", 30),
        ("16–22 March 2026", 20),
    ]
    # Within telephone answers from the east, the second week (3) joins the third (10).
    narrowed = periods_partition(survey=fieldwork, filters=ResponseFilters(**NARROW))
    assert [(p.label, p.respondents) for p in narrowed] == [
        ("2–8 March 2026", 12),
        ("9–22 March 2026", 13),
    ]


@pytest.mark.parametrize("narrow", [{}, NARROW], ids=["everyone", "telephone-east"])
def test_no_two_allowed_ranges_differ_by_fewer_than_10(fieldwork, narrow):
    """Every from/to pair the periods allow, against every other: their difference is whole
    periods, each of at least 10 within the selection, or nothing."""
    base = ResponseFilters(**narrow)
    periods = periods_partition(survey=fieldwork, filters=base)
    ranges = [
        ResponseFilters(**narrow, submitted_from=a.start, submitted_to=b.end)
        for a, b in itertools.combinations_with_replacement(periods, 2)
    ]

    def size(f: ResponseFilters) -> int:
        return survey_respondent_summary(survey=fieldwork, filters=f).respondents

    for f in ranges:
        assert periods_safe(survey=fieldwork, filters=f)
        assert size(f) >= 10
    for f, g in itertools.permutations(ranges, 2):
        # What f holds beyond g: f minus the days both cover.
        start = max(f.submitted_from, g.submitted_from)
        end = min(f.submitted_to, g.submitted_to)
        both = size(replace(f, submitted_from=start, submitted_to=end)) if start <= end else 0
        assert size(f) - both == 0 or size(f) - both >= 10, (f, g)


def test_dates_off_the_periods_are_refused_by_the_disclosure_check(fieldwork):
    """Whatever forgets to snap is refused, not shown: the check is the policy's."""
    with pytest.raises(SelectionTooSmall, match="whole periods"):
        selection_disclosure_check(
            survey=fieldwork,
            filters=ResponseFilters(
                submitted_from=dt.date(2026, 3, 2), submitted_to=_at(11).date()
            ),
        )
    snapped = dates_snap(
        survey=fieldwork,
        filters=ResponseFilters(submitted_from=dt.date(2026, 3, 1), submitted_to=_at(11).date()),
    )
    assert snapped.changed and snapped.words == "2–15 March 2026"
    assert selection_disclosure_check(survey=fieldwork, filters=snapped.filters) == 66


def test_the_report_form_offers_periods_not_free_dates(fieldwork):
    form = ReportFiltersForm({"weighting": "unweighted"}, survey=fieldwork)
    assert form.fields["submitted_from"].label == "From period"
    assert [v for v, _ in form.fields["submitted_from"].widget.choices] == [
        "",
        "2026-03-02",
        "2026-03-09",
        "2026-03-16",
    ]
    assert [v for v, _ in form.fields["submitted_to"].widget.choices] == [
        "",
        "2026-03-08",
        "2026-03-15",
        "2026-03-22",
    ]
    html = str(form["submitted_to"])
    assert "<select" in html and "9–15 March 2026" in html


@pytest.mark.parametrize("narrow", [{}, NARROW], ids=["everyone", "telephone-east"])
def test_the_attack_through_the_report_page_recovers_nothing(officer_client, fieldwork, narrow):
    url = reverse("officers:report", args=[fieldwork.slug])
    views = []
    for start, end in ATTACK:
        page = officer_client.get(
            url,
            {"weighting": "unweighted", "submitted_from": start, "submitted_to": end, **narrow},
        )
        assert page.status_code == 200
        assert "report" in page.context, page.context.get("problem")
        html = page.content.decode()
        assert "the whole periods of this selection those dates fall in" in html
        # Said beside the figures too, with what was asked for: never widened silently.
        assert 'id="dates-widened"' in html and "You chose " in html
        views.append(page.context["report"])
    first, second = views
    assert first.comparison.respondents == second.comparison.respondents
    assert first.comparison.filters == second.comparison.filters
    assert _rows(first) == _rows(second)
    # The selects show the periods used.
    form = page.context["form"]
    assert form.data["submitted_to"] == ("2026-03-15" if not narrow else "2026-03-22")


def test_the_attack_through_a_breakdown_recovers_nothing(officer_client, fieldwork):
    url = reverse("officers:report", args=[fieldwork.slug])
    breakdowns = []
    for start, end in ATTACK:
        page = officer_client.get(
            url,
            {
                "weighting": "unweighted",
                "submitted_from": start,
                "submitted_to": end,
                "breakdown": "AREA",
            },
        )
        b = page.context["report"].breakdown
        cells = [(r.all.__dict__, [c.__dict__ for c in r.cells]) for r in b.rows]
        breakdowns.append((b.categories, cells))
    assert breakdowns[0] == breakdowns[1]
    # 2-15 March is whole periods of the survey's, but not of the east ward's (its 3 on 11
    # March join the next week there): the east column is hidden, and another with it.
    columns = {code: n for code, _label, n in breakdowns[0][0]}
    assert columns["east"] == "fewer than 10"
    assert sum(1 for n in columns.values() if n == "fewer than 10") >= 2


def test_the_dashboard_counts_whole_periods_only(officer_client, fieldwork):
    page = officer_client.get(reverse("officers:dashboard", args=[fieldwork.slug]))
    board = page.context["board"]
    assert [(t.label, t.text) for t in board.by_period] == [
        ("2–8 March 2026", "36"),
        ("9–15 March 2026", "30"),
        ("16–22 March 2026", "20"),
    ]
    html = page.content.decode()
    assert "Complete responses by period" in html and "Wed 11 Mar" not in html


@pytest.mark.parametrize("narrow", [{}, NARROW], ids=["everyone", "telephone-east"])
def test_the_attack_through_the_exports_recovers_nothing(
    officer_client, fieldwork, narrow, django_capture_on_commit_callbacks
):
    files = []
    for start, end in ATTACK:
        with django_capture_on_commit_callbacks(execute=True):  # the build runs on commit
            officer_client.post(
                reverse("officers:exports", args=[fieldwork.slug]),
                {
                    "kind": Export.Kind.CSV,
                    "weighting": "unweighted",
                    "submitted_from": start,
                    "submitted_to": end,
                    **narrow,
                },
            )
        export = Export.objects.latest("pk")
        assert export.status == Export.Status.READY, export.message
        assert export.filters["submitted_from"] == "2026-03-02"
        assert export.filters["submitted_to"] == ("2026-03-15" if not narrow else "2026-03-22")
        text = Path(export.file.path).read_text(encoding="utf-8-sig")
        files.append(list(csv.reader(io.StringIO(text))))
    assert files[0] == files[1]
    assert any("2 March 2026" in " ".join(row) for row in files[0])


@pytest.mark.parametrize("narrow", [[], ["--mode", "telephone", "--area", "east"]])
def test_the_attack_through_compare_recovers_nothing(fieldwork, narrow):
    outputs = []
    for start, end in ATTACK:
        out, err = io.StringIO(), io.StringIO()
        call_command(
            "compare",
            fieldwork.slug,
            "--unweighted",
            "--format",
            "csv",
            "--from",
            start,
            "--to",
            end,
            *narrow,
            stdout=out,
            stderr=err,
        )
        assert "the whole periods of this selection those dates fall in" in err.getvalue()
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1]
    assert len(outputs[0].splitlines()) > 10
