"""Guessing codes and passwords is cut off: failed code entries are limited per address and
per code, and repeated sign-in failures lock a username at an address for 15 minutes."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from collab import ratelimit
from surveys.models import AuditEntry, Response

pytestmark = pytest.mark.django_db

WRONG = "AAAA-BBBB-CCCC"


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


@pytest.mark.parametrize("login_url", ["/accounts/login/", "/admin/login/"])
def test_five_failed_sign_ins_lock_the_username_for_fifteen_minutes(client, officer, login_url):
    for _ in range(ratelimit.LOCKOUT_FAILURES):
        failed = client.post(
            login_url, {"username": officer.username, "password": "wrong"}, REMOTE_ADDR="10.9.8.7"
        )
        assert failed.status_code == 200  # the form again, with its error

    locked = client.post(
        login_url,
        {"username": officer.username, "password": "right-password-123"},
        REMOTE_ADDR="10.9.8.7",
    )

    assert locked.status_code == 429
    assert "Sign-in is locked for 15 minutes" in locked.content.decode()
    assert int(locked.headers["Retry-After"]) == 15 * 60
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.get(action="login.locked")
    assert entry.detail["username"] == officer.username
    assert "wrong" not in str(entry.detail)  # never the password tried


def test_lockout_is_per_username_and_address(client, officer):
    for _ in range(ratelimit.LOCKOUT_FAILURES):
        client.post(
            "/accounts/login/",
            {"username": officer.username, "password": "wrong"},
            REMOTE_ADDR="10.9.8.7",
        )

    elsewhere = client.post(
        "/accounts/login/",
        {"username": officer.username, "password": "right-password-123"},
        REMOTE_ADDR="10.1.1.1",
    )

    assert elsewhere.status_code == 302
    assert client.session["_auth_user_id"] == str(officer.pk)


def test_a_successful_sign_in_clears_the_failures(client, officer):
    for _ in range(ratelimit.LOCKOUT_FAILURES - 1):
        client.post("/accounts/login/", {"username": officer.username, "password": "wrong"})
    assert (
        client.post(
            "/accounts/login/", {"username": officer.username, "password": "right-password-123"}
        ).status_code
        == 302
    )
    client.logout()

    for _ in range(ratelimit.LOCKOUT_FAILURES - 1):
        client.post("/accounts/login/", {"username": officer.username, "password": "wrong"})
    ok = client.post(
        "/accounts/login/", {"username": officer.username, "password": "right-password-123"}
    )
    assert ok.status_code == 302


def test_one_address_is_limited_whatever_the_usernames(client, db):
    for n in range(ratelimit.LOGIN_PER_ADDRESS.attempts):
        client.post("/accounts/login/", {"username": f"user{n}", "password": "wrong"})

    refused = client.post("/accounts/login/", {"username": "someone-else", "password": "x"})

    assert refused.status_code == 429
    assert "Too many attempts to sign in" in refused.content.decode()


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
