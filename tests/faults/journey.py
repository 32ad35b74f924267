"""A resident's journey through the web pages, for the fault tests."""

from __future__ import annotations

from django.urls import reverse

from surveys import services
from surveys.models import Response
from tests.surveys.conftest import answers_for, post_data


def answer_every_page(client, survey) -> Response:
    """Start and answer every page through the web pages; returns the response, unsent."""
    assert client.post(reverse("surveys:start", args=[survey.slug])).status_code == 302
    response = Response.objects.latest("started_at")
    answers = answers_for(response.split_arm)
    for page in services.spec_for(survey).pages:
        codes = [q.code for q in page.questions]
        reply = client.post(
            reverse("surveys:page", args=[survey.slug, page.position]),
            {"action": "continue", **post_data(answers, codes)},
        )
        assert reply.status_code == 302
    return response
