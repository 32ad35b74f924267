"""Time the weighted comparison of 100,000 responses against the raw SQL GROUP BY it rests on.

Needs PostgreSQL. Run from the repository root:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/collab_bench
    .venv/bin/python benchmarks/comparison.py

The first run migrates the database and loads two synthetic surveys (10,000 and 100,000 complete
responses, about 33 answer rows each) with COPY; later runs reuse them. Then, in one run:

- weighting the 100,000 responses to age, sex and area targets (the whole service: reading the
  margins, raking, writing the weights back), timed;
- the full weighted comparison (``survey_compare``) and the raw SQL GROUP BY over the same answer
  rows, interleaved, several times each, with the median of each and their ratio; the raw SQL
  runs with the session settings the engine's counting statements use (JIT off), and once more
  with the server's defaults for reference; the engine's time is split by statement;
- peak Python memory (tracemalloc) of the comparison at 10,000 and at 100,000 responses.

Nothing is cached by the application between runs; PostgreSQL's buffer cache is warm for both
sides alike after one discarded warm-up of each. Weighting rewrites 100,000 response rows four
times; this server runs without autovacuum, so the script vacuums and analyses the responses
afterwards, as autovacuum would, before timing reads (both sides read the same tables). Results
are printed as a Markdown section to paste into docs/benchmarks.md under "## Comparison engine".
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
import tracemalloc
import uuid
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab.settings")

import django
from django_scopes import scopes_disabled

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from results.comparison import survey_compare  # noqa: E402
from results.models import NationalFigure, PopulationTarget  # noqa: E402
from results.selectors import counting_transaction, survey_answer_counts  # noqa: E402
from results.services import survey_reweight  # noqa: E402
from surveys.models import (  # noqa: E402
    Area,
    Council,
    Item,
    Option,
    Question,
    Questionnaire,
    Response,
    Survey,
)

SIZES = {"bench-10k": 10_000, "bench-100k": 100_000}
REPEATS = 9
AREAS = [f"ward-{i:02d}" for i in range(1, 11)]
RNG = np.random.default_rng(2014)

RAW_SQL = """
SELECT a.question_id, a.item_id, a.option_id,
       count(*), sum(r.weight), sum(r.weight * r.weight)
FROM surveys_answer a
JOIN surveys_response r ON r.id = a.response_id
WHERE a.survey_id = %(survey)s AND r.survey_id = %(survey)s AND r.status = 'complete'
  AND (a.item_id = ANY(%(items)s) OR a.question_id = ANY(%(questions)s))
GROUP BY a.question_id, a.item_id, a.option_id
"""


def _choice(options: list[int], n: int, skew: float = 0.0) -> np.ndarray:
    """One option id per respondent, earlier options a little likelier when skewed."""
    p = np.exp(-skew * np.arange(len(options)))
    return np.asarray(options)[RNG.choice(len(options), size=n, p=p / p.sum())]


def _distinct(options: list[int], n: int, k: int) -> np.ndarray:
    """k different option ids per respondent (multiple choice)."""
    picks = np.argsort(RNG.random((n, len(options))), axis=1)[:, :k]
    return np.asarray(options)[picks]


def survey_build(*, slug: str, size: int) -> Survey:
    """A survey with ``size`` complete responses, loaded with COPY; reused if already there."""
    existing = Survey.objects.filter(slug=slug).first()
    if existing and existing.responses.filter(status="complete").count() == size:
        return existing
    if existing:
        existing.delete()
    council, _ = Council.objects.get_or_create(slug="bench", defaults={"name": "Benchmark Council"})
    for position, code in enumerate(AREAS):
        Area.objects.get_or_create(
            council=council, code=code, defaults={"name": code, "position": position}
        )
    questionnaire = Questionnaire.objects.get(slug="collaborative-citizen-2014", version=1)
    survey = Survey.objects.create(
        council=council,
        questionnaire=questionnaire,
        title=f"Benchmark {size}",
        slug=slug,
        status=Survey.Status.LIVE,
        privacy_notice="Synthetic data.",
        contact="nobody@example.org",
    )
    questions = {q.code: q for q in Question.objects.filter(questionnaire=questionnaire)}
    options = {
        code: [o.id for o in Option.objects.filter(question=q).order_by("position")]
        for code, q in questions.items()
    }
    items = {
        code: [(i.id, i.split_arm) for i in Item.objects.filter(question=q).order_by("position")]
        for code, q in questions.items()
    }
    areas = {a.code: a.id for a in Area.objects.filter(council=council)}

    arms = np.where(RNG.random(size) < 0.5, "A", "B")
    modes = RNG.choice(["online", "paper", "telephone"], size=size, p=[0.7, 0.2, 0.1])
    area_codes = RNG.choice(AREAS, size=size)
    now = time.strftime("%Y-%m-%d %H:%M:%S+00")
    with transaction.atomic(), connection.cursor() as cursor:
        with cursor.copy(
            "COPY surveys_response (public_id, survey_id, split_arm, mode, status, draft, "
            "furthest_page, resume_code_hash, area_id, weight, started_at, submitted_at, "
            "erasure_code_hash, ref, updated_at, void_reason) FROM STDIN"
        ) as copy:
            for i in range(size):
                copy.write_row(
                    (
                        str(uuid.uuid4()),
                        survey.id,
                        arms[i],
                        modes[i],
                        "complete",
                        "{}",
                        7,
                        "",
                        areas[area_codes[i]],
                        1.0,
                        now,
                        now,
                        "",
                        "",
                        now,
                        "",
                    )
                )
        cursor.execute(
            "SELECT id FROM surveys_response WHERE survey_id = %s ORDER BY id", [survey.id]
        )
        ids = np.fromiter((row[0] for row in cursor.fetchall()), dtype=np.int64, count=size)

        # Answer columns: (response index, question code, item id or 0, option id or 0, text).
        rows: list[tuple[np.ndarray, str, np.ndarray | int, np.ndarray | int, str | None]] = []
        everyone = np.arange(size)

        def single(code: str, skew: float = 0.3) -> None:
            rows.append((everyone, code, 0, _choice(options[code], size, skew), None))

        for code in ("Q2", "Q8", "AGE", "SEX", "INTERNET", "CHILDREN", "WORK", "NEWSPAPER"):
            single(code)
        for code in ("Q4", "Q5", "Q6"):
            for item_id, _ in items[code]:
                rows.append((everyone, code, item_id, _choice(options[code], size, 0.2), None))
        for item_id, arm in items["Q3"]:
            asked = np.flatnonzero(arms == arm)
            rows.append((asked, "Q3", item_id, _choice(options["Q3"], asked.size, 0.4), None))
        for code, k, pool in (("Q1", 2, options["Q1"][:6]), ("Q7", 3, options["Q7"][:11])):
            picks = _distinct(pool, size, k)
            for column in range(k):
                rows.append((everyone, code, 0, picks[:, column], None))
        with cursor.copy(
            "COPY surveys_answer (response_id, survey_id, question_id, item_id, option_id, "
            "text_value, number_value) FROM STDIN"
        ) as copy:
            for who, code, item, option, _ in rows:
                question_id = questions[code].id
                item_ids = np.broadcast_to(item, who.shape)
                option_ids = np.broadcast_to(option, who.shape)
                for r, it, op in zip(
                    ids[who].tolist(), item_ids.tolist(), option_ids.tolist(), strict=True
                ):
                    copy.write_row((r, survey.id, question_id, it or None, op, "", None))
            area_question = questions["AREA"].id
            for r, code in zip(ids.tolist(), area_codes.tolist(), strict=True):
                copy.write_row((r, survey.id, area_question, None, None, code, None))
        cursor.execute("ANALYZE surveys_response")
        cursor.execute("ANALYZE surveys_answer")
    return survey


def targets_ensure(survey: Survey) -> None:
    """Census-like targets that the uniform synthetic sample misses, so raking has work."""
    PopulationTarget.objects.filter(survey=survey).delete()
    shares = {
        "AGE": {"15_24": 0.14, "25_34": 0.17, "35_44": 0.16, "45_54": 0.17, "55_64": 0.15,
                "65_74": 0.12, "75_plus": 0.09},
        "SEX": {"female": 0.51, "male": 0.49},
        "AREA": dict.fromkeys(AREAS, 0.1),
    }  # fmt: skip
    PopulationTarget.objects.bulk_create(
        PopulationTarget(survey=survey, margin=m, category=c, share=s)
        for m, categories in shares.items()
        for c, s in categories.items()
    )


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
    surveys = {}
    for slug, size in SIZES.items():
        build_times[slug] = _timed(
            lambda s=slug, n=size: surveys.__setitem__(s, survey_build(slug=s, size=n))
        )
    big = surveys["bench-100k"]

    reweigh_times = []
    for survey in surveys.values():
        targets_ensure(survey)
    survey_reweight(survey_id=surveys["bench-10k"].id)
    for _ in range(3):
        # From weights of 1 each time, so that every weight is written (a rerun with the same
        # targets writes nothing, and is timed separately below).
        Response.objects.filter(survey=big).update(weight=1.0)
        reweigh_times.append(_timed(lambda: survey_reweight(survey_id=big.id)))
    rerun_time = _timed(lambda: survey_reweight(survey_id=big.id))
    run = big.weighting_runs.first()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE surveys_response")

    # The same answer rows the comparison's main GROUP BY reads: the questions and grid items
    # that all-adults figures are published for.
    figures = NationalFigure.objects.filter(subgroup_question_code="")
    figure_items = list(
        Item.objects.filter(
            question__questionnaire=big.questionnaire,
            question__code__in=figures.values("question_code"),
            code__in=figures.exclude(item_code="").values("item_code"),
        ).values_list("id", flat=True)
    )
    whole_questions = list(
        Question.objects.filter(
            questionnaire=big.questionnaire,
            code__in=figures.filter(item_code="").values("question_code"),
        ).values_list("id", flat=True)
    )

    def raw_defaults() -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(
                RAW_SQL, {"survey": big.id, "items": figure_items, "questions": whole_questions}
            )
            return cursor.fetchall()

    def raw() -> None:
        with counting_transaction():
            raw_defaults()

    # Time spent in each statement of the comparison: the GROUP BY over answers (cells), the
    # one for published subgroups, the respondents by mode (and optional multiple-choice bases)
    # (respondents), and every other query.
    spent: dict[str, float] = {}

    def by_statement(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            if '"by_mode"' in sql:
                part = "respondents"
            elif '"subgroup_option_id"' in sql:
                part = "subgroups"
            elif 'FROM "surveys_answer"' in sql and "GROUP BY" in sql:
                part = "cells"
            else:
                part = "other"
            spent[part] = spent.get(part, 0.0) + time.perf_counter() - start

    parts: dict[str, list[float]] = {"cells": [], "subgroups": [], "respondents": [], "other": []}

    def compare() -> None:
        spent.clear()
        with connection.execute_wrapper(by_statement):
            survey = Survey.objects.get(pk=big.pk)  # fresh object: nothing carried between runs
            survey_compare(survey=survey, weighted=True)
        for part in parts:
            parts[part].append(spent.get(part, 0.0))

    # Both sides count the same rows: the engine's main GROUP BY gives the raw SQL's cells.
    raw_cells = sorted((n, round(w, 6)) for *_, n, w, _ in raw_defaults())
    engine_cells = sorted(
        (cell.n, round(cell.sum_w, 6))
        for cell in survey_answer_counts(
            survey=big,
            question_codes=figures.values_list("question_code", flat=True),
            item_codes=figures.exclude(item_code="").values_list("item_code", flat=True),
        ).values()
    )
    if raw_cells != engine_cells:
        sys.exit("The raw SQL and the comparison's main GROUP BY count different rows.")

    load_before = os.getloadavg()
    raw()
    raw_defaults()
    compare()  # warm-up of each, not counted
    for part in parts.values():
        part.clear()
    raw_times, compare_times, default_times = [], [], []
    for _ in range(REPEATS):
        raw_times.append(_timed(raw))
        compare_times.append(_timed(compare))
        default_times.append(_timed(raw_defaults))
    load_after = os.getloadavg()
    raw_median = statistics.median(raw_times)
    compare_median = statistics.median(compare_times)
    python_times = [
        total - sum(part[i] for part in parts.values()) for i, total in enumerate(compare_times)
    ]

    peaks = {}
    for slug, survey in surveys.items():
        tracemalloc.start()
        survey_compare(survey=Survey.objects.get(pk=survey.pk), weighted=True)
        peaks[slug] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM surveys_answer WHERE survey_id = %s", [big.id])
        answer_rows = cursor.fetchone()[0]
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]

    ratio = compare_median / raw_median
    # Each comparison over the raw SQL run just before it: on a shared machine whose load
    # drifts during the run, the ratio of the two medians can pair a quiet run with a busy one.
    paired = statistics.median(c / r for c, r in zip(compare_times, raw_times, strict=True))
    verdict = "met" if max(ratio, paired) <= 1.5 else "not met"

    def runs(times: list[float]) -> str:
        return ", ".join(f"{t * 1000:.0f}" for t in times)

    lines = [
        "## Comparison engine",
        "",
        f"`benchmarks/comparison.py`: a survey of 100,000 complete responses ({answer_rows:,} "
        "answer rows, loaded with COPY), weighted to age, sex and area targets. "
        f"{REPEATS} interleaved runs of each side after one warm-up each; no application cache "
        "(PostgreSQL's own buffer cache is warm for both sides alike).",
        "",
        "| measure | median | runs (ms) |",
        "| --- | --- | --- |",
        "| raw SQL: one GROUP BY (count, sum w, sum w²) over the answers of every question and "
        "item with an all-adults figure, JIT off as in the engine | "
        f"{raw_median * 1000:.0f} ms | {runs(raw_times)} |",
        "| full weighted comparison (`survey_compare`: 35 figures with CI, test and verdict, "
        f"subgroups, notes) | {compare_median * 1000:.0f} ms | {runs(compare_times)} |",
        f"| ratio comparison / raw SQL (goal at most 1.5x): of the medians; median of the "
        f"{REPEATS} paired runs | {ratio:.2f}x; {paired:.2f}x; {verdict} | "
        + ", ".join(f"{c / r:.2f}" for c, r in zip(compare_times, raw_times, strict=True))
        + " |",
        "| of the comparison: the GROUP BY over answers (the raw SQL's rows and sums) | "
        f"{statistics.median(parts['cells']) * 1000:.0f} ms | {runs(parts['cells'])} |",
        "| of the comparison: the GROUP BY for the three published subgroups (four items) | "
        f"{statistics.median(parts['subgroups']) * 1000:.0f} ms | {runs(parts['subgroups'])} |",
        "| of the comparison: respondents by mode (their cell is also the base of Q7, which is "
        "required) | "
        f"{statistics.median(parts['respondents']) * 1000:.0f} ms | "
        f"{runs(parts['respondents'])} |",
        "| of the comparison: other queries (survey, baseline, questions, codes) | "
        f"{statistics.median(parts['other']) * 1000:.0f} ms | {runs(parts['other'])} |",
        "| of the comparison: Python (statistics, rows, notes) | "
        f"{statistics.median(python_times) * 1000:.0f} ms | {runs(python_times)} |",
        "| for reference: the raw SQL with the server's defaults (JIT on) | "
        f"{statistics.median(default_times) * 1000:.0f} ms | {runs(default_times)} |",
        "| weighting 100,000 responses (`survey_reweight`: read three margins, rake, write "
        f"weights) | {statistics.median(reweigh_times) * 1000:.0f} ms | {runs(reweigh_times)} |",
        "",
        f"- Weighting: {run.iterations} iterations, efficiency {run.efficiency:.3f}, effective "
        f"base {run.effective_base:,.0f}, cap {run.cap:g}. The UPDATE of 100,000 response "
        "rows is made in place (the table leaves half of each page free, so no index gets "
        "a new entry); a rerun "
        f"with unchanged targets writes nothing and took {rerun_time * 1000:.0f} ms.",
        "- Peak Python memory of one comparison (tracemalloc): "
        f"{peaks['bench-10k'] / 1024:,.0f} KiB at 10,000 responses and "
        f"{peaks['bench-100k'] / 1024:,.0f} KiB at 100,000: only grouped counts reach Python.",
        "- Loading the synthetic data: "
        + (
            "reused from an earlier run."
            if max(build_times.values()) < 5
            else f"{build_times['bench-10k']:.1f} s for 10,000 and "
            f"{build_times['bench-100k']:.1f} s for 100,000 responses (first run only)."
        ),
        f"- Machine: {os.cpu_count()} cores, Python {platform.python_version()}, PostgreSQL "
        f"{pg_version}, numpy {np.__version__}. Load average (1, 5, 15 min) before timing "
        + ", ".join(f"{x:.1f}" for x in load_before)
        + ", after "
        + ", ".join(f"{x:.1f}" for x in load_after)
        + ".",
        "- Reproduce: create the database, then `DATABASE_URL=postgres://postgres@127.0.0.1:5432/"
        "collab_bench .venv/bin/python benchmarks/comparison.py`.",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    with scopes_disabled():  # a benchmark sets up and reads its own councils' data
        main()
