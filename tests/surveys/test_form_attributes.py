"""What an HTML checker finds in the residents' forms: one type per input (the phone box's
"tel", which brings up a phone's number pad), one CSRF token per form, and an icon at
/favicon.ico where every browser asks for one."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.running.test_panel import _answered
from tests.surveys.conftest import ANSWERS_A

pytestmark = pytest.mark.django_db


def _pages(client, survey) -> dict[str, str]:
    _answered(client, survey, ANSWERS_A)
    urls = {
        "residents' group": reverse("surveys:panel_join", args=[survey.slug]),
        "leave the residents' group": reverse("surveys:panel_withdraw"),
        "enter a code": reverse("surveys:code"),
        "erase answers": reverse("surveys:erase"),
    }
    return {name: client.get(url).content.decode() for name, url in urls.items()}


def test_the_phone_box_has_one_type_and_it_is_tel(client, survey):
    html = _pages(client, survey)["residents' group"]

    tag = re.search(r'<input[^>]*name="phone"[^>]*>', html).group(0)
    assert re.findall(r'\stype="([^"]*)"', tag) == ["tel"]
    assert 'autocomplete="tel"' in tag


def test_each_form_sends_its_csrf_token_once(client, survey):
    for name, html in _pages(client, survey).items():
        for form in re.findall(r"<form\b.*?</form>", html, re.S):
            if 'method="post"' in form:
                assert form.count('name="csrfmiddlewaretoken"') == 1, name


def test_favicon_is_an_icon(client):
    reply = client.get("/favicon.ico")

    assert reply.status_code == 200
    assert reply["Content-Type"] == "image/x-icon"
    assert b"".join(reply.streaming_content)[:4] == b"\x00\x00\x01\x00"
