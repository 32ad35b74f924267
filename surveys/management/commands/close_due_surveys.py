"""Close every live survey whose closing time has passed (a scheduled job: collab/schedule.py).

    python manage.py close_due_surveys

Safe to run at any interval: a survey already closed is neither closed nor audited again.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from surveys.lifecycle import surveys_close_due
from surveys.tenancy import across_councils


class Command(BaseCommand):
    help = "Close the live surveys whose closing time has passed."

    @across_councils
    def handle(self, *args, **options) -> None:
        closed = surveys_close_due()
        self.stdout.write(f"{closed} survey{'s' if closed != 1 else ''} closed.")
