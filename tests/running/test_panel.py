"""The co-production panel: offered after sending answers to those willing (Q8), with its own
consent, stored apart from answers, withdrawable with a code shown once, deleted with the
survey's retention, and seen and exported by the survey's own council only."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from surveys import panel
from surveys.codes import code_hash
from surveys.lifecycle import survey_retention_apply
from surveys.models import AuditEntry, Invitee, PanelMember, Response, Survey
from surveys.services import response_record
from surveys.tasks import apply_retention
from surveys.views import SESSION_KEY
from tests.surveys.conftest import ANSWERS_A

DETAILS = {
    "name": "Dee Resident",
    "email": "dee@example.org",
    "phone": "",
    "topics": ["housing", "transport_streets"],
    "other_topics": "Bus routes",
    "consent": "on",
}


def _answered(client, survey, answers) -> Response:
    response = response_record(survey=survey, answers=answers, mode="paper", split_arm="A")
    session = client.session
    session[SESSION_KEY] = {survey.slug: response.pk}
    session.save()
    return response


def test_the_thank_you_page_offers_the_panel_to_the_willing_only(client, survey):
    _answered(client, survey, ANSWERS_A)
    willing = client.get(reverse("surveys:thanks", args=[survey.slug])).content.decode()
    _answered(client, survey, {**ANSWERS_A, "Q8": "no_time"})
    unwilling = client.get(reverse("surveys:thanks", args=[survey.slug])).content.decode()

    link = reverse("surveys:panel_join", args=[survey.slug])
    assert link in willing
    assert link not in unwilling


def test_the_panel_page_is_refused_to_someone_who_did_not_say_willing(client, survey):
    _answered(client, survey, {**ANSWERS_A, "Q8": "not_interested"})

    response = client.get(reverse("surveys:panel_join", args=[survey.slug]))

    assert response.status_code == 302


def test_joining_stores_details_apart_from_the_answers_and_shows_a_code_once(client, survey):
    answered = _answered(client, survey, ANSWERS_A)
    url = reverse("surveys:panel_join", args=[survey.slug])
    assert client.get(url).status_code == 200

    joined = client.post(url, DETAILS)

    body = joined.content.decode()
    assert joined.status_code == 200
    [code] = re.findall(r'class="collab-code">([A-Z0-9-]+)<', body)
    member = PanelMember.objects.get()
    assert (member.survey, member.name, member.topics) == (
        survey,
        "Dee Resident",
        ["housing", "transport_streets"],
    )
    assert member.withdrawal_code_hash == code_hash(code)
    assert not {f.name for f in PanelMember._meta.get_fields()} & {"response", "invitation"}
    assert "Dee" not in str(Response.objects.get(pk=answered.pk).draft)
    # A second visit does not show the code again, nor add a second member.
    again = client.get(url).content.decode()
    assert code not in again
    assert PanelMember.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"consent": ""}, "Tick the box"),
        ({"name": ""}, "Enter your name"),
        ({"email": "", "phone": ""}, "Enter an e-mail address or a phone number"),
        ({"email": "not-an-email"}, "Enter an e-mail address like"),
        ({"topics": ["gardening"]}, "Select only the topics listed"),
    ],
)
def test_joining_without_consent_or_contact_is_refused(client, survey, change, message):
    _answered(client, survey, ANSWERS_A)

    response = client.post(reverse("surveys:panel_join", args=[survey.slug]), {**DETAILS, **change})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PanelMember.objects.exists()


def test_a_resident_withdraws_with_the_code(client, survey):
    code = panel.panel_join(survey=survey, name="Dee", email="dee@example.org", consent=True)
    url = reverse("surveys:panel_withdraw")

    wrong = client.post(url, {"code": "AAAA-BBBB-CCCC"})
    right = client.post(url, {"code": code.lower()})

    assert wrong.status_code == 400
    assert "We do not recognise that code" in wrong.content.decode()
    assert right.status_code == 200
    assert "Your details have been deleted" in right.content.decode()
    assert not PanelMember.objects.exists()
    entry = AuditEntry.objects.get(action="panel_member_withdrew")
    assert "Dee" not in str(entry.detail)


def test_officers_see_and_export_their_own_councils_panel_only(
    officer_client, survey, other_survey
):
    panel.panel_join(survey=survey, name="Dee", email="dee@example.org", consent=True)
    panel.panel_join(survey=other_survey, name="Eve", phone="0123", consent=True)
    panel.panel_join(survey=survey, name="=HYPERLINK(1)", phone="0456", consent=True)

    page = officer_client.get(reverse("officers:panel", args=[survey.slug])).content.decode()
    export = officer_client.get(reverse("officers:panel_export", args=[survey.slug]))
    other = officer_client.get(reverse("officers:panel_export", args=[other_survey.slug]))

    assert "Dee" in page and "Eve" not in page
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert [r["name"] for r in rows] == ["Dee", "'=HYPERLINK(1)"]
    assert other.status_code == 404
    assert AuditEntry.objects.filter(action="panel_exported", survey=survey).exists()


def _closed(survey: Survey, *, days_ago: int, retention_days: int) -> None:
    survey.status = Survey.Status.CLOSED
    survey.closes_at = timezone.now() - dt.timedelta(days=days_ago)
    survey.retention_days = retention_days
    survey.save()


def test_retention_deletes_panel_and_invitee_data_of_surveys_past_it(survey, other_survey):
    from surveys.invitations import invitees_import

    for s in (survey, other_survey):
        panel.panel_join(survey=s, name="Dee", email=f"dee@{s.slug}.example", consent=True)
        invitees_import(survey=s, text="name,email,postal_address,area\nAnn,a@example.org,,\n")
    response_record(survey=survey, answers=ANSWERS_A, mode="paper", split_arm="A")
    _closed(survey, days_ago=31, retention_days=30)
    _closed(other_survey, days_ago=29, retention_days=30)

    deleted = apply_retention.delay().get()

    assert deleted == {"surveys": 1, "invitees": 1, "panel_members": 1, "response_sources": 0}
    assert not PanelMember.objects.filter(survey=survey).exists()
    assert not Invitee.objects.filter(survey=survey).exists()
    assert PanelMember.objects.filter(survey=other_survey).exists()
    assert Invitee.objects.filter(survey=other_survey).exists()
    # Answers and the invitations (code hashes and areas, for response rates) stay.
    assert Response.objects.filter(survey=survey).exists()
    assert survey.invitations.count() == 1
    assert AuditEntry.objects.filter(action="personal_data_erased", survey=survey).exists()
    assert survey_retention_apply() == {
        "surveys": 0,
        "invitees": 0,
        "panel_members": 0,
        "response_sources": 0,
    }


def test_retention_leaves_live_surveys_alone(survey):
    panel.panel_join(survey=survey, name="Dee", email="dee@example.org", consent=True)
    survey.closes_at = timezone.now() - dt.timedelta(days=400)  # due, but still marked live
    survey.save()

    survey_retention_apply()

    assert PanelMember.objects.exists()


def test_retention_is_scheduled_by_celery_beat(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "surveys.tasks.apply_retention" in tasks
