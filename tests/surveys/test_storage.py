"""How the responses table is laid out on PostgreSQL (docs/benchmarks.md, "Comparison engine")."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection

from surveys.models import Response

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="page layout and in-place updates are PostgreSQL's",
    ),
]


def _pages() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_relation_size('surveys_response') / current_setting('block_size')::int"
        )
        return cursor.fetchone()[0]


def test_rewriting_every_weight_keeps_the_responses_table_its_size(survey):
    # Reweighting rewrites every response's weight in one statement. With room left on each
    # page the new row versions stay on their page (no new index entries); with full pages
    # they would all move to new pages and the table would double.
    Response.objects.bulk_create(
        Response(survey=survey, split_arm="AB"[n % 2], status=Response.Status.COMPLETE)
        for n in range(1000)
    )
    before = _pages()
    assert before >= 5

    Response.objects.filter(survey=survey).update(weight=1.5)

    assert _pages() == before
