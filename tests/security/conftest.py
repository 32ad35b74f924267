"""Fixtures for the security and privacy tests: the residents' survey fixtures, a fresh cache
for every test (rate limit counters live there) and fast password hashing."""

from __future__ import annotations

import pytest

from tests.surveys.conftest import council, make_invitation, survey  # noqa: F401


@pytest.fixture(autouse=True)
def _memory_cache_only(settings):
    # These tests count on the cache being emptied between tests (tests/conftest.py), which
    # happens only for the per-process memory cache.
    assert "locmem" in settings.CACHES["default"]["BACKEND"]
