"""Check every verdict on the demo survey against the interval printed beside it.

Every selection the report offers, each filter alone and every pair of two (way of answering,
area, group of residents), weighted and unweighted: counts the figures tested, those called
significant (after the survey's adjustment, and one by one), any called significant while the
national figure lies inside the local interval, and what the Wald test that Collab used before
would have said on the same rows. From the repository root, on a database of its own:

    export DATABASE_URL=sqlite:////tmp/verdict-audit.sqlite3 CELERY_BROKER_URL=
    .venv/bin/python manage.py migrate -v0
    .venv/bin/python manage.py demo_setup --responses 400
    .venv/bin/python manage.py shell < scripts/verdict_audit.py

The figures it printed are in docs/statistics.md ("Checked on the demo").
"""

import itertools
import math

from django_scopes import scopes_disabled

from officers.forms import subgroup_choices
from results import stats
from results.comparison import survey_compare
from results.errors import ResultsError
from results.selectors import ResponseFilters
from surveys.models import Area, Response, Survey


def wald_p(p1: float, n1: float, p2: float, n2: float) -> float:
    se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    if se == 0:
        return 1.0 if p1 == p2 else 0.0
    return math.erfc(abs((p1 - p2) / se) / math.sqrt(2))


with scopes_disabled():
    survey = Survey.objects.get(slug="demo-2014")
    modes = [None, *Response.Mode.values]
    areas = [
        None,
        *Area.objects.filter(council_id=survey.council_id).values_list("code", flat=True),
    ]
    groups = [None, *[value for _, options in subgroup_choices(survey) for value, _ in options]]
    combinations = [
        (weighted, mode, area, group)
        for weighted, mode, area, group in itertools.product((False, True), modes, areas, groups)
        if sum(x is not None for x in (mode, area, group)) <= 2
    ]
    totals = dict.fromkeys(
        ["selections", "figures", "tested", "too_few", "significant", "significant_one_by_one",
         "contradicting_interval", "wald_significant", "wald_contradicting_interval"],
        0,
    )  # fmt: skip
    for weighted, mode, area, group in combinations:
        filters = ResponseFilters(
            mode=mode, area=area, subgroups=(tuple(group.split(":", 1)),) if group else ()
        )
        try:
            comparison = survey_compare(survey=survey, weighted=weighted, filters=filters)
        except ResultsError:
            continue  # nobody in this selection
        totals["selections"] += 1
        for row in comparison.rows:
            if row.local_percent is None or row.national_percent is None:
                continue
            totals["figures"] += 1
            inside = row.ci_low <= row.national_percent <= row.ci_high
            totals["too_few"] += row.verdict == stats.TOO_FEW_TO_TEST
            if row.tested:
                totals["tested"] += 1
                totals["significant"] += row.verdict.startswith("significantly")
                if row.unadjusted_verdict.startswith("significantly"):
                    totals["significant_one_by_one"] += 1
                    totals["contradicting_interval"] += inside
            if row.national_base and row.national_exact and row.subgroup == "all adults":
                p = wald_p(
                    row.local_percent / 100,
                    row.effective_base,
                    row.national_percent / 100,
                    row.national_base,
                )
                if p < 0.05:
                    totals["wald_significant"] += 1
                    totals["wald_contradicting_interval"] += inside
    print(f"{len(combinations)} selections offered")
    for name, value in totals.items():
        print(f"  {name}: {value}")
