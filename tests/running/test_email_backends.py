"""The e-mail backends councils send with, each against a local server the test starts on
127.0.0.1 (no network): GOV.UK Notify's HTTP API stand-in, and an SMTP server (aiosmtpd).
They run on whichever database the suite runs on (SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

import json
import re
import threading
import uuid
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest

from surveys import invitations
from surveys.codes import ALPHABET
from surveys.models import Invitee
from surveys.services import code_open

HEADER = "name,email,postal_address,area\n"
SERVICE_ID = str(uuid.uuid4())
SECRET = str(uuid.uuid4())
TEMPLATE_ID = str(uuid.uuid4())


def _code_in(text: str) -> str:
    [code] = re.findall(rf"[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}", text)
    return code


# ---------------------------------------------------------------------------------------------
# GOV.UK Notify


class NotifyStandIn(BaseHTTPRequestHandler):
    """POST /v2/notifications/email as Notify answers it: 201 with the notification, or 400
    for an address it refuses. Checks the bearer token as Notify does (HS256, the key's
    secret, the service id as issuer)."""

    received: list[dict] = []
    refuse: set[str] = set()

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        token = self.headers["Authorization"].removeprefix("Bearer ")
        try:
            claims = jwt.decode(token, SECRET, algorithms=["HS256"])
        except jwt.InvalidTokenError:
            return self._answer(403, {"errors": [{"error": "AuthError"}]})
        if self.path != "/v2/notifications/email" or claims["iss"] != SERVICE_ID:
            return self._answer(403, {"errors": [{"error": "AuthError"}]})
        if body["email_address"] in self.refuse:
            return self._answer(
                400, {"status_code": 400, "errors": [{"error": "BadRequestError",
                                                      "message": "Not a valid email address"}]},
            )  # fmt: skip
        self.received.append(body)
        self._answer(201, {"id": str(uuid.uuid4()), "content": {"subject": "", "body": ""}})

    def _answer(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def notify(settings):
    NotifyStandIn.received = []
    NotifyStandIn.refuse = set()
    server = ThreadingHTTPServer(("127.0.0.1", 0), NotifyStandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = "surveys.mail.NotifyEmailBackend"
    settings.NOTIFY_API_KEY = f"collab_test-{SERVICE_ID}-{SECRET}"
    settings.NOTIFY_EMAIL_TEMPLATE_ID = TEMPLATE_ID
    settings.NOTIFY_BASE_URL = f"http://127.0.0.1:{server.server_address[1]}"
    settings.NOTIFY_REPLY_TO_IDS = json.dumps({"consult@riverside.example": "reply-id-1"})
    yield NotifyStandIn
    server.shutdown()
    server.server_close()
    thread.join()


def test_an_invitation_goes_through_notify_with_a_working_code(
    notify, survey, django_capture_on_commit_callbacks
):
    survey.council.email_reply_to = "consult@riverside.example"
    survey.council.save()
    invitations.invitees_import(survey=survey, text=HEADER + "Ann,ann@example.org,,north\n")

    with django_capture_on_commit_callbacks(execute=True):
        invitations.invitations_queue(survey=survey)

    [sent] = notify.received
    assert sent["email_address"] == "ann@example.org"
    assert sent["template_id"] == TEMPLATE_ID
    assert sent["email_reply_to_id"] == "reply-id-1"
    assert survey.title in sent["personalisation"]["subject"]
    code = _code_in(sent["personalisation"]["body"])
    assert code_open(code=code).invitation_id == Invitee.objects.get().invitation_id
    assert Invitee.objects.get().status == Invitee.Status.SENT


def test_an_address_notify_refuses_is_recorded_on_the_invitee(notify, survey):
    notify.refuse = {"bad@example.org"}
    invitations.invitees_import(survey=survey, text=HEADER + "Bo,bad@example.org,,north\n")
    invitee = Invitee.objects.get()

    assert invitations.invitation_emails_send(invitee_ids=[invitee.pk]) == [invitee.pk]

    invitee.refresh_from_db()
    assert invitee.status == Invitee.Status.QUEUED
    assert "Not a valid email address" in invitee.last_error


# ---------------------------------------------------------------------------------------------
# SMTP


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages: list = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append((envelope.rcpt_tos, envelope.original_content))
            return "250 OK"

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(), enable_SMTPUTF8=True)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "surveys@collab.example"
    yield inbox
    controller.stop()


def test_an_invitation_goes_through_smtp_from_the_councils_sender(
    smtp, survey, django_capture_on_commit_callbacks
):
    survey.council.email_sender_name = "Riverside Consultation Team"
    survey.council.email_reply_to = "consult@riverside.example"
    survey.council.save()
    invitations.invitees_import(survey=survey, text=HEADER + "Ann,ann@example.org,,north\n")

    with django_capture_on_commit_callbacks(execute=True):
        invitations.invitations_queue(survey=survey)

    [(recipients, raw)] = smtp.messages
    message = message_from_bytes(raw, policy=policy.default)
    assert recipients == ["ann@example.org"]
    assert message["From"] == "Riverside Consultation Team <surveys@collab.example>"
    assert message["Reply-To"] == "consult@riverside.example"
    code = _code_in(message.get_content())
    assert code_open(code=code).invitation_id == Invitee.objects.get().invitation_id


def test_a_refused_smtp_connection_is_recorded_and_retried(settings, survey):
    port = _free_port()  # nobody listens on it
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    invitations.invitees_import(survey=survey, text=HEADER + "Ann,ann@example.org,,north\n")
    invitee = Invitee.objects.get()

    assert invitations.invitation_emails_send(invitee_ids=[invitee.pk]) == [invitee.pk]
    invitee.refresh_from_db()
    assert "ConnectionRefusedError" in invitee.last_error
