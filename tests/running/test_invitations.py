"""Invitations: the invitee list upload, e-mails through the task (in-process here; through a
real worker in test_invitations_worker.py), letters, reminders, responded, response rates."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from surveys import invitations
from surveys.codes import ALPHABET, code_hash
from surveys.imports import UploadRejected
from surveys.models import AuditEntry, Invitation, Invitee, Response
from surveys.services import code_open, response_save_page, response_submit
from tests.surveys.conftest import ANSWERS_A, answers_for

HEADER = "name,email,postal_address,area\n"
GOOD = (
    HEADER + "Ann Example,ann@example.org,,north\n"
    "Bob Example,bob@example.org,,south\n"
    'Cat Example,,"1 High Street\nRiverside RV1 1AA",east\n'
)


def _codes_in(text: str) -> list[str]:
    import re

    return re.findall(rf"[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}", text)


def _upload(client, survey, content: bytes):
    return client.post(
        reverse("officers:invitations_upload", args=[survey.slug]),
        {"file": SimpleUploadedFile("invitees.csv", content, content_type="text/csv")},
    )


def test_uploading_invitees_stores_them_apart_from_invitations(officer_client, survey):
    response = _upload(officer_client, survey, GOOD.encode())

    assert response.status_code == 302
    assert Invitee.objects.filter(survey=survey).count() == 3
    assert set(Invitee.objects.values_list("status", flat=True)) == {"queued"}
    assert Invitation.objects.filter(survey=survey).count() == 3
    cat = Invitee.objects.get(name="Cat Example")
    assert cat.postal_address == "1 High Street\nRiverside RV1 1AA"
    assert cat.invitation.area.code == "east"
    assert AuditEntry.objects.filter(action="invitees_uploaded", detail__count=3).exists()


def test_an_excel_file_with_a_byte_order_mark_is_accepted(officer_client, survey):
    response = _upload(officer_client, survey, "\ufeff".encode() + GOOD.encode())

    assert response.status_code == 302
    assert Invitee.objects.count() == 3


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "The file is empty"),
        (b"   \n\n", "The file is empty"),
        (b"name,email,area\nAnn,ann@example.org,north\n", "Missing column"),
        (HEADER.encode() + b"Ann,ann@example.org,,north,extra\n", "has 5 cells"),
        (b"name,email,postal_address,area,phone\nAnn,a@example.org,,north,1\n", "Unknown column"),
        (HEADER.encode() + b"Ann,not-an-email,,north\n", "not a valid e-mail address"),
        (HEADER.encode() + b"Ann,ann@example.org,,narnia\n", "not one of this council"),
        (HEADER.encode() + b"Ann,,,north\n", "Give an e-mail address or a postal address"),
        (
            HEADER.encode() + b"Ann,a@example.org,,north\nAnn,a@example.org,,north\n",
            "Duplicate row",
        ),
        (
            HEADER.encode() + b"Ann,a@example.org,,north\nAnnie,A@example.org,,south\n",
            "Duplicate invitee: also on row 2",
        ),
        ("name,email,postal_address,area\nJosé,,Calle 1,north\n".encode("latin-1"), "not UTF-8"),
        (HEADER.encode() + b"header only\x00,,,\n", "binary"),
    ],
)
def test_a_bad_invitee_file_is_refused_with_a_report_and_nothing_stored(
    officer_client, survey, content, expected
):
    response = _upload(officer_client, survey, content)

    assert response.status_code == 400
    assert expected in response.content.decode()
    assert "nothing was imported" in response.content.decode()
    assert not Invitee.objects.exists()
    assert not Invitation.objects.exists()


def test_the_report_names_row_column_and_problem_for_every_bad_row(survey):
    text = HEADER + "Ann,ann@example.org,,north\nBob,bad,,south\nCat,,,nowhere\n"

    with pytest.raises(UploadRejected) as error:
        invitations.invitees_import(survey=survey, text=text)

    found = [(p.row, p.column) for p in error.value.problems]
    assert (3, "email") in found
    assert (4, "email") in found
    assert (4, "area") in found
    assert not Invitee.objects.exists()


def test_someone_already_invited_is_not_added_twice(survey):
    invitations.invitees_import(survey=survey, text=GOOD)

    with pytest.raises(UploadRejected, match="Already invited"):
        invitations.invitees_import(survey=survey, text=HEADER + "Ann,ANN@example.org,,north\n")

    assert Invitee.objects.count() == 3


def test_a_file_over_5_mb_is_refused_before_it_is_read(officer_client, survey):
    big = HEADER.encode() + b"x" * (6 * 1024 * 1024)

    response = _upload(officer_client, survey, big)

    assert response.status_code == 413
    assert "largest file accepted is 5 MB" in response.content.decode()
    assert not Invitee.objects.exists()


def test_a_50_mb_upload_is_refused_by_its_declared_length(officer_client, survey):
    url = reverse("officers:invitations_upload", args=[survey.slug])

    # The declared length alone is enough: the body is never read.
    response = officer_client.generic(
        "POST",
        url,
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )

    assert response.status_code == 413
    assert "50.0 MB" in response.content.decode()


def test_emails_are_sent_by_the_task_with_a_code_that_opens_the_invitation(
    officer_client, survey, django_capture_on_commit_callbacks
):
    invitations.invitees_import(survey=survey, text=GOOD)

    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(reverse("officers:invitations", args=[survey.slug]), {"action": "send"})

    assert len(mail.outbox) == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@example.org", "bob@example.org"]
    ann = Invitee.objects.get(email="ann@example.org")
    assert (ann.status, ann.attempts) == ("sent", 1)
    assert ann.sent_at is not None
    # The letter-only invitee is left for the letters page.
    assert Invitee.objects.get(name="Cat Example").status == "queued"
    message = next(m for m in mail.outbox if m.to == ["ann@example.org"])
    [code] = _codes_in(message.body)
    assert Invitation.objects.get(pk=ann.invitation_id).code_hash == code_hash(code)
    response = code_open(code=code)
    assert response.invitation_id == ann.invitation_id


def test_sending_again_sends_nothing_twice(survey, django_capture_on_commit_callbacks):
    invitations.invitees_import(survey=survey, text=GOOD)
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invitations_queue(survey=survey)
    ids = list(Invitee.objects.values_list("id", flat=True))

    assert invitations.invitation_emails_send(invitee_ids=ids) == []
    assert len(mail.outbox) == 2


def test_a_failing_mail_server_is_retried_then_marked_failed(survey, settings, monkeypatch):
    invitations.invitees_import(survey=survey, text=HEADER + "Ann,ann@example.org,,north\n")
    ann = Invitee.objects.get()

    def broken(self, messages):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", broken)

    assert invitations.invitation_emails_send(invitee_ids=[ann.pk]) == [ann.pk]
    ann.refresh_from_db()
    assert (ann.status, ann.attempts) == ("queued", 1)
    assert "mail server down" in ann.last_error
    invitations.invitation_emails_send(invitee_ids=[ann.pk])
    assert invitations.invitation_emails_send(invitee_ids=[ann.pk]) == []
    ann.refresh_from_db()
    assert (ann.status, ann.attempts) == ("failed", 3)


def test_the_task_retries_until_the_mail_server_answers(
    survey, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.mail.backends.locmem import EmailBackend

    invitations.invitees_import(survey=survey, text=HEADER + "Ann,ann@example.org,,north\n")
    real = EmailBackend.send_messages
    calls = {"n": 0}

    def flaky(self, messages):
        calls["n"] += 1
        if calls["n"] == 1:
            raise TimeoutError("timed out")
        return real(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", flaky)

    with django_capture_on_commit_callbacks(execute=True):
        invitations.invitations_queue(survey=survey)

    ann = Invitee.objects.get()
    assert (ann.status, ann.attempts) == ("sent", 2)
    assert len(mail.outbox) == 1


def _answer_with(code: str) -> Response:
    response = code_open(code=code)
    response_save_page(response=response, values=answers_for(response.split_arm))
    return response_submit(response_id=response.pk)


def test_an_invitee_who_answers_is_marked_responded_and_counted_by_area(
    survey, django_capture_on_commit_callbacks
):
    invitations.invitees_import(survey=survey, text=GOOD)
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invitations_queue(survey=survey)
    message = next(m for m in mail.outbox if m.to == ["ann@example.org"])

    _answer_with(_codes_in(message.body)[0])

    assert Invitee.objects.get(email="ann@example.org").status == "responded"
    rates = {
        r.area: (r.invited, r.responded) for r in invitations.response_rates_by_area(survey=survey)
    }
    assert rates == {"North ward": (1, 1), "South ward": (1, 0), "East ward": (1, 0)}


def test_a_reminder_carries_the_same_code_and_carries_on_the_response_begun(
    survey, django_capture_on_commit_callbacks
):
    invitations.invitees_import(survey=survey, text=HEADER + "Ann,ann@example.org,,north\n")
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invitations_queue(survey=survey)
    [first] = _codes_in(mail.outbox[0].body)
    started = code_open(code=first)

    with django_capture_on_commit_callbacks(execute=True):
        assert invitations.invitations_queue(survey=survey, reminders=True) == 1

    reminder = mail.outbox[1]
    [second] = _codes_in(reminder.body)
    assert reminder.subject.startswith("Reminder")
    assert "Your code is the same as before" in reminder.body
    assert second == first
    assert code_open(code=second).pk == started.pk
    ann = Invitee.objects.get()
    assert (ann.status, ann.reminders) == ("sent", 1)


def test_reminders_skip_those_who_responded(survey, django_capture_on_commit_callbacks):
    invitations.invitees_import(survey=survey, text=GOOD)
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invitations_queue(survey=survey)
    ann_mail = next(m for m in mail.outbox if m.to == ["ann@example.org"])
    _answer_with(_codes_in(ann_mail.body)[0])

    with django_capture_on_commit_callbacks(execute=True):
        invitations.invitations_queue(survey=survey, reminders=True)

    assert [m.to for m in mail.outbox[2:]] == [["bob@example.org"]]


def test_printing_letters_issues_codes_in_the_pdf_and_marks_them_sent(officer_client, survey):
    from io import BytesIO

    from pypdf import PdfReader

    invitations.invitees_import(survey=survey, text=GOOD)

    response = officer_client.post(
        reverse("officers:letters", args=[survey.slug]), {"which": "new", "format": "pdf"}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)
    [code] = _codes_in(text)
    assert "1 High Street" in text
    assert "/code/" in text
    cat = Invitee.objects.get(name="Cat Example")
    assert cat.status == "sent"
    assert Invitation.objects.get(pk=cat.invitation_id).code_hash == code_hash(code)
    assert AuditEntry.objects.filter(action="letters_issued_new").exists()


def test_reprinting_letters_gives_the_same_codes_and_both_keep_working(officer_client, survey):
    invitations.invitees_import(survey=survey, text=GOOD)
    url = reverse("officers:letters", args=[survey.slug])
    first = officer_client.post(url, {"which": "new", "format": "html"}).content.decode()

    again = officer_client.post(url, {"which": "reminder", "format": "html"}).content.decode()
    reprint = officer_client.post(url, {"which": "reprint", "format": "html"}).content.decode()

    [old] = _codes_in(first)
    assert _codes_in(again) == [old]
    assert _codes_in(reprint) == [old]
    assert Invitation.objects.filter(code_hash=code_hash(old)).exists()
    assert "Your code is the same as before" in again
    # A reprint is not another letter sent: the reminder count stays at one.
    assert Invitee.objects.get(name="Cat Example").reminders == 1


def test_letters_with_nobody_to_write_to_say_so(officer_client, survey):
    response = officer_client.post(
        reverse("officers:letters", args=[survey.slug]), {"which": "new", "format": "pdf"}
    )

    assert response.status_code == 400
    assert "nobody to write to" in response.content.decode()


def test_no_plain_code_is_stored_anywhere_in_the_database(
    officer_client, survey, django_capture_on_commit_callbacks
):
    invitations.invitees_import(survey=survey, text=GOOD)
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invitations_queue(survey=survey)
    letters = officer_client.post(
        reverse("officers:letters", args=[survey.slug]), {"which": "new", "format": "html"}
    ).content.decode()
    codes = [c for m in mail.outbox for c in _codes_in(m.body)] + _codes_in(letters)
    assert len(codes) == 3

    needles = {c for code in codes for c in (code, code.replace("-", ""))}
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            description = connection.introspection.get_table_description(cursor, table)
            columns = [connection.ops.quote_name(col.name) for col in description]
            cursor.execute(f"SELECT {', '.join(columns)} FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, str) and any(n in value.upper() for n in needles):
                        found.append(table)
    assert found == []


def test_the_invitations_page_shows_counts_and_rates(officer_client, survey):
    invitations.invitees_import(survey=survey, text=GOOD)

    page = officer_client.get(reverse("officers:invitations", args=[survey.slug]))

    body = page.content.decode()
    assert page.status_code == 200
    assert "Response rate by area" in body
    assert "North ward" in body
    assert 'id="invitees-total">3<' in body


def test_answers_keep_working_for_the_answer_fixture(survey):
    # Guard: the fixture answers used above are a complete, valid set.
    assert ANSWERS_A["Q8"] == "willing"
