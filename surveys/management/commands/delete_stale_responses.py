"""Delete unfinished responses nobody has touched for a while (the Celery beat job
surveys.delete_stale_in_progress runs the same daily).

    python manage.py delete_stale_responses
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from surveys.lifecycle import responses_in_progress_delete_stale
from surveys.tenancy import across_councils


class Command(BaseCommand):
    help = (
        "Delete in-progress responses untouched for their survey's in_progress_days "
        "(or IN_PROGRESS_RESPONSE_DAYS)."
    )

    @across_councils
    def handle(self, *args, **options) -> None:
        count = responses_in_progress_delete_stale()
        self.stdout.write(self.style.SUCCESS(f"Deleted {count} unfinished responses."))
