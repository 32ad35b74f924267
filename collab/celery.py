"""The Celery app.

With no CELERY_BROKER_URL set, settings make every task run in-process
(task_always_eager), so a newcomer needs no broker.
"""

import os

from celery import Celery, Task
from django.db import InterfaceError, OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab.settings")


class PlatformTask(Task):
    """Tasks act for the platform on the ids they are given (a survey, an export), found by
    the services they call, so they run across council scopes (surveys.tenancy); an in-process
    task run inside a request gets the request's scope back when it returns.

    A task cut off by the database going away (a restart, a failover: the connection it held
    is dropped) is tried again, a few seconds later and then less often, rather than lost:
    every task is safe to run twice (README, "PostgreSQL, Redis and Celery")."""

    autoretry_for = (OperationalError, InterfaceError)
    retry_backoff = 2
    retry_backoff_max = 60
    retry_jitter = True

    def __call__(self, *args, **kwargs):
        from surveys.tenancy import all_councils

        with all_councils():
            return super().__call__(*args, **kwargs)


app = Celery("collab", task_cls=PlatformTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
