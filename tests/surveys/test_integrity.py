"""Responses a council can trust: provenance kept apart from answers, flags for review, voiding
that restores the figures exactly, and per-client limits on the public link."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import Client as BrowserClient
from django.urls import reverse
from django.utils import timezone

from officers.selectors import survey_response_count, survey_response_records
from results.comparison import survey_compare
from surveys import integrity, services
from surveys.integrity import Client, network_hash, network_of, user_agent_family
from surveys.models import AuditEntry, Membership, Response, ResponseFlag, ResponseSource
from surveys.review import responses_restore, responses_void
from tests.surveys.conftest import ANSWERS_A, ANSWERS_B, post_data

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.7"


def answer(survey, answers_a, answers_b, *, address: str, seconds_per_page: float) -> Response:
    """A resident's journey through the services: a page at a time, each taking
    seconds_per_page (the time is set on the record, never waited for)."""
    client = Client(network_hash(address), "Firefox")
    response = services.response_start(survey=survey, client=client)
    answers = answers_a if response.split_arm == "A" else answers_b
    spec = services.spec_for(survey)
    for page in spec.pages:
        ResponseSource.objects.filter(response=response).update(
            last_seen_at=timezone.now() - dt.timedelta(seconds=seconds_per_page)
        )
        values = {q.code: answers.get(q.code) for q in page.questions}
        services.response_save_page(
            response=response, values=values, reached_page=page.position + 1
        )
    return services.response_submit(response_id=response.pk)


def test_the_network_is_kept_as_a_keyed_hash_never_the_address(settings):
    assert network_of("198.51.100.23") == "198.51.100.0/24"
    assert network_of("2001:db8:abcd:12::1") == "2001:db8:abcd::/48"
    assert network_of("::ffff:198.51.100.23") == "198.51.100.0/24"
    assert network_of("not an address") == ""
    # One network, one hash; the next network, another; and the key is the site's.
    assert network_hash("198.51.100.23") == network_hash("198.51.100.200")
    assert network_hash("198.51.100.23") != network_hash("198.51.101.23")
    before = network_hash("198.51.100.23")
    settings.SECRET_KEY = "another-installation-" + "x" * 40
    assert network_hash("198.51.100.23") != before
    assert "198.51.100" not in before
    assert user_agent_family("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Firefox/128.0") == "Firefox"
    assert user_agent_family("Mozilla/5.0 Chrome/120.0 Safari/537.36 Edg/120.0") == "Edge"
    assert user_agent_family("python-requests/2.32") == "bot"


def test_a_resident_s_provenance_is_recorded_apart_from_the_answers(survey):
    sent = answer(survey, ANSWERS_A, ANSWERS_B, address="198.51.100.23", seconds_per_page=40)

    source = ResponseSource.objects.get(response=sent)
    assert source.network_hash == network_hash("198.51.100.23")
    assert source.user_agent_family == "Firefox"
    assert source.finished_at == sent.submitted_at
    pages = services.spec_for(survey).page_count
    # Every page, and "Check your answers" (page count + 1) until the answers were sent.
    assert set(source.page_seconds) == {str(n) for n in range(1, pages + 2)}
    assert all(source.page_seconds[str(n)] >= 40 for n in range(1, pages + 1))
    assert "198.51.100" not in str(source.__dict__)
    assert not sent.flags.exists()  # a careful resident on their own network


def test_a_fast_response_is_flagged_and_still_counted(survey):
    sent = answer(survey, ANSWERS_A, ANSWERS_B, address="198.51.100.23", seconds_per_page=0.5)

    assert set(sent.flags.values_list("reason", flat=True)) == {ResponseFlag.Reason.FAST}
    assert Response.objects.get(pk=sent.pk).status == Response.Status.COMPLETE


def test_straight_lining_every_grid_is_flagged(survey):
    spec = services.spec_for(survey)
    flat = dict(ANSWERS_A)
    for q in spec.questions.values():
        if q.kind == "grid":
            first = q.options[0].code
            flat[q.code] = {item.code: first for item in q.items_for("A")}
    flat_b = dict(flat)
    q3 = spec.questions["Q3"]
    flat_b["Q3"] = {item.code: q3.options[0].code for item in q3.items_for("B")}

    sent = answer(survey, flat, flat_b, address="198.51.100.23", seconds_per_page=40)

    assert ResponseFlag.Reason.STRAIGHT_LINE in set(sent.flags.values_list("reason", flat=True))


def test_the_same_answers_twice_from_one_network_are_both_flagged(survey, monkeypatch):
    monkeypatch.setattr(services, "split_arm_choose", lambda: "A")
    survey.burst_limit = 100
    survey.save()
    first = answer(survey, ANSWERS_A, ANSWERS_A, address="198.51.100.23", seconds_per_page=40)
    other_network = answer(survey, ANSWERS_A, ANSWERS_A, address="192.0.2.9", seconds_per_page=40)
    second = answer(survey, ANSWERS_A, ANSWERS_A, address="198.51.100.99", seconds_per_page=40)

    assert set(first.flags.values_list("reason", flat=True)) == {"duplicate"}
    assert set(second.flags.values_list("reason", flat=True)) == {"duplicate"}
    assert not other_network.flags.exists()


def test_the_scripted_attack_is_flagged_and_voiding_it_restores_the_figures(survey, council):
    """200 completions from one network within a minute: at most the survey's burst_limit
    would pass without a flag; every one is in the review queue, and voiding them from the
    queue gives back the report's figures exactly."""
    survey.start_limit = survey.submit_limit = 1000  # this test is about flags, not limits
    survey.save()
    genuine = [
        answer(
            survey,
            ANSWERS_A,
            ANSWERS_B,
            address=f"198.51.{n}.10",
            seconds_per_page=30,
        )
        for n in range(12)
    ]
    assert not ResponseFlag.objects.filter(response__in=genuine).exists()
    before = survey_compare(survey=survey, weighted=False)

    stuffed_a = {**ANSWERS_A, "SEX": "male", "Q8": "not_interested", "AGE": "75_plus"}
    stuffed_b = {**ANSWERS_B, "SEX": "male", "Q8": "not_interested", "AGE": "75_plus"}
    attack = [
        answer(survey, stuffed_a, stuffed_b, address=ATTACKER, seconds_per_page=0.2)
        for _ in range(200)
    ]
    assert survey_compare(survey=survey, weighted=False).respondents == 212

    unflagged = Response.objects.filter(pk__in=[r.pk for r in attack], flags__isnull=True)
    assert unflagged.count() <= survey.burst_limit
    burst = ResponseFlag.objects.filter(reason="burst", response__in=attack)
    assert burst.count() == 200  # the whole burst, the first ones too

    research = User.objects.create_user("research", password="x-not-used-1")
    Membership.objects.create(user=research, council=council, role=Membership.Role.RESEARCH_OFFICER)
    browser = BrowserClient()
    browser.force_login(research)
    url = reverse("officers:review", args=[survey.slug])
    queue = browser.get(url)
    assert queue.status_code == 200
    body = queue.content.decode()
    assert 'id="count-burst">200<' in body
    assert 'id="count-flagged">200<' in body
    assert ATTACKER not in body and "198.51" not in body  # no network, no address

    refused = browser.post(f"{url}?reason=burst", {"all": "yes", "filter": "burst", "reason": ""})
    assert refused.status_code == 400  # a reason is required
    voided = browser.post(
        f"{url}?reason=burst",
        {"all": "yes", "filter": "burst", "action": "void", "reason": "200 in a minute"},
    )
    assert voided.status_code == 302

    assert Response.objects.filter(status=Response.Status.VOIDED).count() == 200
    after = survey_compare(survey=survey, weighted=False)
    assert after.respondents == before.respondents == 12
    assert after.rows == before.rows
    assert after.by_mode == before.by_mode
    # The microdata export and the weighting count the same responses.
    records = list(survey_response_records(survey=survey))
    assert len(records) == survey_response_count(survey=survey) == 12
    entry = AuditEntry.objects.get(action="responses_voided")
    assert entry.actor == research
    assert entry.detail["count"] == 200 and entry.detail["reason"] == "200 in a minute"
    page = browser.get(url).content.decode()
    assert 'id="count-voided">200<' in page


def test_restoring_a_voided_response_counts_it_again(survey, council, settings):
    settings.DISCLOSURE_THRESHOLD = 1  # the count of one, which the report itself would hide
    sent = answer(survey, ANSWERS_A, ANSWERS_B, address="198.51.100.23", seconds_per_page=40)

    responses_void(survey=survey, response_ids=[sent.pk], reason="test", actor=None)
    assert Response.objects.filter(status=Response.Status.COMPLETE).count() == 0
    responses_restore(survey=survey, response_ids=[sent.pk], reason="was genuine", actor=None)
    assert Response.objects.get(pk=sent.pk).status == Response.Status.COMPLETE
    assert survey_compare(survey=survey, weighted=False).respondents == 1
    assert AuditEntry.objects.filter(action="responses_restored", detail__reason="was genuine")


# ---------------------------------------------------------------------------------------------
# Limits on the public link


def _journey(browser, survey, *, address: str):
    start = browser.post(reverse("surveys:start", args=[survey.slug]), REMOTE_ADDR=address)
    if start.status_code != 302:
        return start
    response = Response.objects.get(pk=browser.session["collab_responses"][survey.slug])
    answers = ANSWERS_A if response.split_arm == "A" else ANSWERS_B
    for page in services.spec_for(survey).pages:
        browser.post(
            reverse("surveys:page", args=[survey.slug, page.position]),
            {"action": "continue", **post_data(answers, [q.code for q in page.questions])},
            REMOTE_ADDR=address,
        )
    return browser.post(reverse("surveys:review", args=[survey.slug]), REMOTE_ADDR=address)


def test_starting_is_limited_per_client_and_a_household_still_gets_through(survey):
    survey.start_limit = 4
    survey.save()
    url = reverse("surveys:start", args=[survey.slug])
    household = [BrowserClient().post(url, REMOTE_ADDR=ATTACKER) for _ in range(4)]
    assert [r.status_code for r in household] == [302] * 4

    refused = BrowserClient().post(url, REMOTE_ADDR=ATTACKER)
    assert refused.status_code == 429
    assert "try again later" in refused.content.decode()
    assert Response.objects.count() == 4
    # Another client is not affected.
    assert BrowserClient().post(url, REMOTE_ADDR="192.0.2.44").status_code == 302


def test_sending_is_limited_per_client_and_the_answers_are_kept(survey):
    survey.submit_limit = 1
    survey.save()
    first = _journey(BrowserClient(), survey, address=ATTACKER)
    assert first.status_code == 302 and first.url.endswith("/thank-you/")

    second = _journey(BrowserClient(), survey, address=ATTACKER)
    assert second.status_code == 429
    kept = Response.objects.filter(status=Response.Status.IN_PROGRESS).get()
    assert kept.draft  # nothing lost: it can be sent later


def test_a_second_start_from_a_browser_that_just_sent_its_answers_gets_its_thank_you(survey):
    browser = BrowserClient()
    sent = _journey(browser, survey, address="192.0.2.44")
    assert sent.status_code == 302

    again = browser.post(reverse("surveys:start", args=[survey.slug]), REMOTE_ADDR="192.0.2.44")

    assert again.status_code == 302
    assert again.url == reverse("surveys:thanks", args=[survey.slug])
    assert Response.objects.count() == 1


def test_limits_use_the_shared_cache_counters_of_collab_ratelimit(survey, rf):
    request = rf.post("/", REMOTE_ADDR=ATTACKER)
    assert not integrity.client_over_limit(survey=survey, request=request, what="start")
    for _ in range(survey.start_limit):
        integrity.client_count(survey=survey, request=request, what="start")
    assert integrity.client_over_limit(survey=survey, request=request, what="start")
    assert not integrity.client_over_limit(survey=survey, request=request, what="submit")
