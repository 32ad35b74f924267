"""The scheduled jobs, one list for every way they run.

CELERY_BEAT_SCHEDULE (collab/settings.py) names each job's task and how often it runs:

- with a broker, ``celery -A collab beat`` queues them for the workers (README);
- with none (the demo's default), ``runserver`` starts one daemon thread per process that runs
  each job in-process when its interval has passed (``maybe_start``), unless
  SCHEDULE_IN_PROCESS is off;
- at any time, ``manage.py run_scheduled_jobs`` runs every job once (cron can call it), and
  each job has its own command too (close_due_surveys, apply_retention,
  send_scheduled_reminders, tidy_exports).

Every job is safe to run at any interval and twice at once: each claims its work with a
conditional UPDATE or finds nothing left to do.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from django.conf import settings

logger = logging.getLogger("collab.schedule")

# How often the in-process thread looks for jobs whose interval has passed.
TICK_SECONDS = 30.0

_lock = threading.Lock()
_started = False


def jobs() -> dict[str, tuple[str, float]]:
    """Job name -> (Celery task name, interval in seconds)."""
    return {
        name: (entry["task"], float(entry["schedule"]))
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
    }


def job_run(name: str):
    """Run one job now, in this process, and return what its task returned. The task runs
    across council scopes (collab.celery.PlatformTask), as under a worker."""
    from collab.celery import app

    task_name, _ = jobs()[name]
    if task_name not in app.tasks:
        app.loader.import_default_modules()  # the apps' tasks modules, as a worker loads them
    return app.tasks[task_name]()


def jobs_run_due(last_run: dict[str, float], *, now: float, run: Callable = job_run) -> list[str]:
    """Run the jobs whose interval has passed since their last run (every job on the first
    call); ``last_run`` is updated. A job that fails is logged and tried at its next turn."""
    ran = []
    for name, (_, interval) in jobs().items():
        if name in last_run and now - last_run[name] < interval:
            continue
        last_run[name] = now
        try:
            run(name)
        except Exception:  # one job's failure must not stop the others, nor the thread
            logger.exception("Scheduled job %s failed", name)
        ran.append(name)
    return ran


def in_process_wanted(argv: list[str], environ=os.environ) -> bool:
    """True in the process that serves ``runserver`` requests when jobs run in-process: not
    in the autoreloader's watching parent, not in tests, not with a broker (beat's work)."""
    if not getattr(settings, "SCHEDULE_IN_PROCESS", False):
        return False
    if len(argv) < 2 or argv[1] != "runserver":
        return False
    return environ.get("RUN_MAIN") == "true" or "--noreload" in argv


def _loop() -> None:
    from django.db import close_old_connections

    last_run: dict[str, float] = {}
    while True:
        try:
            jobs_run_due(last_run, now=time.monotonic())
        finally:
            # The thread's own connections, as a request's are closed when it ends.
            close_old_connections()
        time.sleep(TICK_SECONDS)


def start(target: Callable[[], None] = _loop) -> bool:
    """Start the scheduling thread once per process; False when it was already started."""
    global _started
    with _lock:
        if _started:
            return False
        _started = True
    threading.Thread(target=target, name="collab-scheduled-jobs", daemon=True).start()
    logger.info("Scheduled jobs run in this process every %s seconds", TICK_SECONDS)
    return True


def maybe_start(argv: list[str]) -> bool:
    return in_process_wanted(argv) and start()
