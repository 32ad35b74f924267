"""A `celery worker` for test_worker_killed.py whose first reweighting stops half-way.

Test-only: before starting the worker this wraps results.services._weights_write so that
the first run writes its new weights (inside the run's transaction, not yet committed),
records its process id in $COLLAB_FAULT_DIR/started and waits there to be killed. Later
runs are the real thing. Prefork children are forked from this process, so they inherit
the wrapper; production code is untouched.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab.settings")
django.setup()

import results.services  # noqa: E402
from collab.celery import app  # noqa: E402

MARKER = Path(os.environ["COLLAB_FAULT_DIR"]) / "started"
_real_write = results.services._weights_write


def _write_then_hang(**kwargs) -> None:
    _real_write(**kwargs)
    if not MARKER.exists():
        MARKER.write_text(str(os.getpid()))
        time.sleep(120)  # killed here, in the middle of the task, its transaction open


results.services._weights_write = _write_then_hang

if __name__ == "__main__":
    app.worker_main(["worker", *sys.argv[1:]])
