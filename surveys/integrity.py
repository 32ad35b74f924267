"""Responses a council can trust: where a response came from, and why it may need review.

Provenance (``ResponseSource``) is kept apart from the answers. It never holds an address:
the client's network (an IPv4 /24 or an IPv6 /48) is hashed with HMAC keyed by SECRET_KEY,
so one network can be recognised within this installation and nowhere else, and a household,
a library or a block of flats that share one network look the same.

Flags (``ResponseFlag``) ask an officer to look; they never drop a response. A response is
flagged when:

- ``burst``: more than the survey's ``burst_limit`` responses came from one network within
  BURST_WINDOW; every response of the burst is flagged, the first ones too;
- ``fast``: its median time per page is under the survey's ``fast_page_seconds``;
- ``straight_line``: every grid was answered with one answer for all its statements;
- ``duplicate``: another complete response from the same network has exactly its answers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import statistics
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from surveys.models import Response, ResponseFlag, ResponseSource, Survey
from surveys.spec import SurveySpec

BURST_WINDOW = dt.timedelta(minutes=10)
# A grid with fewer statements than this says little when all its answers agree.
STRAIGHT_LINE_MIN_ITEMS = 3


@dataclass(frozen=True)
class Client:
    """What a response records of the browser that started it."""

    network_hash: str = ""
    user_agent_family: str = ""


def network_of(address: str) -> str:
    """The network an address belongs to: its IPv4 /24 or IPv6 /48 ('' when not an address)."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def network_hash(address: str) -> str:
    network = network_of(address)
    if not network:
        return ""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"network:{network}".encode(), hashlib.sha256).hexdigest()


# Order matters: Edge and Opera say Chrome too, Chrome says Safari.
_FAMILIES = (
    ("bot", ("bot", "spider", "crawl", "curl", "wget", "python", "httpclient", "java/", "go-")),
    ("Edge", ("edg/", "edge/")),
    ("Opera", ("opr/", "opera")),
    ("Samsung Internet", ("samsungbrowser",)),
    ("Firefox", ("firefox/", "fxios")),
    ("Chrome", ("chrome/", "crios", "chromium")),
    ("Safari", ("safari/",)),
)


def user_agent_family(user_agent: str) -> str:
    """The browser's family only (never its version or platform): Firefox, Chrome, bot..."""
    ua = user_agent.lower()
    if not ua.strip():
        return "none"
    for family, needles in _FAMILIES:
        if any(n in ua for n in needles):
            return family
    return "other"


def client_of(request) -> Client:
    from collab.ratelimit import client_address

    return Client(
        network_hash=network_hash(client_address(request)),
        user_agent_family=user_agent_family(request.META.get("HTTP_USER_AGENT", "")[:500]),
    )


# ---------------------------------------------------------------------------------------------
# Provenance, as the resident moves through the questionnaire


def source_record_start(*, response: Response, client: Client) -> ResponseSource:
    return ResponseSource.objects.create(
        response=response,
        survey_id=response.survey_id,
        network_hash=client.network_hash,
        user_agent_family=client.user_agent_family,
        started_at=response.started_at,
        last_seen_at=response.started_at,
    )


def source_record_page(*, response: Response, page: int, now: dt.datetime | None = None) -> None:
    """Add the time since the resident's last page to this page's time."""
    now = now or timezone.now()
    source = ResponseSource.objects.filter(response=response).first()
    if source is None:
        return
    seconds = max(0.0, (now - source.last_seen_at).total_seconds())
    times = dict(source.page_seconds)
    times[str(page)] = round(times.get(str(page), 0.0) + seconds, 1)
    source.page_seconds = times
    source.last_seen_at = now
    source.save(update_fields=["page_seconds", "last_seen_at"])


def answers_digest(answers: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(answers, sort_keys=True).encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Flags, when a response is sent


def _straight_lined(spec: SurveySpec, answers: dict[str, Any]) -> bool:
    grids = [
        answers[q.code]
        for q in spec.questions.values()
        if q.kind == "grid" and isinstance(answers.get(q.code), dict)
    ]
    long_grids = [g for g in grids if len(g) >= STRAIGHT_LINE_MIN_ITEMS]
    return bool(long_grids) and all(len(set(g.values())) == 1 for g in grids)


def flags_for_submission(
    *, response: Response, spec: SurveySpec, answers: dict[str, Any], now: dt.datetime
) -> list[str]:
    """Record the sent response's provenance and its flags; returns the reasons flagged."""
    survey: Survey = response.survey
    source = ResponseSource.objects.filter(response=response).first()
    reasons: set[str] = set()
    if _straight_lined(spec, answers):
        reasons.add(ResponseFlag.Reason.STRAIGHT_LINE)
    if source is None:
        _flags_add(response_ids=[response.pk], survey_id=survey.pk, reasons=reasons, now=now)
        return sorted(reasons)
    # The last page (check your answers) counts until the moment it was sent.
    source_record_page(response=response, page=response.furthest_page, now=now)
    source.refresh_from_db()
    source.finished_at = now
    source.answers_hash = answers_digest(answers)
    source.save(update_fields=["finished_at", "answers_hash"])
    times = [float(s) for s in source.page_seconds.values()]
    if survey.fast_page_seconds and times and statistics.median(times) < survey.fast_page_seconds:
        reasons.add(ResponseFlag.Reason.FAST)
    if source.network_hash:
        same_network = ResponseSource.objects.filter(
            survey_id=survey.pk,
            network_hash=source.network_hash,
            response__status=Response.Status.COMPLETE,
        ).exclude(response_id=response.pk)
        twins = list(
            same_network.filter(answers_hash=source.answers_hash).values_list(
                "response_id", flat=True
            )
        )
        if twins:
            reasons.add(ResponseFlag.Reason.DUPLICATE)
            _flags_add(
                response_ids=twins,
                survey_id=survey.pk,
                reasons={ResponseFlag.Reason.DUPLICATE},
                now=now,
            )
        burst = list(
            same_network.filter(finished_at__gt=now - BURST_WINDOW).values_list(
                "response_id", flat=True
            )
        )
        if len(burst) + 1 > survey.burst_limit:
            reasons.add(ResponseFlag.Reason.BURST)
            # The whole burst goes to review, not only the responses after the limit.
            _flags_add(
                response_ids=burst,
                survey_id=survey.pk,
                reasons={ResponseFlag.Reason.BURST},
                now=now,
            )
    _flags_add(response_ids=[response.pk], survey_id=survey.pk, reasons=reasons, now=now)
    return sorted(reasons)


def _flags_add(*, response_ids: list[int], survey_id: int, reasons: set[str], now) -> None:
    if not reasons or not response_ids:
        return
    ResponseFlag.objects.bulk_create(
        [
            ResponseFlag(response_id=rid, survey_id=survey_id, reason=reason, created_at=now)
            for rid in response_ids
            for reason in sorted(reasons)
        ],
        ignore_conflicts=True,
    )


# ---------------------------------------------------------------------------------------------
# Limits on the public link, per client address, counted in the shared cache (collab.ratelimit)

LIMIT_WINDOW = 60 * 60
# A browser that sent its answers this recently and presses Start again sees its thank-you page.
JUST_SUBMITTED = dt.timedelta(hours=1)

LIMIT_MESSAGE = (
    "Many responses have come from your connection in the last hour, so we cannot take "
    "another just now. If you share a connection with others, please try again later"
)


def _limit(survey: Survey, what: str):
    from collab.ratelimit import Limit

    attempts = survey.start_limit if what == "start" else survey.submit_limit
    return Limit(f"survey-{what}-{survey.pk}", attempts, LIMIT_WINDOW)


def client_over_limit(*, survey: Survey, request, what: str) -> bool:
    """Whether this client has started (what="start") or sent (what="submit") as many
    responses to this survey in the last hour as the survey allows."""
    from collab.ratelimit import client_address, over_limit

    return over_limit(_limit(survey, what), client_address(request))


def client_count(*, survey: Survey, request, what: str) -> int:
    from collab.ratelimit import client_address, hit

    return hit(_limit(survey, what), client_address(request))
