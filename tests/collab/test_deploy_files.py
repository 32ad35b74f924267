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


def _scaleout():
    return runpy.run_path(str(DEPLOY / "scaleout.py"), run_name="scaleout")


def test_balancer_answers_its_errors_with_the_product_page():
    config = (DEPLOY / "haproxy.cfg").read_text()
    for status in (502, 503, 504):
        assert f"errorfile {status} /etc/haproxy/errors/collab-503.http" in config


def test_error_page_is_the_product_page_as_an_http_reply(tmp_path):
    path = tmp_path / "collab-503.http"
    _scaleout()["error_page_write"](path)
    head, _, body = path.read_bytes().partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 503 ")
    assert f"Content-Length: {len(body)}".encode() in head
    assert b"Please try again" in body


def test_scale_out_run_adapts_the_deployed_balancer_file(tmp_path):
    """deploy/scaleout.py runs deploy/haproxy.cfg itself, changing only what this machine
    lacks; it fails loudly if a line it relies on is gone, which this test would show."""
    scaleout = _scaleout()
    hosts = [scaleout["Host"](f"web{i}", f"10.211.{i}.2", None) for i in (1, 2)]
    adapted = scaleout["balancer_config"](
        (DEPLOY / "haproxy.cfg").read_text(), servers=hosts, error_page=tmp_path / "e.http"
    )
    assert "ssl crt" not in adapted and "redirect scheme https" not in adapted
    assert "http-request set-header X-Forwarded-Proto https\n" in adapted
    assert "server web1 10.211.1.2:9101 check" in adapted
    assert "server web2 10.211.2.2:9101 check" in adapted
    assert f"errorfile 502 {tmp_path / 'e.http'}" in adapted
    for kept in ("retries 2", "option redispatch 1", "uri /ready", "fall 2 rise 2"):
        assert kept in adapted
