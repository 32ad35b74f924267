"""Background work for officers. Tasks take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from officers.services import export_build, exports_tidy, report_refresh


@shared_task(name="officers.build_export", acks_late=True)
def build_export(export_id: int) -> str:
    return export_build(export_id=export_id).status


@shared_task(name="officers.refresh_report", acks_late=True)
def refresh_report(survey_id: int) -> int:
    return len(report_refresh(survey_id=survey_id))


@shared_task(name="officers.tidy_exports")
def tidy_exports() -> int:
    """Run hourly by Celery beat (collab/settings.py): export files no record points to are
    removed, and exports left by a lost worker are queued again."""
    return exports_tidy().files_removed
