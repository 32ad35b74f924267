"""Production fails closed (collab/checks.py): with DEBUG off, a per-process cache, a missing or
loopback SITE_URL and a proxy header trusted without TRUSTED_PROXIES are system check *errors*;
`check --deploy` is clean only when none of them holds, and the WSGI application refuses to
load, so gunicorn never serves a request on such settings.

The checks themselves are called in this process with the settings each case needs (pytest-django
runs tests with DEBUG off); the commands run in a process of their own, with the environment a
deployment would give them, because settings are read once at start-up.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from collab import checks

REPO = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "collab.settings",
    "DEBUG": "false",
    "SECRET_KEY": "x7#pQ2!vR9zL4mN8wK1sT6yU3bH5jD0cF-gA_eZ+iO*lP@rS&tV^uW%xY$qE",
    "ALLOWED_HOSTS": "surveys.riverside.example",
    "SITE_URL": "https://surveys.riverside.example",
    "CACHE_URL": "redis://cache.riverside.internal:6379/1",
}
UNSET = {"DEBUG", "SECRET_KEY", "SITE_URL", "CACHE_URL", "REDIS_URL", "TRUSTED_PROXIES"}


def _ids(messages) -> list[str]:
    return [message.id for message in messages]


@pytest.fixture
def production(settings, tmp_path):
    settings.DEBUG = False
    # Shared by every process (as Redis is in production), and harmless to clear in a test.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path),
        }
    }
    settings.SITE_URL = "https://surveys.riverside.example"
    settings.TRUSTED_PROXIES = 0
    settings.SECURE_PROXY_SSL_HEADER = None
    return settings


def test_production_settings_pass_every_check(production):
    assert checks.production_errors() == []


@pytest.mark.parametrize(
    "backend",
    [
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
    ],
)
def test_a_cache_of_each_process_is_refused(production, backend):
    production.CACHES = {"default": {"BACKEND": backend}}

    assert _ids(checks.production_errors()) == ["collab.E001"]


@pytest.mark.parametrize(
    "site_url",
    [
        "",
        "http://127.0.0.1:8000",
        "http://localhost:8000",
        "https://[::1]/",
        "http://0.0.0.0:8000",
        "https://demo.localhost",
        "surveys.riverside.example",  # no scheme: not an address a letter can print
    ],
)
def test_a_missing_or_loopback_site_url_is_refused(production, site_url):
    production.SITE_URL = site_url

    errors = checks.production_errors()

    assert _ids(errors) == ["collab.E002"]
    assert errors[0].level == checks.checks.ERROR


@pytest.mark.parametrize("name", checks.PROXY_HEADER_SETTINGS)
def test_a_proxy_header_without_trusted_proxies_is_refused(production, name):
    value = ("HTTP_X_FORWARDED_PROTO", "https") if name == "SECURE_PROXY_SSL_HEADER" else True
    setattr(production, name, value)

    assert _ids(checks.production_errors()) == ["collab.E003"]

    production.TRUSTED_PROXIES = 1
    assert checks.production_errors() == []


def test_a_trusted_proxy_network_that_is_not_one_is_refused(production):
    production.TRUSTED_PROXY_NETWORKS = ["10.0.0.0/8", "the load balancer"]

    assert _ids(checks.production_errors()) == ["collab.E004"]


def test_with_debug_on_the_demo_runs_on_this_machine(production):
    production.DEBUG = True
    production.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    production.SITE_URL = "http://127.0.0.1:8000"
    production.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    assert checks.production_errors() == []


# ---------------------------------------------------------------------------
# The commands, as a deployment runs them
# ---------------------------------------------------------------------------


def _run(args: list[str], **overrides: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in UNSET}
    env.update(PRODUCTION)
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


def _check_deploy(**overrides: str | None) -> subprocess.CompletedProcess:
    return _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **overrides)


def test_check_deploy_is_clean_when_everything_holds():
    result = _check_deploy()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"CACHE_URL": None}, "collab.E001"),
        ({"SITE_URL": None}, "collab.E002"),
        ({"SITE_URL": "http://127.0.0.1:8000"}, "collab.E002"),
        ({"USE_X_FORWARDED_HOST": "true"}, "collab.E003"),
    ],
)
def test_check_deploy_fails_on_each_unsafe_setting(overrides, error):
    if "USE_X_FORWARDED_HOST" in overrides:
        # Not read from the environment: a deployment's own settings module would add it.
        overrides = {"DJANGO_SETTINGS_MODULE": "tests.collab.proxy_header_settings"}
    result = _check_deploy(**overrides)

    assert result.returncode != 0
    assert error in result.stderr + result.stdout


def test_plain_check_refuses_too():
    result = _run(["manage.py", "check"], CACHE_URL=None)

    assert result.returncode != 0
    assert "collab.E001" in result.stderr


def test_debug_is_off_when_nothing_sets_it():
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    result = _run(["-c", code], DEBUG=None)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_without_debug_or_a_secret_key_nothing_starts():
    result = _run(["manage.py", "check"], DEBUG=None, SECRET_KEY=None)

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_the_wsgi_application_refuses_to_load_on_unsafe_settings():
    load = "import collab.wsgi; print('loaded')"

    refused = _run(["-c", load], CACHE_URL=None, SITE_URL="http://localhost")
    loaded = _run(["-c", load])

    assert refused.returncode != 0
    assert "Collab will not start" in refused.stderr
    assert "collab.E001" in refused.stderr and "collab.E002" in refused.stderr
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip() == "loaded"
