"""The officers' forms in GOV.UK markup: each error names its box, has an id, and is read with
the box it belongs to; every description a box points at exists."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from officers.findings import candidates, public_report
from tests.surveys.test_page_markup import Elements

pytestmark = pytest.mark.django_db


def test_sign_in_errors_name_their_box_and_are_read_with_it(client):
    reply = client.post(reverse("login"), {"username": "", "password": ""})

    html = reply.content.decode()
    page = Elements(html)
    ids = page.by_id()
    assert '<a href="#id_username">Enter your username</a>' in html
    assert '<a href="#id_password">Enter your password</a>' in html
    assert "This field is required." not in html
    for name in ("username", "password"):
        box = page.inputs(name)[0]
        assert box["aria-invalid"] == "true"
        described = box["aria-describedby"].split()
        assert described, name
        for ident in described:
            assert ident in ids, f"{name} is described by #{ident}, which is not on the page"
            assert "govuk-error-message" in ids[ident][1]["class"]


def test_a_sign_in_box_without_an_error_is_not_marked_invalid(client):
    page = Elements(client.get(reverse("login")).content.decode())

    for name in ("username", "password"):
        box = page.inputs(name)[0]
        assert "aria-invalid" not in box and "aria-describedby" not in box


def test_every_findings_box_is_described_by_elements_on_the_page(officer_client, seeded):
    url = reverse("officers:findings", args=[seeded.slug])
    for reply in (
        officer_client.get(url),
        # Publishing a finding without saying what the council will do: an error.
        officer_client.post(url, {"action": "save", "publish_0": "on", "introduction": ""}),
    ):
        page = Elements(reply.content.decode())
        ids = page.by_id()
        introduction = next(a for t, a in page.tags if a.get("name") == "introduction")
        assert "id_introduction-hint" in introduction["aria-describedby"].split()
        for _, attrs in page.tags:
            for ident in attrs.get("aria-describedby", "").split():
                assert ident in ids, f"aria-describedby points at #{ident}, not on the page"
    boxes = [a for t, a in page.tags if t == "textarea" and "govuk-textarea--error" in a["class"]]
    assert boxes and all(b["aria-invalid"] == "true" for b in boxes)


def test_the_public_findings_page_names_no_two_landmarks_alike(client, officer_client, seeded):
    data = {"action": "publish", "introduction": ""}
    chosen = [c for c in candidates(report=public_report(survey=seeded)) if c.publishable][:3]
    for c in chosen:
        data[f"publish_{c.index}"] = "on"
        data[f"we_did_{c.index}"] = f"We will act on finding {c.index + 1}."
    assert len(chosen) == 3
    assert (
        officer_client.post(reverse("officers:findings", args=[seeded.slug]), data).status_code
        == 302
    )
    client.logout()
    html = client.get(reverse("findings", args=[seeded.slug])).content.decode()
    assert html.count("We will act on finding") == 3

    names = []
    for tag in re.findall(r"<(?:section|nav|aside|form|div)\b[^>]*>", html):
        is_landmark = tag.startswith(("<section", "<nav", "<aside")) or 'role="region"' in tag
        if not is_landmark:
            continue
        label = re.search(r'aria-label="([^"]*)"', tag)
        ref = re.search(r'aria-labelledby="([^"]*)"', tag)
        if ref:
            label = re.search(rf'id="{ref.group(1)}"[^>]*>(.*?)</', html, re.S)
        assert label, f"a landmark with no name: {tag}"
        names.append(" ".join(label.group(1).split()))
    assert names, "no landmark found"
    assert len(names) == len(set(names)), f"landmarks named alike: {names}"
