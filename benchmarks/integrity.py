"""What the public link's limits, the provenance and the flags add to a resident's submission.

Run from the repository root:

    .venv/bin/python benchmarks/integrity.py

A SQLite database of its own in a temporary folder, migrated once, and the local-memory cache.
Each questionnaire is a resident's whole journey through the Django test client, as a browser
makes it: the landing page, Start, every page of the 2014 questionnaire posted with valid
answers drawn as the demo draws them, and "Check your answers" sent. Journeys run in blocks,
alternating "without" (the integrity work replaced by no-ops: no limits counted, no
provenance recorded, no flags computed) and "with" (as shipped), so both see the same machine
in one run. Every resident comes from an address of its own, so no limit refuses them and
few flags are raised: the cost measured is the checking, which every resident pays.
Prints a Markdown section for docs/benchmarks.md ("## Integrity of responses").
"""

from __future__ import annotations

import os
import platform
import random
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
TMP = tempfile.mkdtemp(prefix="collab-integrity-bench-")
os.environ["DATABASE_URL"] = f"sqlite:///{TMP}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab.settings")
os.environ.pop("CELERY_BROKER_URL", None)
os.environ.pop("REDIS_URL", None)

import django  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from surveys import integrity, services  # noqa: E402
from surveys.management.commands.demo_setup import answers_draw  # noqa: E402
from surveys.models import Area, Council, Questionnaire, Response, Survey  # noqa: E402

BLOCKS = 5
PER_BLOCK = 20


def survey_make() -> Survey:
    council = Council.objects.create(name="Benchmark Borough Council", slug="bench")
    for i, name in enumerate(["Abbey", "Brookside", "Castle", "Dockside", "Eastfield"]):
        Area.objects.create(council=council, code=name.lower(), name=name, position=i)
    return Survey.objects.create(
        council=council,
        questionnaire=Questionnaire.objects.get(slug="collaborative-citizen-2014", version=1),
        title="Benchmark",
        slug="bench",
        status=Survey.Status.LIVE,
        opens_at=timezone.now() - timezone.timedelta(days=1),
        privacy_notice="Benchmark.",
        contact="bench@example.org",
    )


@contextmanager
def integrity_off():
    """The journey as it was before: nothing counted, recorded or flagged."""
    saved = {
        name: getattr(integrity, name)
        for name in (
            "client_of",
            "client_over_limit",
            "client_count",
            "source_record_start",
            "source_record_page",
            "flags_for_submission",
        )
    }
    integrity.client_of = lambda request: None
    integrity.client_over_limit = lambda **kwargs: False
    integrity.client_count = lambda **kwargs: 0
    integrity.source_record_page = lambda **kwargs: None
    integrity.flags_for_submission = lambda **kwargs: []
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(integrity, name, value)


def post_data(answers: dict, codes: list[str]) -> dict:
    data: dict = {}
    for code in codes:
        value = answers.get(code)
        if isinstance(value, dict):
            data.update({f"{code}__{item}": option for item, option in value.items()})
        elif value is not None:
            data[code] = value
    return data


def journey(survey: Survey, spec, rng: random.Random, address: str) -> None:
    browser = Client(REMOTE_ADDR=address, HTTP_USER_AGENT="Mozilla/5.0 Firefox/128.0")
    browser.get(reverse("surveys:landing", args=[survey.slug]))
    start = browser.post(reverse("surveys:start", args=[survey.slug]))
    assert start.status_code == 302, start.status_code
    response = Response.objects.get(pk=browser.session["collab_responses"][survey.slug])
    answers = answers_draw(spec, response.split_arm, rng)
    for page in spec.pages:
        posted = browser.post(
            reverse("surveys:page", args=[survey.slug, page.position]),
            {"action": "continue", **post_data(answers, [q.code for q in page.questions])},
        )
        assert posted.status_code == 302, posted.content.decode()[:500]
    sent = browser.post(reverse("surveys:review", args=[survey.slug]))
    assert sent.status_code == 302, sent.status_code


def main() -> None:
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    call_command("migrate", verbosity=0)
    survey = survey_make()
    spec = services.spec_for(survey)
    rng = random.Random(2014)
    journey(survey, spec, rng, "192.0.2.1")  # warm up: templates, the spec cache
    cpu: dict[str, list[float]] = {"without": [], "with": []}
    n = 0
    for _ in range(BLOCKS):
        for label in ("without", "with"):
            context = integrity_off() if label == "without" else contextmanager(lambda: (yield))()
            with context:
                for _ in range(PER_BLOCK):
                    n += 1
                    address = f"10.{n // 250}.{n % 250}.1"  # a network of its own each
                    started = time.process_time()
                    journey(survey, spec, rng, address)
                    cpu[label].append(time.process_time() - started)
    before = statistics.median(cpu["without"]) * 1000
    after = statistics.median(cpu["with"]) * 1000
    print("## Integrity of responses\n")
    print(
        "CPU time of the server process for one resident's whole questionnaire through the "
        f"Django test client (landing, Start, {spec.page_count} pages, check and send), on SQLite "
        f"in-process; {BLOCKS * PER_BLOCK} questionnaires each way, in alternating blocks of "
        f"{PER_BLOCK}, in one run.\n"
    )
    print(f"- Without limits, provenance and flags: median **{before:.1f} ms** per questionnaire.")
    print(
        f"- With them (as shipped): median **{after:.1f} ms**: "
        f"{after - before:+.1f} ms ({(after - before) / before:+.1%})."
    )
    print(
        f"- Machine: {os.cpu_count()} cores ({platform.processor() or platform.machine()}), "
        f"Python {platform.python_version()}, Django {django.get_version()}; load average "
        f"{os.getloadavg()[0]:.1f} at the end."
    )
    print("- Reproduce: `.venv/bin/python benchmarks/integrity.py` from the repository root.")


if __name__ == "__main__":
    with scopes_disabled():  # a benchmark sets up and reads its own council's data
        main()
