"""The balancer's endpoints: `/ready` answers 200 only when the database, the cache and the
broker all answer, 503 with the failing part named (and nothing secret) otherwise;
`/healthz` answers whenever the process does."""

from __future__ import annotations

import json

import pytest
from django.db import OperationalError

from collab import health


def _body(response) -> dict:
    return json.loads(response.content)


@pytest.mark.django_db
def test_ready_when_database_cache_and_broker_answer(client):
    response = client.get("/ready")
    assert response.status_code == 200
    assert _body(response) == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok"},
    }
    assert "no-cache" in response["Cache-Control"]


def _failing(message: str):
    def check() -> None:
        raise OperationalError(message)

    return check


@pytest.mark.django_db
@pytest.mark.parametrize("part", ["database", "cache", "broker"])
def test_not_ready_when_one_part_is_down(client, monkeypatch, part):
    monkeypatch.setitem(
        health.CHECKS, part, _failing("could not connect to db.internal as collab:secret")
    )
    response = client.get("/ready")
    assert response.status_code == 503
    body = _body(response)
    assert body["status"] == "unavailable"
    assert body["checks"][part] == "unavailable"
    assert [k for k, v in body["checks"].items() if v != "ok"] == [part]
    assert b"secret" not in response.content and b"db.internal" not in response.content


@pytest.mark.django_db
def test_not_ready_when_the_database_refuses_connections(client, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", refuse)
    response = client.get("/ready")
    assert response.status_code == 503
    assert _body(response)["checks"]["database"] == "unavailable"


def test_not_ready_when_the_cache_loses_values(client, monkeypatch, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    monkeypatch.setitem(health.CHECKS, "database", lambda: None)
    response = client.get("/ready")
    assert response.status_code == 503
    assert _body(response)["checks"] == {
        "database": "ok",
        "cache": "unavailable",
        "broker": "ok",
    }


def test_not_ready_when_the_broker_is_unreachable(client, monkeypatch, settings):
    from collab.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setitem(health.CHECKS, "database", lambda: None)
    # A closed port on loopback: the connection is refused at once.
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    # With a broker configured, the write connection has its own setting.
    monkeypatch.setattr(app.conf, "broker_write_url", "redis://127.0.0.1:1/0")
    response = client.get("/ready")
    assert response.status_code == 503
    assert _body(response)["checks"]["broker"] == "unavailable"


def test_broker_is_not_asked_when_tasks_run_in_process(settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = True

    def boom():
        raise AssertionError("no broker connection with tasks in-process")

    monkeypatch.setattr("collab.celery.app.connection_for_write", boom)
    health.check_broker()


def test_healthz_needs_nothing_but_the_process(client, monkeypatch):
    for part in health.CHECKS:
        monkeypatch.setitem(health.CHECKS, part, _failing("down"))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert _body(response) == {"status": "ok"}


def test_ready_refuses_writes(client):
    assert client.post("/ready").status_code == 405
