"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Chromium comes from the machine (`make browsers` installs Debian's package as root), never
from a browser download. When it cannot be started, every browser test is skipped with the
reason and a banner at the end of the run says so; with COLLAB_REQUIRE_BROWSER=1 the same
tests fail instead, for a CI that must not pass without them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.surveys.conftest import council, questionnaire, survey  # noqa: F401 (fixtures)

CHROMIUM = os.environ.get("COLLAB_CHROMIUM", "/usr/bin/chromium")
# Playwright adds --headless and a fresh temporary --user-data-dir itself; the rest keep
# Chromium from calling home, which this machine's closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Generous but bounded: two cores run the server, Chromium and the test together.
TIMEOUT_MS = 15_000
LAUNCH_TIMEOUT_MS = 60_000

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}

_SKIP_REASON = pytest.StashKey[str]()
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
# Set once Chromium has failed to start, so later modules do not wait for it again.
_launch_failure: str | None = None
# Node ids of the browser tests skipped because Chromium could not be started.
_skipped_browser_tests: list[str] = []


def _chromium_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (pip install -e '.[dev]')"
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)) and not shutil.which(
        CHROMIUM
    ):
        return f"{CHROMIUM} not found (as root, `make browsers` installs Debian's chromium)"
    return None


@pytest.fixture(scope="module")
def browser(request: pytest.FixtureRequest, django_db_setup) -> Iterator:
    """A headless Chromium for one test module; each test opens fresh contexts.

    Playwright's sync API keeps an asyncio loop running in this thread while it is
    started, and Django refuses ORM calls under a running loop. The test database is
    therefore created first (django_db_setup), the loop lives only as long as one
    module's browser, and Django's check is relaxed for exactly that time: the tests
    are synchronous code, only Playwright's plumbing is async.

    Under the loop Django also hands this thread new connection objects, which lack the
    serialized copy of the test database that serialized_rollback restores from (and
    that stops Django's flush from recreating content types the restore would then
    duplicate); they are given the original connections' copy.
    """
    global _launch_failure
    reason = _launch_failure or _chromium_missing()
    playwright = chromium = None
    previous = os.environ.get(ASYNC_UNSAFE)
    if reason is None:
        from django.db import connections
        from playwright.sync_api import Error, expect, sync_playwright

        expect.set_options(timeout=TIMEOUT_MS)
        serialized = {
            conn.alias: conn._test_serialized_contents
            for conn in connections.all()
            if hasattr(conn, "_test_serialized_contents")
        }

        os.environ[ASYNC_UNSAFE] = "true"
        try:
            playwright = sync_playwright().start()
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=CHROMIUM_ARGS,
                headless=True,
                timeout=LAUNCH_TIMEOUT_MS,
            )
            for alias, contents in serialized.items():
                connections[alias]._test_serialized_contents = contents
        except Error as e:
            reason = f"Chromium at {CHROMIUM} could not be started: {str(e).splitlines()[0]}"
            _launch_failure = reason
            if playwright is not None:
                playwright.stop()
            _restore_env(ASYNC_UNSAFE, previous)
    if reason is not None:
        request.config.stash[_SKIP_REASON] = reason
        if os.environ.get("COLLAB_REQUIRE_BROWSER") == "1":
            pytest.fail(f"COLLAB_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(f"BROWSER TESTS NOT RUN: {reason}")
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()
        _restore_env(ASYNC_UNSAFE, previous)


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


@pytest.fixture(autouse=True)
def _close_connections_under_the_loop(request: pytest.FixtureRequest) -> Iterator[None]:
    """Close the connections opened under Playwright's loop before it stops, so none is
    left open to keep PostgreSQL from dropping the test database at the end."""
    yield
    if "browser" in request.fixturenames:
        from django.db import connections

        connections.close_all()


@pytest.fixture
def new_context(browser, live_server) -> Iterator:
    """Open browser contexts (separate cookie jars: a phone, a second device) for a test."""
    contexts = []

    def make(**options):
        context = browser.new_context(base_url=live_server.url, locale="en-GB", **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    """A desktop page with JavaScript on."""
    return new_context(**DESKTOP).new_page()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and "BROWSER TESTS NOT RUN" in str(report.longrepr):
        _skipped_browser_tests.append(report.nodeid)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if not _skipped_browser_tests:
        return
    reason = config.stash.get(_SKIP_REASON, "Chromium could not be started")
    terminalreporter.write_sep("!", "BROWSER TESTS WERE SKIPPED, NOT PASSED", red=True, bold=True)
    terminalreporter.write_line(
        f"{len(_skipped_browser_tests)} browser tests did not run: {reason}", red=True
    )
    terminalreporter.write_line(
        "The resident journeys and the WCAG 2.2 AA checks with axe-core were NOT checked.",
        red=True,
    )
    terminalreporter.write_line(
        "Fix: as root, `make browsers` (apt-get install chromium), then run the tests again; "
        "set COLLAB_REQUIRE_BROWSER=1 to make this a failure.",
        red=True,
    )
    terminalreporter.write_sep("!", red=True, bold=True)
