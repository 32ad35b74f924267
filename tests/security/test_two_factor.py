"""Two-factor sign-in (officers/two_factor.py): required for the roles that see personal or
response-level data (platform administrators, council administrators, research officers),
offered to officers. Each test signs in through the pages, as a person does: the password form,
then the set-up or the code."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from officers.two_factor import two_factor_required
from surveys.models import AuditEntry, Membership
from tests.two_factor import code_now

pytestmark = pytest.mark.django_db
Role = Membership.Role
PASSWORD = "right-password-123"
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _person(council, name: str, role: str | None) -> User:
    user = User.objects.create_user(name, password=PASSWORD)
    if role:
        Membership.objects.create(user=user, council=council, role=role)
    return user


@pytest.fixture
def research(council) -> User:
    return _person(council, "research@riverside", Role.RESEARCH_OFFICER)


@pytest.fixture
def officer(council) -> User:
    return _person(council, "officer@riverside", Role.OFFICER)


def _password(client: Client, user: User, next_url: str = ""):
    data = {"username": user.username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


def _enrol(client: Client, user: User) -> tuple[TOTPDevice, list[str]]:
    """Set up an authenticator through the pages; returns it and the recovery codes shown."""
    page = client.get(reverse("two_factor_setup"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    done = client.post(reverse("two_factor_setup"), {"code": code_now(device)})
    assert done.status_code == 302
    shown = client.get(done["Location"]).content.decode()
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", shown)
    device.refresh_from_db()
    return device, codes


def test_the_roles_that_see_personal_data_need_two_factor(council, research, officer):
    admin = _person(council, "setup@riverside", Role.COUNCIL_ADMIN)
    platform = User.objects.create_superuser("platform", password=PASSWORD)
    nobody = _person(council, "nobody", None)

    assert two_factor_required(research) and two_factor_required(admin)
    assert two_factor_required(platform)
    assert not two_factor_required(officer) and not two_factor_required(nobody)


def test_a_research_officer_must_set_up_two_factor_before_any_page(client, research, survey):
    report = reverse("officers:report", args=[survey.slug])

    signed_in = _password(client, research, next_url=report)

    assert signed_in.status_code == 302
    assert signed_in["Location"].startswith(reverse("two_factor_setup"))
    # Every other page sends them back there, and on to where they were going after.
    blocked = client.get(report)
    assert blocked.status_code == 302
    assert blocked["Location"] == f"{reverse('two_factor_setup')}?next={report.replace('/', '%2F')}"
    assert client.get(reverse("officers:home")).status_code == 302


def test_the_set_up_page_shows_a_qr_code_drawn_here_and_the_key_in_text(client, research):
    _password(client, research)

    page = client.get(reverse("two_factor_setup"))

    html = page.content.decode()
    device = TOTPDevice.objects.get(user=research, confirmed=False)
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg and "<title" in svg
    assert "style=" not in svg  # the CSP allows no inline style
    assert "<img" not in html.split("<main", 1)[1]  # nothing fetched from elsewhere
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode().rstrip("=")
    shown = re.search(r'<code class="collab-secret"[^>]*>([A-Z2-7 ]+)</code>', html).group(1)
    assert shown.replace(" ", "") == secret
    assert "otpauth://totp/Collab%3Aresearch%40riverside" in device.config_url
    assert f"secret={secret}" in device.config_url


def test_a_wrong_set_up_code_is_an_accessible_error(client, research):
    _password(client, research)
    client.get(reverse("two_factor_setup"))

    wrong = client.post(reverse("two_factor_setup"), {"code": "000000"})

    html = wrong.content.decode()
    assert wrong.status_code == 400
    assert "<title>Error: Set up two-factor sign-in" in html
    assert 'class="govuk-error-summary"' in html and 'href="#id_code"' in html
    assert 'aria-describedby="id_code-hint id_code-error"' in html
    assert not TOTPDevice.objects.filter(user=research, confirmed=True).exists()


def test_setting_up_verifies_the_session_and_shows_recovery_codes_once(client, research, survey):
    with time_machine.travel(NOW, tick=False):
        _password(client, research)
        device, codes = _enrol(client, research)

        assert device.confirmed
        assert len(codes) == 10 and len(set(codes)) == 10
        assert client.get(reverse("officers:report", args=[survey.slug])).status_code == 200
        again = client.get(reverse("two_factor_recovery_codes")).content.decode()
        assert not re.search(r"<code>[a-z0-9]{5}-[a-z0-9]{5}</code>", again)
        assert "You have 10 unused codes" in again
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"two_factor.enrolled", "two_factor.recovery_codes_made"} <= actions


def test_signing_in_again_asks_for_the_code(research, survey):
    with time_machine.travel(NOW, tick=False) as clock:
        first = Client()
        _password(first, research)
        device, _ = _enrol(first, research)
        clock.shift(60)  # a later sign-in, with the code the app shows then

        client = Client()
        report = reverse("officers:report", args=[survey.slug])
        signed_in = _password(client, research, next_url=report)
        assert (
            signed_in["Location"]
            == f"{reverse('two_factor_verify')}?next=%2F{report[1:].replace('/', '%2F')}"
        )
        wrong = client.post(reverse("two_factor_verify"), {"code": "123456", "next": report})
        assert wrong.status_code == 400
        assert "The code is not right" in wrong.content.decode()
        assert client.get(report).status_code == 302
        clock.shift(30)  # they look again: a new code, and the pause after a wrong one is over
        right = client.post(
            reverse("two_factor_verify"), {"code": code_now(device), "next": report}
        )

        assert right.status_code == 302 and right["Location"] == report
        assert client.get(report).status_code == 200


def test_a_recovery_code_works_once(research, survey):
    with time_machine.travel(NOW, tick=False):
        first = Client()
        _password(first, research)
        _, codes = _enrol(first, research)

    def with_recovery_code() -> int:
        client = Client()
        _password(client, research)
        reply = client.post(reverse("two_factor_verify"), {"code": codes[0].upper()})
        return reply.status_code

    assert with_recovery_code() == 302
    assert with_recovery_code() == 400
    entry = AuditEntry.objects.get(action="two_factor.recovery_code_used")
    assert entry.detail["left"] == 9


def test_an_officer_is_not_forced_but_may_set_it_up(client, officer, survey):
    signed_in = _password(client, officer)
    assert signed_in["Location"] == "/officer/"
    assert client.get(reverse("officers:dashboard", args=[survey.slug])).status_code == 200

    with time_machine.travel(NOW, tick=False) as clock:
        device, _ = _enrol(client, officer)
        clock.shift(60)
        later = Client()
        assert _password(later, officer)["Location"].startswith(reverse("two_factor_verify"))
        assert later.get(reverse("officers:home")).status_code == 302
        later.post(reverse("two_factor_verify"), {"code": code_now(device)})
        assert later.get(reverse("officers:home")).status_code == 200


@pytest.mark.parametrize("url", ["/admin/", "/council-admin/"])
def test_the_admin_sites_need_the_second_factor(council, url):
    platform = User.objects.create_superuser("platform", password=PASSWORD)
    setup = _person(council, "setup@riverside", Role.COUNCIL_ADMIN)
    user = platform if url == "/admin/" else setup
    client = Client()
    client.login(username=user.username, password=PASSWORD)  # the password alone

    blocked = client.get(url)
    assert blocked.status_code == 302
    assert blocked["Location"].startswith(reverse("two_factor_setup"))

    client.force_login(user)  # as tests sign in: with the second factor (tests/two_factor.py)
    assert client.get(url).status_code == 200


def test_make_new_recovery_codes_replaces_the_old_ones(research):
    with time_machine.travel(NOW, tick=False):
        client = Client()
        _password(client, research)
        _, old = _enrol(client, research)
        made = client.post(reverse("two_factor_recovery_codes"))
        new = re.findall(
            r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", client.get(made["Location"]).content.decode()
        )

    assert len(new) == 10 and not set(new) & set(old)
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False) as clock:
        later = Client()
        _password(later, research)
        assert later.post(reverse("two_factor_verify"), {"code": old[0]}).status_code == 400
        clock.shift(5)
        assert later.post(reverse("two_factor_verify"), {"code": new[0]}).status_code == 302


def test_wrong_codes_make_the_next_try_wait_longer(research):
    with time_machine.travel(NOW, tick=False) as clock:
        first = Client()
        _password(first, research)
        device, _ = _enrol(first, research)
        clock.shift(60)
        client = Client()
        _password(client, research)

        def send(code: str) -> str:
            return client.post(reverse("two_factor_verify"), {"code": code}).content.decode()

        assert "The code is not right" in send("000000")
        assert "Wait 1 second," in send(code_now(device))  # refused, even the right code
        clock.shift(1)
        assert "The code is not right" in send("000000")
        assert "Wait 2 seconds" in send("000000")
        clock.shift(2)
        done = client.post(reverse("two_factor_verify"), {"code": code_now(device)})
        assert done.status_code == 302
