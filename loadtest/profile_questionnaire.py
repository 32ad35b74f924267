"""Where a resident's questionnaire spends the server's CPU: the load test's journey run
in-process through Django's test client, so a profiler sees every function.

    .venv/bin/python loadtest/profile_questionnaire.py [--residents 30] [--profile cprofile]
        [--skip-refresh]

It uses the load test's set-up (its own PostgreSQL database, default collab_profile, on the
server of $DATABASE_URL; production settings, DEBUG off) and its answers, then has
--residents residents each make the same 20 requests as loadtest/run.py (landing, Start,
GET and POST of the 8 pages, GET and POST of "Check your answers"). It reports the Python
CPU per questionnaire and per kind of request, and the SQL statements per request; with
--profile cprofile, the functions that took the most time. PostgreSQL's own CPU is not in
these figures: loadtest/run.py measures it.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

from django_scopes import scopes_disabled

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # the load test's set-up, shared

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=30)
    parser.add_argument("--warm-up", type=int, default=3, help="residents before measuring")
    parser.add_argument("--profile", choices=["cprofile", "none"], default="none")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative", help="pstats sort key")
    parser.add_argument("--database", default="collab_profile")
    parser.add_argument(
        "--skip-refresh",
        action="store_true",
        help="leave out the officers' report refresh each submission queues (with no broker "
        "it runs in the request; deployed, a Celery worker runs it)",
    )
    args = parser.parse_args()

    maintenance, database_url = run.database_urls(args.database)
    run.database_recreate(maintenance, args.database)
    run.django_setup(run.server_env(database_url))
    if args.skip_refresh:
        import officers.services

        officers.services.report_refresh_send = lambda **kwargs: None
    run.survey_create()
    payloads = run.page_payloads(args.residents + args.warm_up, seed=2014)

    from django.db import connection
    from django.test import Client

    cpu: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    queries: dict[str, int] = defaultdict(int)
    current = {"kind": ""}

    def count_queries(execute, sql, params, many, context):
        queries[current["kind"]] += 1
        return execute(sql, params, many, context)

    def one_resident(pages: list[dict]) -> None:
        client = Client(
            enforce_csrf_checks=True,
            HTTP_HOST="127.0.0.1",
            HTTP_X_FORWARDED_PROTO="https",
            HTTP_ORIGIN="https://127.0.0.1",
        )
        token = ""

        def request(kind: str, method: str, path: str, data=None, expect=200):
            nonlocal token
            current["kind"] = kind
            started = time.process_time()
            if method == "GET":
                reply = client.get(path)
            else:
                reply = client.post(path, {**(data or {}), "csrfmiddlewaretoken": token})
            cpu[kind] += time.process_time() - started
            count[kind] += 1
            if reply.status_code != expect:
                raise SystemExit(f"{kind} {path}: HTTP {reply.status_code}")
            if method == "GET":
                match = CSRF_INPUT.search(reply.content.decode())
                token = match.group(1) if match else token

        slug = run.SLUG
        request("landing GET", "GET", f"/s/{slug}/")
        request("start POST", "POST", f"/s/{slug}/start/", expect=302)
        for number, data in enumerate(pages, start=1):
            request("page GET", "GET", f"/s/{slug}/page/{number}/")
            request("page POST", "POST", f"/s/{slug}/page/{number}/", data, expect=302)
        request("review GET", "GET", f"/s/{slug}/check-your-answers/")
        request("submit POST", "POST", f"/s/{slug}/check-your-answers/", expect=302)

    for pages in payloads[: args.warm_up]:
        one_resident(pages)
    cpu.clear(), count.clear(), queries.clear()

    profiler = cProfile.Profile() if args.profile == "cprofile" else None
    with connection.execute_wrapper(count_queries):
        started = time.process_time()
        if profiler:
            profiler.enable()
        for pages in payloads[args.warm_up :]:
            one_resident(pages)
        if profiler:
            profiler.disable()
        total = time.process_time() - started

    n = args.residents
    print(f"Python CPU per questionnaire: {1000 * total / n:.1f} ms ({n} residents)")
    print(f"{'request':<14}{'n':>6}{'CPU ms each':>14}{'queries each':>14}")
    for kind in sorted(count):
        print(
            f"{kind:<14}{count[kind]:>6}{1000 * cpu[kind] / count[kind]:>14.2f}"
            f"{queries[kind] / count[kind]:>14.1f}"
        )
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    with scopes_disabled():  # the load test sets up and checks its own council's data
        sys.exit(main())
