"""A database that is restarting or out of connections gets residents a "please try again"
page (503) instead of a server error.

Every write of the resident's journey is one statement or one transaction
(surveys.services.response_submit is atomic), so an error mid-way stores nothing: the page
can honestly say that nothing from that step was saved.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("Database unavailable for %s %s", request.method, request.path, exc_info=True)
        # Rendered without the request: its context processors would read the session, which
        # lives in the same unavailable database.
        response = HttpResponse(render_to_string("503.html", {}), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
