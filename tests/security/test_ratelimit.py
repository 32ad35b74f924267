"""Guessing codes and passwords is cut off: failed code entries are limited per address and
per code; sign-in failures back off per account, per address and per known device, with a
delay that doubles, and cannot be used to lock an officer out of their own usual computer."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from collab import ratelimit
from surveys.models import AuditEntry, Response

pytestmark = pytest.mark.django_db

WRONG = "AAAA-BBBB-CCCC"
LOGIN = "/accounts/login/"


def _guess(client, code: str, *, url: str = "/code/", address: str = "203.0.113.7"):
    return client.post(url, {"code": code}, REMOTE_ADDR=address)


def test_code_guesses_are_cut_off_after_ten_failures_from_one_address(client, survey):
    for n in range(ratelimit.CODE_PER_ADDRESS.attempts):
        assert _guess(client, f"AAAA-BBBB-{n:04d}").status_code == 400

    refused = _guess(client, "AAAA-BBBB-9999")

    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many attempts to enter a code" in refused.content.decode()
    # Another address is not affected.
    assert _guess(client, "AAAA-BBBB-9999", address="198.51.100.1").status_code == 400


def test_erase_page_shares_the_code_limit(client, survey):
    for n in range(ratelimit.CODE_PER_ADDRESS.attempts):
        assert _guess(client, f"AAAA-BBBB-{n:04d}", url="/erase/").status_code == 400

    assert _guess(client, WRONG, url="/code/").status_code == 429
    assert _guess(client, WRONG, url="/erase/").status_code == 429


def test_one_code_is_cut_off_whatever_the_address(client, survey):
    for n in range(ratelimit.CODE_PER_CODE.attempts):
        assert _guess(client, WRONG, address=f"198.51.100.{n}").status_code == 400

    assert _guess(client, WRONG, address="192.0.2.200").status_code == 429


def test_right_codes_are_never_counted(client, survey, make_invitation):
    for _ in range(ratelimit.CODE_PER_ADDRESS.attempts + 2):
        _, code = make_invitation()
        assert _guess(client, code).status_code == 302

    assert Response.objects.count() == ratelimit.CODE_PER_ADDRESS.attempts + 2


def test_a_proxy_address_is_only_trusted_when_configured(client, settings, survey):
    settings.TRUSTED_PROXIES = 1
    for n in range(ratelimit.CODE_PER_ADDRESS.attempts):
        client.post(
            "/code/", {"code": f"AAAA-BBBB-{n:04d}"}, HTTP_X_FORWARDED_FOR="spoof, 203.0.113.9"
        )
    # Same proxy (REMOTE_ADDR), another client behind it: still allowed.
    other = client.post("/code/", {"code": WRONG}, HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert other.status_code == 400
    same = client.post("/code/", {"code": WRONG}, HTTP_X_FORWARDED_FOR="x, 203.0.113.9")
    assert same.status_code == 429


@pytest.fixture
def officer(db) -> User:
    return User.objects.create_user("officer@riverside", password="right-password-123")


def _sign_in(client, username: str, password: str, *, address: str = "10.9.8.7", url=LOGIN):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def _attack(username: str, times: int, *, first_address: int = 1) -> None:
    """Wrong passwords for ``username``, each from another address, as a botnet guesses."""
    attacker = Client()
    for n in range(times):
        _sign_in(attacker, username, "wrong", address=f"198.51.100.{first_address + n}")


def test_guesses_from_many_addresses_lock_the_account_for_new_devices(client, officer):
    _attack(officer.username, ratelimit.LOGIN_PER_ACCOUNT.threshold)

    # The right password, from a browser that never signed in to this account.
    locked = _sign_in(client, officer.username, "right-password-123", address="203.0.113.50")

    assert locked.status_code == 429
    assert "Too many attempts to sign in" in locked.content.decode()
    assert int(locked.headers["Retry-After"]) == ratelimit.LOGIN_PER_ACCOUNT.base
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.filter(action="login.locked").latest("pk")
    assert entry.detail["username"] == officer.username and entry.detail["limit"] == "account"
    assert "wrong" not in str(entry.detail)  # never the password tried


def test_the_admin_sign_in_is_locked_the_same_way(client, officer):
    _attack(officer.username, ratelimit.LOGIN_PER_ACCOUNT.threshold)

    locked = _sign_in(client, officer.username, "right-password-123", url="/admin/login/")

    assert locked.status_code == 429


def test_the_owner_signs_in_from_a_known_device_while_the_account_is_locked(client, officer):
    assert _sign_in(client, officer.username, "right-password-123").status_code == 302
    assert client.cookies[ratelimit.DEVICE_COOKIE].value
    client.post("/accounts/logout/")  # signing out keeps the browser's other cookies

    _attack(officer.username, ratelimit.LOGIN_PER_ACCOUNT.threshold + 3)
    _attack("someone-else", ratelimit.LOGIN_PER_ADDRESS.threshold)  # and their own network
    stranger = _sign_in(Client(), officer.username, "right-password-123", address="10.9.8.7")
    assert stranger.status_code == 429

    owner = _sign_in(client, officer.username, "right-password-123")

    assert owner.status_code == 302
    assert client.session["_auth_user_id"] == str(officer.pk)


def test_a_known_device_has_its_own_limit(client, officer):
    _sign_in(client, officer.username, "right-password-123")
    client.post("/accounts/logout/")  # signing out keeps the browser's other cookies
    for _ in range(ratelimit.LOGIN_PER_DEVICE.threshold):
        assert _sign_in(client, officer.username, "wrong").status_code == 200

    assert _sign_in(client, officer.username, "right-password-123").status_code == 429
    # The account itself is not locked for its owner's other devices.
    assert _sign_in(Client(), officer.username, "right-password-123").status_code == 302


def test_a_device_cookie_counts_only_for_its_own_account(client, officer):
    other = User.objects.create_user("other@riverside", password="other-password-456")
    _sign_in(client, other.username, "other-password-456")
    client.post("/accounts/logout/")  # signing out keeps the browser's other cookies
    _attack(officer.username, ratelimit.LOGIN_PER_ACCOUNT.threshold)

    assert _sign_in(client, officer.username, "right-password-123").status_code == 429


def test_a_forged_device_cookie_is_no_known_device(client, officer):
    _attack(officer.username, ratelimit.LOGIN_PER_ACCOUNT.threshold)
    client.cookies[ratelimit.DEVICE_COOKIE] = "forged:value"

    assert _sign_in(client, officer.username, "right-password-123").status_code == 429


def test_the_delay_grows_with_every_failure_past_the_threshold(officer):
    attacker = Client()
    threshold = ratelimit.LOGIN_PER_ACCOUNT.threshold
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        waits = []
        for n in range(threshold + 3):
            reply = _sign_in(attacker, officer.username, "wrong", address=f"198.51.100.{n}")
            if reply.status_code == 429:
                waits.append(int(reply.headers["Retry-After"]))
                clock.shift(waits[-1])  # wait it out, then guess again
                reply = _sign_in(attacker, officer.username, "wrong", address=f"198.51.100.{n}")
            assert reply.status_code == 200
        probe = _sign_in(attacker, officer.username, "wrong", address="192.0.2.1")
        waits.append(int(probe.headers["Retry-After"]))

    assert waits == [60, 120, 240, 480]
    assert ratelimit.LOGIN_PER_ACCOUNT.delay(threshold + 30) == ratelimit.LOGIN_PER_ACCOUNT.cap


def test_a_successful_sign_in_forgives_the_accounts_failures(client, officer):
    _attack(officer.username, ratelimit.LOGIN_PER_ACCOUNT.threshold - 1)
    assert _sign_in(client, officer.username, "right-password-123").status_code == 302
    client.post("/accounts/logout/")  # signing out keeps the browser's other cookies

    _attack(officer.username, ratelimit.LOGIN_PER_ACCOUNT.threshold - 1, first_address=100)

    assert _sign_in(Client(), officer.username, "right-password-123").status_code == 302


def test_one_address_is_limited_whatever_the_usernames(client, db):
    for n in range(ratelimit.LOGIN_PER_ADDRESS.threshold):
        _sign_in(client, f"user{n}", "wrong")

    refused = _sign_in(client, "someone-else", "x")
    elsewhere = _sign_in(Client(), "someone-else", "x", address="10.1.1.1")

    assert refused.status_code == 429
    assert "from your network" in refused.content.decode()
    assert elsewhere.status_code == 200


def test_residents_behind_one_proxy_each_have_their_own_code_limit(client, settings, survey):
    settings.TRUSTED_PROXIES = 1
    for n in range(ratelimit.CODE_PER_ADDRESS.attempts):
        _guess_via(client, f"AAAA-BBBB-{n:04d}", forwarded="203.0.113.9", proxy="10.0.0.2")

    assert _guess_via(client, WRONG, forwarded="203.0.113.9", proxy="10.0.0.3").status_code == 429
    assert _guess_via(client, WRONG, forwarded="203.0.113.10", proxy="10.0.0.2").status_code == 400


def test_a_direct_client_cannot_rotate_x_forwarded_for(client, settings, survey):
    settings.TRUSTED_PROXIES = 1
    direct = "203.0.113.77"  # reaches the port itself, not through the load balancer
    for n in range(ratelimit.CODE_PER_ADDRESS.attempts):
        reply = _guess_via(client, f"AAAA-BBBB-{n:04d}", forwarded=f"192.0.2.{n}", proxy=direct)
        assert reply.status_code == 400

    assert _guess_via(client, WRONG, forwarded="192.0.2.250", proxy=direct).status_code == 429


def _guess_via(client, code: str, *, forwarded: str, proxy: str):
    return client.post("/code/", {"code": code}, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=forwarded)


def test_an_ipv6_client_is_counted_by_its_network(client, survey):
    for n in range(ratelimit.CODE_PER_ADDRESS.attempts):
        _guess(client, f"AAAA-BBBB-{n:04d}", address=f"2001:db8:1:2::{n + 1:x}")

    assert _guess(client, WRONG, address="2001:db8:1:2:ffff::1").status_code == 429
    assert _guess(client, WRONG, address="2001:db8:1:3::1").status_code == 400


def test_honeypot_filled_in_starts_nothing(client, survey):
    refused = client.post(
        reverse("surveys:start", args=[survey.slug]), {"website": "http://spam.example"}
    )

    assert refused.status_code == 400
    assert Response.objects.count() == 0


def test_honeypot_left_blank_starts_a_response(client, survey):
    landing = client.get(reverse("surveys:landing", args=[survey.slug])).content.decode()
    assert 'name="website"' in landing
    assert "Leave this field blank" in landing  # for anyone who does meet the field

    started = client.post(reverse("surveys:start", args=[survey.slug]), {"website": ""})

    assert started.status_code == 302
    assert Response.objects.count() == 1


def test_a_proxy_nobody_said_was_there_is_reported_once(client, survey, caplog, monkeypatch):
    monkeypatch.setattr(ratelimit, "_proxy_warned", False)
    for _ in range(2):
        _guess_via(client, WRONG, forwarded="203.0.113.9", proxy="10.0.0.2")

    warnings = [r for r in caplog.records if "TRUSTED_PROXIES is 0" in r.getMessage()]
    assert len(warnings) == 1
