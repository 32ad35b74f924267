"""Background work for surveys.

Tasks stay thin and safe to run twice. With no broker configured they run
in-process (see collab/settings.py), so nothing here needs a worker in development.
"""

from __future__ import annotations

from celery import shared_task


@shared_task
def survey_close_due() -> int:
    """Run every few minutes by Celery beat (collab/settings.py)."""
    from surveys.lifecycle import surveys_close_due

    return surveys_close_due()


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def send_invitation_emails(self, invitee_ids: list[int]) -> int:
    """Send one batch of invitation (or reminder) e-mails; a transport failure is retried
    later for the invitees it hit, up to the limit in surveys.invitations."""
    from surveys.invitations import invitation_emails_send

    retry = invitation_emails_send(invitee_ids=invitee_ids)
    # Without a worker (tasks run in-process) there is no later: try again now. The loop ends
    # because each invitee is marked failed after surveys.invitations.MAX_ATTEMPTS.
    while retry and self.request.is_eager:
        retry = invitation_emails_send(invitee_ids=retry)
    if retry:
        # Only the failures are retried; e-mails already sent are recorded and not resent.
        raise self.retry(args=[retry])
    return len(invitee_ids)


@shared_task
def apply_retention() -> dict[str, int]:
    """Delete invitees' and panel members' personal data past their survey's retention.
    Run daily by Celery beat (collab/settings.py)."""
    from surveys.lifecycle import survey_retention_apply

    return survey_retention_apply()


@shared_task
def send_scheduled_reminders() -> int:
    """Queue the reminders officers scheduled whose time has come; run every minute."""
    from surveys.invitations import reminders_send_due

    return reminders_send_due()


@shared_task(name="surveys.import_responses", acks_late=True)
def import_responses(import_id: int) -> str:
    """Import a file of paper responses queued by an officer (surveys.imports.import_queue)."""
    from surveys.imports import import_run

    return import_run(import_id=import_id).status


@shared_task(name="surveys.delete_stale_in_progress")
def delete_stale_in_progress() -> int:
    """Delete unfinished responses nobody has touched for the survey's in_progress_days (or
    IN_PROGRESS_RESPONSE_DAYS). Run daily by Celery beat; also `manage.py
    delete_stale_responses`."""
    from surveys.lifecycle import responses_in_progress_delete_stale

    return responses_in_progress_delete_stale()
