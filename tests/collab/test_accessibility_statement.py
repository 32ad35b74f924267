"""The accessibility statement: the sections UK public sector bodies publish, and honest."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from collab import accessibility

pytestmark = pytest.mark.django_db

SECTIONS = [
    "How accessible this website is",
    "Feedback and contact information",
    "Reporting accessibility problems with this website",
    "Enforcement procedure",
    "Technical information about this website’s accessibility",
    "Compliance status",
    "Non-accessible content",
    "Preparation of this accessibility statement",
    "What we have not tested yet",
]


def test_statement_has_every_section_of_the_public_sector_format(client):
    html = client.get(reverse("accessibility")).content.decode()
    positions = [html.find(section) for section in SECTIONS]
    assert -1 not in positions, [s for s, p in zip(SECTIONS, positions, strict=True) if p == -1]
    assert positions == sorted(positions)
    assert "Equality and Human Rights Commission" in html
    assert "axe-core" in html and "keyboard alone" in html
    assert "with screen readers" in html  # what is not tested yet is said


def test_statement_lists_the_contact_of_each_open_survey(client, survey):
    html = client.get(reverse("accessibility")).content.decode()
    assert f"{survey.council.name} ({survey.title}): {survey.contact}" in html


def test_every_resident_page_links_to_the_statement(client, survey):
    for url in ["/", reverse("surveys:landing", args=[survey.slug]), reverse("surveys:code")]:
        assert f'href="{reverse("accessibility")}"' in client.get(url).content.decode(), url


def test_statement_gives_the_dates_kept_in_collab_accessibility(client, monkeypatch):
    monkeypatch.setattr(accessibility, "STATEMENT_PREPARED", datetime.date(2027, 3, 1))
    monkeypatch.setattr(accessibility, "LAST_TESTED", datetime.date(2027, 2, 14))

    html = client.get(reverse("accessibility")).content.decode()

    assert "This statement was prepared on 1 March 2027." in html
    assert "The website was last tested on 14 February 2027," in html


def test_statement_covers_the_officers_pages_and_lists_what_does_not_comply(client):
    html = client.get(reverse("accessibility")).content.decode()
    scope = html[html.find("This accessibility statement applies") :]
    scope = scope[: scope.find("</p>")]
    assert "council officers use" in scope and "not covered by this statement" not in html

    non_accessible = html[html.find('id="non-accessible"') : html.find("Preparation of this")]
    assert "Non-compliance with the accessibility regulations" in non_accessible
    assert non_accessible.count("WCAG ") >= 2  # each non-compliance names its criterion
    assert "We know of no content" not in html


def test_statement_says_how_and_when_each_check_was_last_made(client):
    html = client.get(reverse("accessibility")).content.decode()
    tested = html[html.find('id="how-tested"') : html.find('id="not-tested"')]
    for checker in ("axe-core", "HTML_CodeSniffer", "W3C Nu HTML Checker", "forced colours"):
        assert checker in tested, checker
    assert "officers' pages" in tested and "400% zoom" in tested
    assert "How we tested, each on" in tested
    not_tested = html[html.find('id="not-tested"') :]
    assert "with high contrast (forced colours) modes" not in not_tested
