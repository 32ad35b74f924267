"""What surveys announce to the apps above it.

Dependencies point one way (officers -> results -> surveys): surveys never imports the apps
that build on it. When a survey's complete responses change (a submission, a paper entry, an
import or its undoing, an erasure, a response voided or restored), the write path calls
``responses_changed_announce`` inside its transaction, and the apps above register what
follows in their ``AppConfig.ready``.

Every receiver, in one list (tests/collab/test_receivers.py checks it):

``surveys.signals.responses_changed``
    - ``results.receivers.responses_changed``: reweight a survey that has population targets
      (queued after commit, debounced), or say its report figures are stale.

``surveys.signals.responses_erasing``
    - ``officers.apps._erase_exports``: delete every export file that holds the responses being
      erased (officers.services.exports_erase_for), and audit it.

``results.signals.report_stale`` (sent by results, received by officers)
    - ``officers.receivers.report_stale``: refresh the officers' report cache, after the
      current transaction commits, or now when the change is committed already (the
      reweighting task).
"""

from __future__ import annotations

from django.dispatch import Signal

# kwargs: survey_id (int). Sent inside the writer's transaction; receivers defer their work
# with transaction.on_commit, so a rolled-back write triggers nothing.
responses_changed = Signal()


# kwargs: response_ids (list of ints) and survey. Sent inside the erasure's transaction, before
# the responses are deleted; a receiver that raises undoes the erasure.
responses_erasing = Signal()


def responses_changed_announce(*, survey_id: int) -> None:
    responses_changed.send(sender="surveys", survey_id=survey_id)


def receiver_names(signal: Signal) -> list[str]:
    """The dotted names of a signal's receivers, in the order they run (receivers are
    connected with weak=False, so each entry holds the function itself)."""
    return [f"{entry[1].__module__}.{entry[1].__qualname__}" for entry in signal.receivers]
