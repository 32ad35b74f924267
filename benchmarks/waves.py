"""Time the comparison of two waves of 100,000 responses each against the raw SQL it rests on.

Needs PostgreSQL. Run from the repository root:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/collab_bench
    .venv/bin/python benchmarks/waves.py

The first run migrates the database and loads two synthetic waves of one council's survey
(100,000 complete responses each, about 34 answer rows each, with COPY, as
benchmarks/comparison.py loads its surveys); later runs reuse them. Both are weighted to age,
sex and area targets, and the later one is linked to the earlier as its next wave. Then, in one
run, interleaved, several times each: the full weighted wave comparison
(``results.waves.survey_compare_waves``: each wave's comparison, every change tested and
adjusted) and its floor, the raw SQL GROUP BY over the same answer rows of both waves, with
the median of each and their ratio. Results are printed as a Markdown section to paste into
docs/benchmarks.md under "## Wave comparison".
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django_scopes import scopes_disabled

# Importing the comparison benchmark sets Django up, as it does for itself.
from benchmarks.comparison import (
    RAW_SQL,
    survey_build,
    targets_ensure,
)
from results.comparison import survey_compare
from results.models import NationalFigure
from results.selectors import counting_transaction
from results.services import survey_reweight
from results.waves import survey_compare_waves
from surveys.models import Item, Question, Survey

SIZE = 100_000
WAVES = ("bench-wave-2025", "bench-wave-2026")
REPEATS = 5


def _timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("Run this with DATABASE_URL pointing at PostgreSQL.")
    settings.DEBUG = False  # Django keeps every query in memory while DEBUG is on.
    call_command("migrate", verbosity=0)

    build_times = {}
    waves: dict[str, Survey] = {}
    for slug in WAVES:
        start = time.perf_counter()
        survey = survey_build(slug=slug, size=SIZE)
        if not survey.weighting_runs.exists():
            targets_ensure(survey)
            survey_reweight(survey_id=survey.id)
        waves[slug] = survey
        build_times[slug] = time.perf_counter() - start
    earlier, later = waves[WAVES[0]], waves[WAVES[1]]
    Survey.objects.filter(pk=earlier.pk).update(wave_label="2025")
    Survey.objects.filter(pk=later.pk).update(wave_label="2026", previous_wave=earlier)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE surveys_response")

    figures = NationalFigure.objects.filter(subgroup_question_code="")
    questionnaire = later.questionnaire
    figure_items = list(
        Item.objects.filter(
            question__questionnaire=questionnaire,
            question__code__in=figures.values("question_code"),
            code__in=figures.exclude(item_code="").values("item_code"),
        ).values_list("id", flat=True)
    )
    whole_questions = list(
        Question.objects.filter(
            questionnaire=questionnaire,
            code__in=figures.filter(item_code="").values("question_code"),
        ).values_list("id", flat=True)
    )

    def raw() -> None:
        # The floor: the one GROUP BY each wave's figures need, for both waves.
        with counting_transaction(), connection.cursor() as cursor:
            for survey in (later, earlier):
                cursor.execute(
                    RAW_SQL,
                    {"survey": survey.id, "items": figure_items, "questions": whole_questions},
                )
                cursor.fetchall()

    result = {}
    # Time spent in each kind of statement, over both waves' comparisons (as in
    # benchmarks/comparison.py): the GROUP BYs over answers (cells, by weighting cell for the
    # design-based variance), the one for published subgroups, the respondents (by mode and by
    # weighting cell), and every other query.
    spent: dict[str, float] = {}
    parts: dict[str, list[float]] = {"cells": [], "subgroups": [], "respondents": [], "other": []}

    def by_statement(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            if '"by_mode"' in sql or ("weight_cell" in sql and "surveys_answer" not in sql):
                part = "respondents"
            elif '"subgroup_option_id"' in sql:
                part = "subgroups"
            elif 'FROM "surveys_answer"' in sql and "GROUP BY" in sql:
                part = "cells"
            else:
                part = "other"
            spent[part] = spent.get(part, 0.0) + time.perf_counter() - start

    def compare() -> None:
        spent.clear()
        with connection.execute_wrapper(by_statement):
            survey = Survey.objects.get(pk=later.pk)  # fresh: nothing carried between runs
            result["waves"] = survey_compare_waves(survey=survey, weighted=True)
        for part in parts:
            parts[part].append(spent.get(part, 0.0))

    def separately() -> None:
        # What the wave comparison costs beyond comparing each wave on its own.
        for survey in (later, earlier):
            survey_compare(survey=Survey.objects.get(pk=survey.pk), weighted=True)

    load_before = os.getloadavg()
    raw()
    compare()  # warm-up of each, not counted
    separately()
    for part in parts.values():
        part.clear()
    raw_times, compare_times, separate_times = [], [], []
    for _ in range(REPEATS):
        raw_times.append(_timed(raw))
        compare_times.append(_timed(compare))
        separate_times.append(_timed(separately))
    load_after = os.getloadavg()
    raw_median = statistics.median(raw_times)
    compare_median = statistics.median(compare_times)
    ratio = compare_median / raw_median
    paired = statistics.median(c / r for c, r in zip(compare_times, raw_times, strict=True))
    comparison = result["waves"]
    pairs = list(zip(compare_times, separate_times, strict=True))
    python_times = [
        total - sum(part[i] for part in parts.values()) for i, total in enumerate(compare_times)
    ]

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM surveys_answer WHERE survey_id = ANY(%s)",
            [[earlier.id, later.id]],
        )
        answer_rows = cursor.fetchone()[0]
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]

    def runs(times: list[float]) -> str:
        return ", ".join(f"{t * 1000:.0f}" for t in times)

    lines = [
        "## Wave comparison",
        "",
        f"`benchmarks/waves.py`: two waves of one council's survey, {SIZE:,} complete "
        f"responses each ({answer_rows:,} answer rows in all, loaded with COPY), each weighted "
        "to age, sex and area targets, the later linked to the earlier. "
        f"{REPEATS} interleaved runs of each side after one warm-up each, in one run; no "
        "application cache.",
        "",
        "| measure | median | runs (ms) |",
        "| --- | --- | --- |",
        "| raw SQL floor: the one GROUP BY (count, sum w, sum w²) over the answers of every "
        "question and item with an all-adults figure, for each of the two waves, JIT off | "
        f"{raw_median * 1000:.0f} ms | {runs(raw_times)} |",
        "| full weighted wave comparison (`survey_compare_waves`: each wave's comparison with "
        f"its design-based intervals, {comparison.tests} changes tested and adjusted, wording "
        f"checked) | {compare_median * 1000:.0f} ms | {runs(compare_times)} |",
        "| for reference: the two waves' national comparisons (`survey_compare`), one after "
        f"the other | {statistics.median(separate_times) * 1000:.0f} ms | "
        f"{runs(separate_times)} |",
        "| ratio wave comparison / the two comparisons on their own: median of the paired runs "
        "| "
        + f"{statistics.median(c / t for c, t in pairs):.2f}x"
        + " | "
        + ", ".join(f"{c / t:.2f}" for c, t in pairs)
        + " |",
        "| ratio wave comparison / raw SQL floor: of the medians; median of the paired runs | "
        f"{ratio:.2f}x; {paired:.2f}x | "
        + ", ".join(f"{c / r:.2f}" for c, r in zip(compare_times, raw_times, strict=True))
        + " |",
        *(
            f"| of the wave comparison: {words} | "
            f"{statistics.median(parts[part]) * 1000:.0f} ms | {runs(parts[part])} |"
            for part, words in (
                ("cells", "the GROUP BYs over answers, by weighting cell (both waves)"),
                ("subgroups", "the GROUP BYs for the published subgroups (both waves)"),
                ("respondents", "respondents by mode and by weighting cell (both waves)"),
                ("other", "other queries (surveys, baseline, questions, weighting runs)"),
            )
        ),
        "| of the wave comparison: Python (statistics, rows, tests of the changes) | "
        f"{statistics.median(python_times) * 1000:.0f} ms | {runs(python_times)} |",
        "",
        "- The wave comparison is each wave's own comparison (the engine's three counting "
        'statements per wave, as in "Comparison engine" above) and the tests of the changes '
        "in Python; it adds no statement of its own over the answers.",
        "- Loading and weighting the synthetic waves: "
        + (
            "reused from an earlier run."
            if max(build_times.values()) < 5
            else ", ".join(f"{t:.0f} s" for t in build_times.values()) + " (first run only)."
        ),
        f"- Machine: {os.cpu_count()} cores, Python {platform.python_version()}, PostgreSQL "
        f"{pg_version}. Load average (1, 5, 15 min) before timing "
        + ", ".join(f"{x:.1f}" for x in load_before)
        + ", after "
        + ", ".join(f"{x:.1f}" for x in load_after)
        + ".",
        "- Reproduce: create the database, then `DATABASE_URL=postgres://postgres@127.0.0.1:5432/"
        "collab_bench .venv/bin/python benchmarks/waves.py`.",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    with scopes_disabled():  # a benchmark sets up and reads its own councils' data
        main()
