"""Writes for officers: asking for an export, and building it (run by a Celery task).

Every export is recorded (who, when, what), whatever happens to it afterwards.
"""

from __future__ import annotations

import logging

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from officers import exports
from officers.errors import OfficerError
from officers.models import Export
from results.errors import ResultsError
from surveys.audit import audit_log
from surveys.models import Survey

logger = logging.getLogger(__name__)


def export_create(*, survey: Survey, user: AbstractBaseUser, kind: str, weighted: bool) -> Export:
    """Record an export and queue it to be built once the record is committed."""
    if kind not in Export.Kind.values:
        raise OfficerError(f"'{kind}' is not a format Collab can export.")
    from officers.tasks import build_export

    with transaction.atomic():
        export = Export.objects.create(survey=survey, created_by=user, kind=kind, weighted=weighted)
        audit_log(actor=user, action="export.requested", survey=survey, export=export.pk, kind=kind)
        # After commit: a worker that picked the id up earlier would not find the row.
        transaction.on_commit(lambda: build_export.delay(export.pk))
    return export


def export_downloaded(*, export: Export, user: AbstractBaseUser) -> None:
    """Downloads are recorded too: a file of answers can leave the building with them."""
    audit_log(
        actor=user,
        action="export.downloaded",
        survey=export.survey,
        export=export.pk,
        kind=export.kind,
    )


def export_progress(*, export_id: int, percent: int) -> None:
    Export.objects.filter(pk=export_id, status=Export.Status.RUNNING).update(
        progress=max(1, min(percent, 99))
    )


def export_build(*, export_id: int) -> Export:
    """Build an export's file. Safe to run twice: a finished export is left as it is, and a
    run that was cut off (a worker lost mid-build) is started again from the beginning."""
    claimed = Export.objects.filter(
        pk=export_id, status__in=[Export.Status.QUEUED, Export.Status.RUNNING]
    ).update(status=Export.Status.RUNNING, progress=1)
    export = Export.objects.select_related("survey__council", "survey__questionnaire").get(
        pk=export_id
    )
    if not claimed:
        return export
    try:
        content = exports.export_content(
            export=export,
            progress=lambda percent: export_progress(export_id=export_id, percent=percent),
        )
    except (ResultsError, OfficerError) as error:
        return _export_failed(export, str(error))
    except Exception:
        # The officer sees that it failed; the traceback goes to the log for the developers.
        logger.exception("Export %s failed", export_id)
        _export_failed(export, "Something went wrong while building this export. Try again.")
        raise
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    export.file.save(
        f"{export.survey.slug}-{stamp}.{export.extension}", ContentFile(content), save=False
    )
    export.status = Export.Status.READY
    export.progress = 100
    export.finished_at = timezone.now()
    export.message = ""
    export.save(update_fields=["file", "status", "progress", "finished_at", "message"])
    return export


def _export_failed(export: Export, message: str) -> Export:
    export.status = Export.Status.FAILED
    export.message = message
    export.finished_at = timezone.now()
    export.save(update_fields=["status", "message", "finished_at"])
    return export
