"""spec_for keeps the spec of a frozen questionnaire per process (the load test's hot path):
it must still see a change of the council's areas, and never cache a draft survey's spec."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from surveys import services
from surveys.models import Area, Survey

pytestmark = pytest.mark.django_db


def _question_queries(survey) -> int:
    with CaptureQueriesContext(connection) as queries:
        services.spec_for(survey)
    return sum('"surveys_question"' in q["sql"] for q in queries.captured_queries)


def test_live_survey_spec_is_built_once_and_reused(survey):
    services._SPEC_CACHE.clear()
    first = services.spec_for(survey)

    assert _question_queries(survey) == 0
    assert services.spec_for(survey) is first


def test_a_new_area_shows_up_at_once(survey):
    services._SPEC_CACHE.clear()
    before = services.spec_for(survey).questions["AREA"]

    Area.objects.create(council=survey.council, code="west", name="West ward", position=9)

    after = services.spec_for(survey).questions["AREA"]
    assert "west" not in [o.code for o in before.options]
    assert "west" in [o.code for o in after.options]


def test_draft_survey_spec_is_never_cached(survey):
    services._SPEC_CACHE.clear()
    survey.status = Survey.Status.DRAFT
    survey.save()

    services.spec_for(survey)

    assert _question_queries(survey) > 0
    assert services._SPEC_CACHE == {}
