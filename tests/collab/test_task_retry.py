"""A task cut off by the database going away is tried again rather than lost
(collab/celery.py). Run in-process with the call-stack protection a worker installs, since
PlatformTask overrides __call__ (without it, Celery takes the task for one called directly and
raises the error instead of retrying). The retry through a real worker and a restarted
PostgreSQL is in deploy/scaleout.py --faults."""

from __future__ import annotations

from unittest import mock

import pytest
from celery.app.trace import _install_stack_protection, reset_worker_optimizations
from celery.exceptions import Retry
from django.db import InterfaceError, OperationalError

from collab.celery import app
from officers.tasks import refresh_report

RESTARTING = OperationalError("terminating connection due to administrator command")


@pytest.fixture(autouse=True)
def _as_in_a_worker():
    _install_stack_protection()
    yield
    reset_worker_optimizations(app)


def test_task_cut_off_by_the_database_is_queued_again():
    with (
        mock.patch("officers.tasks.report_refresh", side_effect=RESTARTING) as run,
        # Retry: the worker queues the task again (a few seconds later) and acknowledges
        # this delivery, instead of recording a failure.
        pytest.raises(Retry) as retry,
    ):
        refresh_report.apply(args=[1])

    assert run.call_count == 1
    assert retry.value.exc is RESTARTING
    assert 0 <= retry.value.when <= refresh_report.retry_backoff
    assert refresh_report.autoretry_for == (OperationalError, InterfaceError)


def test_other_errors_are_not_retried():
    with (
        mock.patch("officers.tasks.report_refresh", side_effect=ValueError("a bug")) as run,
        pytest.raises(ValueError),
    ):
        refresh_report.apply(args=[1])

    assert run.call_count == 1
