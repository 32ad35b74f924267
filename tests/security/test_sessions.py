"""Officers' sessions end after a working day and after half an hour idle (officers/sessions.py),
measured on the server with a moved clock; residents keep theirs long enough to finish."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import User
from django.urls import reverse

from surveys.models import Response

pytestmark = pytest.mark.django_db
NINE_AM = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
PASSWORD = "right-password-123"


@pytest.fixture
def officer(council) -> User:
    user = User.objects.create_user("officer@riverside", password=PASSWORD)
    council.members.add(user)
    return user


def _sign_in(client, officer) -> None:
    reply = client.post(reverse("login"), {"username": officer.username, "password": PASSWORD})
    assert reply.status_code == 302


def _home(client) -> int:
    return client.get(reverse("officers:home")).status_code


def test_half_an_hour_without_a_request_signs_the_officer_out(client, officer):
    with time_machine.travel(NINE_AM, tick=False) as clock:
        _sign_in(client, officer)
        clock.shift(dt.timedelta(minutes=29))
        assert _home(client) == 200
        clock.shift(dt.timedelta(minutes=29))  # counted from the last request, not the sign-in
        assert _home(client) == 200

        clock.shift(dt.timedelta(minutes=30))
        after = client.get(reverse("officers:home"))

        assert after.status_code == 302 and after["Location"].startswith(reverse("login"))
        assert "_auth_user_id" not in client.session
        page = client.get(after["Location"]).content.decode()
        assert "You were signed out because you had done nothing for 30 minutes" in page
        # Said once.
        assert "You were signed out" not in client.get(reverse("login")).content.decode()


def test_the_session_ends_a_working_day_after_signing_in_however_busy(client, officer):
    with time_machine.travel(NINE_AM, tick=False) as clock:
        _sign_in(client, officer)
        for _ in range(7 * 4 + 3):  # a request every 15 minutes until 16:45
            clock.shift(dt.timedelta(minutes=15))
            assert _home(client) == 200

        clock.shift(dt.timedelta(minutes=15))  # 17:00

        assert _home(client) == 302
        page = client.get(reverse("login")).content.decode()
        assert "signed in more than 8 hours ago" in page


def test_the_limits_are_settings(client, officer, settings):
    settings.OFFICER_SESSION_IDLE_TIMEOUT = 10 * 60
    with time_machine.travel(NINE_AM, tick=False) as clock:
        _sign_in(client, officer)
        clock.shift(dt.timedelta(minutes=11))

        assert _home(client) == 302


def test_an_officers_stored_session_does_not_outlive_the_working_day_by_long(client, officer):
    with time_machine.travel(NINE_AM, tick=False):
        _sign_in(client, officer)

        assert client.session.get_expiry_age() == 8 * 3600 + 30 * 60


def test_a_copied_session_cookie_is_cut_off_the_same_way(client, officer):
    with time_machine.travel(NINE_AM, tick=False) as clock:
        _sign_in(client, officer)
        stolen = client.cookies["sessionid"].value
        clock.shift(dt.timedelta(minutes=31))
        from django.test import Client

        thief = Client()
        thief.cookies["sessionid"] = stolen

        assert _home(thief) == 302


def test_a_resident_keeps_their_place_for_hours_without_signing_in(client, survey):
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=False) as clock:
        started = client.post(reverse("surveys:start", args=[survey.slug]))
        assert started.status_code == 302
        page = started["Location"]
        clock.shift(dt.timedelta(hours=3))  # a long lunch

        assert client.get(page).status_code == 200
        assert Response.objects.count() == 1
        assert client.session.get_expiry_age() >= 12 * 3600
