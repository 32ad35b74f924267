"""Both admins' survey forms switch the start challenge on and off (surveys/challenge.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from surveys.models import AuditEntry
from tests.running.test_admin_setup import _survey_form
from tests.running.test_live_survey_guards import council_admin_client  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("site", ["admin", "council_admin"])
def test_the_start_challenge_is_switched_on_in_either_admin_and_audited(site, request, survey):
    client = request.getfixturevalue("admin_client" if site == "admin" else "council_admin_client")
    url = reverse(f"{site}:surveys_survey_change", args=[survey.pk])
    form = client.get(url).content.decode()
    assert 'name="start_challenge"' in form
    assert "Residents without JavaScript wait about 30 seconds instead" in form

    reply = client.post(url, {**_survey_form(survey, []), "start_challenge": "on"})

    assert reply.status_code == 302, reply.content.decode()[:2000]
    survey.refresh_from_db()
    assert survey.start_challenge
    changed = AuditEntry.objects.filter(survey=survey, action__startswith="admin.survey")
    assert any("start_challenge" in str(entry.detail) for entry in changed)
