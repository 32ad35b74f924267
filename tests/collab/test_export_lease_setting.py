"""EXPORT_LEASE_SECONDS sets how long a worker's claim on an export lasts (officers.services):
read when the module is imported, so checked in a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO

SHOW = (
    "import django; django.setup(); from officers import services as s; "
    "print(int(s.EXPORT_LEASE.total_seconds()), int(s.EXPORT_LEASE_RENEW.total_seconds()))"
)


def _lease(**env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k != "EXPORT_LEASE_SECONDS"}
    environ.update(DJANGO_SETTINGS_MODULE="collab.settings", DEBUG="1", **env)
    result = subprocess.run(
        [sys.executable, "-c", SHOW], cwd=REPO, env=environ, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_export_lease_is_five_minutes_renewed_every_minute_by_default():
    assert _lease() == "300 60"


def test_export_lease_follows_the_setting():
    assert _lease(EXPORT_LEASE_SECONDS="20") == "20 4"
