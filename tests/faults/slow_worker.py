"""A `celery worker` for test_worker_killed.py whose first reweighting, and first export
build, stop half-way.

Test-only: before starting the worker this wraps results.services._weights_write so that
the first run writes its new weights (inside the run's transaction, not yet committed),
records its process id in $COLLAB_FAULT_DIR/started and waits there to be killed. Likewise
officers.services._file_store: the first export build saves its file (under its attempt's
name, not yet recorded), records its process id in $COLLAB_FAULT_DIR/export-written and
waits. Later runs are the real thing. An export's lease lasts $COLLAB_FAULT_EXPORT_LEASE
seconds (renewed six times as often), so a test need not wait the minutes of production for
it to run out. Prefork
children are forked from this process, so they inherit the wrappers; production code is
untouched.

The worker keeps its record of tasks taken but not yet acknowledged under Redis keys of its
own, named by $COLLAB_FAULT_UNACKED. A worker hands back every task in that record older than
its visibility timeout; with the short timeout test_worker_killed.py sets, on the shared keys
it would hand back tasks that other test runs' workers on the same Redis are still running.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab.settings")
django.setup()

import datetime as dt  # noqa: E402

import officers.services  # noqa: E402
import results.services  # noqa: E402
from collab.celery import app  # noqa: E402

MARKER = Path(os.environ["COLLAB_FAULT_DIR"]) / "started"
EXPORT_MARKER = Path(os.environ["COLLAB_FAULT_DIR"]) / "export-written"
UNACKED = os.environ["COLLAB_FAULT_UNACKED"]
_real_write = results.services._weights_write


def _write_then_hang(**kwargs) -> int:
    changed = _real_write(**kwargs)
    if not MARKER.exists():
        MARKER.write_text(str(os.getpid()))
        time.sleep(120)  # killed here, in the middle of the task, its transaction open
    return changed


results.services._weights_write = _write_then_hang

_real_file_store = officers.services._file_store


def _file_store_then_hang(**kwargs) -> str:
    name = _real_file_store(**kwargs)
    if not EXPORT_MARKER.exists():
        EXPORT_MARKER.write_text(str(os.getpid()))
        time.sleep(120)  # killed here: the file is stored, its export not yet recorded
    return name


officers.services._file_store = _file_store_then_hang
if "COLLAB_FAULT_EXPORT_LEASE" in os.environ:
    lease = float(os.environ["COLLAB_FAULT_EXPORT_LEASE"])
    officers.services.EXPORT_LEASE = dt.timedelta(seconds=lease)
    officers.services.EXPORT_LEASE_RENEW = dt.timedelta(seconds=lease / 6)

if __name__ == "__main__":
    app.conf.broker_transport_options = {
        **app.conf.broker_transport_options,
        "unacked_key": UNACKED,
        "unacked_index_key": f"{UNACKED}_index",
        "unacked_mutex_key": f"{UNACKED}_mutex",
    }
    app.worker_main(["worker", *sys.argv[1:]])
