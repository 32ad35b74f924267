"""E-mail backends beside Django's SMTP one: GOV.UK Notify, as many councils send e-mail.

Settings (collab/settings.py) choose the backend: ``EMAIL_BACKEND=notify`` with
``NOTIFY_API_KEY`` and ``NOTIFY_EMAIL_TEMPLATE_ID``. The Notify template is the usual
pass-through one, its subject ``((subject))`` and its body ``((body))``: the wording stays in
Collab (the council's own text or the default), so one Notify template serves every council.

Notify sends from its service's name and address, so a council's sender name applies to SMTP
only. A reply-to address must be one of the Notify service's, given to the API by its id:
``NOTIFY_REPLY_TO_IDS`` is a JSON object from address to id, and a message whose reply-to
(the council's ``email_reply_to``) is listed there is sent with that id.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

DEFAULT_NOTIFY_URL = "https://api.notifications.service.gov.uk"


class NotifyEmailBackend(BaseEmailBackend):
    """Sends each message's plain text through the GOV.UK Notify API, one request per
    recipient. A Notify error (an HTTPError, a refused address, a timeout) is raised unless
    fail_silently, so surveys.invitations records it on the invitee and retries."""

    def __init__(self, fail_silently: bool = False, **kwargs) -> None:
        super().__init__(fail_silently=fail_silently, **kwargs)
        self.api_key = settings.NOTIFY_API_KEY
        self.template_id = settings.NOTIFY_EMAIL_TEMPLATE_ID
        self.base_url = settings.NOTIFY_BASE_URL or DEFAULT_NOTIFY_URL
        self.reply_to_ids: dict[str, str] = json.loads(settings.NOTIFY_REPLY_TO_IDS or "{}")
        self.client = None

    def open(self) -> bool:
        if self.client is not None:
            return False
        from notifications_python_client.notifications import NotificationsAPIClient

        if not self.api_key or not self.template_id:
            raise ValueError("GOV.UK Notify needs NOTIFY_API_KEY and NOTIFY_EMAIL_TEMPLATE_ID.")
        self.client = NotificationsAPIClient(self.api_key, base_url=self.base_url, timeout=30)
        return True

    def close(self) -> None:
        self.client = None

    def send_messages(self, email_messages) -> int:
        if not email_messages:
            return 0
        opened = False
        sent = 0
        try:
            opened = self.open()
            for message in email_messages:
                reply_to = next(
                    (self.reply_to_ids[a] for a in message.reply_to if a in self.reply_to_ids),
                    None,
                )
                for address in message.recipients():
                    self.client.send_email_notification(
                        email_address=address,
                        template_id=self.template_id,
                        personalisation={"subject": message.subject, "body": message.body},
                        email_reply_to_id=reply_to,
                    )
                sent += 1
        except Exception:
            if not self.fail_silently:
                raise
        finally:
            if opened:
                self.close()
        return sent
