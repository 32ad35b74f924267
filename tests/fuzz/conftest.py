"""Fixtures for the fuzz tests: the residents' survey and a fresh memory cache (rate limit
counters live there, and the fuzzers enter many wrong codes)."""

from __future__ import annotations

import pytest

from tests.surveys.conftest import council, make_invitation, survey  # noqa: F401


@pytest.fixture(autouse=True)
def _memory_cache_only(settings):
    # These tests count on the cache being emptied between tests (tests/conftest.py), which
    # happens only for the per-process memory cache.
    assert "locmem" in settings.CACHES["default"]["BACKEND"]


@pytest.fixture(autouse=True)
def _no_limit_on_starting(request):
    """Hypothesis runs hundreds of examples in one test, all from one address and one cache:
    the per-client limits of the public link (tested in tests/surveys/test_integrity.py) are
    lifted so that every example reaches the page it fuzzes."""
    if "survey" in request.fixturenames:
        survey = request.getfixturevalue("survey")
        survey.start_limit = survey.submit_limit = 1_000_000
        survey.save(update_fields=["start_limit", "submit_limit"])
