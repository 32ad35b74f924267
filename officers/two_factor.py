"""Two-factor sign-in (TOTP from an authenticator app, with recovery codes), by django-otp.

Who must use it: platform administrators, council administrators and research officers, whose
roles open personal or response-level data (``two_factor_required``). An officer may add it and,
once they have, is asked for it at every sign-in too.

A session is verified when django-otp's ``otp_login`` has recorded the device that answered.
``TwoFactorMiddleware`` keeps a signed-in person who must verify (or set up) to the two-factor
pages alone until they have, so nothing reaches a report, an export or an admin page on a
password alone, however the session was made.

Recovery codes are django-otp static tokens: ten single-use codes, shown once when made, kept
only as what the database stores for them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from surveys.audit import audit_log
from surveys.two_factor import (
    AUTHENTICATOR_NAME,
    is_verified,
    recovery_codes_replace,
    two_factor_required,
)

__all__ = ["is_verified", "recovery_codes_replace", "two_factor_required"]

# The pages a person who still has to verify (or set up) may open.
OPEN_BEFORE_VERIFYING = {
    "two_factor_verify",
    "two_factor_setup",
    "two_factor_recovery_codes",
    "logout",
    "login",
}


def has_two_factor(user) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


# Whether the signed-in person has set up a second factor, kept in their session (asked once,
# at sign-in, and set when they set one up) so officers' pages cost no query for it.
HAS_TWO_FACTOR_SESSION_KEY = "collab_has_two_factor"


def _has_two_factor_remembered(request: HttpRequest) -> bool:
    session = getattr(request, "session", None)
    if session is None:
        return has_two_factor(request.user)
    known = session.get(HAS_TWO_FACTOR_SESSION_KEY)
    if known is None:
        known = session[HAS_TWO_FACTOR_SESSION_KEY] = has_two_factor(request.user)
    return bool(known)


@receiver(user_logged_in)
def _forget_on_sign_in(sender, request: HttpRequest | None = None, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        session.pop(HAS_TWO_FACTOR_SESSION_KEY, None)


def must_verify(request: HttpRequest) -> bool:
    """Signed in with a password alone, where a second factor is required or was set up."""
    user = request.user
    if not user.is_authenticated or is_verified(user):
        return False
    return two_factor_required(user) or _has_two_factor_remembered(request)


def next_step_url(user, next_url: str = "") -> str:
    """Where a person goes after their password: the code, the set-up, or where they were going."""
    name = "two_factor_verify" if has_two_factor(user) else "two_factor_setup"
    query = f"?{urlencode({'next': next_url})}" if next_url else ""
    return reverse(name) + query


# ---------------------------------------------------------------------------
# Set-up, verification and recovery codes (writes, each audited)
# ---------------------------------------------------------------------------


def totp_device_pending(user) -> TOTPDevice:
    """The authenticator this person is setting up (unconfirmed), made on first sight."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def totp_confirm(request: HttpRequest, *, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the authenticator being set up with a code from it: the session is then
    verified and the person gets recovery codes (returned in clear). None if the code is wrong."""
    if not device.verify_token(code):
        return None
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        # Any other half-made authenticators are dropped.
        TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
        audit_log(actor=device.user, action="two_factor.enrolled", device=device.name)
    otp_login(request, device)
    request.session[HAS_TWO_FACTOR_SESSION_KEY] = True
    return recovery_codes_replace(device.user)


def normalise_code(text: str) -> str:
    return "".join(text.split()).replace("-", "").lower()


def verify(request: HttpRequest, *, code: str):
    """Verify this session with a code from the authenticator or a recovery code. Returns the
    device that matched, or None."""
    user = request.user
    device = match_token(user, normalise_code(code))
    if device is None:
        audit_log(actor=user, action="two_factor.failed")
        return None
    otp_login(request, device)
    if isinstance(device, StaticDevice):
        audit_log(actor=user, action="two_factor.recovery_code_used", left=device.token_set.count())
    return device


def seconds_to_wait(user) -> int:
    """After wrong codes django-otp makes each device wait longer (1, 2, 4... seconds): how long
    until one of this person's devices takes a code again (0: now)."""
    from django.utils import timezone

    waits = []
    for device in devices_for_user(user, confirmed=True):
        allowed, detail = device.verify_is_allowed()
        if allowed:
            return 0
        until = (detail or {}).get("locked_until")
        if until is not None:
            waits.append(max(1, math.ceil((until - timezone.now()).total_seconds())))
    return min(waits) if waits else 0


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# ---------------------------------------------------------------------------
# The QR code, drawn here as SVG (no image service, nothing inline but the drawing)
# ---------------------------------------------------------------------------


def provisioning_uri(device: TOTPDevice) -> str:
    return device.config_url


def qr_svg(data: str) -> str:
    import qrcode

    qr = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(data)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    size = len(matrix)
    squares = format_html_join(
        "",
        "M{} {}h1v1h-1z",
        ((x, y) for y, row in enumerate(matrix) for x, on in enumerate(row) if on),
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="232" height="232" '
        'role="img" aria-labelledby="collab-qr-title" focusable="false" '
        'shape-rendering="crispEdges">'
        '<title id="collab-qr-title">QR code to scan with your authenticator app</title>'
        '<rect width="100%" height="100%" fill="#ffffff"/><path fill="#0b0c0c" d="{}"/></svg>',
        size,
        size,
        squares,
    )


def secret_for_people(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, as authenticator apps ask for it typed in."""
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


# ---------------------------------------------------------------------------
# The gate
# ---------------------------------------------------------------------------


class TwoFactorMiddleware:
    """A person signed in with a password who must still verify (or set up) two-factor opens
    only the two-factor pages; every other page sends them there and comes back after."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_BEFORE_VERIFYING:
            return None
        if not must_verify(request):
            return None
        next_url = request.get_full_path() if request.method == "GET" else ""
        return HttpResponseRedirect(next_step_url(user, next_url))


def issuer() -> str:
    return settings.OTP_TOTP_ISSUER
