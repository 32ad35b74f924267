"""Signing in as a person who has passed two-factor sign-in, for tests of what they may do.

``Client.force_login`` stands, in every test, for a complete sign-in: for a person whose roles
require two-factor (officers/two_factor.py) it also gives them a confirmed authenticator and marks
the session verified with it (tests/conftest.py installs this). Tests of the sign-in itself go
through the pages (the password form, then the code) or call ``client.login()``, which gives a
password-only session.
"""

from __future__ import annotations

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

_force_login = Client.force_login


def authenticator_for(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def code_now(device: TOTPDevice) -> str:
    """The code the person's authenticator app shows now."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def sign_in_verified(client: Client, user, backend: str | None = None) -> TOTPDevice:
    """Sign ``user`` in with their password and a code from their authenticator."""
    _force_login(client, user, backend)
    device = authenticator_for(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def force_login_complete(self: Client, user, backend: str | None = None) -> None:
    from officers.two_factor import two_factor_required

    if two_factor_required(user):
        sign_in_verified(self, user, backend)
    else:
        _force_login(self, user, backend)
