"""Rate limits on guessing codes and passwords, the login lockout, and the bots' honeypot.

Counters live in the Django cache (Redis in production, so every web process shares them).
Only hashes of codes, usernames and addresses are used in cache keys.

Codes. An invitation or resume code is 12 characters from 29 (surveys/codes.py): about
3.5e17 codes. Failed code entries (on /code/ and /erase/) are limited to 10 per address per
10 minutes and 100 per address per day, and to 10 per code per hour. Even with a million
live codes and 10,000 addresses guessing for a whole year (3.65e8 guesses), the expected
number of codes found is 3.65e8 * 1e6 / 3.5e17, about 0.001: guessing codes is infeasible.
Residents who type their code right are never counted.

Sign-in (officers' page and the admin's). Failures are counted three ways, and each, past its
threshold, locks for a delay that doubles with every further failure (one minute, two, four...,
at most an hour):

- per account, from devices it has not signed in from: 10 failures a day;
- per address, whatever the usernames: 20 failures an hour;
- per known device: a browser the person signed in from before carries a signed cookie naming
  the account (``collab_device``, KNOWN_DEVICE_COOKIE_AGE). From that device only that device's
  own failures count (5 a day), so while the account or the address is locked by someone
  guessing from elsewhere, its owner still signs in from their usual computer.

The address is the client's own (``client_address``): behind a load balancer, TRUSTED_PROXIES
says how many proxies append to X-Forwarded-For, and the header is believed only from a peer in
TRUSTED_PROXY_NETWORKS, so a client reaching the port directly cannot rotate its address.

Honeypot. The public Start form carries a field that people never see or hear (see
templates/surveys/landing.html); a form that comes back with it filled in is a bot's.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core import signing
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


@dataclass(frozen=True)
class Backoff:
    """Failures counted for ``memory`` seconds from the first; from ``threshold`` failures on,
    each failure locks for ``base`` seconds doubled once per failure past it, at most ``cap``."""

    name: str
    threshold: int
    memory: int
    base: int = 60
    cap: int = 60 * 60

    def delay(self, failures: int) -> int:
        if failures < self.threshold:
            return 0
        return min(self.base * 2 ** min(failures - self.threshold, 20), self.cap)


LOGIN_PER_ACCOUNT = Backoff("login-account", threshold=10, memory=24 * 60 * 60)
LOGIN_PER_ADDRESS = Backoff("login-addr", threshold=20, memory=60 * 60)
LOGIN_PER_DEVICE = Backoff("login-device", threshold=5, memory=24 * 60 * 60)

DEVICE_COOKIE = "collab_device"
_DEVICE_SALT = "collab.ratelimit.known-device"

CODE_VIEWS = {"surveys:code", "surveys:erase"}
LOGIN_VIEWS = {"login", "admin:login"}
HONEYPOT_VIEWS = {"surveys:start"}


def _networks() -> list:
    return [ipaddress.ip_network(n, strict=False) for n in settings.TRUSTED_PROXY_NETWORKS]


def _ip(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _bucket(address) -> str:
    """An IPv6 client holds a whole /64, so it is counted as one."""
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def client_address(request: HttpRequest) -> str:
    """The client's own address, as rate limits count it.

    REMOTE_ADDR, unless TRUSTED_PROXIES is set and the peer is inside TRUSTED_PROXY_NETWORKS:
    then the address the outermost of those proxies saw (the entry TRUSTED_PROXIES from the
    right of X-Forwarded-For; entries further left can be forged by the client). A client
    that reaches the port directly is counted by its own address whatever it sends."""
    remote = request.META.get("REMOTE_ADDR", "")
    peer = _ip(remote)
    if peer is None:
        return remote
    proxies = settings.TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and not proxies:
        _warn_of_an_untrusted_proxy(remote)
    if proxies and forwarded and any(peer in network for network in _networks()):
        hops = [part.strip() for part in forwarded.split(",") if part.strip()]
        if len(hops) >= proxies:
            client = _ip(hops[-proxies])
            if client is not None:
                return _bucket(client)
    return _bucket(peer)


_proxy_warned = False


def _warn_of_an_untrusted_proxy(remote: str) -> None:
    """Once a process: requests carry X-Forwarded-For but TRUSTED_PROXIES is 0, so if they come
    through a load balancer, everyone behind it is counted as one address."""
    global _proxy_warned
    if not _proxy_warned:
        _proxy_warned = True
        logger.warning(
            "A request from %s carries X-Forwarded-For but TRUSTED_PROXIES is 0: behind a load "
            "balancer, set TRUSTED_PROXIES, or every client is counted as the balancer's address",
            remote,
        )


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _key(limit: Limit, ident: str) -> str:
    window = int(time.time() // limit.seconds)
    return f"rl:{limit.name}:{_digest(ident)}:{window}"


def over_limit(limit: Limit, ident: str) -> bool:
    return (cache.get(_key(limit, ident)) or 0) >= limit.attempts


def _count(key: str, timeout: int) -> int:
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def hit(limit: Limit, ident: str) -> int:
    return _count(_key(limit, ident), limit.seconds)


def _normalised_code(request: HttpRequest) -> str:
    from surveys.codes import code_normalise

    return code_normalise(str(request.POST.get("code", ""))[:100])


# ---------------------------------------------------------------------------
# Sign-in: growing delays per account, per address and per known device
# ---------------------------------------------------------------------------


def _backoff_keys(backoff: Backoff, ident: str) -> tuple[str, str]:
    digest = _digest(backoff.name, ident)
    return f"bo-fails:{digest}", f"bo-lock:{digest}"


def locked_for(backoff: Backoff, ident: str) -> int:
    """Seconds until ``ident`` may try again (0: it may now)."""
    until = cache.get(_backoff_keys(backoff, ident)[1])
    return max(0, math.ceil(until - time.time())) if until else 0


def fail(backoff: Backoff, ident: str) -> int:
    """Count a failure; returns the delay it starts (0 below the threshold)."""
    fails_key, lock_key = _backoff_keys(backoff, ident)
    failures = _count(fails_key, backoff.memory)
    delay = backoff.delay(failures)
    if delay:
        cache.set(lock_key, time.time() + delay, timeout=delay)
    return delay


def forgive(backoff: Backoff, ident: str) -> None:
    cache.delete_many(list(_backoff_keys(backoff, ident)))


def _account(username: str) -> str:
    return username.strip().casefold()


def known_device(request: HttpRequest, username: str) -> str | None:
    """The id of this browser's known-device cookie, if it is one for this account."""
    raw = request.COOKIES.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        value = signing.loads(raw, salt=_DEVICE_SALT, max_age=settings.KNOWN_DEVICE_COOKIE_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or value.get("a") != _digest(_account(username)):
        return None
    device = value.get("d")
    return device if isinstance(device, str) else None


def _device_cookie_value(username: str) -> str:
    return signing.dumps(
        {"a": _digest(_account(username)), "d": secrets.token_urlsafe(16)}, salt=_DEVICE_SALT
    )


def login_locked_for(request: HttpRequest, *, username: str) -> tuple[int, str]:
    """Seconds this sign-in must wait, and which limit it met ("" if none)."""
    device = known_device(request, username)
    if device is not None:
        return locked_for(LOGIN_PER_DEVICE, device), "device"
    wait = locked_for(LOGIN_PER_ACCOUNT, _account(username))
    if wait:
        return wait, "account"
    return locked_for(LOGIN_PER_ADDRESS, client_address(request)), "address"


@receiver(user_login_failed)
def _login_failed(sender, credentials: dict, request: HttpRequest | None = None, **kwargs) -> None:
    if request is None:
        return
    from surveys.audit import audit_log

    username = str(credentials.get("username", ""))[:300]
    address = client_address(request)
    device = known_device(request, username)
    if device is not None:
        delays = {"device": fail(LOGIN_PER_DEVICE, device)}
    else:
        delays = {
            "account": fail(LOGIN_PER_ACCOUNT, _account(username)),
            "address": fail(LOGIN_PER_ADDRESS, address),
        }
    for limit, delay in delays.items():
        if delay:
            logger.warning("Sign-in locked per %s for %r for %d s", limit, username, delay)
            audit_log(
                actor=None,
                action="login.locked",
                username=username,
                address=address,
                limit=limit,
                seconds=delay,
            )


@receiver(user_logged_in)
def _logged_in(sender, request: HttpRequest | None = None, user=None, **kwargs) -> None:
    if request is None or user is None or not hasattr(request, "COOKIES"):
        return
    username = user.get_username()
    device = known_device(request, username)
    if device is not None:
        forgive(LOGIN_PER_DEVICE, device)
    else:
        # The right password from a new device: the guesses counted against the account were
        # not this person's to pay for. The address keeps its count (it may hold others).
        forgive(LOGIN_PER_ACCOUNT, _account(username))
    request._collab_device_cookie = _device_cookie_value(username)


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
        device_cookie = getattr(request, "_collab_device_cookie", None)
        if device_cookie:
            response.set_cookie(
                DEVICE_COOKIE,
                device_cookie,
                max_age=settings.KNOWN_DEVICE_COOKIE_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
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
        username = str(request.POST.get("username", ""))[:300]
        wait, limit = login_locked_for(request, username=username)
        if not wait:
            return None
        minutes = max(1, -(-wait // 60))
        when = f"{minutes} minute{'s' if minutes != 1 else ''}"
        if limit == "address":
            message = (
                "There have been too many failed attempts to sign in from your network. "
                f"Wait {when}, then try again."
            )
        else:
            message = (
                "There have been too many failed attempts to sign in to this account, so "
                f"signing in to it is paused for {when}. Wait, then try again. If you usually "
                "sign in from another computer, you can still sign in there. If you have "
                "forgotten your password, ask your administrator to reset it."
            )
        return too_many(
            request, title="Too many attempts to sign in", message=message, seconds=wait
        )
