"""Every response carries a strict Content-Security-Policy and the usual security headers,
and no page needs an inline script or style to work."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _csp(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {
        part.strip().split(" ", 1)[0]: part.strip().split(" ", 1)[1]
        for part in header.split(";")
        if part.strip()
    }


@pytest.mark.parametrize(
    "url",
    ["/", "/code/", "/erase/", "/accounts/login/", "/admin/login/", "/no-such-page/"],
)
def test_every_response_has_the_security_headers(client, url):
    response = client.get(url)

    csp = _csp(response)
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'"
    assert csp["style-src"].startswith("'self' 'nonce-")
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert csp["frame-ancestors"] == "'none'"
    assert csp["form-action"] == "'self'"
    assert csp["object-src"] == "'none'"
    assert csp["worker-src"] == "'self'"
    assert "blob:" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "geolocation=()" in response.headers["Permissions-Policy"]


def test_each_response_gets_a_new_nonce(client):
    first = _csp(client.get("/"))["style-src"]
    second = _csp(client.get("/"))["style-src"]
    assert first != second


def test_council_accent_colour_is_a_nonced_style_not_an_inline_attribute(client, survey):
    survey.council.accent_colour = "#00703c"
    survey.council.save()

    response = client.get(reverse("surveys:landing", args=[survey.slug]))

    html = response.content.decode()
    assert not re.search(r"\sstyle=", html), "inline style attributes are blocked by the CSP"
    assert "<script>" not in html and not re.search(r"\son[a-z]+=", html)
    nonce = _csp(response)["style-src"].split("'nonce-")[1].rstrip("'")
    style = re.search(r'<style nonce="([^"]+)">([^<]*)</style>', html)
    assert style, "the accent colour is set in a <style> element"
    assert style.group(1) == nonce
    assert "--collab-accent: #00703c" in style.group(2)


def test_the_start_challenge_needs_no_inline_script_and_its_worker_is_our_own_file(client, survey):
    survey.start_challenge = True
    survey.save()

    html = client.get(reverse("surveys:landing", args=[survey.slug])).content.decode()

    assert "<script>" not in html and not re.search(r"\son[a-z]+=", html)
    assert 'data-challenge-worker="/static/vendor/altcha/pbkdf2.js"' in html
