"""The database goes away in the middle of a submission (a restart, a failover, no
connections left): the resident gets a "please try again" page, nothing is half-stored,
and pressing the button again once it is back stores the response once."""

from __future__ import annotations

from unittest import mock

import pytest
import redis.exceptions
from django.db import InterfaceError, OperationalError
from django.urls import reverse

from surveys import services
from surveys.models import Answer, Response
from tests.faults.journey import answer_every_page
from tests.surveys.conftest import answers_for, post_data

pytestmark = pytest.mark.django_db

RESTARTING = OperationalError("terminating connection due to administrator command")


@pytest.mark.parametrize("error", [RESTARTING, InterfaceError("connection already closed")])
def test_database_lost_mid_submission_shows_try_again_and_stores_nothing(client, survey, error):
    response = answer_every_page(client, survey)
    review = reverse("surveys:review", args=[survey.slug])

    # The response row has been claimed (the conditional UPDATE ran) when the answers'
    # INSERT fails: the transaction must take the claim back with it.
    with mock.patch("surveys.services.Answer.objects.bulk_create", side_effect=error):
        page = client.post(review)

    assert page.status_code == 503
    assert page.headers["Retry-After"]
    html = page.content.decode()
    assert "Please try again" in html and "Nothing from that step was stored" in html
    response.refresh_from_db()
    assert response.status == Response.Status.IN_PROGRESS
    assert response.submitted_at is None
    assert not Answer.objects.filter(response=response).exists()

    # The database is back: the same button stores the response, once.
    again = client.post(review)
    assert again.status_code == 302
    response.refresh_from_db()
    assert response.is_complete
    stored = Answer.objects.filter(response=response).count()
    assert stored > 0
    client.post(review)
    assert Answer.objects.filter(response=response).count() == stored


def test_database_lost_when_saving_a_page_shows_try_again(client, survey):
    response = answer_every_page(client, survey)
    page_one = reverse("surveys:page", args=[survey.slug, 1])
    codes = [q.code for q in services.spec_for(survey).page(1).questions]
    data = {"action": "continue", **post_data(answers_for(response.split_arm), codes)}

    with mock.patch("surveys.services.Response.save", side_effect=RESTARTING):
        page = client.post(page_one, data)

    assert page.status_code == 503
    assert "Please try again" in page.content.decode()


def test_other_errors_are_not_dressed_up_as_try_again(client, survey):
    answer_every_page(client, survey)
    client.raise_request_exception = True

    with (
        mock.patch("surveys.services.Answer.objects.bulk_create", side_effect=ValueError),
        pytest.raises(ValueError),
    ):
        client.post(reverse("surveys:review", args=[survey.slug]))


def test_database_lost_in_a_middleware_shows_try_again(client, survey):
    """The session is first read by the sign-in checks, a middleware, before any view runs:
    Django turns that error into its server error page, whose view answers the same 503."""
    answer_every_page(client, survey)
    client.raise_request_exception = False

    with mock.patch(
        "django.contrib.sessions.backends.db.SessionStore.load", side_effect=RESTARTING
    ):
        page = client.get(reverse("surveys:page", args=[survey.slug, 1]))

    assert page.status_code == 503
    assert page.headers["Retry-After"]
    assert "Please try again" in page.content.decode()


def test_cache_lost_shows_try_again(client, survey):
    """Redis (the shared cache, where rate limits count) restarting under a code's check."""
    client.raise_request_exception = False
    lost = redis.exceptions.ConnectionError("Connection closed by server.")

    with mock.patch("collab.ratelimit.cache.get", side_effect=lost):
        page = client.post(reverse("surveys:code"), {"code": "ABCD-EFGH-JKMN"})

    assert page.status_code == 503
    assert "Please try again" in page.content.decode()


def test_other_errors_in_a_middleware_stay_server_errors(client, survey):
    answer_every_page(client, survey)
    client.raise_request_exception = False

    with mock.patch(
        "django.contrib.sessions.backends.db.SessionStore.load", side_effect=ValueError
    ):
        page = client.get(reverse("surveys:page", args=[survey.slug, 1]))

    assert page.status_code == 500
    assert "Sorry, the service is busy" not in page.content.decode()
