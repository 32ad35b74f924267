"""What the surveys app announces, for the apps above it to act on (dependencies point one way:
officers -> results -> surveys, so surveys never imports them).

Receivers, in one visible list:
- ``responses_erasing``: officers.apps connects officers.services.exports_erase_for, which
  deletes every export file holding the responses.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the erasure's transaction, before the responses are deleted, with
# ``response_ids`` (list of ints) and ``survey``. A receiver that raises undoes the erasure.
responses_erasing = Signal()
