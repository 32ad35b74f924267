"""A signed-in person's session ends a working day after they signed in
(OFFICER_SESSION_MAX_AGE, 8 hours) and after half an hour without a request
(OFFICER_SESSION_IDLE_TIMEOUT): an unattended computer in a council office does not stay open on
residents' data. The times are kept in the session, on the server, so a copied cookie is cut off
the same way. Residents are never signed in: their session (SESSION_COOKIE_AGE, a day) only
remembers the response they are filling in, and their code to continue covers the rest.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

SIGNED_IN_AT = "collab_signed_in_at"
LAST_SEEN = "collab_last_seen"
SIGNED_OUT_BECAUSE = "collab_signed_out_because"
# The session is written at most this often just to say the person is still there.
TOUCH_EVERY = 60

IDLE = "idle"
DAY_OVER = "day"


def _kept_for() -> int:
    """How long the stored session outlives its last write: past both limits, so that it is this
    middleware (which can say why) and not the session's own expiry that ends it."""
    return settings.OFFICER_SESSION_MAX_AGE + settings.OFFICER_SESSION_IDLE_TIMEOUT


@receiver(user_logged_in)
def _session_clock_start(sender, request: HttpRequest | None = None, user=None, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is None:
        return
    now = time.time()
    session[SIGNED_IN_AT] = now
    session[LAST_SEEN] = now
    session.pop(SIGNED_OUT_BECAUSE, None)
    session.set_expiry(_kept_for())


def session_ended_because(session, now: float) -> str | None:
    signed_in_at = session.get(SIGNED_IN_AT)
    last_seen = session.get(LAST_SEEN)
    if not isinstance(signed_in_at, int | float) or not isinstance(last_seen, int | float):
        return DAY_OVER  # a session without its clock: end it rather than let it run on
    if now - signed_in_at >= settings.OFFICER_SESSION_MAX_AGE:
        return DAY_OVER
    if now - last_seen >= settings.OFFICER_SESSION_IDLE_TIMEOUT:
        return IDLE
    return None


class OfficerSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            session = request.session
            now = time.time()
            reason = session_ended_because(session, now)
            if reason:
                # The request goes on as a visitor's: an officer page sends them to sign in,
                # which says why they were signed out.
                logout(request)
                request.session[SIGNED_OUT_BECAUSE] = reason
            elif now - session[LAST_SEEN] >= TOUCH_EVERY:
                session[LAST_SEEN] = now
        return self.get_response(request)


def signed_out_message(request: HttpRequest) -> str:
    """Said once on the sign-in page after a session ended by itself."""
    reason = request.session.pop(SIGNED_OUT_BECAUSE, None) if hasattr(request, "session") else None
    if reason == IDLE:
        minutes = settings.OFFICER_SESSION_IDLE_TIMEOUT // 60
        return (
            f"You were signed out because you had done nothing for {minutes} minutes. "
            "Sign in again to carry on."
        )
    if reason == DAY_OVER:
        hours = settings.OFFICER_SESSION_MAX_AGE // 3600
        return (
            f"You were signed out because you signed in more than {hours} hours ago. "
            "Sign in again to carry on."
        )
    return ""
