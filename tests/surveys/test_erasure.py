"""Erasure spends the code: once a resident's answers are erased, the invitation code from
their letter or e-mail neither resumes nor starts a response again, and says why."""

from __future__ import annotations

import pytest
from django.urls import reverse

from surveys import services
from surveys.erasure import response_erase
from surveys.errors import CodeRejected
from surveys.models import AuditEntry, Invitation, Invitee, Response
from tests.surveys.conftest import answers_for

pytestmark = pytest.mark.django_db


def _started(invitation_code: str) -> Response:
    return services.code_open(code=invitation_code)


def _sent(invitation_code: str) -> Response:
    response = _started(invitation_code)
    response.draft = answers_for(response.split_arm)
    response.save(update_fields=["draft"])
    return services.response_submit(response_id=response.pk)


@pytest.mark.parametrize("send", [True, False], ids=["sent", "in progress"])
def test_erased_invitation_code_starts_nothing_and_says_the_answers_were_erased(
    client, survey, make_invitation, send
):
    invitation, code = make_invitation()
    (_sent if send else _started)(code)
    response_erase(code=code)

    refused = client.post(reverse("surveys:code"), {"code": code})

    assert refused.status_code == 400
    page = refused.content.decode()
    assert "have been erased, so it cannot be used again" in page
    assert survey.contact in page
    assert not Response.objects.exists()
    invitation.refresh_from_db()
    assert invitation.used_at is not None


def test_erasing_answers_in_progress_marks_the_invitation_used_and_stops_reminders(
    survey, make_invitation
):
    invitation, code = make_invitation()
    Invitee.objects.create(survey=survey, invitation=invitation, status=Invitee.Status.SENT)
    _started(code)

    response_erase(code=code)

    invitation.refresh_from_db()
    assert invitation.used_at is not None
    # Reminders go to invitees still marked sent, each with a fresh code for this invitation.
    assert Invitee.objects.get().status == Invitee.Status.RESPONDED
    entry = AuditEntry.objects.get(action="response.erased")
    assert entry.detail["invitation_spent"] is True and entry.detail["complete"] is False


def test_erased_code_entered_again_to_erase_is_told_it_is_done(client, survey, make_invitation):
    _, code = make_invitation()
    _sent(code)
    response_erase(code=code)

    again = client.post("/erase/", {"code": code, "confirm": "yes"})

    assert again.status_code == 400
    assert "have already been erased" in again.content.decode()
    assert AuditEntry.objects.filter(action="response.erased").count() == 1


def test_erasure_page_says_the_code_will_stop_working(client, survey, make_invitation):
    _, code = make_invitation()
    _sent(code)

    confirm = client.post("/erase/", {"code": code}).content.decode()
    done = client.post("/erase/", {"code": code, "confirm": "yes"}).content.decode()

    assert "your code will stop working" in confirm
    assert "The code you entered cannot be used again" in done


def test_a_code_that_was_never_used_still_opens_a_response(survey, make_invitation):
    # Only erasure spends an invitation: another resident's erasure leaves this code alone.
    _, erased = make_invitation()
    _sent(erased)
    response_erase(code=erased)
    invitation, code = make_invitation()

    response = services.code_open(code=code)

    assert response.invitation == invitation
    with pytest.raises(CodeRejected, match="cannot be used again"):
        services.code_open(code=erased)
    assert Invitation.objects.filter(used_at__isnull=False).count() == 1
