"""The production pieces in deploy/ point at things that exist: the gunicorn configuration
loads and names the WSGI application's port, every systemd unit reads the environment file and
runs a command of this project, and the balancer checks `/ready` on every web host."""

from __future__ import annotations

import configparser
import runpy
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_gunicorn_configuration_loads_with_environment_overrides(monkeypatch):
    monkeypatch.setenv("GUNICORN_BIND", "10.0.0.11:8000")
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    conf = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert conf["bind"] == "10.0.0.11:8000"
    assert conf["workers"] == 3
    assert conf["preload_app"] is True
    assert conf["keepalive"] > 60  # longer than haproxy.cfg's http-keep-alive


@pytest.mark.parametrize("unit", ["collab-web", "collab-worker", "collab-beat"])
def test_systemd_unit_runs_a_command_of_this_project(unit):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.read(DEPLOY / "systemd" / f"{unit}.service")
    service = parser["Service"]
    assert service["EnvironmentFile"] == "/etc/collab/collab.env"
    assert service["ExecStart"].startswith("/srv/collab/.venv/bin/")
    assert service["User"] == "collab"
    assert parser["Install"]["WantedBy"] == "multi-user.target"


def test_environment_example_sets_what_production_requires():
    names = {
        line.split("=", 1)[0]
        for line in (DEPLOY / "collab.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    required = {"SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "CACHE_URL", "TRUSTED_PROXIES"}
    assert required | {"DATABASE_URL", "CELERY_BROKER_URL"} <= names
    # More than one host: export files in a bucket every host reaches (collab/storage.py).
    assert "EXPORT_STORAGE_BUCKET" in names


def test_balancer_checks_readiness_of_every_web_host():
    cfg = (DEPLOY / "haproxy.cfg").read_text()
    assert "http-check send meth GET uri /ready" in cfg
    servers = [line.split() for line in cfg.splitlines() if line.strip().startswith("server ")]
    assert len(servers) >= 2 and all("check" in s for s in servers)
