"""Queue the reminder e-mails officers scheduled whose time has come (a scheduled job:
collab/schedule.py).

    python manage.py send_scheduled_reminders

Safe to run at any interval and twice at once: each scheduled reminder is sent once, and one
due after its survey closed sends nothing.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from surveys.invitations import reminders_send_due
from surveys.tenancy import across_councils


class Command(BaseCommand):
    help = "Send the scheduled reminders whose time has come."

    @across_councils
    def handle(self, *args, **options) -> None:
        queued = reminders_send_due()
        self.stdout.write(f"{queued} reminder e-mail{'s' if queued != 1 else ''} queued.")
