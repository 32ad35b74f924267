"""Fieldwork across channels: one code per invitee on letters and e-mails, letters that can be
printed again and carry the council's details, paper returns, and a closed survey that sends
nothing (scheduled reminders included)."""

from __future__ import annotations

import datetime as dt
import re
from io import BytesIO, StringIO

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from surveys import invitations
from surveys.codes import ALPHABET, code_hash
from surveys.errors import CodeRejected, SurveyClosed, SurveyError
from surveys.imports import UploadRejected
from surveys.lifecycle import survey_close
from surveys.models import AuditEntry, Invitation, Invitee, ScheduledReminder, Survey
from surveys.services import code_open

HEADER = "name,email,postal_address,area\n"
BOTH = HEADER + 'Dee Example,dee@example.org,"2 Mill Lane\nRiverside RV2 2BB",north\n'


def _codes_in(text: str) -> list[str]:
    return re.findall(rf"[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}", text)


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


def _close(survey: Survey) -> None:
    survey.closes_at = timezone.now() - dt.timedelta(minutes=1)
    survey.status = Survey.Status.CLOSED
    survey.save()


# ---------------------------------------------------------------------------------------------
# One code on every channel


def test_a_letter_then_an_email_campaign_leaves_both_codes_working(
    officer_client, survey, django_capture_on_commit_callbacks
):
    invitations.invitees_import(survey=survey, text=BOTH)
    dee = Invitee.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invitations_queue(survey=survey)
    # A reminder letter first, then reminder e-mails.
    letter = officer_client.post(
        reverse("officers:letters", args=[survey.slug]), {"which": "reminder", "format": "pdf"}
    )
    [on_letter] = _codes_in(_pdf_text(letter.content))
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invitations_queue(survey=survey, reminders=True)
    [in_email] = _codes_in(mail.outbox[-1].body)

    assert in_email == on_letter
    started = code_open(code=on_letter)
    assert started.invitation_id == dee.invitation_id
    assert code_open(code=in_email).pk == started.pk


def test_a_later_letter_never_shortens_an_earlier_codes_life(survey, monkeypatch):
    survey.invitation_code_days = 14
    survey.save()
    invitations.invitees_import(
        survey=survey, text=HEADER + 'Eve,,"3 Hill Road\nRiverside RV3 3CC",north\n'
    )
    [first] = invitations.letters_issue(survey=survey, which="new")
    expires = Invitation.objects.get().expires_at
    later = timezone.now() + dt.timedelta(days=5)
    monkeypatch.setattr(timezone, "now", lambda: later)

    [again] = invitations.letters_issue(survey=survey, which="reprint")

    assert again.code == first.code
    assert Invitation.objects.get().expires_at == expires + dt.timedelta(days=5)


def test_codes_are_derived_with_the_installation_key_and_never_stored(survey, settings):
    invitations.invitees_import(
        survey=survey, text=HEADER + 'Eve,,"3 Hill Road\nRiverside RV3 3CC",north\n'
    )
    [letter] = invitations.letters_issue(survey=survey, which="new")
    invitation = Invitation.objects.get()

    assert letter.code not in str(Invitation.objects.values().get())
    assert invitation.code_hash == code_hash(letter.code)
    settings.INVITATION_CODE_KEY = "another installation's key"
    other = invitations.invitation_code(invitation_id=invitation.pk, secret=invitation.code_secret)
    assert other != letter.code


def test_replacing_a_lost_letters_code_stops_it_and_the_next_letter_has_a_new_one(survey):
    invitations.invitees_import(
        survey=survey, text=HEADER + 'Eve,,"3 Hill Road\nRiverside RV3 3CC",north\n'
    )
    [lost] = invitations.letters_issue(survey=survey, which="new")

    invitations.invitation_code_replace(invitee=Invitee.objects.get())
    [replacement] = invitations.letters_issue(survey=survey, which="reprint")

    assert replacement.code != lost.code
    with pytest.raises(CodeRejected):
        code_open(code=lost.code)
    assert code_open(code=replacement.code).invitation_id == Invitee.objects.get().invitation_id
    assert AuditEntry.objects.filter(action="invitation_code_replaced").exists()


# ---------------------------------------------------------------------------------------------
# Letters carry the council's details


@pytest.fixture
def council_details(survey):
    council = survey.council
    council.return_address = "Freepost RIVERSIDE SURVEY\nTown Hall\nRiverside RV1 9ZZ"
    council.save()
    invitations.invitees_import(
        survey=survey, text=HEADER + 'Eve,,"3 Hill Road\nRiverside RV3 3CC",north\n'
    )
    return survey


def test_a_pdf_letter_has_the_date_return_address_reference_and_contact_line(
    officer_client, council_details
):
    survey = council_details
    response = officer_client.post(
        reverse("officers:letters", args=[survey.slug]), {"which": "new", "format": "pdf"}
    )

    text = _pdf_text(response.content)
    today = timezone.localdate()
    assert f"{today.day} {today:%B %Y}" in text
    assert "Freepost RIVERSIDE SURVEY" in text and "Riverside RV1 9ZZ" in text
    assert f"Contact {survey.contact}" in text
    reference = invitations.invitation_reference(Invitation.objects.get().pk)
    assert f"Your reference: {reference}" in text


def test_an_html_letter_has_the_same_details_and_the_councils_colour(
    officer_client, council_details
):
    survey = council_details
    survey.council.accent_colour = "#4c2c92"
    survey.council.save()
    response = officer_client.post(
        reverse("officers:letters", args=[survey.slug]), {"which": "new", "format": "html"}
    )

    html = response.content.decode()
    today = timezone.localdate()
    assert f"{today.day} {today:%B %Y}" in html
    assert "Freepost RIVERSIDE SURVEY" in html
    assert f"Contact {survey.contact}" in html
    assert "Your reference: R" in html
    assert "#4c2c92" in html


def test_letters_and_emails_link_to_the_councils_own_address(
    survey, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "http://127.0.0.1:8000"
    survey.council.base_url = "https://survey.riverside.example/"
    survey.council.save()
    invitations.invitees_import(survey=survey, text=BOTH)
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invitations_queue(survey=survey)

    assert "https://survey.riverside.example/code/" in mail.outbox[0].body
    lines = invitations.letters_lines_for_html(
        survey=survey, letters=invitations.letters_issue(survey=survey, which="reminder")
    )
    assert any("https://survey.riverside.example/code/" in line for line in lines[0]["lines"])
    assert "127.0.0.1" not in mail.outbox[0].body


def test_emails_come_from_the_councils_sender_name_with_its_reply_to(
    survey, settings, django_capture_on_commit_callbacks
):
    settings.DEFAULT_FROM_EMAIL = "surveys@collab.example"
    survey.council.email_sender_name = "Riverside Consultation Team"
    survey.council.email_reply_to = "consult@riverside.example"
    survey.council.save()
    invitations.invitees_import(survey=survey, text=BOTH)
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invitations_queue(survey=survey)

    [message] = mail.outbox
    assert message.from_email == "Riverside Consultation Team <surveys@collab.example>"
    assert message.reply_to == ["consult@riverside.example"]


# ---------------------------------------------------------------------------------------------
# Paper returns


@pytest.mark.parametrize("by", ["reference", "code"])
def test_a_returned_paper_form_marks_its_invitee_responded(survey, by):
    invitations.invitees_import(
        survey=survey, text=HEADER + 'Eve,,"3 Hill Road\nRiverside RV3 3CC",north\n'
    )
    [letter] = invitations.letters_issue(survey=survey, which="new")

    found = invitations.paper_return_record(survey=survey, **{by: getattr(letter, by)})

    assert found is not None
    assert Invitee.objects.get().status == Invitee.Status.RESPONDED
    assert Invitation.objects.get().used_at is not None
    assert invitations.letters_candidates(survey=survey, which="reminder").count() == 0


def test_a_reference_from_another_survey_marks_nobody(survey, council, questionnaire):
    other = Survey.objects.create(
        council=council, questionnaire=questionnaire, title="Other", slug="other",
        status=Survey.Status.LIVE, privacy_notice="p", contact="c",
    )  # fmt: skip
    invitations.invitees_import(
        survey=other, text=HEADER + 'Eve,,"3 Hill Road\nRiverside RV3 3CC",north\n'
    )
    [letter] = invitations.letters_issue(survey=other, which="new")

    assert invitations.paper_return_record(survey=survey, reference=letter.reference) is None
    assert Invitee.objects.get().status == Invitee.Status.SENT


# ---------------------------------------------------------------------------------------------
# A closed survey sends nothing


def test_reminders_are_refused_after_close(survey, django_capture_on_commit_callbacks):
    invitations.invitees_import(survey=survey, text=BOTH)
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invitations_queue(survey=survey)
    survey_close(survey=survey)

    with pytest.raises(SurveyClosed, match=r"closed on .* so you cannot send reminders"):
        invitations.invitations_queue(survey=survey, reminders=True)
    assert len(mail.outbox) == 1
    assert Invitee.objects.get().reminders == 0


def test_a_survey_past_its_closing_time_refuses_even_before_the_job_closes_it(survey):
    invitations.invitees_import(survey=survey, text=BOTH)
    survey.closes_at = timezone.now() - dt.timedelta(minutes=1)
    survey.save()  # still "live": the closing job has not run yet

    with pytest.raises(SurveyClosed):
        invitations.letters_issue(survey=survey, which="reprint")
    with pytest.raises(SurveyClosed):
        invitations.invitations_queue(survey=survey)


def test_the_invitations_page_shows_why_reminders_are_refused(
    officer_client, survey, django_capture_on_commit_callbacks
):
    invitations.invitees_import(survey=survey, text=BOTH)
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invitations_queue(survey=survey)
    _close(survey)
    url = reverse("officers:invitations", args=[survey.slug])

    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(url, {"action": "remind"})

    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    assert "so you cannot send reminders" in body
    assert len(mail.outbox) == 1
    assert 'value="remind"' not in officer_client.get(url).content.decode()


def test_letters_are_refused_after_close_with_a_message(officer_client, survey):
    invitations.invitees_import(survey=survey, text=BOTH)
    _close(survey)

    response = officer_client.post(
        reverse("officers:letters", args=[survey.slug]), {"which": "reminder", "format": "pdf"}
    )

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "so you cannot print letters" in response.content.decode()


def test_invitee_uploads_are_refused_after_close(officer_client, survey):
    _close(survey)

    response = officer_client.post(
        reverse("officers:invitations_upload", args=[survey.slug]),
        {"file": SimpleUploadedFile("i.csv", BOTH.encode(), content_type="text/csv")},
    )

    assert response.status_code == 400
    assert "so you cannot add invitees" in response.content.decode()
    assert not Invitee.objects.exists()


def test_emails_still_queued_when_the_survey_closes_are_not_sent(survey):
    invitations.invitees_import(survey=survey, text=BOTH)
    invitee = Invitee.objects.get()  # queued, the task not run yet
    _close(survey)

    assert invitations.invitation_emails_send(invitee_ids=[invitee.pk]) == []

    assert mail.outbox == []
    invitee.refresh_from_db()
    assert invitee.status == Invitee.Status.QUEUED
    assert "closed" in invitee.last_error


# ---------------------------------------------------------------------------------------------
# Scheduled reminders


def test_reminders_scheduled_while_live_are_sent_once_when_due(
    survey, django_capture_on_commit_callbacks
):
    invitations.invitees_import(survey=survey, text=BOTH)
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invitations_queue(survey=survey)
    send_at = timezone.now() + dt.timedelta(days=7)
    reminder = invitations.reminder_schedule(survey=survey, send_at=send_at)

    with django_capture_on_commit_callbacks(execute=True):
        assert invitations.reminders_send_due() == 0  # not yet
        assert invitations.reminders_send_due(now=send_at) == 1
        assert invitations.reminders_send_due(now=send_at + dt.timedelta(hours=1)) == 0

    assert [m.subject.startswith("Reminder") for m in mail.outbox] == [False, True]
    reminder.refresh_from_db()
    assert (reminder.status, reminder.count) == (ScheduledReminder.Status.SENT, 1)


def test_a_scheduled_reminder_due_after_the_survey_closed_sends_nothing(
    survey, django_capture_on_commit_callbacks
):
    invitations.invitees_import(survey=survey, text=BOTH)
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invitations_queue(survey=survey)
    send_at = timezone.now() + dt.timedelta(days=7)
    reminder = invitations.reminder_schedule(survey=survey, send_at=send_at)
    survey_close(survey=survey)

    with django_capture_on_commit_callbacks(execute=True):
        assert invitations.reminders_send_due(now=send_at) == 0

    assert len(mail.outbox) == 1
    reminder.refresh_from_db()
    assert reminder.status == ScheduledReminder.Status.SKIPPED
    assert AuditEntry.objects.filter(action="scheduled_reminders_skipped").exists()


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (dt.timedelta(minutes=-5), "time in the future"),
        (dt.timedelta(days=60), "choose an earlier time"),
    ],
)
def test_reminders_cannot_be_scheduled_in_the_past_or_after_closing(survey, when, message):
    survey.closes_at = timezone.now() + dt.timedelta(days=30)
    survey.save()
    with pytest.raises(SurveyError, match=message):
        invitations.reminder_schedule(survey=survey, send_at=timezone.now() + when)


def test_reminders_cannot_be_scheduled_once_closed(survey):
    survey_close(survey=survey)
    with pytest.raises(SurveyClosed):
        invitations.reminder_schedule(survey=survey, send_at=timezone.now() + dt.timedelta(days=1))


def test_an_officer_schedules_and_cancels_reminders_on_the_invitations_page(officer_client, survey):
    url = reverse("officers:invitations", args=[survey.slug])
    send_at = timezone.localtime(timezone.now() + dt.timedelta(days=3)).replace(
        second=0, microsecond=0
    )

    response = officer_client.post(
        url, {"action": "schedule", "send_at": send_at.strftime("%Y-%m-%dT%H:%M")}
    )

    assert response.status_code == 302
    reminder = ScheduledReminder.objects.get()
    assert reminder.send_at == send_at
    page = officer_client.get(url).content.decode()
    assert "Scheduled reminders" in page
    officer_client.post(url, {"action": "cancel", "reminder": reminder.pk})
    reminder.refresh_from_db()
    assert reminder.status == ScheduledReminder.Status.CANCELLED
    assert invitations.reminders_send_due(now=send_at) == 0


def test_scheduling_in_the_past_on_the_page_shows_the_error(officer_client, survey):
    response = officer_client.post(
        reverse("officers:invitations", args=[survey.slug]),
        {"action": "schedule", "send_at": "2001-01-01T09:00"},
    )

    assert response.status_code == 400
    assert "Choose a time in the future" in response.content.decode()
    assert not ScheduledReminder.objects.exists()


# ---------------------------------------------------------------------------------------------
# Uploads and links


def test_an_address_without_a_postcode_is_refused_for_letters(survey):
    with pytest.raises(UploadRejected) as raised:
        invitations.invitees_import(survey=survey, text=HEADER + 'Eve,,"3 Hill Road",north\n')

    assert "has no postcode" in str(raised.value.problems[0].message)
    assert not Invitee.objects.exists()


@pytest.mark.parametrize("area", ["NORTH", "North", "north ward", "North Ward"])
def test_areas_are_matched_by_code_or_ward_name_in_any_case(survey, area):
    invitations.invitees_import(survey=survey, text=HEADER + f"Ann,ann@example.org,,{area}\n")

    assert Invitee.objects.get().area.code == "north"
    assert Invitation.objects.get().area.code == "north"


def test_an_unknown_area_lists_the_codes_and_names_to_use(survey):
    with pytest.raises(UploadRejected) as raised:
        invitations.invitees_import(survey=survey, text=HEADER + "Ann,ann@example.org,,narnia\n")

    assert "north (North ward)" in str(raised.value.problems[0].message)


@pytest.mark.parametrize("email", ["josé@example.org", "ann@exämple.org", "zoë.ğ@例え.jp"])
def test_internationalised_email_addresses_are_accepted(survey, email):
    invitations.invitees_import(survey=survey, text=HEADER + f"Ann,{email},,north\n")

    assert Invitee.objects.get().email == email


def test_a_resident_arriving_with_a_code_sees_the_privacy_notice_first(client, survey):
    invitations.invitees_import(
        survey=survey, text=HEADER + 'Eve,,"3 Hill Road\nRiverside RV3 3CC",north\n'
    )
    [letter] = invitations.letters_issue(survey=survey, which="new")

    arrived = client.post(reverse("surveys:code"), {"code": letter.code}, follow=True)

    body = arrived.content.decode()
    assert arrived.redirect_chain[-1][0].startswith(reverse("surveys:landing", args=[survey.slug]))
    assert survey.privacy_notice in body
    assert "Start now" in body
    # Starting goes on with the invitation's own response, not a new public one.
    client.post(reverse("surveys:start", args=[survey.slug]))
    assert Invitation.objects.get().response.survey == survey


def test_demo_setup_sets_the_address_letters_and_emails_link_to(db):
    from django.core.management import call_command

    from surveys.models import Council

    call_command("demo_setup", "--responses", "0", "--base-url", "http://demo.example:8123/",
                 stdout=StringIO())  # fmt: skip

    council = Council.objects.get(slug="demo-borough")
    assert council.base_url == "http://demo.example:8123"
    survey = council.surveys.get(slug="demo-2014")
    assert invitations.survey_link(survey) == "http://demo.example:8123/code/"
    assert invitations.POSTCODE.search(council.return_address)
