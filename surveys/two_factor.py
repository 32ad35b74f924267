"""Who must sign in with two factors, and the recovery codes that stand in for a lost phone.

The sign-in pages are officers/two_factor.py; this holds what they and ``demo_setup`` share:
the rule by role, and making an authenticator and recovery codes for a person.

Platform administrators, council administrators and research officers see residents' personal
details or individual responses, so their accounts need a second factor. Officers may add one.
Recovery codes are django-otp static tokens: ten single-use codes, shown once when made.
"""

from __future__ import annotations

import secrets

from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from surveys.audit import audit_log
from surveys.models import Membership
from surveys.tenancy import council_ids_for, roles_of

ROLES_NEEDING_TWO_FACTOR = (Membership.Role.COUNCIL_ADMIN, Membership.Role.RESEARCH_OFFICER)
RECOVERY_CODE_COUNT = 10
# 10 characters from an alphabet without look-alikes (no i, l, o, 0, 1), shown in two groups.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


def two_factor_required(user) -> bool:
    """Whether this person's roles oblige them to sign in with a second factor. Uses the roles
    surveys.tenancy keeps for the request, so it costs no query once the scope is open."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    needing = set(ROLES_NEEDING_TWO_FACTOR)
    return any(
        roles_of(user=user, council=council_id) & needing
        for council_id in council_ids_for(user=user)
    )


def is_verified(user) -> bool:
    """Whether this session was verified with a second factor (django-otp's OTPMiddleware says
    so; a person just signed in with a password, or outside a request, is not)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def _recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def recovery_codes_replace(user) -> list[str]:
    """New recovery codes for this person (the old ones stop working); returns them in clear,
    to be shown once."""
    codes = [_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        StaticToken.objects.bulk_create(
            StaticToken(device=device, token=code.replace("-", "")) for code in codes
        )
        audit_log(actor=user, action="two_factor.recovery_codes_made", count=len(codes))
    return codes


def authenticator_enrol(user) -> TOTPDevice:
    """A confirmed authenticator for this person, as if they had set it up (the demo's logins)."""
    device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=True)
    audit_log(
        actor=None, action="two_factor.enrolled", user=user.get_username(), device=device.name
    )
    return device
