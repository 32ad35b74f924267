"""What results announces to officers (the receivers are listed in surveys/signals.py)."""

from __future__ import annotations

from django.dispatch import Signal

# kwargs: survey_id (int), committed (bool). The figures a report shows for this survey are out
# of date: committed=False inside the writer's transaction (act after it commits), True when
# the change is committed already (the reweighting task has written the new weights).
report_stale = Signal()


def report_stale_announce(*, survey_id: int, committed: bool) -> None:
    report_stale.send(sender="results", survey_id=survey_id, committed=committed)
