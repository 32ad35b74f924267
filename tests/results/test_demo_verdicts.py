"""On the demo survey, every selection the report offers (each way of answering, each area,
each group of residents, and each way of answering within each area), weighted and
unweighted: no figure is called significant while the national figure lies inside the local
interval printed beside it, and no figure on an effective base below 30 gets a verdict."""

from __future__ import annotations

import io
import itertools

import pytest
from django.core.management import call_command

from officers.forms import subgroup_choices
from results.comparison import survey_compare
from results.errors import ResultsError
from results.selectors import ResponseFilters, SelectionTooSmall
from results.services import survey_reweight
from surveys.models import Area, Response, Survey

pytestmark = pytest.mark.django_db

SIGNIFICANT = ("significantly higher", "significantly lower")


def _selections(survey: Survey, *, pairs: bool) -> list[ResponseFilters]:
    modes = list(Response.Mode.values)
    areas = list(Area.objects.filter(council_id=survey.council_id).values_list("code", flat=True))
    groups = [value for _, options in subgroup_choices(survey) for value, _ in options]
    return [
        ResponseFilters(),
        *(ResponseFilters(mode=m) for m in modes),
        *(ResponseFilters(area=a) for a in areas),
        *(ResponseFilters(subgroups=(tuple(g.split(":", 1)),)) for g in groups),
        *(ResponseFilters(mode=m, area=a) for m, a in itertools.product(modes, areas) if pairs),
    ]


def test_no_verdict_contradicts_the_interval_shown_on_any_demo_selection():
    call_command("demo_setup", responses=400, stdout=io.StringIO())
    survey = Survey.objects.get(slug="demo-2014")
    # The demo queues its weighting for the Celery worker; here it runs in the test.
    assert survey_reweight(survey_id=survey.pk).status == "ok"
    checked = significant = weighted_rows = 0
    # Every selection unweighted, and each single filter weighted as well (a way of answering
    # within an area adds nothing the weighted path does not already meet).
    selections = [(False, f) for f in _selections(survey, pairs=True)]
    selections += [(True, f) for f in _selections(survey, pairs=False)]
    for weighted, filters in selections:
        try:
            comparison = survey_compare(survey=survey, weighted=weighted, filters=filters)
        except ResultsError as error:
            # Empty, or too small for the disclosure policy (results.disclosure) to show.
            assert "no complete responses" in str(error) or isinstance(error, SelectionTooSmall)
            continue  # nobody in this selection
        for row in comparison.rows:
            if row.local_percent is None or row.national_percent is None:
                continue
            inside = row.ci_low <= row.national_percent <= row.ci_high
            if row.verdict in SIGNIFICANT or row.unadjusted_verdict in SIGNIFICANT:
                assert not inside, (filters, row)
                significant += 1
            if row.effective_base < 30:
                assert not row.tested and row.verdict not in SIGNIFICANT, (filters, row)
            checked += 1
            weighted_rows += comparison.weighted
    assert checked > 1000 and weighted_rows > 400
    assert significant > 0  # the demo does differ from 2014 somewhere
