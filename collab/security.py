"""Security headers on every response, and the Content-Security-Policy.

Django's SecurityMiddleware already sends X-Content-Type-Options, Referrer-Policy and
Cross-Origin-Opener-Policy (see settings); this adds what it does not: a strict CSP, a
Permissions-Policy and Cross-Origin-Resource-Policy.

The CSP allows nothing inline: scripts and styles come from our own static files. The one
exception is the council's accent colour, which base.html sets in a <style> element carrying
this request's nonce (``request.csp_nonce``), so style-src needs no 'unsafe-inline'. Web
workers, too, come only from our own files: the start challenge's solver is a same-origin
script (static/vendor/altcha/), not the blob: worker ALTCHA's widget would make.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)


def content_security_policy(nonce: str) -> str:
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": f"'self' 'nonce-{nonce}'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        # Said outright, though script-src covers it: workers only from our own static files
        # (the start challenge's solver, surveys/challenge.py), never from a blob: or data:.
        "worker-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # 128 bits, new for every response, so an injected <style> cannot guess it.
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        response.headers.setdefault(
            "Content-Security-Policy", content_security_policy(request.csp_nonce)
        )
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response
