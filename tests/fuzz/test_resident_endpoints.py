"""Random and malformed payloads at every resident endpoint: never a server error, never a
partial write.

Hypothesis generates the payloads: real field names with wrong values, made-up field names,
odd actions, huge and non-ASCII text, broken encodings and bodies that are not forms at
all. Invariants after every example: the status is below 500; no Answer row belongs to a
response that is not complete, and every complete response has its answers; a refused
request changed no count. Examples are bounded and derandomized, so the run is quick and the
same on every machine.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys import services
from surveys.models import Answer, Response

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

pytestmark = pytest.mark.django_db

# Text that breaks naive code: control characters (NUL included), surrogates excluded by
# Django's encoding anyway, right-to-left marks, emoji, very long strings.
nasty_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(["", " ", "\x00", "0", "-1", "1e309", "NaN", "None", "[]", "{}", "<script>"]),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.just("x" * 20_000),
)
values = st.one_of(nasty_text, st.lists(nasty_text, max_size=5))


def _field_names(survey) -> list[str]:
    names = []
    for page in services.spec_for(survey).pages:
        for q in page.questions:
            names.append(q.code)
            names += [f"{q.code}__{item.code}" for item in q.items]
    return names


def form_payloads(real_names: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    name = st.one_of(st.sampled_from(real_names), st.text(min_size=1, max_size=30))
    return st.dictionaries(name, values, max_size=12)


def assert_no_half_stored_response() -> None:
    assert not Answer.objects.exclude(response__status=Response.Status.COMPLETE).exists()
    assert not (
        Response.objects.filter(status=Response.Status.COMPLETE)
        .annotate(n=Count("answers"))
        .filter(n=0)
        .exists()
    )


def counts() -> tuple[int, int, int]:
    return (
        Response.objects.count(),
        Response.objects.filter(status=Response.Status.COMPLETE).count(),
        Answer.objects.count(),
    )


def _resident(survey, *, reached: int = 1) -> tuple[Client, Response]:
    client = Client()
    assert client.post(reverse("surveys:start", args=[survey.slug])).status_code == 302
    response = Response.objects.latest("id")
    Response.objects.filter(pk=response.pk).update(furthest_page=reached)
    return client, response


@FUZZ
@given(data=st.data())
def test_start_survives_anything(survey, data):
    payload = data.draw(form_payloads(["website", "csrfmiddlewaretoken", "action"]))
    before = counts()

    reply = Client().post(reverse("surveys:start", args=[survey.slug]), payload)

    assert reply.status_code < 500
    started = counts()[0] - before[0]
    assert started == (1 if reply.status_code == 302 else 0)
    assert counts()[1:] == before[1:]
    assert_no_half_stored_response()


@FUZZ
@given(data=st.data())
def test_questionnaire_pages_survive_anything(survey, data):
    page_count = services.spec_for(survey).page_count
    client, response = _resident(survey, reached=page_count + 1)
    number = data.draw(st.integers(min_value=1, max_value=page_count), label="page")
    payload = data.draw(form_payloads(_field_names(survey)), label="payload")
    payload["action"] = data.draw(
        st.one_of(st.sampled_from(["continue", "previous", "save"]), nasty_text), label="action"
    )
    query = data.draw(st.sampled_from(["", "?return=review", "?return=%00"]), label="query")
    before = counts()

    reply = client.post(reverse("surveys:page", args=[survey.slug, number]) + query, payload)

    assert reply.status_code < 500
    assert counts() == before, "a page saves a draft, never answers"
    response.refresh_from_db()
    assert response.status == Response.Status.IN_PROGRESS
    assert isinstance(response.draft, dict)
    assert_no_half_stored_response()


@settings(FUZZ, max_examples=30)  # each example walks up to four pages
@given(data=st.data())
def test_check_your_answers_after_random_pages_stores_all_or_nothing(survey, data):
    spec = services.spec_for(survey)
    client, response = _resident(survey, reached=spec.page_count + 1)
    names = _field_names(survey)
    # The draft is built the only way a resident can build it: through the pages.
    for number in data.draw(
        st.lists(st.integers(1, spec.page_count), max_size=4, unique=True), label="pages"
    ):
        payload = data.draw(form_payloads(names), label=f"page {number}")
        reply = client.post(reverse("surveys:page", args=[survey.slug, number]), payload)
        assert reply.status_code < 500
    Response.objects.filter(pk=response.pk).update(furthest_page=spec.page_count + 1)
    before = counts()

    reply = client.post(reverse("surveys:review", args=[survey.slug]))

    assert reply.status_code < 500
    response.refresh_from_db()
    if response.is_complete:
        assert reply.status_code == 302
        assert counts()[1] == before[1] + 1
    else:
        assert reply.status_code == 400
        assert counts() == before
    assert_no_half_stored_response()


@FUZZ
@given(data=st.data())
def test_code_entry_and_erasure_survive_anything(survey, make_invitation, data):
    cache.clear()  # the rate limit would otherwise answer most examples with a 429
    url = data.draw(st.sampled_from([reverse("surveys:code"), reverse("surveys:erase")]))
    payload = data.draw(form_payloads(["code", "confirm"]), label="payload")
    before = counts()

    reply = Client().post(url, payload)

    assert reply.status_code in {200, 302, 400, 429}
    assert counts()[1:] == before[1:], "a random code neither submits nor erases anything"
    assert_no_half_stored_response()


BODIES = st.one_of(
    st.binary(max_size=2000),
    st.just(b'--x\r\nContent-Disposition: form-data; name="code"\r\n\r\nAB'),
    st.just(b"code=%ZZ%00&code=" + b"A" * 5000),
    st.just(b"&".join(b"f%d=1" % i for i in range(1000))),
)
CONTENT_TYPES = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "multipart/form-data",
        "application/json",
        "text/plain",
        "application/x-www-form-urlencoded; charset=utf-16",
    ]
)


@FUZZ
@given(data=st.data())
def test_bodies_that_are_not_forms_are_refused_cleanly(survey, data):
    cache.clear()
    page_count = services.spec_for(survey).page_count
    client, _ = _resident(survey, reached=page_count + 1)
    url = data.draw(
        st.sampled_from(
            [
                reverse("surveys:start", args=[survey.slug]),
                reverse("surveys:page", args=[survey.slug, 1]),
                reverse("surveys:page", args=[survey.slug, page_count]),
                reverse("surveys:review", args=[survey.slug]),
                reverse("surveys:code"),
                reverse("surveys:erase"),
            ]
        ),
        label="url",
    )
    body = data.draw(BODIES, label="body")
    content_type = data.draw(CONTENT_TYPES, label="content_type")
    before = counts()

    reply = client.generic("POST", url, body, content_type=content_type)

    assert reply.status_code < 500
    assert counts()[2] == before[2] or counts()[1] == before[1] + 1
    assert_no_half_stored_response()
