"""Keeping the report warm for surveys that are never weighted.

A survey with population targets is reweighted after each burst of responses, and the
reweighting task queues the report refresh (results/tasks.py). A survey without targets is never
reweighted: ``results.services.survey_responses_changed`` stops there, and it belongs to
results. Until that function queues the refresh itself, a response that becomes complete
queues it here. Nothing depends on this for correctness: the cache is keyed by the data
version, so a missed refresh only means the next page view computes the figures.
"""

from __future__ import annotations

from typing import Any

from results.models import PopulationTarget
from surveys.models import Response


def response_saved(sender: type[Response], instance: Response, **kwargs: Any) -> None:
    if instance.status != Response.Status.COMPLETE:
        return
    if PopulationTarget.objects.filter(survey_id=instance.survey_id).exists():
        return  # the reweighting queues the refresh once the new weights are in
    from officers.services import report_refresh_queue

    report_refresh_queue(survey_id=instance.survey_id)
