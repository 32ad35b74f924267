"""Time and peak memory of building every export format for 10,000 and 100,000 responses.

Needs PostgreSQL. Run from the repository root:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/collab_bench_exports
    .venv/bin/python benchmarks/exports_at_scale.py

The first run migrates the database and loads two synthetic surveys with COPY (the responses
and answers of benchmarks/comparison.py, about 33 answer rows each, plus a household size and
a comment per respondent, nine in ten of them through the redaction step, with a theme or two);
later runs reuse them. Then each format is built for each survey through the real build path
(officers.services.export_build: the lease, the file saved through the exports storage, the
export's responses recorded), each in a fresh Python process of its own so that one build's
peak does not hide another's. Measured in that process: the wall time of export_build, and the
peak resident memory (ru_maxrss) above what the process held before the build, once Django and
the libraries the exports use (pandas, pyreadstat, openpyxl, reportlab) were loaded.

Export files go to a temporary MEDIA_ROOT, removed afterwards. Prints a Markdown section for
docs/benchmarks.md ("## Exports at scale"). ``--kinds mcsv,msav`` builds only those formats.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab.settings")

KINDS = ["csv", "xlsx", "sav", "pdf", "mcsv", "msav", "ccsv", "cxls"]
SIZES = {"bench-10k": 10_000, "bench-100k": 100_000}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def comments_ensure(survey) -> None:
    """A household size and a comment for every respondent; nine comments in ten through the
    redaction step (the tenth still waiting, so left out of the files), with one or two of
    five themes. Added once, in SQL."""
    from django.db import connection, transaction

    from officers.models import CommentCoding, Theme
    from surveys.models import Question

    if CommentCoding.objects.filter(survey=survey).exists():
        return
    questions = dict(
        Question.objects.filter(questionnaire=survey.questionnaire).values_list("code", "id")
    )
    themes = [
        Theme.objects.create(survey=survey, name=name, position=i).id
        for i, name in enumerate(["Buses", "Roads", "Parks", "Housing", "Council tax"])
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO surveys_answer (response_id, survey_id, question_id, item_id, option_id,"
            " text_value, number_value) SELECT id, survey_id, %s, NULL, NULL, '', 1 + id %% 6"
            " FROM surveys_response WHERE survey_id = %s",
            [questions["HOUSEHOLD"], survey.id],
        )
        cursor.execute(
            "INSERT INTO surveys_answer (response_id, survey_id, question_id, item_id, option_id,"
            " text_value, number_value) SELECT id, survey_id, %s, NULL, NULL,"
            " 'The buses to the town centre stop too early in the evening, and the path by"
            " the river floods every winter (' || id || ').', NULL"
            " FROM surveys_response WHERE survey_id = %s",
            [questions["COMMENTS"], survey.id],
        )
        cursor.execute(
            "INSERT INTO officers_commentcoding (answer_id, survey_id, redaction, redacted_text,"
            " quoted) SELECT id, survey_id,"
            " CASE WHEN id %% 10 = 0 THEN 'pending' ELSE 'clean' END, text_value, false"
            " FROM surveys_answer WHERE survey_id = %s AND question_id = %s",
            [survey.id, questions["COMMENTS"]],
        )
        for i, theme in enumerate(themes):
            cursor.execute(
                "INSERT INTO officers_commentcoding_themes (commentcoding_id, theme_id)"
                " SELECT id, %s FROM officers_commentcoding"
                " WHERE survey_id = %s AND (id %% 5 = %s OR id %% 7 = %s)",
                [theme, survey.id, i, i],
            )
        cursor.execute("ANALYZE surveys_answer")
        cursor.execute("ANALYZE officers_commentcoding")


def build_one(slug: str, kind: str) -> dict:
    """Build one export in this process and measure it."""
    import django

    django.setup()
    import openpyxl  # noqa: F401  (loaded before the baseline: libraries are not the build)
    import pandas  # noqa: F401
    import pyreadstat  # noqa: F401
    import reportlab.platypus  # noqa: F401
    from django.conf import settings
    from django_scopes import scopes_disabled

    import officers.report_paper  # noqa: F401
    from officers.models import Export
    from officers.services import export_build
    from surveys.models import Survey

    settings.DEBUG = False  # Django keeps every query in memory while DEBUG is on.
    with scopes_disabled():
        survey = Survey.objects.get(slug=slug)
        export = Export.objects.create(survey=survey, kind=kind)
        baseline = _rss_mb()
        started = time.perf_counter()
        built = export_build(export_id=export.pk)
        seconds = time.perf_counter() - started
        peak = _rss_mb()
        assert built.status == Export.Status.READY, (kind, built.status, built.message)
        size = built.file.size
        built.file.delete(save=False)
        built.delete()
    return {"seconds": seconds, "peak_mb": peak - baseline, "rss_mb": peak, "bytes": size}


def main(kinds: list[str]) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django_scopes import scopes_disabled

    if connection.vendor != "postgresql":
        sys.exit("Run this with DATABASE_URL pointing at PostgreSQL.")
    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    from comparison import survey_build  # benchmarks/comparison.py: the same synthetic data

    with scopes_disabled():
        for slug, size in SIZES.items():
            comments_ensure(survey_build(slug=slug, size=size))
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE surveys_response")
    connection.close()

    results: dict[tuple[str, str], dict] = {}
    with tempfile.TemporaryDirectory(prefix="collab-bench-exports-") as media:
        env = {**os.environ, "MEDIA_ROOT": media}
        for kind in kinds:
            for slug in SIZES:
                out = subprocess.run(
                    [sys.executable, __file__, "--one", slug, kind],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if out.returncode:
                    sys.exit(f"{kind} {slug} failed:\n{out.stderr}")
                results[kind, slug] = json.loads(out.stdout.strip().splitlines()[-1])
                r = results[kind, slug]
                print(
                    f"{kind} {slug}: {r['seconds']:.1f} s, +{r['peak_mb']:.0f} MB",
                    file=sys.stderr,
                )

    from officers.models import Export

    labels = dict(Export.Kind.choices)
    print("## Exports at scale\n")
    print(
        f"`benchmarks/exports_at_scale.py`, Python {platform.python_version()}, PostgreSQL "
        "on loopback, exports saved to a folder on this machine. Each build in a process of "
        "its own; peak is the growth of its resident memory (ru_maxrss) during "
        "export_build.\n"
    )
    print(
        "| format | 10,000: time | 10,000: peak | 100,000: time | 100,000: peak "
        "| peak 100k / 10k | file at 100k |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for kind in kinds:
        small, big = results[kind, "bench-10k"], results[kind, "bench-100k"]
        ratio = big["peak_mb"] / small["peak_mb"] if small["peak_mb"] > 0.5 else float("nan")
        print(
            f"| {kind}: {labels[kind]} | {small['seconds']:.1f} s | {small['peak_mb']:.0f} MB "
            f"| {big['seconds']:.1f} s | {big['peak_mb']:.0f} MB | {ratio:.1f} "
            f"| {big['bytes'] / 2**20:.1f} MB |"
        )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(build_one(sys.argv[2], sys.argv[3])))
    else:
        chosen = KINDS
        if sys.argv[1:2] == ["--kinds"]:
            chosen = sys.argv[2].split(",")
        main(chosen)
