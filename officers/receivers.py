"""What officers does when results announces stale figures (connected in OfficersConfig.ready)."""

from __future__ import annotations


def report_stale(sender, *, survey_id: int, committed: bool, **kwargs) -> None:
    # Looked up on the module each time: the load profile replaces report_refresh_send.
    from officers import services

    if committed:
        services.report_refresh_send(survey_id=survey_id)
    else:
        services.report_refresh_queue(survey_id=survey_id)
