"""Time the officers' report page and dashboard for a survey of 100,000 responses, cold and warm.

Needs PostgreSQL and the survey ``bench-100k`` that benchmarks/comparison.py loads (run that
first). Run from the repository root:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/collab_bench
    .venv/bin/python benchmarks/report.py            # the local-memory cache
    CACHE_URL=redis://127.0.0.1:6379/9 .venv/bin/python benchmarks/report.py   # Redis

Pages are rendered whole through Django's test client (URL routing, session, scoping, the
cache, templates), signed in as an officer of the benchmark council (made if missing):

- cold: the page's cache entry removed first, so the comparison is computed (once);
- warm: the same page ``N`` more times, from the cache; p50 and p95;
- a filtered view (online answers in one ward) cold once, then warm;
- the dashboard cold once, then warm;
- ``officers.refresh_report`` (what Celery runs after each reweighting), from cold;
- the breakdown by age band (7 categories) computed in one pass, against one full comparison per
  category (how it was done before).

Results are printed as a Markdown section for "## Officer report" in docs/benchmarks.md.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab.settings")

import django
from django_scopes import scopes_disabled

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from officers.cache import survey_data_version  # noqa: E402
from officers.report import (  # noqa: E402
    breakdown_categories,
    default_weighted,
    report_breakdown,
    report_key,
    report_rows,
)
from officers.selectors import dashboard_key  # noqa: E402
from officers.services import report_refresh  # noqa: E402
from results.comparison import survey_compare  # noqa: E402
from results.selectors import ResponseFilters  # noqa: E402
from surveys.models import Survey  # noqa: E402

SLUG = "bench-100k"
N = 50
FILTERED = {"mode": "online", "area": "ward-01"}


def _ms(function) -> float:
    start = time.perf_counter()
    function()
    return (time.perf_counter() - start) * 1000


def _get(client: Client, url: str, params: dict | None = None):
    response = client.get(url, params or {})
    if response.status_code != 200:
        sys.exit(f"{url} {params or ''} answered {response.status_code}")
    return response


def _percentiles(times: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(times, n=20, method="inclusive")
    return statistics.median(times), cuts[18]


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("Run this with DATABASE_URL pointing at PostgreSQL.")
    settings.DEBUG = False  # Django keeps every query in memory while DEBUG is on.
    call_command("migrate", verbosity=0)

    survey = Survey.objects.select_related("council").filter(slug=SLUG).first()
    if survey is None:
        sys.exit(f"No survey '{SLUG}': run benchmarks/comparison.py first to load it.")
    officer, _ = User.objects.get_or_create(username="bench-officer")
    survey.council.members.add(officer)
    client = Client()
    client.force_login(officer)

    version = survey_data_version(survey_id=survey.pk)
    complete = survey.responses.filter(status="complete").count()
    weighted = default_weighted(survey=survey)
    report_url = reverse("officers:report", args=[SLUG])
    dashboard_url = reverse("officers:dashboard", args=[SLUG])
    filters = ResponseFilters(mode=FILTERED["mode"], area=FILTERED["area"])
    keys = [
        report_key(survey=survey, version=version, filters=ResponseFilters(), weighted=w)
        for w in (True, False)
    ] + [
        report_key(survey=survey, version=version, filters=filters, weighted=weighted),
        dashboard_key(survey=survey, version=version),
    ]

    def forget() -> None:
        cache.delete_many(keys)

    version_ms = sorted(_ms(lambda: survey_data_version(survey_id=survey.pk)) for _ in range(N))

    forget()
    rows: list[tuple[str, float, float, float]] = []
    for label, url, params in (
        ("report, weighted, no filters", report_url, None),
        (f"report, weighted, filtered ({FILTERED})", report_url, FILTERED),
        ("dashboard", dashboard_url, None),
    ):
        cold = _ms(lambda u=url, p=params: _get(client, u, p))
        warm = [_ms(lambda u=url, p=params: _get(client, u, p)) for _ in range(N)]
        rows.append((label, cold, *_percentiles(warm)))

    forget()
    refresh_ms = _ms(lambda: report_refresh(survey_id=survey.pk))

    rows_all = report_rows(
        survey=survey, comparison=survey_compare(survey=survey, weighted=weighted)
    )
    one_pass_ms = _ms(
        lambda: report_breakdown(
            survey=survey,
            filters=ResponseFilters(),
            weighted=weighted,
            question_code="AGE",
            rows=rows_all,
        )
    )
    ages = breakdown_categories(survey=survey, question_code="AGE")
    per_category_ms = _ms(
        lambda: [
            survey_compare(
                survey=survey,
                weighted=weighted,
                filters=ResponseFilters().with_subgroup("AGE", code),
            )
            for code, _ in ages
        ]
    )

    load = os.getloadavg()
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    print("## Officer report\n")
    print(
        f"`benchmarks/report.py`: the survey of {complete:,} complete responses made by "
        f"`benchmarks/comparison.py`, {'weighted' if weighted else 'unweighted'}; pages "
        f"rendered whole with Django's test client, signed in as the council's officer; cache "
        f"{backend}. Cold = the page's cache entry removed first; warm = {N} renders after.\n"
    )
    print("| page | cold (ms) | warm p50 (ms) | warm p95 (ms) |")
    print("| --- | --- | --- | --- |")
    for label, cold, p50, p95 in rows:
        print(f"| {label} | {cold:.0f} | {p50:.1f} | {p95:.1f} |")
    print()
    print(
        f"- The data version query (one per page): median {statistics.median(version_ms):.1f} ms."
    )
    print(
        f"- `officers.refresh_report` from cold (weighted and unweighted reports and the "
        f"dashboard, what Celery runs after each reweighting): {refresh_ms:.0f} ms."
    )
    print(
        f"- Breakdown by age band ({len(ages)} categories), cold: {one_pass_ms:.0f} ms in one "
        f"pass, against {per_category_ms:.0f} ms for one full comparison per category."
    )
    print(
        f"- Machine: {os.cpu_count()} cores, Python {platform.python_version()}, PostgreSQL "
        f"{pg}; load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 min) "
        "at the end of the run."
    )


if __name__ == "__main__":
    with scopes_disabled():  # a benchmark sets up and reads its own councils' data
        main()
