"""Production settings pass `manage.py check --deploy` with no warning, with secure cookies
and HSTS. Run in a subprocess: the settings are read once, from the environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x7#pQ2!vR9zL4mN8wK1sT6yU3bH5jD0cF-gA_eZ+iO*lP@rS&tV^uW%xY$qE",
    "ALLOWED_HOSTS": "surveys.riverside.example",
    "SITE_URL": "https://surveys.riverside.example",
    "CACHE_URL": "redis://cache.riverside.internal:6379/1",
    "DJANGO_SETTINGS_MODULE": "collab.settings",
}
# Settings a deployment might carry over from a developer's machine; each one is left out.
UNSET = {"DEBUG", "SECRET_KEY", "SITE_URL", "CACHE_URL", "REDIS_URL", "TRUSTED_PROXIES"}


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in UNSET}
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        env={**env, **PRODUCTION},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _run("manage.py", "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_cookies_are_secure_and_hsts_is_on():
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k) for k in ["
        "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', "
        "'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_SSL_REDIRECT', "
        "'DEBUG']}))"
    )
    result = _run(
        "-c",
        f"import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'collab.settings'); {script}",
    )

    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SESSION_COOKIE_HTTPONLY"]
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and values["SECURE_SSL_REDIRECT"]
