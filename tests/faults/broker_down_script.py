"""Run by test_broker_down.py in a process of its own, with CELERY_BROKER_URL pointing at a
port where nothing listens and DATABASE_URL at a fresh SQLite file: a resident submits
through the real write path, and the script prints what was stored, as JSON."""

from __future__ import annotations

import datetime as dt
import json
import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab.settings")
django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from collab.celery import app  # noqa: E402
from results.models import PopulationTarget  # noqa: E402
from surveys.models import Answer, Area, Council, Questionnaire, Response, Survey  # noqa: E402
from surveys.services import response_record  # noqa: E402
from surveys.tenancy import council_scope  # noqa: E402
from tests.surveys.conftest import ANSWERS_A  # noqa: E402

call_command("migrate", verbosity=0)
council = Council.objects.create(name="Broker Down Council", slug="broker-down")
Area.objects.create(council=council, code="south", name="South ward")
survey = Survey.objects.create(
    council=council,
    questionnaire=Questionnaire.objects.get(slug="collaborative-citizen-2014", version=1),
    title="Your views",
    slug="broker-down",
    status=Survey.Status.LIVE,
    opens_at=timezone.now() - dt.timedelta(days=1),
    privacy_notice="We use your answers to plan services.",
    contact="surveys@example.org",
)
PopulationTarget.objects.create(survey=survey, margin="SEX", category="female", share=1)

# As a resident's request would: in the scope of the survey's council.
with council_scope([council.pk]):
    started = time.monotonic()
    error = ""
    try:
        response = response_record(survey=survey, answers=ANSWERS_A, mode="online", split_arm="A")
    except Exception as e:  # the test reports it: a submission must not fail
        error = f"{type(e).__name__}: {e}"
    elapsed = time.monotonic() - started
    print(
        json.dumps(
            {
                "eager": app.conf.task_always_eager,
                "error": error,
                "complete": Response.objects.filter(status=Response.Status.COMPLETE).count(),
                "answers": Answer.objects.count(),
                "debounce_key_left": cache.get(f"results:reweight-queued:{survey.pk}") is not None,
                "seconds": round(elapsed, 2),
            }
        )
    )
