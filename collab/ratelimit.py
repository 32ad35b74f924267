"""Rate limits on guessing codes and passwords, the login lockout, and the bots' honeypot.

Counters live in the Django cache (Redis in production, so every web process shares them).
Only hashes of codes, usernames and addresses are used in cache keys.

Codes. An invitation or resume code is 12 characters from 29 (surveys/codes.py): about
3.5e17 codes. Failed code entries (on /code/ and /erase/) are limited to 10 per address per
10 minutes and 100 per address per day, and to 10 per code per hour. Even with a million
live codes and 10,000 addresses guessing for a whole year (3.65e8 guesses), the expected
number of codes found is 3.65e8 * 1e6 / 3.5e17, about 0.001: guessing codes is infeasible.
Residents who type their code right are never counted.

Sign-in (officers' page and the admin's). Five failures for one username from one address
within 15 minutes lock that username at that address for 15 minutes (audited), and any
address is limited to 30 failures an hour whatever the usernames. Locking per username and
address, not per username alone, means a stranger cannot lock an officer out from elsewhere.

Honeypot. The public Start form carries a field that people never see or hear (see
templates/surveys/landing.html); a form that comes back with it filled in is a bot's.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

HONEYPOT_FIELD = "website"


@dataclass(frozen=True)
class Limit:
    name: str
    attempts: int
    seconds: int


CODE_PER_ADDRESS = Limit("code-addr", 10, 10 * 60)
CODE_PER_ADDRESS_DAY = Limit("code-addr-day", 100, 24 * 60 * 60)
CODE_PER_CODE = Limit("code", 10, 60 * 60)
LOGIN_PER_ADDRESS = Limit("login-addr", 30, 60 * 60)
LOCKOUT_FAILURES = 5
LOCKOUT_WINDOW = 15 * 60
LOCKOUT_SECONDS = 15 * 60

CODE_VIEWS = {"surveys:code", "surveys:erase"}
LOGIN_VIEWS = {"login", "admin:login"}
HONEYPOT_VIEWS = {"surveys:start"}


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or with TRUSTED_PROXIES set, the address the
    nearest trusted proxy saw (entries further left can be forged by the client)."""
    proxies = settings.TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [part.strip() for part in forwarded.split(",") if part.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _key(limit: Limit, ident: str) -> str:
    window = int(time.time() // limit.seconds)
    return f"rl:{limit.name}:{_digest(ident)}:{window}"


def over_limit(limit: Limit, ident: str) -> bool:
    return (cache.get(_key(limit, ident)) or 0) >= limit.attempts


def hit(limit: Limit, ident: str) -> int:
    key = _key(limit, ident)
    cache.add(key, 0, timeout=limit.seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=limit.seconds)
        return 1


def _normalised_code(request: HttpRequest) -> str:
    from surveys.codes import code_normalise

    return code_normalise(str(request.POST.get("code", ""))[:100])


def _lock_key(username: str, address: str) -> str:
    return f"lockout:{_digest(username.casefold(), address)}"


def _fail_key(username: str, address: str) -> str:
    return f"lockout-fails:{_digest(username.casefold(), address)}"


def login_locked(*, username: str, address: str) -> bool:
    return bool(cache.get(_lock_key(username, address)))


@receiver(user_login_failed)
def _login_failed(sender, credentials: dict, request: HttpRequest | None = None, **kwargs) -> None:
    if request is None:
        return
    from surveys.audit import audit_log

    username = str(credentials.get("username", ""))
    address = client_address(request)
    hit(LOGIN_PER_ADDRESS, address)
    key = _fail_key(username, address)
    cache.add(key, 0, timeout=LOCKOUT_WINDOW)
    try:
        failures = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=LOCKOUT_WINDOW)
        failures = 1
    if failures >= LOCKOUT_FAILURES:
        cache.set(_lock_key(username, address), 1, timeout=LOCKOUT_SECONDS)
        cache.delete(key)
        logger.warning("Sign-in locked for %r after %d failures", username, failures)
        audit_log(
            actor=None,
            action="login.locked",
            username=username,
            address=address,
            failures=failures,
            minutes=LOCKOUT_SECONDS // 60,
        )


@receiver(user_logged_in)
def _logged_in(sender, request: HttpRequest | None = None, user=None, **kwargs) -> None:
    if request is not None and user is not None:
        cache.delete(_fail_key(user.get_username(), client_address(request)))


def too_many(request: HttpRequest, *, title: str, message: str, seconds: int) -> HttpResponse:
    # Rendered without the request's context processors: nothing here needs the session.
    body = render_to_string("429.html", {"title": title, "message": message})
    response = HttpResponse(body, status=429)
    response["Retry-After"] = str(seconds)
    return response


class RateLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # A rejected code comes back as 400 (the form's error): count it against the
        # address and the code. Good codes are never counted.
        if getattr(request, "_collab_code_attempt", False) and response.status_code == 400:
            hit(CODE_PER_ADDRESS, client_address(request))
            hit(CODE_PER_ADDRESS_DAY, client_address(request))
            code = _normalised_code(request)
            if code:
                hit(CODE_PER_CODE, code)
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if request.method != "POST" or request.resolver_match is None:
            return None
        name = request.resolver_match.view_name
        if name in CODE_VIEWS:
            return self._code_limit(request)
        if name in LOGIN_VIEWS:
            return self._login_limit(request)
        if name in HONEYPOT_VIEWS and request.POST.get(HONEYPOT_FIELD):
            logger.info("Start form refused: honeypot field filled in")
            body = render_to_string("400.html", {})
            return HttpResponse(body, status=400)
        return None

    def _code_limit(self, request: HttpRequest) -> HttpResponse | None:
        address = client_address(request)
        code = _normalised_code(request)
        limited = over_limit(CODE_PER_ADDRESS, address) or over_limit(CODE_PER_ADDRESS_DAY, address)
        if limited or (code and over_limit(CODE_PER_CODE, code)):
            return too_many(
                request,
                title="Too many attempts to enter a code",
                message="For your security, codes cannot be tried again for a while. Wait "
                "10 minutes, then check the code on your letter or e-mail and try again. If it "
                "still does not work, contact the council that sent it.",
                seconds=CODE_PER_ADDRESS.seconds,
            )
        request._collab_code_attempt = True
        return None

    def _login_limit(self, request: HttpRequest) -> HttpResponse | None:
        address = client_address(request)
        username = str(request.POST.get("username", ""))[:300]
        if login_locked(username=username, address=address):
            return too_many(
                request,
                title="Sign-in is locked for 15 minutes",
                message="There have been too many failed attempts to sign in to this account "
                "from your network, so signing in is locked for 15 minutes. Wait, then try "
                "again. If you have forgotten your password, ask your administrator to reset it.",
                seconds=LOCKOUT_SECONDS,
            )
        if over_limit(LOGIN_PER_ADDRESS, address):
            return too_many(
                request,
                title="Too many attempts to sign in",
                message="There have been too many failed attempts to sign in from your network. "
                "Wait an hour, then try again.",
                seconds=LOGIN_PER_ADDRESS.seconds,
            )
        return None
