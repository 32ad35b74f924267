"""Background work for officers. Tasks take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from officers.models import Export
from officers.services import export_build, export_lease_left, exports_tidy, report_refresh


@shared_task(name="officers.build_export", bind=True, acks_late=True, max_retries=None)
def build_export(self, export_id: int) -> str:
    export = export_build(export_id=export_id)
    if export.status == Export.Status.RUNNING and not self.request.is_eager:
        # Another worker holds the lease (this is a second delivery). Look again once it would
        # run out: by then that worker has finished, or was lost and this builds the export.
        raise self.retry(countdown=export_lease_left(export=export))
    return export.status


@shared_task(name="officers.refresh_report", acks_late=True)
def refresh_report(survey_id: int) -> int:
    return len(report_refresh(survey_id=survey_id))


@shared_task(name="officers.tidy_exports")
def tidy_exports() -> int:
    """Run hourly by Celery beat (collab/settings.py): export files no record points to are
    removed, and exports left by a lost worker are queued again."""
    return exports_tidy().files_removed
