"""Remove export files no record points to and queue again exports a lost worker left (a
scheduled job: collab/schedule.py).

    python manage.py tidy_exports

Safe to run at any interval.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from officers.services import exports_tidy
from surveys.tenancy import across_councils


class Command(BaseCommand):
    help = "Tidy the export files and queue again exports left by a lost worker."

    @across_councils
    def handle(self, *args, **options) -> None:
        tidied = exports_tidy()
        self.stdout.write(f"{tidied.files_removed} export file(s) removed.")
