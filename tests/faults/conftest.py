"""Fixtures for the fault tests: the residents' survey, a fresh memory cache (debounce
keys and rate limits live there) and a media folder of the test's own (export files)."""

from __future__ import annotations

import pytest

from tests.surveys.conftest import council, make_invitation, survey  # noqa: F401


@pytest.fixture(autouse=True)
def _memory_cache_only(settings):
    # These tests count on the cache being emptied between tests (tests/conftest.py), which
    # happens only for the per-process memory cache.
    assert "locmem" in settings.CACHES["default"]["BACKEND"]


@pytest.fixture(autouse=True)
def _media_of_its_own(settings, tmp_path):
    # Export files the tests build go to a folder of the test's own, never to the project's.
    settings.MEDIA_ROOT = tmp_path / "media"
