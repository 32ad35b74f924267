"""The invitation life cycle through the real components: the e-mails are sent by a
`celery worker` process (through Redis, on PostgreSQL), so the test reads what the worker
did from the database: the invitee's status and attempts. Skipped on the SQLite default."""

from __future__ import annotations

import time

import pytest

from surveys import invitations
from surveys.models import Invitation, Invitee
from surveys.services import code_open, response_save_page, response_submit
from tests.results.factories import council_make, survey_make
from tests.surveys.conftest import answers_for

INVITEES = (
    "name,email,postal_address,area\n"
    'Ann Example,ann@example.org,"1 High Street, Riverside RV1 1AA",north\n'
    "Bob Example,bob@example.org,,south\n"
)


def _wait_for(condition, *, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the worker did not finish in time")
        time.sleep(0.2)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_invitations_go_from_queued_to_sent_by_the_worker_then_to_responded(
    celery_worker, shipped_questionnaire
):
    survey = survey_make(slug="worker-invitations", council=council_make(slug="worker-inv"))
    invitations.invitees_import(survey=survey, text=INVITEES)
    assert set(Invitee.objects.values_list("status", flat=True)) == {"queued"}
    hashes_before = set(Invitation.objects.values_list("code_hash", flat=True))

    # Not inside a transaction: the batch task is queued when the queueing commits.
    assert invitations.invitations_queue(survey=survey) == 2

    _wait_for(lambda: not Invitee.objects.filter(status="queued").exists())
    assert list(Invitee.objects.order_by("id").values_list("status", "attempts")) == [
        ("sent", 1),
        ("sent", 1),
    ]
    assert all(i.sent_at for i in Invitee.objects.all())
    # The worker issued the invitees' codes: every invitation's hash changed from the
    # never-shown one it was created with.
    assert not hashes_before & set(Invitation.objects.values_list("code_hash", flat=True))

    # A reminder letter, printed here, carries the same code as the e-mail, and the resident
    # answers with it.
    [letter] = invitations.letters_issue(survey=survey, which="reminder")
    response = code_open(code=letter.code)
    response_save_page(response=response, values=answers_for(response.split_arm))
    response_submit(response_id=response.pk)

    ann = Invitee.objects.get(email="ann@example.org")
    assert ann.status == "responded"
    assert Invitee.objects.get(email="bob@example.org").status == "sent"
