"""A database or shared cache that is restarting or out of connections gets residents a
"please try again" page (503) instead of a server error.

Every write of the resident's journey is one statement or one transaction
(surveys.services.response_submit is atomic), so an error mid-way stores nothing: the page
can honestly say that nothing from that step was saved.

A view's error reaches DatabaseUnavailableMiddleware. One raised in a middleware (the session
read by the sign-in checks, the session saved after the view, a rate-limit counter in Redis)
never reaches a view's middleware: Django turns it into the server error page, so that page's
view (`server_error`, the project's handler500) answers the same 503 for these errors.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

import redis.exceptions
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
# The database, or the Redis cache (django.core.cache.backends.redis), gone for a moment.
UNAVAILABLE = (
    OperationalError,
    InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)


def unavailable_response() -> HttpResponse:
    # Rendered without the request: its context processors would read the session, which
    # lives in the same unavailable database.
    response = HttpResponse(render_to_string("503.html", {}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, UNAVAILABLE):
            return None
        logger.error("Database unavailable for %s %s", request.method, request.path, exc_info=True)
        return unavailable_response()


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: called while the error is being handled, so sys.exc_info() names it."""
    if isinstance(sys.exc_info()[1], UNAVAILABLE):
        return unavailable_response()
    return defaults.server_error(request)
