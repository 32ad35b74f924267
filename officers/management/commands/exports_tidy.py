"""Run the exports' clean-up now, as Celery beat does every hour (officers.tasks.tidy_exports):
files past the retention period are deleted, files no record points to are removed, and
exports whose worker was lost are queued again."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from officers.services import exports_tidy
from surveys.tenancy import across_councils


class Command(BaseCommand):
    help = "Delete expired export files and tidy up after lost export builds."

    @across_councils  # the clean-up covers every council's exports, as the hourly task does
    def handle(self, *args, **options) -> None:
        tidied = exports_tidy()
        self.stdout.write(
            f"{tidied.exports_expired} exports expired, {tidied.files_removed} stray files "
            f"removed, {tidied.exports_queued} exports queued again."
        )
