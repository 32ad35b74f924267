"""Time the import of 10,000 paper responses from CSV on the SQLite default.

Run from the repository root:

    .venv/bin/python benchmarks/import_responses.py

It uses a SQLite database of its own in a temporary folder (the project's db.sqlite3 is not
touched), migrated once. 10,000 valid responses to the 2014 questionnaire are drawn as the demo
draws them (demo_setup.answers_draw, both halves of the split sample), written as the import
file (surveys.imports.responses_csv, about 3.5 MB), and imported three times through the same
path as the officers' page and ``manage.py import_responses``: decode, parse and check the
columns and codes, validate every row with the question kinds, then one transaction of bulk
inserts. Each run starts from an empty survey. Prints the median of 3 as a Markdown section for
docs/benchmarks.md ("## Paper import").
"""

from __future__ import annotations

import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
TMP = tempfile.mkdtemp(prefix="collab-import-bench-")
os.environ["DATABASE_URL"] = f"sqlite:///{TMP}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab.settings")

import django  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from surveys.imports import bytes_decode, responses_csv, responses_import  # noqa: E402
from surveys.management.commands.demo_setup import answers_draw  # noqa: E402
from surveys.models import Answer, Area, Council, Questionnaire, Response, Survey  # noqa: E402
from surveys.services import spec_for  # noqa: E402

ROWS = 10_000
RUNS = 3
GOAL_SECONDS = 30.0


def survey_make() -> Survey:
    council = Council.objects.create(name="Benchmark Borough Council", slug="bench")
    for i, name in enumerate(["Abbey", "Brookside", "Castle", "Dockside", "Eastfield"]):
        Area.objects.create(council=council, code=name.lower(), name=name, position=i)
    return Survey.objects.create(
        council=council,
        questionnaire=Questionnaire.objects.get(slug="collaborative-citizen-2014", version=1),
        title="Benchmark",
        slug="bench",
        status=Survey.Status.LIVE,
        privacy_notice="Benchmark.",
        contact="bench@example.org",
    )


def main() -> None:
    call_command("migrate", verbosity=0)
    survey = survey_make()
    spec = spec_for(survey)
    rng = random.Random(2014)
    drafts = []
    for _ in range(ROWS):
        arm = rng.choice("AB")
        drafts.append((arm, answers_draw(spec, arm, rng)))
    data = responses_csv(spec=spec, drafts=drafts).encode()

    times, cpu_times = [], []
    for _ in range(RUNS):
        Answer.objects.filter(survey=survey).delete()
        Response.objects.filter(survey=survey).delete()
        started, cpu_started = time.perf_counter(), time.process_time()
        text = bytes_decode(data, max_bytes=len(data) + 1)
        stored = responses_import(survey=survey, text=text)
        times.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu_started)
        assert stored == ROWS, stored
    answers = Answer.objects.filter(survey=survey).count()
    median = statistics.median(times)
    cpu = os.cpu_count()
    print("## Paper import\n")
    print(
        f"`surveys.imports.responses_import` of {ROWS:,} paper responses to the 2014 questionnaire "
        f"from a {len(data) / 2**20:.1f} MB CSV file ({answers:,} answer rows), on SQLite "
        f"{connection.Database.sqlite_version} (the default, a file database); {RUNS} runs, "
        "each into an empty survey: decode, check columns and codes, validate every row with "
        "the question kinds, then one transaction of bulk inserts.\n"
    )
    print(
        f"- Median: {median:.2f} s (runs: {', '.join(f'{t:.2f}' for t in times)} s); "
        f"goal under {GOAL_SECONDS:.0f} s: {'met' if median < GOAL_SECONDS else 'NOT met'}."
    )
    print(
        f"- CPU time of this process (SQLite runs in it): median "
        f"{statistics.median(cpu_times):.2f} s; wall-clock above this is waiting for the disk "
        f"or for the CPU (load average {os.getloadavg()[0]:.1f} at the end of the runs)."
    )
    print(
        f"- Machine: {cpu} cores ({platform.processor() or platform.machine()}), "
        f"Python {platform.python_version()}, Django {django.get_version()}."
    )
    print(
        "- Reproduce: `.venv/bin/python benchmarks/import_responses.py` from the repository root."
    )


if __name__ == "__main__":
    with scopes_disabled():  # a benchmark sets up and reads its own councils' data
        main()
