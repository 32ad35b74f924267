"""A file of 10,000 paper responses imported by the real worker, with its progress on the
officer's page, and undone. Skipped on the SQLite default; .ci/run's second pass runs it."""

from __future__ import annotations

import datetime as dt
import random
import time

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from surveys.imports import responses_csv
from surveys.management.commands.demo_setup import answers_draw
from surveys.models import Answer, Area, Council, Membership, Response, ResponseImport, Survey
from surveys.services import spec_for

ROWS = 10_000
WAIT_SECONDS = 600


def _file(survey) -> str:
    spec = spec_for(survey)
    rng = random.Random(13)
    drafts = []
    for _ in range(ROWS):
        arm = rng.choice("AB")
        drafts.append((arm, {**answers_draw(spec, arm, rng), "AREA": "north"}))
    lines = responses_csv(spec=spec, drafts=drafts).splitlines()
    lines[0] += ",REF"
    for n in range(1, len(lines)):
        lines[n] += f",form-{n}"
    return "\n".join(lines) + "\n"


def _finished(batch_id: int) -> ResponseImport:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        batch = ResponseImport.objects.get(pk=batch_id)
        if batch.finished:
            return batch
        time.sleep(0.5)
    raise AssertionError(f"the import did not finish within {WAIT_SECONDS} seconds")


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_the_worker_imports_10000_rows_with_progress_and_the_officer_undoes_it(
    celery_worker, questionnaire
):
    council = Council.objects.create(name="Import Borough", slug="import-borough")
    Area.objects.create(council=council, code="north", name="North")
    survey = Survey.objects.create(
        council=council,
        questionnaire=questionnaire,
        title="Your views of public services",
        slug="import-2026",
        status=Survey.Status.LIVE,
        opens_at=timezone.now() - dt.timedelta(days=1),
        privacy_notice="Import Borough uses your answers to plan its services.",
        contact="surveys@import.example",
    )
    officer = User.objects.create_user("import-officer", password="x-not-used-1")
    Membership.objects.create(user=officer, council=council, role=Membership.Role.OFFICER)
    browser = Client()
    browser.force_login(officer)
    text = _file(survey)

    queued = browser.post(
        reverse("officers:responses_upload", args=[survey.slug]),
        {"file": SimpleUploadedFile("returns.csv", text.encode())},
    )

    # The request only queued it: the page shows the import under way, not its result.
    assert queued.status_code == 302
    batch = ResponseImport.objects.get()
    first = browser.get(queued.url).content.decode()
    assert f"of {ROWS:,}" in first
    done = _finished(batch.pk)
    assert done.status == ResponseImport.Status.DONE, done.problems
    page = browser.get(queued.url).content.decode()
    assert f"{ROWS:,} of {ROWS:,}" in page and "Undo this import" in page
    assert Response.objects.filter(survey=survey, import_batch=done).count() == ROWS
    assert Response.objects.filter(survey=survey).exclude(ref="").count() == ROWS

    # The same file again is refused, and nothing more is stored.
    again = browser.post(
        reverse("officers:responses_upload", args=[survey.slug]),
        {"file": SimpleUploadedFile("returns.csv", text.encode())},
    )
    refused = _finished(ResponseImport.objects.exclude(pk=batch.pk).get().pk)
    assert refused.status == ResponseImport.Status.REJECTED
    assert "already" in browser.get(again.url).content.decode()
    assert Response.objects.filter(survey=survey).count() == ROWS

    undone = browser.post(
        reverse("officers:responses_import_undo", args=[survey.slug, batch.pk]), {"confirm": "yes"}
    )
    assert undone.status_code == 302
    assert not Response.objects.filter(survey=survey).exists()
    assert not Answer.objects.filter(survey=survey).exists()
