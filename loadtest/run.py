"""Load test: many residents complete the 2014 questionnaire at once against gunicorn on
PostgreSQL, then the stored data is checked for lost, duplicated and half-stored responses.

    .venv/bin/python loadtest/run.py [--concurrency 50] [--total 2000] [--seconds 120]

What it does, in order:
1. (Re)creates a dedicated PostgreSQL database (default collab_load, on the server of
   $DATABASE_URL or postgres://postgres@127.0.0.1:5432), migrates it and creates a council
   and an open public survey of the 2014 questionnaire.
2. Starts gunicorn on 127.0.0.1 (a free port) with production settings (DEBUG off; the
   client says X-Forwarded-Proto: https, as a TLS-terminating proxy would).
3. Runs --concurrency simulated residents (asyncio + httpx). Each one: GET the landing
   page, POST Start, GET and POST each of the 8 pages, GET and POST "Check your answers";
   then starts again as a new resident, until --total submissions were attempted or
   --seconds passed. Every request goes to 127.0.0.1 only.
4. Reports throughput (completed submissions a second), p50/p95 latency per request kind
   and for the final submit, and errors; then checks in the database that complete
   responses == submissions acknowledged, none twice, none half-stored.

Without a broker, Celery tasks run in-process, inside the request that queues them (the
officers' report is then not computed after each submission: OFFICER_REPORT_PREWARM is off
by default without a broker).
With --broker redis://... (a Redis database of the load test's own: it is emptied first)
the server runs as deployed instead: tasks go through Redis to one Celery worker, the cache
(rate limits, debounce keys) is that Redis, and the worker's CPU is counted with the
server's.

With --ceiling PATH (e.g. --ceiling /accessibility/) the same set-up instead has
--concurrency clients GET that one page over and over for --seconds: the requests a second
and CPU per request of the cheapest page, i.e. what gunicorn, Django and the middleware
stack cost before any questionnaire work, and so the most this machine could serve.

Timing is reported, never asserted: this is a benchmark, not a test. Exit status 1 when
the data checks fail (lost, duplicated or half-stored responses) or requests errored.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from django_scopes import scopes_disabled

REPO = Path(__file__).resolve().parent.parent
SLUG = "load-test"
SECRET = "load-test-secret-key-0f4c9a2b7e1d8c3f6a5b0e9d2c7f4a1b8e3d6c9f2a5b8e1d4c7"


# --------------------------------------------------------------------------------------------
# Set-up: database, survey, gunicorn


def database_urls(name: str) -> tuple[str, str]:
    """(maintenance URL on the same server, URL of the load test's own database)."""
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parts = urlsplit(base)
    if not parts.scheme.startswith("postgres"):
        sys.exit("The load test needs PostgreSQL: set DATABASE_URL to a postgres:// URL.")
    return urlunsplit(parts._replace(path="/postgres")), urlunsplit(parts._replace(path=f"/{name}"))


def database_recreate(maintenance_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def server_env(database_url: str, broker: str | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CACHE_URL", "REDIS_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="collab.settings",
        DATABASE_URL=database_url,
        DEBUG="false",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        LOG_LEVEL="ERROR",
        PYTHONPATH=str(REPO),
        # Production refuses to start without these (collab/checks.py). The client stands for
        # a TLS-terminating proxy on this machine (it says X-Forwarded-Proto), so one is trusted.
        SITE_URL="https://surveys.loadtest.example",
        TRUSTED_PROXIES="1",
    )
    # Rate limits shared by every gunicorn worker, as production must have them: the broker's
    # Redis with --broker, else LOAD_CACHE_URL, else Redis on this machine.
    env["CACHE_URL"] = os.environ.get("LOAD_CACHE_URL") or broker or "redis://127.0.0.1:6379/15"
    if broker:
        env["CELERY_BROKER_URL"] = broker
        env["CELERY_RESULT_BACKEND"] = broker
    return env


def broker_empty(broker: str) -> None:
    """Queued tasks and debounce keys left by an earlier run would refer to its survey."""
    import redis

    redis.Redis.from_url(broker).flushdb()


def worker_idle(broker: str, worker: subprocess.Popen, timeout: float = 60) -> None:
    """Wait until no task is queued or pending (debounce keys gone) and the worker has used
    no CPU for a second: the refresh queued by the last submissions is part of their cost."""
    import redis

    r = redis.Redis.from_url(broker)
    deadline = time.monotonic() + timeout

    def worker_cpu() -> float:
        return sum(_cpu_seconds(pid) for pid in [worker.pid, *_children(worker.pid)])

    while time.monotonic() < deadline:
        if r.llen("celery") or r.keys("*-queued:*"):
            time.sleep(0.5)
            continue
        used = worker_cpu()
        time.sleep(1)
        if worker_cpu() == used:
            return


def worker_start(env: dict[str, str]) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "celery",
        "--app=collab",
        "worker",
        "--pool=prefork",
        "--concurrency=1",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=WARNING",
    ]
    return subprocess.Popen(command, cwd=REPO, env=env)


def django_setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


def survey_create() -> int:
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    from surveys.models import Area, Council, Questionnaire, Survey

    call_command("migrate", verbosity=0)
    council = Council.objects.create(name="Load Test Borough Council", slug="load-test")
    for position, code in enumerate(["north", "south", "east", "west"]):
        Area.objects.create(
            council=council, code=code, name=f"{code.title()} ward", position=position
        )
    survey = Survey.objects.create(
        council=council,
        questionnaire=Questionnaire.objects.get(slug="collaborative-citizen-2014", version=1),
        title="Your views of public services",
        slug=SLUG,
        status=Survey.Status.LIVE,
        opens_at=timezone.now() - dt.timedelta(days=1),
        closes_at=timezone.now() + dt.timedelta(days=30),
        privacy_notice="Load Test Borough Council uses your answers to plan its services.",
        contact="surveys@load-test.example",
    )
    return survey.pk


def page_payloads(count: int, seed: int) -> list[list[dict[str, Any]]]:
    """For each of `count` residents, the form data of each page, drawn like demo answers.

    The split-sample question (Q3) is answered for both halves: the server keeps the item
    of the resident's own half and ignores the other field, as a browser would never send.
    """
    from surveys.management.commands.demo_setup import answers_draw
    from surveys.models import Survey
    from surveys.services import spec_for

    spec = spec_for(Survey.objects.get(slug=SLUG))
    rng = random.Random(seed)
    residents = []
    for _ in range(count):
        a, b = answers_draw(spec, "A", rng), answers_draw(spec, "B", rng)
        answers = {**a, "Q3": {**a.get("Q3", {}), **b.get("Q3", {})}}
        pages = []
        for page in spec.pages:
            data: dict[str, Any] = {"action": "continue"}
            for q in page.questions:
                value = answers.get(q.code)
                if isinstance(value, dict):
                    data.update({f"{q.code}__{item}": option for item, option in value.items()})
                elif value is not None:
                    data[q.code] = value
            pages.append(data)
        residents.append(pages)
    return residents


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_start(env: dict[str, str], port: int, workers: int, threads: int) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "collab.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        f"--threads={threads}",
        "--worker-class=gthread" if threads > 1 else "--worker-class=sync",
        "--backlog=2048",
        "--log-level=warning",
    ]
    server = subprocess.Popen(command, cwd=REPO, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/s/{SLUG}/", timeout=2)
            return server
        except httpx.HTTPError:
            if server.poll() is not None:
                sys.exit(f"gunicorn exited with {server.returncode}")
            time.sleep(0.3)
    server.terminate()
    sys.exit("gunicorn did not answer within 60 s")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process, from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(child) for child in out.stdout.split()]


def server_cpu(
    server: subprocess.Popen, database: str, worker: subprocess.Popen | None = None
) -> dict[tuple[str, int], float]:
    """CPU seconds so far of each gunicorn worker, each PostgreSQL backend serving the load
    test's database and the Celery worker's processes, by (role, pid): the server side's
    cost, whatever else the machine is doing."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        )
        backends = [row[0] for row in cursor.fetchall()]
    pids = [("web", pid) for pid in _children(server.pid)]
    pids += [("database", pid) for pid in backends]
    if worker is not None:
        pids += [("worker", pid) for pid in [worker.pid, *_children(worker.pid)]]
    return {(role, pid): _cpu_seconds(pid) for role, pid in pids}


class CpuWatch:
    """Samples server_cpu every second while the residents run, keeping each process's last
    figure: a database connection that closes during the run (Django reopens them after
    CONN_MAX_AGE) would otherwise take its CPU time with it."""

    def __init__(self, server, database: str, worker=None):
        self.args = (server, database, worker)
        self.seen: dict[tuple[str, int], float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        self.seen.update(server_cpu(*self.args))

    def _run(self) -> None:
        from django.db import connection

        while not self.stop.wait(1.0):
            self._sample()
        connection.close()

    def __enter__(self) -> CpuWatch:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()
        self._sample()


def cpu_by_role(before: dict, after: dict) -> dict[str, float]:
    used: dict[str, float] = defaultdict(float)
    for (role, pid), seconds in after.items():
        used[role] += seconds - before.get((role, pid), 0.0)
    return dict(used)


# --------------------------------------------------------------------------------------------
# The residents


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    attempted: int = 0
    submitted: int = 0
    started: int = 0


class Refused(Exception):
    pass


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Resident:
    """One browser: its own cookies (set by hand, since they are Secure and the test talks
    plain HTTP to gunicorn behind a pretend TLS proxy), and the CSRF token of its last page."""

    def __init__(self, client: httpx.AsyncClient, base: str, stats: Stats):
        self.client, self.base, self.stats = client, base, stats
        self.cookies: dict[str, str] = {}
        self.token = ""

    def _headers(self) -> dict[str, str]:
        headers = {"X-Forwarded-Proto": "https", "Origin": f"https://{urlsplit(self.base).netloc}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    async def request(self, kind: str, method: str, path: str, data=None, expect=(200,)):
        started = time.perf_counter()
        try:
            reply = await self.client.request(
                method, self.base + path, data=data, headers=self._headers()
            )
        except httpx.HTTPError as error:
            self.stats.errors[f"{kind}: {type(error).__name__}"] += 1
            raise Refused from error
        self.stats.latencies[kind].append(time.perf_counter() - started)
        for header in reply.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if reply.status_code not in expect:
            self.stats.errors[f"{kind}: HTTP {reply.status_code}"] += 1
            raise Refused
        if method == "GET":
            match = CSRF_INPUT.search(reply.text)
            if match:
                self.token = match.group(1)
        return reply

    async def complete(self, pages: list[dict[str, Any]]) -> None:
        await self.request("landing GET", "GET", f"/s/{SLUG}/")
        await self.request(
            "start POST", "POST", f"/s/{SLUG}/start/", {"csrfmiddlewaretoken": self.token}, (302,)
        )
        self.stats.started += 1
        for number, data in enumerate(pages, start=1):
            path = f"/s/{SLUG}/page/{number}/"
            await self.request("page GET", "GET", path)
            await self.request(
                "page POST", "POST", path, {**data, "csrfmiddlewaretoken": self.token}, (302,)
            )
        review = f"/s/{SLUG}/check-your-answers/"
        await self.request("review GET", "GET", review)
        self.stats.attempted += 1
        reply = await self.request(
            "submit POST", "POST", review, {"csrfmiddlewaretoken": self.token}, (302,)
        )
        if reply.headers.get("location", "").endswith(f"/s/{SLUG}/thank-you/"):
            self.stats.submitted += 1
        else:
            self.stats.errors["submit POST: not redirected to thank-you"] += 1


async def residents_run(
    base: str, payloads: list, concurrency: int, total: int, seconds: float
) -> tuple[Stats, float]:
    stats = Stats()
    deadline = time.monotonic() + seconds
    claimed = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def one_after_another(client: httpx.AsyncClient) -> None:
        nonlocal claimed
        while claimed < total and time.monotonic() < deadline:
            n = claimed
            claimed += 1
            with contextlib.suppress(Refused):
                await Resident(client, base, stats).complete(payloads[n % len(payloads)])

    async with httpx.AsyncClient(limits=limits, timeout=30, follow_redirects=False) as client:
        started = time.perf_counter()
        await asyncio.gather(*(one_after_another(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return stats, elapsed


async def ceiling_run(
    base: str, path: str, concurrency: int, seconds: float
) -> tuple[Stats, float]:
    """--concurrency clients GET one page back to back until --seconds pass."""
    stats = Stats()
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def one_after_another(client: httpx.AsyncClient) -> None:
        resident = Resident(client, base, stats)
        while time.monotonic() < deadline:
            with contextlib.suppress(Refused):
                await resident.request("ceiling GET", "GET", path, expect=(200, 302))

    async with httpx.AsyncClient(limits=limits, timeout=30, follow_redirects=False) as client:
        started = time.perf_counter()
        await asyncio.gather(*(one_after_another(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return stats, elapsed


# --------------------------------------------------------------------------------------------
# Report and checks


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def data_check(stats: Stats) -> dict[str, Any]:
    from django.db.models import Count

    from surveys.models import Answer, Response
    from surveys.services import spec_for

    responses = Response.objects.filter(survey__slug=SLUG)
    complete = responses.filter(status=Response.Status.COMPLETE)
    survey = responses.first().survey if responses.exists() else None
    required = sum(q.required for q in spec_for(survey).questions.values()) if survey else 0
    per_response = complete.annotate(q=Count("answers__question", distinct=True))
    return {
        "responses_started": responses.count(),
        "complete_stored": complete.count(),
        "submissions_acknowledged": stats.submitted,
        "lost": max(0, stats.submitted - complete.count()),
        "stored_but_not_acknowledged": max(0, complete.count() - stats.submitted),
        "duplicate_public_ids": responses.count()
        - responses.values("public_id").distinct().count(),
        "complete_missing_required_answers": per_response.filter(q__lt=required).count(),
        "answers_on_incomplete": Answer.objects.exclude(
            response__status=Response.Status.COMPLETE
        ).count(),
        "required_questions": required,
        "answer_rows": Answer.objects.filter(survey__slug=SLUG).count(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--total", type=int, default=2000, help="submissions to attempt, at most")
    parser.add_argument("--seconds", type=float, default=120, help="stop starting new residents")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument("--database", default="collab_load")
    parser.add_argument("--seed", type=int, default=2014)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--broker",
        metavar="URL",
        help="run tasks on a Celery worker through this Redis database (emptied first)",
    )
    parser.add_argument(
        "--ceiling",
        metavar="PATH",
        help="GET only this page (e.g. /accessibility/) instead of completing questionnaires",
    )
    args = parser.parse_args()
    if not 1 <= args.concurrency <= 500 or not 1 <= args.total <= 100_000:
        parser.error("concurrency 1-500 and total 1-100,000: this script stays bounded")
    if not 1 <= args.seconds <= 1800:
        parser.error("seconds 1-1800")

    maintenance, database_url = database_urls(args.database)
    database_recreate(maintenance, args.database)
    env = server_env(database_url, args.broker)
    django_setup(env)
    survey_create()
    payloads = page_payloads(min(args.total, 500), args.seed)
    if args.broker:
        broker_empty(args.broker)

    port = free_port()
    server = gunicorn_start(env, port, args.workers, args.threads)
    worker = worker_start(env) if args.broker else None
    try:
        # Each worker's first requests import and compile templates: warm them up outside
        # the measurement, on a survey response that is then removed.
        stats, elapsed = asyncio.run(
            residents_run(
                f"http://127.0.0.1:{port}", payloads, args.workers * 2, args.workers * 2, 60
            )
        )
        from surveys.models import Response

        Response.objects.filter(survey__slug=SLUG).delete()
        if args.ceiling:
            asyncio.run(ceiling_run(f"http://127.0.0.1:{port}", args.ceiling, args.workers * 2, 5))
        cpu_before = server_cpu(server, args.database, worker)
        client_cpu = time.process_time()
        with CpuWatch(server, args.database, worker) as watch:
            if args.ceiling:
                stats, elapsed = asyncio.run(
                    ceiling_run(
                        f"http://127.0.0.1:{port}", args.ceiling, args.concurrency, args.seconds
                    )
                )
            else:
                stats, elapsed = asyncio.run(
                    residents_run(
                        f"http://127.0.0.1:{port}",
                        payloads,
                        args.concurrency,
                        args.total,
                        args.seconds,
                    )
                )
            client_cpu = time.process_time() - client_cpu
            if worker is not None:
                worker_idle(args.broker, worker)
        cpu_after = watch.seen
    finally:
        for process in (server, worker):
            if process is None:
                continue
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    by_role = cpu_by_role(cpu_before, cpu_after)
    cpu = sum(by_role.values())
    load = os.getloadavg()
    all_requests = [x for values in stats.latencies.values() for x in values]
    if args.ceiling:
        return ceiling_report(args, stats, elapsed, all_requests, by_role, client_cpu, load)
    checks = data_check(stats)
    report = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}",
        "gunicorn": f"{args.workers} workers x {args.threads} threads",
        "concurrency": args.concurrency,
        "elapsed_s": round(elapsed, 2),
        "submissions_per_s": round(stats.submitted / elapsed, 1),
        "requests": len(all_requests),
        "requests_per_s": round(len(all_requests) / elapsed, 1),
        "p50_ms_all": round(1000 * percentile(all_requests, 50), 1),
        "p95_ms_all": round(1000 * percentile(all_requests, 95), 1),
        "per_kind_ms": {
            kind: {
                "n": len(values),
                "p50": round(1000 * percentile(values, 50), 1),
                "p95": round(1000 * percentile(values, 95), 1),
                "mean": round(1000 * statistics.fmean(values), 1),
            }
            for kind, values in sorted(stats.latencies.items())
        },
        "server_cpu_s": round(cpu, 2),
        "server_cpu_ms_per_submission": round(1000 * cpu / max(stats.submitted, 1), 1),
        "server_cpu_ms_per_submission_by_role": {
            role: round(1000 * seconds / max(stats.submitted, 1), 1)
            for role, seconds in sorted(by_role.items())
        },
        "tasks": "Celery worker via " + args.broker if args.broker else "in-process",
        "capacity_on_idle_cores_per_s": round(
            (os.cpu_count() or 1) * max(stats.submitted, 1) / max(cpu, 1e-9), 1
        ),
        "load_generator_cpu_s": round(client_cpu, 2),
        "load_average_after": [round(x, 1) for x in load],
        "errors": dict(stats.errors),
        "checks": checks,
    }
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    failed = (
        checks["lost"]
        or checks["stored_but_not_acknowledged"]
        or checks["duplicate_public_ids"]
        or checks["complete_missing_required_answers"]
        or checks["answers_on_incomplete"]
        or stats.errors
    )
    return 1 if failed else 0


def ceiling_report(args, stats, elapsed, all_requests, by_role, client_cpu, load) -> int:
    n = max(len(all_requests), 1)
    cpu = sum(by_role.values())
    rps = len(all_requests) / elapsed
    report = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}",
        "gunicorn": f"{args.workers} workers x {args.threads} threads",
        "page": args.ceiling,
        "concurrency": args.concurrency,
        "elapsed_s": round(elapsed, 2),
        "requests": len(all_requests),
        "requests_per_s": round(rps, 1),
        "p50_ms": round(1000 * percentile(all_requests, 50), 1),
        "p95_ms": round(1000 * percentile(all_requests, 95), 1),
        "server_cpu_s": round(cpu, 2),
        "server_cpu_ms_per_request": round(1000 * cpu / n, 2),
        "server_cpu_ms_per_request_by_role": {
            role: round(1000 * seconds / n, 2) for role, seconds in sorted(by_role.items())
        },
        "capacity_on_idle_cores_per_s": round((os.cpu_count() or 1) * n / max(cpu, 1e-9), 1),
        "load_generator_cpu_s": round(client_cpu, 2),
        "load_generator_cpu_ms_per_request": round(1000 * client_cpu / n, 2),
        "load_average_after": [round(x, 1) for x in load],
        "errors": dict(stats.errors),
    }
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 1 if stats.errors else 0


if __name__ == "__main__":
    with scopes_disabled():  # the load test sets up and checks its own council's data
        sys.exit(main())
