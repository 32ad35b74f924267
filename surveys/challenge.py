"""The start challenge: a few seconds of unseen work before a new response on the public link.

A council switches it on per survey (``Survey.start_challenge``). It makes scripted starts
costly without asking residents to read distorted letters or pick pictures, and it calls no
third party: challenges are made and checked here with the ``altcha`` package (its v2
protocol), and the browser solves them with ALTCHA's own PBKDF2 worker, vendored under
static/vendor/altcha/ and driven by static/js/start-challenge.mjs.

With JavaScript. The Start page fetches a challenge from ``surveys:challenge``. The browser
tries counters from 0 until the PBKDF2 key of (nonce + counter) matches the challenge's key
prefix: the counter was picked at random in START_CHALLENGE_COUNTER, so the work is that many
derivations of START_CHALLENGE_COST iterations each. With the defaults (1,000 to 4,000 of
1,000 iterations) headless Chromium on a two-core server took 0.5 to 1.3 seconds; a phone
takes a few times longer, and a script pays about as much processor time per start.
The answer goes back in the ``altcha`` field of the Start form. The server checks it cheaply
(the challenge carries an HMAC of the expected key), that it was issued for this survey,
that it has not expired (START_CHALLENGE_EXPIRES_SECONDS), and that it has not been used
before: every accepted challenge's signature is recorded in the shared cache until it
expires, so one solution starts one response. A page left open solves a fresh challenge a
minute before its answer would expire (data-challenge-seconds on the form).

Without JavaScript. A Start with no solution gets a signed, timestamped wait token
(django.core.signing) and a page asking the resident to wait about
START_CHALLENGE_WAIT_SECONDS and press Start again. A token younger than that gets the same
page again; an older one (within WAIT_TOKEN_MAX_AGE) is accepted once. A resident gets through
at a slower pace, and a script pays the wait for every start. The per-network start limit
(surveys/integrity.py) still applies on top of both, so a script cannot make up for the
wait by holding many tokens at once beyond that limit.

Codes. A resident with an invitation code or a resume code is never asked: the code is a
personal secret already, and guessing codes has limits of its own (collab/ratelimit.py).
Continuing a response already begun in this browser is not asked either.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import altcha
from django.conf import settings
from django.core import signing
from django.core.cache import cache

from surveys.models import Survey

FIELD = "altcha"
WAIT_FIELD = "wait_token"
ALGORITHM = "PBKDF2/SHA-256"
WAIT_TOKEN_SALT = "surveys.challenge.wait"
# A wait token older than this is stale: the resident is asked to wait again.
WAIT_TOKEN_MAX_AGE = 60 * 60


def _secret(purpose: str) -> bytes:
    key = getattr(settings, "START_CHALLENGE_HMAC_KEY", "") or settings.SECRET_KEY
    return hmac.new(key.encode(), f"surveys.challenge:{purpose}".encode(), hashlib.sha256).digest()


def _cost() -> int:
    return int(getattr(settings, "START_CHALLENGE_COST", 1000))


def _counter_range() -> tuple[int, int]:
    low, high = getattr(settings, "START_CHALLENGE_COUNTER", (1000, 4000))
    return int(low), int(high)


def expires_seconds() -> int:
    return int(getattr(settings, "START_CHALLENGE_EXPIRES_SECONDS", 600))


def wait_seconds() -> int:
    return int(getattr(settings, "START_CHALLENGE_WAIT_SECONDS", 30))


def wait_text() -> str:
    """The wait as residents read it: "about 30 seconds"."""
    seconds = wait_seconds()
    if seconds >= 120 and seconds % 60 == 0:
        return f"{seconds // 60} minutes"
    return "1 second" if seconds == 1 else f"{seconds} seconds"


def applies(survey: Survey) -> bool:
    return bool(survey.start_challenge)


def issue(*, survey: Survey) -> dict:
    """A new challenge for this survey, as the JSON the browser's worker takes."""
    low, high = _counter_range()
    challenge = altcha.create_challenge(
        ALGORITHM,
        _cost(),
        counter=low + secrets.randbelow(max(high - low, 0) + 1),
        expires_at=int(time.time()) + expires_seconds(),
        data={"survey": survey.slug},
        hmac_secret=_secret("challenge"),
        hmac_key_secret=_secret("key"),
    )
    return challenge.to_dict()


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""


def _use_once(kind: str, value: str, seconds: int) -> bool:
    """True the first time ``value`` is used, False on every replay (shared cache, atomic)."""
    digest = hashlib.sha256(value.encode()).hexdigest()
    return cache.add(f"surveys:challenge:{kind}:{digest}", 1, timeout=max(seconds, 1))


def verify(*, survey: Survey, payload: str) -> Verdict:
    """Checks a solution from the Start form; an accepted solution cannot be used again."""
    if not payload:
        return Verdict(False, "missing")
    try:
        parsed = altcha.Payload.from_base64(payload)
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, AttributeError):
        return Verdict(False, "malformed")
    result = altcha.verify_solution(parsed, _secret("challenge"), hmac_key_secret=_secret("key"))
    if result.expired:
        return Verdict(False, "expired")
    if not result.verified:
        return Verdict(False, "invalid")
    # The signature covers the parameters, so the survey in its data can be trusted.
    data = parsed.challenge.parameters.data or {}
    if data.get("survey") != survey.slug:
        return Verdict(False, "other survey")
    remaining = int(parsed.challenge.parameters.expires_at or 0) - int(time.time())
    if not _use_once("solved", parsed.challenge.signature or "", remaining + 60):
        return Verdict(False, "replayed")
    return Verdict(True)


def wait_token(*, survey: Survey) -> str:
    """A signed token saying when this resident without JavaScript started waiting."""
    return signing.dumps(
        {"survey": survey.slug, "nonce": secrets.token_urlsafe(12), "at": time.time()},
        salt=WAIT_TOKEN_SALT,
        compress=True,
    )


def check_wait(*, survey: Survey, token: str) -> Verdict:
    """``ok`` for a token of this survey older than the wait, once; ``too young`` before it."""
    if not token:
        return Verdict(False, "missing")
    try:
        data = signing.loads(token, salt=WAIT_TOKEN_SALT, max_age=WAIT_TOKEN_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a BadSignature too
        return Verdict(False, "invalid")
    if not isinstance(data, dict) or data.get("survey") != survey.slug:
        return Verdict(False, "invalid")
    try:
        waited = time.time() - float(data["at"])
    except (KeyError, TypeError, ValueError):
        return Verdict(False, "invalid")
    if waited < wait_seconds():
        return Verdict(False, "too young")
    if not _use_once("waited", str(data.get("nonce", "")), WAIT_TOKEN_MAX_AGE):
        return Verdict(False, "replayed")
    return Verdict(True)
