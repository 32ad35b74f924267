"""Background work for results. Tasks take ids and call a service; running one twice is safe
because a weighting run recomputes every weight from the targets and the responses, and a run
that changes nothing (the task delivered again after it finished) records nothing."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache

from results.services import survey_reweight, surveys_reweight_stale


@shared_task(name="results.reweight_survey", acks_late=True)
def reweight_survey(survey_id: int) -> str:
    # Clear the debounce key first: a response saved while this runs queues the next run.
    cache.delete(f"results:reweight-queued:{survey_id}")
    run = survey_reweight(survey_id=survey_id)
    if run.status == run.Status.OK:
        # Officers' report figures follow the new weights (officers.refresh_report). Sent even
        # when the run changed nothing: the worker that did the work may have died before
        # sending it, and a refresh finds what is already cached and leaves it.
        from results.signals import report_stale_announce

        report_stale_announce(survey_id=survey_id, committed=True)
    return run.status


@shared_task(name="results.reweight_stale_surveys")
def reweight_stale_surveys() -> int:
    """Run by Celery beat: weighting that could not be queued (broker down) catches up."""
    return len(surveys_reweight_stale())
