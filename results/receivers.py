"""What results does when surveys announces a change (connected in ResultsConfig.ready)."""

from __future__ import annotations


def responses_changed(sender, *, survey_id: int, **kwargs) -> None:
    from results.services import survey_responses_changed

    survey_responses_changed(survey_id=survey_id)
