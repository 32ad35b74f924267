"""Finding one response by REF or a resident's code, voiding it from its page, the dashboard's
counts, and the daily clean-up of unfinished responses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client as BrowserClient
from django.urls import reverse
from django.utils import timezone

from surveys import services
from surveys.models import AuditEntry, Membership, Response
from surveys.tasks import delete_stale_in_progress
from tests.surveys.conftest import ANSWERS_A, ANSWERS_B

pytestmark = pytest.mark.django_db


@pytest.fixture
def research(council):
    user = User.objects.create_user("research", password="x-not-used-1")
    Membership.objects.create(user=user, council=council, role=Membership.Role.RESEARCH_OFFICER)
    browser = BrowserClient()
    browser.force_login(user)
    return browser


def _sent(survey) -> Response:
    response = services.response_start(survey=survey)
    response.draft = ANSWERS_A if response.split_arm == "A" else ANSWERS_B
    response.save()
    return services.response_submit(response_id=response.pk)


def test_a_research_officer_finds_a_response_by_a_resident_s_code_and_voids_it(survey, research):
    sent = _sent(survey)
    code = services.response_save_for_later(response=sent)  # the resident's erasure code
    find = reverse("officers:response_find", args=[survey.slug])

    assert research.get(find, {"q": "NOTACODE123"}).status_code == 404
    found = research.get(find, {"q": code.lower()})

    detail = reverse("officers:response_detail", args=[survey.slug, sent.public_id])
    assert found.status_code == 302 and found.url == detail
    page = research.get(detail).content.decode()
    assert "More evening opening hours at the library" in page  # the answers, to check a request
    assert research.post(detail, {"action": "void", "reason": " "}).status_code == 400

    research.post(detail, {"action": "void", "reason": "Complaint: answered twice"})

    sent.refresh_from_db()
    assert sent.status == Response.Status.VOIDED
    assert sent.void_reason == "Complaint: answered twice"
    assert AuditEntry.objects.filter(action="responses_voided").count() == 1
    dashboard = research.get(reverse("officers:dashboard", args=[survey.slug])).content.decode()
    assert 'id="complete-count">0<' in dashboard
    assert 'id="voided-count">1 (left out of every figure)<' in dashboard


def test_a_response_is_found_by_its_ref(survey, research):
    sent = _sent(survey)
    Response.objects.filter(pk=sent.pk).update(ref="P-0042")

    found = research.get(reverse("officers:response_find", args=[survey.slug]), {"q": "P-0042"})

    assert found.url.endswith(f"/{sent.public_id}/")


def test_an_officer_without_the_research_role_cannot_review(survey, council):
    user = User.objects.create_user("officer", password="x-not-used-2")
    council.members.add(user)
    browser = BrowserClient()
    browser.force_login(user)

    assert browser.get(reverse("officers:review", args=[survey.slug])).status_code == 403


def test_unfinished_responses_untouched_for_the_survey_s_days_are_deleted(survey, settings):
    settings.IN_PROGRESS_RESPONSE_DAYS = 30
    old = timezone.now() - dt.timedelta(days=31)
    stale = services.response_start(survey=survey)
    Response.objects.filter(pk=stale.pk).update(updated_at=old, started_at=old)
    recent = services.response_start(survey=survey)
    sent = _sent(survey)
    Response.objects.filter(pk=sent.pk).update(updated_at=old)

    assert delete_stale_in_progress.delay().get() == 1

    assert set(Response.objects.values_list("pk", flat=True)) == {recent.pk, sent.pk}
    entry = AuditEntry.objects.get(action="in_progress_responses_deleted")
    assert entry.detail == {"count": 1, "untouched_days": 30}
    # The survey's own setting wins over the platform's.
    survey.in_progress_days = 1
    survey.save()
    Response.objects.filter(pk=recent.pk).update(updated_at=timezone.now() - dt.timedelta(days=2))
    call_command("delete_stale_responses")
    assert not Response.objects.filter(pk=recent.pk).exists()


def test_saving_a_page_keeps_a_response_from_the_clean_up(survey):
    response = services.response_start(survey=survey)
    Response.objects.filter(pk=response.pk).update(
        updated_at=timezone.now() - dt.timedelta(days=40)
    )
    response.refresh_from_db()
    services.response_save_page(response=response, values={"Q2": "equality_opportunity"})

    assert delete_stale_in_progress.delay().get() == 0


def test_the_clean_up_is_scheduled_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["delete-stale-in-progress"]
    assert entry["task"] == "surveys.delete_stale_in_progress"
