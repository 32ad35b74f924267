"""Delete invitees' and panel members' personal data past each survey's retention (a
scheduled job: collab/schedule.py; platform administrators also have "Run now" in /admin/).

    python manage.py apply_retention

Safe to run at any interval: a second run finds nothing left to delete.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from surveys.lifecycle import survey_retention_apply
from surveys.tenancy import across_councils


class Command(BaseCommand):
    help = "Delete personal data of surveys closed for longer than their retention."

    @across_councils
    def handle(self, *args, **options) -> None:
        deleted = survey_retention_apply()
        self.stdout.write(
            f"Personal data deleted for {deleted['surveys']} survey(s): "
            f"{deleted['invitees']} invitee(s), {deleted['panel_members']} panel member(s)."
        )
