"""What a load balancer asks a web process: `/healthz` (is the process serving?) and
`/ready` (can it serve a resident now: the database, the shared cache and the broker answer?).

Both are cheap enough to be asked every few seconds: `/ready` runs `SELECT 1`, one cache write
and read, and opens (or reuses) one broker connection, each with a short timeout, and answers
200 or 503 with a small JSON naming which part failed, never an address or a password. Neither
touches the session, a council's data or a template.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 1.0


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    key = f"collab:ready:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not keep a value")
    cache.delete(key)


def check_broker() -> None:
    """With no broker configured tasks run in the web process (settings), so there is
    nothing to reach."""
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return
    from collab.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
}


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and answering; says nothing of what it depends on."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def ready(request: HttpRequest) -> JsonResponse:
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:
            # The reason goes to the log only: it may name a host or a user.
            logger.warning("Readiness: %s is unavailable", name, exc_info=True)
            results[name] = "unavailable"
        else:
            results[name] = "ok"
    ok = all(v == "ok" for v in results.values())
    return JsonResponse(
        {"status": "ok" if ok else "unavailable", "checks": results}, status=200 if ok else 503
    )
