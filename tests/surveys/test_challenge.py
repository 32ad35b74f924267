"""The start challenge (surveys/challenge.py): issued, solved, checked once; the wait without
JavaScript; and the Start view with the challenge switched on and off."""

from __future__ import annotations

import base64
import json
import time

import altcha
import pytest
import time_machine
from django.test import Client as BrowserClient
from django.urls import reverse

from surveys import challenge
from surveys.models import Response

pytestmark = pytest.mark.django_db


@pytest.fixture
def guarded(survey):
    survey.start_challenge = True
    survey.public_link = True
    survey.save()
    return survey


def _solve(issued: dict) -> str:
    """What the browser's worker does, in Python: the payload for the Start form."""
    solution = altcha.solve_challenge(altcha.Challenge.from_dict(issued))
    assert solution is not None
    payload = {"challenge": issued, "solution": solution.to_dict()}
    return base64.b64encode(json.dumps(payload).encode()).decode()


def _start(client, survey, **data):
    return client.post(reverse("surveys:start", args=[survey.slug]), data)


# The challenge itself.


def test_a_solved_challenge_is_accepted_once_and_a_replay_is_refused(guarded):
    payload = _solve(challenge.issue(survey=guarded))

    assert challenge.verify(survey=guarded, payload=payload).ok
    again = challenge.verify(survey=guarded, payload=payload)
    assert not again.ok and again.reason == "replayed"


def test_a_wrong_solution_is_refused(guarded):
    issued = challenge.issue(survey=guarded)
    solution = altcha.solve_challenge(altcha.Challenge.from_dict(issued)).to_dict()
    solution["derivedKey"] = "00" * 32
    wrong = base64.b64encode(json.dumps({"challenge": issued, "solution": solution}).encode())

    verdict = challenge.verify(survey=guarded, payload=wrong.decode())

    assert not verdict.ok and verdict.reason == "invalid"


def test_a_challenge_changed_by_the_browser_is_refused(guarded):
    issued = challenge.issue(survey=guarded)
    issued["parameters"]["expiresAt"] += 3600  # a longer life than the server gave it
    verdict = challenge.verify(survey=guarded, payload=_solve(issued))
    assert not verdict.ok and verdict.reason == "invalid"


def test_a_challenge_of_another_survey_is_refused(guarded, council, questionnaire):
    other = guarded.__class__.objects.create(
        council=council,
        questionnaire=questionnaire,
        title="Another survey",
        slug="another-2026",
        status=guarded.status,
        opens_at=guarded.opens_at,
        closes_at=guarded.closes_at,
        start_challenge=True,
    )
    payload = _solve(challenge.issue(survey=other))
    verdict = challenge.verify(survey=guarded, payload=payload)
    assert not verdict.ok and verdict.reason == "other survey"


def test_a_challenge_expires(guarded, settings):
    settings.START_CHALLENGE_EXPIRES_SECONDS = 60
    payload = _solve(challenge.issue(survey=guarded))

    with time_machine.travel(time.time() + 61, tick=False):
        verdict = challenge.verify(survey=guarded, payload=payload)

    assert not verdict.ok and verdict.reason == "expired"


@pytest.mark.parametrize("payload", ["", "not base64!", base64.b64encode(b"[1, 2]").decode()])
def test_a_missing_or_malformed_solution_is_refused(guarded, payload):
    assert not challenge.verify(survey=guarded, payload=payload).ok


def test_the_challenge_address_issues_a_fresh_challenge_only_where_switched_on(survey):
    url = reverse("surveys:challenge", args=[survey.slug])
    assert BrowserClient().get(url).status_code == 404  # switched off

    survey.start_challenge = True
    survey.save()
    first, second = BrowserClient().get(url), BrowserClient().get(url)

    assert first.status_code == 200
    assert "no-cache" in first["Cache-Control"] or "no-store" in first["Cache-Control"]
    assert first.json()["parameters"]["algorithm"] == challenge.ALGORITHM
    assert first.json()["signature"] != second.json()["signature"]
    assert first.json()["parameters"]["data"] == {"survey": survey.slug}


# The Start view.


def test_switched_off_a_bare_start_begins_a_response_as_before(survey):
    assert not survey.start_challenge
    reply = _start(BrowserClient(), survey)
    assert reply.status_code == 302 and reply.url.endswith("/page/1/")
    page = BrowserClient().get(reverse("surveys:landing", args=[survey.slug])).content.decode()
    assert 'name="altcha"' not in page and "start-challenge.mjs" not in page


def test_switched_on_a_bare_start_begins_nothing_and_asks_to_wait(guarded):
    reply = _start(BrowserClient(), guarded)

    assert reply.status_code == 200
    page = reply.content.decode()
    assert "Please wait about 30 seconds, then press Start" in page
    assert 'name="wait_token"' in page
    assert Response.objects.count() == 0


def test_switched_on_a_solved_challenge_starts_once(guarded):
    url = reverse("surveys:challenge", args=[guarded.slug])
    payload = _solve(BrowserClient().get(url).json())

    first = _start(BrowserClient(), guarded, altcha=payload)
    replay = _start(BrowserClient(), guarded, altcha=payload)

    assert first.status_code == 302 and first.url.endswith("/page/1/")
    assert replay.status_code == 200 and "Please wait" in replay.content.decode()
    assert Response.objects.count() == 1


def test_the_landing_page_carries_the_challenge_and_says_what_happens_without_javascript(guarded):
    page = BrowserClient().get(reverse("surveys:landing", args=[guarded.slug])).content.decode()
    assert 'name="altcha"' in page
    assert "start-challenge.mjs" in page and "vendor/altcha/pbkdf2.js" in page
    assert 'role="status"' in page and 'aria-live="polite"' in page
    assert 'data-challenge-seconds="600"' in page  # when the script fetches a fresh one
    assert "If JavaScript is off in your browser" in page and "wait about 30 seconds" in page


def _token_from(reply) -> str:
    page = reply.content.decode()
    marker = 'name="wait_token" value="'
    return page[page.index(marker) + len(marker) :].split('"', 1)[0]


def test_without_javascript_a_token_too_young_is_refused_and_an_old_one_accepted_once(guarded):
    browser = BrowserClient()
    token = _token_from(_start(browser, guarded))

    too_young = _start(browser, guarded, wait_token=token)
    assert too_young.status_code == 200 and "Please wait" in too_young.content.decode()
    assert _token_from(too_young) == token  # the wait is not started again
    assert Response.objects.count() == 0

    with time_machine.travel(time.time() + 31, tick=False):
        through = _start(browser, guarded, wait_token=token)
        reused = _start(BrowserClient(), guarded, wait_token=token)

    assert through.status_code == 302 and through.url.endswith("/page/1/")
    assert reused.status_code == 200 and _token_from(reused) != token
    assert Response.objects.count() == 1


def test_without_javascript_the_wait_follows_the_setting(guarded, settings):
    settings.START_CHALLENGE_WAIT_SECONDS = 2
    reply = _start(BrowserClient(), guarded)
    assert "Please wait about 2 seconds, then press Start" in reply.content.decode()
    token = _token_from(reply)
    with time_machine.travel(time.time() + 3, tick=False):
        assert _start(BrowserClient(), guarded, wait_token=token).status_code == 302


def test_a_forged_or_stale_wait_token_starts_the_wait_again(guarded):
    forged = _start(BrowserClient(), guarded, wait_token="forged:token")
    assert forged.status_code == 200 and _token_from(forged) != "forged:token"

    token = challenge.wait_token(survey=guarded)
    with time_machine.travel(time.time() + challenge.WAIT_TOKEN_MAX_AGE + 1, tick=False):
        assert not challenge.check_wait(survey=guarded, token=token).ok


def test_the_start_limit_still_applies_with_the_challenge_on(guarded):
    guarded.start_limit = 1
    guarded.save()
    url = reverse("surveys:challenge", args=[guarded.slug])
    first = _start(BrowserClient(), guarded, altcha=_solve(BrowserClient().get(url).json()))
    second = _start(BrowserClient(), guarded, altcha=_solve(BrowserClient().get(url).json()))
    assert first.status_code == 302
    assert second.status_code == 429


def test_residents_with_a_code_or_a_response_begun_are_not_asked(guarded, make_invitation):
    browser = BrowserClient()
    token = _token_from(_start(browser, guarded))
    with time_machine.travel(time.time() + 31, tick=False):
        assert _start(browser, guarded, wait_token=token).status_code == 302
    # Pressing Start again in the same browser carries on, with no new challenge.
    again = _start(browser, guarded)
    assert again.status_code == 302 and again.url.endswith("/page/1/")

    _invitation, code = make_invitation()
    opened = BrowserClient().post(reverse("surveys:code"), {"code": code})
    assert opened.status_code == 302
    assert Response.objects.count() == 2
