"""What the split-sample trigger (surveys/migrations/0010_answer_same_half.py) costs on insert.

Needs the database benchmarks/comparison.py loads (its 10,000-response survey). Run from the
repository root:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/collab_bench \\
        .venv/bin/python benchmarks/answer_trigger.py

Each run deletes the 10,000-response survey's answer rows and inserts them again (340,000
rows, about 200,000 of them answers to grid items) inside a transaction that is rolled back,
once with the trigger and once with it disabled in the same transaction; 5 runs of each,
interleaved. Rolled-back inserts leave dead rows, so the answers table is compacted
(VACUUM FULL) afterwards, as comparison.py expects it. Prints a Markdown paragraph.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab.settings")

import django
from django_scopes import scopes_disabled

django.setup()

from django.db import connection, transaction  # noqa: E402

from surveys.models import Answer, Survey  # noqa: E402

RUNS = 5


def _insert_again(survey_id: int, *, trigger: bool) -> float:
    """Seconds to insert the survey's answer rows again, in a transaction rolled back."""
    with transaction.atomic(), connection.cursor() as cursor:
        if not trigger:
            cursor.execute("ALTER TABLE surveys_answer DISABLE TRIGGER answer_same_half")
        cursor.execute(
            "CREATE TEMP TABLE again ON COMMIT DROP AS SELECT * FROM surveys_answer "
            "WHERE survey_id = %s",
            [survey_id],
        )
        cursor.execute("DELETE FROM surveys_answer WHERE survey_id = %s", [survey_id])
        start = time.perf_counter()
        cursor.execute("INSERT INTO surveys_answer SELECT * FROM again")
        elapsed = time.perf_counter() - start
        transaction.set_rollback(True)
    return elapsed


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("Run this with DATABASE_URL pointing at PostgreSQL (the trigger is PostgreSQL's).")
    survey = Survey.objects.filter(slug="bench-10k").first()
    if survey is None:
        sys.exit("Run benchmarks/comparison.py first: it loads the survey this one reads.")
    rows = Answer.objects.filter(survey=survey).count()
    grid_rows = Answer.objects.filter(survey=survey, item__isnull=False).count()
    with_trigger, without = [], []
    try:
        for _ in range(RUNS):
            with_trigger.append(_insert_again(survey.pk, trigger=True))
            without.append(_insert_again(survey.pk, trigger=False))
    finally:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM FULL ANALYZE surveys_answer")
    extra = statistics.median(w - o for w, o in zip(with_trigger, without, strict=True))
    print(
        f"Inserting {rows:,} answer rows ({grid_rows:,} of them grid answers, which the "
        f"trigger checks), {RUNS} interleaved runs: median "
        f"{statistics.median(with_trigger):.2f} s with the trigger "
        f"({', '.join(f'{t:.2f}' for t in with_trigger)}) and "
        f"{statistics.median(without):.2f} s without it "
        f"({', '.join(f'{t:.2f}' for t in without)}); the trigger adds a median of "
        f"{extra:.2f} s, {extra / grid_rows * 1e6:.1f} microseconds a grid answer. Load "
        f"average after: {', '.join(f'{x:.1f}' for x in os.getloadavg())}."
    )


if __name__ == "__main__":
    with scopes_disabled():  # a benchmark sets up and reads its own councils' data
        main()
