"""How long an invitation code works: Survey.invitation_code_days from the day the e-mail or
letter is made (to the end of that day, UK time), or until the survey closes; the e-mail and
the letter say by when."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from surveys import invitations
from surveys.errors import CodeRejected
from surveys.models import Invitation, Invitee
from surveys.services import code_open
from tests.running.test_invitations import GOOD, HEADER, _codes_in

LONDON = ZoneInfo("Europe/London")


def _email_to_ann(survey, capture) -> str:
    invitations.invitees_import(survey=survey, text=HEADER + "Ann,ann@example.org,,north\n")
    with capture(execute=True):
        invitations.invitations_queue(survey=survey)
    [message] = mail.outbox
    return message.body


def test_a_code_expires_at_the_end_of_its_last_day_in_uk_time(survey):
    survey.invitation_code_days = 14
    # 11:30pm on 1 July in UTC is already 2 July in London (summer time): the day is the UK's.
    issued = dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC)

    expires = invitations.code_expires_at(survey=survey, now=issued)

    assert expires == dt.datetime(2026, 7, 17, 0, 0, tzinfo=LONDON)
    assert invitations.code_use_by(survey=survey, expires_at=expires) == "16 July 2026"


def test_an_email_code_gets_the_surveys_expiry_and_says_so(
    survey, django_capture_on_commit_callbacks
):
    survey.invitation_code_days = 14
    survey.save()

    body = _email_to_ann(survey, django_capture_on_commit_callbacks)

    invitation = Invitation.objects.get(pk=Invitee.objects.get().invitation_id)
    last_day = timezone.localdate() + dt.timedelta(days=14)
    assert timezone.localtime(invitation.expires_at).date() == last_day + dt.timedelta(days=1)
    assert f"Please use it by {last_day.day} {last_day:%B %Y}." in body


def test_an_expired_code_is_refused(survey, django_capture_on_commit_callbacks, monkeypatch):
    survey.invitation_code_days = 3
    survey.save()
    [code] = _codes_in(_email_to_ann(survey, django_capture_on_commit_callbacks))
    later = timezone.now() + dt.timedelta(days=5)
    monkeypatch.setattr(timezone, "now", lambda: later)

    with pytest.raises(CodeRejected, match="expired"):
        code_open(code=code)


def test_without_a_setting_a_code_works_until_the_survey_closes_and_says_when(
    survey, django_capture_on_commit_callbacks
):
    survey.closes_at = dt.datetime(2030, 4, 30, 17, 0, tzinfo=LONDON)
    survey.save()

    body = _email_to_ann(survey, django_capture_on_commit_callbacks)

    assert Invitation.objects.get().expires_at is None
    assert "Please use it by 5:00pm on 30 April 2030." in body


def test_a_survey_closing_at_midnight_gives_the_day_before(survey):
    survey.closes_at = dt.datetime(2030, 5, 1, 0, 0, tzinfo=LONDON)

    assert invitations.code_use_by(survey=survey, expires_at=None) == "30 April 2030"


def test_the_earlier_of_expiry_and_closing_is_given(survey):
    survey.closes_at = dt.datetime(2030, 5, 1, 0, 0, tzinfo=LONDON)
    expires = dt.datetime(2030, 6, 1, 0, 0, tzinfo=LONDON)

    assert invitations.code_use_by(survey=survey, expires_at=expires) == "30 April 2030"


def test_no_closing_date_and_no_setting_gives_no_date(survey, django_capture_on_commit_callbacks):
    body = _email_to_ann(survey, django_capture_on_commit_callbacks)

    assert "Please use it by" not in body


def test_letters_carry_the_expiry_in_print_and_pdf(officer_client, survey):
    from io import BytesIO

    from pypdf import PdfReader

    survey.invitation_code_days = 21
    survey.save()
    invitations.invitees_import(survey=survey, text=GOOD)
    url = reverse("officers:letters", args=[survey.slug])
    last_day = timezone.localdate() + dt.timedelta(days=21)
    use_by = f"Please use the code below by {last_day.day} {last_day:%B %Y}."

    html = officer_client.post(url, {"which": "new", "format": "html"}).content.decode()
    assert use_by in html
    pdf = officer_client.post(url, {"which": "reminder", "format": "pdf"}).content
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    assert use_by in text.replace("\n", " ")
    cat = Invitee.objects.get(name="Cat Example")
    assert Invitation.objects.get(pk=cat.invitation_id).expires_at is not None
