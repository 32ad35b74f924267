"""Background work for officers. Tasks take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from officers.services import export_build


@shared_task(name="officers.build_export", acks_late=True)
def build_export(export_id: int) -> str:
    return export_build(export_id=export_id).status
