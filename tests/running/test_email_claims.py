"""Each invitation e-mail is sent once, even when two workers get the same batch: a task
redelivered after a worker died (acks_late), a batch queued twice, or two workers at the same
moment. A worker claims each invitee with a conditional UPDATE before it sends."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled

from surveys import invitations
from surveys.models import Invitee
from tests.results.factories import council_make, survey_make
from tests.running.test_invitations import _answer_with, _codes_in

ANN_AND_BOB = (
    "name,email,postal_address,area\n"
    "Ann Example,ann@example.org,,north\n"
    "Bob Example,bob@example.org,,south\n"
)


class WorkerKilled(BaseException):
    """What a worker sees of a SIGKILL: nothing after it runs, not even `except Exception`."""


def _queued(survey) -> list[int]:
    invitations.invitees_import(survey=survey, text=ANN_AND_BOB)
    return list(Invitee.objects.order_by("id").values_list("id", flat=True))


def _sent_to() -> Counter:
    return Counter(address for message in mail.outbox for address in message.to)


def test_a_batch_redelivered_after_a_worker_died_sends_each_email_once(survey, monkeypatch):
    ids = _queued(survey)
    real = EmailBackend.send_messages

    def dies_on_the_second(self, messages):
        if len(mail.outbox) == 1:
            raise WorkerKilled
        return real(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", dies_on_the_second)
    with pytest.raises(WorkerKilled):
        invitations.invitation_emails_send(invitee_ids=ids)
    monkeypatch.setattr(EmailBackend, "send_messages", real)
    assert _sent_to() == {"ann@example.org": 1}
    bob = Invitee.objects.get(email="bob@example.org")
    assert bob.status == "sending"

    # Redelivered at once: Ann is sent and Bob is still claimed by the dead worker.
    assert invitations.invitation_emails_send(invitee_ids=ids) == []
    assert _sent_to() == {"ann@example.org": 1}

    # Once the claim is old enough to be abandoned, the next delivery takes Bob over.
    Invitee.objects.filter(pk=bob.pk).update(
        claimed_at=timezone.now() - invitations.CLAIM_TIMEOUT - dt.timedelta(seconds=1)
    )
    assert invitations.invitation_emails_send(invitee_ids=ids) == []
    assert _sent_to() == {"ann@example.org": 1, "bob@example.org": 1}
    assert list(Invitee.objects.order_by("id").values_list("status", "attempts")) == [
        ("sent", 1),
        ("sent", 1),
    ]
    assert Invitee.objects.filter(claim_token__isnull=False).count() == 0


def test_an_email_a_dead_worker_left_claimed_can_be_queued_again_by_the_officer(
    survey, django_capture_on_commit_callbacks
):
    ids = _queued(survey)
    # A worker claimed Bob and died; its task was not redelivered.
    Invitee.objects.filter(pk=ids[1]).update(status="sending", claimed_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert invitations.invitations_queue(survey=survey) == 1
    assert invitations.invitee_counts(survey=survey)["email_to_send"] == 0

    Invitee.objects.filter(pk=ids[1]).update(
        claimed_at=timezone.now() - invitations.CLAIM_TIMEOUT - dt.timedelta(seconds=1)
    )
    assert invitations.invitee_counts(survey=survey)["email_to_send"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert invitations.invitations_queue(survey=survey) == 1

    assert _sent_to() == {"ann@example.org": 1, "bob@example.org": 1}
    assert set(Invitee.objects.values_list("status", flat=True)) == {"sent"}


def test_a_second_worker_given_the_batch_mid_send_skips_what_the_first_has_claimed(
    survey, monkeypatch
):
    ids = _queued(survey)
    real = EmailBackend.send_messages
    second_worker: dict[str, list[int] | None] = {}

    def second_worker_starts_meanwhile(self, messages):
        if "retry" not in second_worker:
            second_worker["retry"] = None
            second_worker["retry"] = invitations.invitation_emails_send(invitee_ids=ids)
        return real(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", second_worker_starts_meanwhile)

    assert invitations.invitation_emails_send(invitee_ids=ids) == []

    assert second_worker == {"retry": []}
    assert _sent_to() == {"ann@example.org": 1, "bob@example.org": 1}
    assert set(Invitee.objects.values_list("status", flat=True)) == {"sent"}


def test_a_resident_who_responds_while_their_reminder_is_sent_stays_responded(
    survey, monkeypatch, django_capture_on_commit_callbacks
):
    invitations.invitees_import(
        survey=survey, text="name,email,postal_address,area\nAnn,ann@example.org,,north\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invitations_queue(survey=survey)
    real = EmailBackend.send_messages

    def answers_meanwhile(self, messages):
        # With the code in the reminder being sent: the resident was quick.
        [code] = _codes_in(messages[0].body)
        _answer_with(code)
        return real(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", answers_meanwhile)
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invitations_queue(survey=survey, reminders=True)

    assert Invitee.objects.get().status == "responded"


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="threads writing at once need PostgreSQL; the SQLite test database locks",
)
@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_batch_at_once_send_each_email_once(
    shipped_questionnaire, monkeypatch
):
    survey = survey_make(slug="claims-2026", council=council_make(slug="claims"))
    rows = "".join(f"Person {n},person{n}@example.org,,north\n" for n in range(40))
    invitations.invitees_import(survey=survey, text="name,email,postal_address,area\n" + rows)
    ids = list(Invitee.objects.values_list("id", flat=True))
    real = EmailBackend.send_messages
    lock = threading.Lock()

    def slow_and_thread_safe(self, messages):
        threading.Event().wait(0.005)  # a mail server's round trip, so the workers overlap
        with lock:
            return real(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", slow_and_thread_safe)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            with scopes_disabled():  # as the task does (collab.celery.PlatformTask)
                invitations.invitation_emails_send(invitee_ids=ids)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    sent = _sent_to()
    assert len(sent) == 40
    assert set(sent.values()) == {1}
    assert set(Invitee.objects.values_list("status", flat=True)) == {"sent"}
