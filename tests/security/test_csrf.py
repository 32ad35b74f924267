"""CSRF everywhere: every URL of the site refuses a POST without a CSRF token, signed in or
not. The test walks the URL configuration, so a new view cannot slip through exempt."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# Values for the converters our URLs use; the CSRF check runs before any view, so the
# objects need not exist.
SAMPLE = {
    "slug": "riverside-2026",
    "int": "1",
    "path": "1",
    "str": "1",
    "uuid": "00000000-0000-4000-8000-000000000001",
}


def _routes(resolver: URLResolver, prefix: str = "") -> list[str]:
    urls = []
    for entry in resolver.url_patterns:
        pattern = str(entry.pattern)
        if pattern.startswith("^") or "(?P" in pattern:
            # Regex patterns (a few admin ones): keep the literal ones, such as ^$.
            literal = pattern.strip("^$")
            if re.search(r"[()\[\]?*+\\]", literal):
                continue
            pattern = literal
        else:
            pattern = re.sub(
                r"<(?:(\w+):)?(\w+)>", lambda m: SAMPLE.get(m.group(1) or "str", "1"), pattern
            )
        if isinstance(entry, URLResolver):
            urls += _routes(entry, prefix + pattern)
        elif isinstance(entry, URLPattern):
            urls.append("/" + prefix + pattern)
    return sorted(set(urls))


URLS = _routes(get_resolver())


def test_the_walk_finds_the_forms_that_matter():
    for url in ["/code/", "/erase/", "/accounts/login/", "/admin/login/"]:
        assert url in URLS
    assert "/s/riverside-2026/start/" in URLS
    assert "/s/riverside-2026/check-your-answers/" in URLS
    assert any(url.startswith("/officer/surveys/") for url in URLS)
    assert len(URLS) > 30


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "superuser"])
def test_every_post_without_a_csrf_token_is_refused(signed_in, survey):
    client = Client(enforce_csrf_checks=True)
    if signed_in:
        client.force_login(User.objects.create_superuser("admin", "a@example.com", "pw-12345678"))
    accepted = []
    for url in URLS:
        response = client.post(url, {"code": "ABCD-EFGH-JKMN", "action": "continue"})
        if response.status_code != 403:
            accepted.append((url, response.status_code))
    assert accepted == []


def test_the_csrf_refusal_is_the_friendly_page(survey):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/code/", {"code": "ABCD-EFGH-JKMN"})
    assert response.status_code == 403
    assert "<html" in response.content.decode()
