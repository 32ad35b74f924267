"""Fixtures shared by every test. App-specific fixtures live in tests/<app>/conftest.py.

Celery
    Unit tests run tasks in-process, whatever the environment says. Tests marked
    ``integration`` (with ``django_db(transaction=True)``, so their rows are committed
    where another process can read them) send tasks through the Redis broker to a real
    ``celery worker`` process that this file starts once per run. Without
    CELERY_BROKER_URL and a PostgreSQL DATABASE_URL they are skipped; .ci/run's second
    pass sets both.

Transactional tests
    The flush after each one empties every table, including the 2014 questionnaire and
    baseline that migrations loaded: load what the test needs again (the loaders are
    idempotent; the ``questionnaire`` and ``shipped_questionnaire`` fixtures do it for the
    questionnaire).
    Avoid serialized_rollback: after another transactional test's flush Django
    recreates content types with new ids, and restoring the snapshot then fails on
    their unique constraint.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django_scopes import scopes_disabled

from collab.celery import app as celery_app

# Two councils with an officer and a survey each, for the officer-facing tests.
pytest_plugins = ["tests.two_councils"]

REPO = Path(__file__).resolve().parent.parent
# Names this run's test database, queue and worker, so concurrent or stale runs never meet.
RUN_ID = uuid.uuid4().hex[:10]

# ---------------------------------------------------------------------------
# Council scopes
# ---------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _set_up_across_councils():
    """Tests set up and inspect several councils' data directly, so their own code runs
    across council scopes. Every request through the test client (or to the live server of
    the browser tests) still runs in the scope CouncilScopeMiddleware gives it, so the pages
    are tested scoped; tests/security/test_tenancy.py checks that unscoped queries refuse."""
    with scopes_disabled():
        yield


@pytest.fixture(autouse=True)
def _force_login_is_a_complete_sign_in(monkeypatch):
    """``client.force_login(user)`` signs in with the second factor too where the person's roles
    require one (tests/two_factor.py), so tests of what a role may do need not repeat it."""
    from django.test import Client

    from tests.two_factor import force_login_complete

    monkeypatch.setattr(Client, "force_login", force_login_complete)


# ---------------------------------------------------------------------------
# The test database
# ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def django_db_modify_db_settings() -> None:
    """On PostgreSQL, a test database of this run's own (test_<name>_<run id>).

    Several runs share one server (developers' `make test` while CI runs, or two
    engineers at once); with Django's fixed test_<name>, each would drop the other's.
    """
    for db in settings.DATABASES.values():
        if db["ENGINE"] == "django.db.backends.postgresql":
            test = db.setdefault("TEST", {})
            test["NAME"] = f"{test.get('NAME') or 'test_' + db['NAME']}_{RUN_ID}"


def _questionnaire_reload():
    from django.apps import apps

    from surveys.loading import questionnaire_data, questionnaire_load

    return questionnaire_load(data=questionnaire_data(), models=apps)


@pytest.fixture
def questionnaire(db):
    """The 2014 questionnaire, loaded again if an earlier transactional test's flush removed
    it (a no-op when it is there), so it suits tests with and without transaction=True.
    tests/surveys/ reads it straight from the database instead: none of its tests flush."""
    return _questionnaire_reload()


@pytest.fixture
def shipped_questionnaire(transactional_db):
    """The 2014 questionnaire as ``questionnaire`` gives it, in a transactional test."""
    return _questionnaire_reload()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Every test starts with an empty cache: rate-limit counters, report caches keyed by
    survey id (ids come round again between tests) and debounce keys all live there. Only
    the per-process memory cache is cleared, never a shared Redis named by CACHE_URL."""
    from django.core.cache import cache

    local = "locmem" in settings.CACHES["default"]["BACKEND"]
    if local:
        cache.clear()
    yield
    if local:
        cache.clear()


# ---------------------------------------------------------------------------
# Celery: in-process for unit tests, a real worker for integration tests
# ---------------------------------------------------------------------------

# A queue and worker name of this run's own, so that a worker left over from an
# earlier run (or started by `make worker`) can never take this run's tasks, and
# messages left in Redis by an earlier run are never delivered to this one.
TEST_QUEUE = f"collab-test-{RUN_ID}"
WORKER_NAME = f"collab-test-{RUN_ID}@{socket.gethostname()}"
WORKER_START_TIMEOUT = 60
WORKER_LOG = pytest.StashKey[Path]()


def integration_unavailable() -> str | None:
    """Why integration tests cannot run here, or None if they can."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "CELERY_BROKER_URL is not set (no broker for a real Celery worker)"
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        # A worker process cannot see SQLite's in-memory test database.
        return "DATABASE_URL does not point at PostgreSQL"
    return None


def pytest_configure(config: pytest.Config) -> None:
    celery_app.conf.task_default_queue = TEST_QUEUE


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = integration_unavailable()
    skip = pytest.mark.skip(
        reason=f"integration test: {reason}; .ci/run runs it against PostgreSQL and Redis"
    )
    for item in items:
        if item.get_closest_marker("integration"):
            # In the JUnit report, so .ci/run can tell that integration tests really ran.
            item.user_properties.append(("integration", "true"))
            if reason:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _celery_task_mode(request: pytest.FixtureRequest):
    """Eager for unit tests; through the broker to the worker for integration tests."""
    integration = request.node.get_closest_marker("integration") is not None
    if integration:
        request.getfixturevalue("celery_worker")
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = not integration
    yield
    celery_app.conf.task_always_eager = previous


def _test_database_url(name: str) -> str:
    """DATABASE_URL with the database swapped for the test database pytest-django made."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{name}"))


def _queue_forget(queue: str) -> None:
    """Delete the queue and, on Redis, the binding keys that kombu leaves behind it."""
    with celery_app.connection_for_write() as conn:
        channel = conn.default_channel
        channel.queue_delete(queue)
        client = getattr(channel, "client", None)
        if client is not None:
            client.delete(f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


def responses_to_weight_by_sex(survey, *, women: int, men: int, seed: int) -> None:
    """Complete responses from the north ward (half A of the sample), ``women`` and ``men`` of
    them, and population targets of half and half: a survey for a worker to weight."""
    import random

    from results.models import PopulationTarget
    from surveys.management.commands.demo_setup import answers_draw
    from surveys.models import Area
    from surveys.services import response_record, spec_for

    Area.objects.get_or_create(council=survey.council, code="north", defaults={"name": "North"})
    spec = spec_for(survey)
    rng = random.Random(seed)
    for sex, count in [("female", women), ("male", men)]:
        for _ in range(count):
            answers = {**answers_draw(spec, "A", rng), "SEX": sex, "AREA": "north"}
            response_record(survey=survey, answers=answers, mode="online", split_arm="A")
    PopulationTarget.objects.bulk_create(
        PopulationTarget(survey=survey, margin="SEX", category=c, share=0.5)
        for c in ("female", "male")
    )


def process_stop(process: subprocess.Popen, *, timeout: float = 30) -> None:
    """Stop a process started by a test: SIGTERM first, so a Celery worker finishes the task in
    hand and closes its database connections, then SIGKILL if it has not gone in `timeout`."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _worker_answers() -> bool:
    replies = celery_app.control.ping(destination=[WORKER_NAME], timeout=1.0)
    return any(WORKER_NAME in reply for reply in replies)


def _log_tail(path: Path, lines: int = 200) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, tmp_path_factory, pytestconfig) -> str:
    """A `celery -A collab worker` process on this run's queue, reading and writing
    the test database. Yields the worker's name (for control.inspect)."""
    reason = integration_unavailable()
    if reason:
        pytest.skip(reason)
    from django.db import connection

    log_path = tmp_path_factory.mktemp("celery") / "worker.log"
    pytestconfig.stash[WORKER_LOG] = log_path
    _queue_forget(TEST_QUEUE)
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(connection.settings_dict["NAME"]),
        # Set explicitly: with a broker, settings turn eager execution off in the worker.
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND,
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "--app=collab",
        "worker",
        "--pool=prefork",
        "--concurrency=2",
        f"--queues={TEST_QUEUE}",
        f"--hostname={WORKER_NAME}",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=INFO",
    ]
    with log_path.open("wb") as log:
        worker = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while not _worker_answers():
            if worker.poll() is not None:
                raise RuntimeError(
                    f"Celery worker exited with {worker.returncode}:\n{_log_tail(log_path)}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"Celery worker did not answer a ping in {WORKER_START_TIMEOUT}s:\n"
                    f"{_log_tail(log_path)}"
                )
        yield WORKER_NAME
    finally:
        # Stopped before django_db_setup's teardown, which cannot drop the test
        # database while the worker still holds connections to it.
        process_stop(worker)
        _queue_forget(TEST_QUEUE)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    log_path = config.stash.get(WORKER_LOG, None)
    if log_path is not None and exitstatus != 0:
        terminalreporter.write_sep("-", f"Celery worker log ({log_path})")
        terminalreporter.write_line(_log_tail(log_path))
