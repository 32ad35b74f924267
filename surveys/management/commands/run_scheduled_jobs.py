"""Run every scheduled job once, or the ones named (collab/schedule.py lists them).

    python manage.py run_scheduled_jobs                  # all of them
    python manage.py run_scheduled_jobs apply-retention  # just one

For an installation with no broker and no beat: call it from cron every few minutes. Every job
is safe to run at any interval.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from collab import schedule


class Command(BaseCommand):
    help = "Run the scheduled jobs once (all, or those named)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("jobs", nargs="*", help=f"any of: {', '.join(schedule.jobs())}")

    def handle(self, *args, jobs: list[str], **options) -> None:
        known = schedule.jobs()
        unknown = [name for name in jobs if name not in known]
        if unknown:
            raise CommandError(f"Unknown job {', '.join(unknown)}. Use: {', '.join(known)}.")
        for name in jobs or known:
            result = schedule.job_run(name)
            self.stdout.write(f"{name}: {result}")
