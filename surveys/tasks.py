"""Background work for surveys.

Tasks stay thin and safe to run twice. With no broker configured they run
in-process (see collab/settings.py), so nothing here needs a worker in development.
"""

from __future__ import annotations

from datetime import datetime

from celery import shared_task
from django.utils import timezone

from surveys.models import Survey


def surveys_close_due(*, now: datetime | None = None) -> int:
    """Close every live survey whose closing time has passed; returns how many closed.

    One conditional UPDATE: a survey closed by an officer in the meantime, or by a
    second run of this task, is simply not matched again.
    """
    now = now or timezone.now()
    return Survey.objects.filter(status=Survey.Status.LIVE, closes_at__lte=now).update(
        status=Survey.Status.CLOSED
    )


@shared_task
def survey_close_due() -> int:
    """Meant to be run every few minutes by Celery beat."""
    return surveys_close_due()
