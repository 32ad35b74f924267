"""A council's own e-mail and letter wording: placeholders checked, used in what is sent, and
previewed in the council set-up, where each administrator edits their own council only."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from surveys import invitations
from surveys.codes import ALPHABET
from surveys.services import code_open

HEADER = "name,email,postal_address,area\n"
BOTH = HEADER + 'Dee,dee@example.org,"2 Mill Lane\nRiverside RV2 2BB",north\n'


def _code_in(text: str) -> str:
    [code] = re.findall(rf"[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}", text)
    return code


def test_the_councils_email_wording_is_what_residents_get(
    survey, django_capture_on_commit_callbacks
):
    council = survey.council
    council.email_subject = "Have your say: ((survey))"
    council.email_body = (
        "Hello ((name)),\nTell ((council)) what you think at ((link)) with ((code))."
    )
    council.full_clean()
    council.save()
    invitations.invitees_import(survey=survey, text=BOTH)

    with django_capture_on_commit_callbacks(execute=True):
        invitations.invitations_queue(survey=survey)
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invitations_queue(survey=survey, reminders=True)

    first, reminder = mail.outbox
    assert first.subject == f"Have your say: {survey.title}"
    assert first.body.startswith(f"Hello Dee,\nTell {council.name} what you think at http")
    assert code_open(code=_code_in(first.body))
    assert reminder.subject == f"Reminder: Have your say: {survey.title}"
    assert "have not yet heard from you" in reminder.body


def test_the_councils_letter_wording_is_printed(survey):
    survey.council.letter_body = "((council)) wants to hear from you about ((survey))."
    survey.council.save()
    invitations.invitees_import(survey=survey, text=HEADER + 'Eve,,"3 Hill Road\nRV3 3CC",north\n')
    [letter] = invitations.letters_issue(survey=survey, which="new")

    [item] = invitations.letters_lines_for_html(survey=survey, letters=[letter])

    assert f"{survey.council.name} wants to hear from you about {survey.title}." in item["lines"]


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("email_body", "Go to ((link)) and use ((code)) by ((deadline)).", "((deadline)) is not"),
        ("email_body", "Go to ((link)) please.", "Put ((code)) in the text"),
        ("letter_body", "Hello ((nmae)).", "((nmae)) is not"),
    ],
)
def test_wording_with_unknown_or_missing_placeholders_is_refused(survey, field, text, message):
    setattr(survey.council, field, text)

    with pytest.raises(ValidationError) as raised:
        survey.council.full_clean()

    assert any(message in m for m in raised.value.message_dict[field])


def test_a_council_administrator_edits_and_previews_their_councils_wording(
    officer_client, survey, other_survey
):
    url = reverse("council_admin:surveys_council_change", args=[survey.council.pk])
    page = officer_client.get(url)
    assert page.status_code == 200
    assert "Preview of the e-mail" in page.content.decode()

    data = {
        "name": survey.council.name,
        "accent_colour": survey.council.accent_colour,
        "email_body": "Dear ((name)), answer at ((link)) with ((code)).",
        "letter_body": "",
        "email_subject": "",
        "return_address": "Town Hall\nRiverside RV1 9ZZ",
        "base_url": "",
        "email_sender_name": "",
        "email_reply_to": "",
        "areas-TOTAL_FORMS": "0",
        "areas-INITIAL_FORMS": "0",
    }
    saved = officer_client.post(url, data)
    assert saved.status_code == 302, saved.content.decode()[:3000]

    preview = officer_client.get(url).content.decode()
    assert "Dear Alex Example, answer at" in preview
    assert "ABCD-EFGH-JKMN" in preview
    other = reverse("council_admin:surveys_council_change", args=[other_survey.council.pk])
    assert officer_client.get(other).status_code in (302, 404)
