"""Every officer URL, for its owner, for another council's officer, and for a visitor who has
not signed in. The URLs are collected from officers.urls, so a new page is walked the day it
is added; a new kind of URL argument fails here until the test learns how to fill it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import URLPattern, reverse
from django.utils import timezone

from officers import urls as officer_urls
from officers.models import Theme
from surveys.models import Answer, Membership, Question, Response, ResponseImport, Survey
from tests.officers.factories import export_make

PATTERNS: list[URLPattern] = [p for p in officer_urls.urlpatterns if isinstance(p, URLPattern)]


def _url(pattern: URLPattern, *, survey: Survey, export_id: int) -> str:
    values = {
        "slug": survey.slug,
        "pk": export_id,
        "question": "Q4",
        "fmt": "svg",
        "version": "A",
    }
    if pattern.name.startswith("responses_import"):
        values["pk"] = ResponseImport.objects.filter(survey=survey).first().pk
    sent = Response.objects.filter(survey=survey).exclude(status="in_progress").first()
    if sent is not None:
        values["public_id"] = sent.public_id
    comment = Answer.objects.filter(survey=survey, question__code="COMMENTS").first()
    if comment is not None:
        values["comment"] = comment.pk
    theme = Theme.objects.filter(survey=survey).first()
    if theme is not None:
        values["theme"] = theme.pk
    params = pattern.pattern.converters.keys()
    unknown = set(params) - set(values)
    assert not unknown, f"teach test_scoping how to fill {unknown} in {pattern.name}"
    return reverse(f"officers:{pattern.name}", kwargs={k: values[k] for k in params})


@pytest.fixture
def owned(survey, officer):
    ResponseImport.objects.create(survey=survey, status=ResponseImport.Status.DONE)
    sent = Response.objects.create(
        survey=survey, split_arm="A", status=Response.Status.COMPLETE, submitted_at=timezone.now()
    )
    Answer.objects.create(
        response=sent,
        survey=survey,
        question=Question.objects.get(questionnaire=survey.questionnaire, code="COMMENTS"),
        text_value="A resident's comment.",
    )
    Theme.objects.create(survey=survey, name="Libraries")
    return survey, export_make(survey=survey, user=officer)


@pytest.mark.parametrize("pattern", PATTERNS, ids=[p.name for p in PATTERNS])
def test_a_member_with_every_role_gets_the_page(client, officer, owned, pattern):
    # Which role opens which page is tests/security/test_permission_matrix.py's subject.
    survey, export = owned
    for role in (Membership.Role.COUNCIL_ADMIN, Membership.Role.RESEARCH_OFFICER):
        Membership.objects.create(user=officer, council=survey.council, role=role)
    client.force_login(officer)

    response = client.get(_url(pattern, survey=survey, export_id=export.pk))
    if response.streaming:
        b"".join(response.streaming_content)  # closes the file the download opened

    # One response makes no chart to download (tests/officers/test_charts.py downloads one):
    # what matters here is that the member is let in, not sent away.
    allowed = {200, 400, 404} if pattern.name == "report_chart" else {200}
    assert response.status_code in allowed


@pytest.mark.parametrize("pattern", PATTERNS, ids=[p.name for p in PATTERNS])
def test_other_councils_officer_gets_404(client, other_officer, owned, pattern):
    survey, export = owned
    client.force_login(other_officer)

    response = client.get(_url(pattern, survey=survey, export_id=export.pk))

    if pattern.pattern.converters:
        assert response.status_code == 404
    else:
        # A page with no survey in its address (the list of surveys) shows only their own.
        assert response.status_code == 200
        assert survey.slug not in response.content.decode()


@pytest.mark.parametrize("pattern", PATTERNS, ids=[p.name for p in PATTERNS])
def test_anonymous_visitor_is_sent_to_sign_in(client, owned, pattern):
    survey, export = owned
    url = _url(pattern, survey=survey, export_id=export.pk)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("pattern", PATTERNS, ids=[p.name for p in PATTERNS])
def test_officer_of_no_council_gets_404(client, owned, pattern):
    survey, export = owned
    client.force_login(User.objects.create_user("newcomer", password="not-a-real-password-3"))

    response = client.get(_url(pattern, survey=survey, export_id=export.pk))

    assert response.status_code == (404 if pattern.pattern.converters else 200)


def test_superuser_sees_every_council(client, owned, other_survey):
    client.force_login(User.objects.create_superuser("admin", password="not-a-real-password-4"))

    response = client.get(reverse("officers:home"))

    assert {s.slug for s in response.context["surveys"]} == {"riverside-2026", "hilltop-2026"}


def test_login_page_signs_an_officer_in(client, officer):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert 'class="govuk-input' in page.content.decode()

    response = client.post(
        reverse("login"), {"username": officer.username, "password": "not-a-real-password-1"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("officers:home")


def test_wrong_password_shows_an_error_summary(client, officer):
    response = client.post(reverse("login"), {"username": officer.username, "password": "wrong"})

    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
