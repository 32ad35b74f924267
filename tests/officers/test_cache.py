"""The report and the dashboard are served from the cache, keyed by a version of the survey's
data that any new response changes, and kept warm by officers.refresh_report."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.cache import cache
from django.urls import reverse

from officers import report as report_module
from officers import selectors as selectors_module
from officers.cache import is_cached, survey_data_version
from officers.report import report_build, report_key
from officers.selectors import dashboard_key
from officers.tasks import refresh_report
from results.comparison import survey_compare
from results.models import PopulationTarget
from results.selectors import ResponseFilters
from results.services import survey_reweight
from results.tasks import reweight_survey
from surveys.audit import audit_log
from surveys.erasure import response_erase
from surveys.models import Response
from surveys.services import response_record, response_save_for_later, responses_record_bulk
from tests.surveys.conftest import answers_for


def _counting(target, name: str):
    """Patch ``target.name`` with a wrapper that still calls it and counts the calls."""
    return mock.patch.object(target, name, side_effect=getattr(target, name))


def test_second_render_of_the_report_runs_no_comparison(
    officer_client, seeded, django_assert_max_num_queries
):
    url = reverse("officers:report", args=[seeded.slug])
    with _counting(report_module, "survey_compare") as compare:
        first = officer_client.get(url)
        assert first.status_code == 200 and compare.call_count == 1

        # Session, user, survey, weighting run, the filter form's three lists of choices, its
        # periods (one GROUP BY of responses by day) and the data version: nothing that reads
        # an answer.
        with django_assert_max_num_queries(10) as queries:  # 10: the roles of the officer
            second = officer_client.get(url)
        assert not [q for q in queries.captured_queries if "surveys_answer" in q["sql"]]

    assert compare.call_count == 1
    assert second.context["report"] == first.context["report"]


def test_filtered_views_and_breakdowns_are_cached_separately(officer_client, seeded, settings):
    settings.DISCLOSURE_THRESHOLD = 1  # the seeded paper responses are few
    url = reverse("officers:report", args=[seeded.slug])
    with _counting(report_module, "report_build") as build:
        officer_client.get(url)
        officer_client.get(url, {"mode": "paper"})
        officer_client.get(url, {"breakdown": "AGE"})
        officer_client.get(url, {"mode": "paper"})
        officer_client.get(url, {"breakdown": "AGE"})

    assert build.call_count == 3
    paper = officer_client.get(url, {"mode": "paper"}).context["report"]
    assert paper.comparison.filters == ResponseFilters(mode="paper")


def test_a_new_response_changes_the_version_and_the_figures(officer_client, seeded):
    url = reverse("officers:report", args=[seeded.slug])
    before = survey_data_version(survey_id=seeded.pk)
    assert "60 complete responses" in officer_client.get(url).content.decode()

    response_record(
        survey=seeded, answers={**answers_for("A"), "AREA": "north"}, mode="online", split_arm="A"
    )

    assert survey_data_version(survey_id=seeded.pk) != before
    page = officer_client.get(url)
    assert "61 complete responses" in page.content.decode()
    assert page.context["report"].comparison.respondents == 61


def test_reweighting_changes_the_version(seeded):
    before = survey_data_version(survey_id=seeded.pk)

    survey_reweight(survey_id=seeded.pk)

    assert survey_data_version(survey_id=seeded.pk) != before


def test_the_dashboard_counts_are_cached_but_drafts_are_counted_live(officer_client, seeded):
    url = reverse("officers:dashboard", args=[seeded.slug])
    with _counting(selectors_module, "survey_complete_figures") as figures:
        assert officer_client.get(url).context["board"].in_progress == 0
        Response.objects.create(survey=seeded, split_arm="A", furthest_page=2)
        board = officer_client.get(url).context["board"]

    assert figures.call_count == 1
    assert board.complete == 60 and board.in_progress == 1


@pytest.fixture
def prewarm(settings):
    """Reports computed into the cache after each change, as with a Celery worker."""
    settings.OFFICER_REPORT_PREWARM = True


def test_refresh_task_fills_the_cache_with_the_default_views(officer_client, seeded):
    version = survey_data_version(survey_id=seeded.pk)
    key = report_key(survey=seeded, version=version, filters=ResponseFilters(), weighted=False)
    assert not is_cached(key)

    refresh_report.delay(seeded.pk)

    assert is_cached(key)
    assert is_cached(dashboard_key(survey=seeded, version=version))
    with _counting(report_module, "report_build") as build:
        page = officer_client.get(reverse("officers:report", args=[seeded.slug]))
    assert build.call_count == 0
    assert page.context["report"].comparison.respondents == 60
    assert refresh_report(seeded.pk) == 0, "a second run finds everything cached"


def test_reweighting_queues_the_refresh_of_the_weighted_report(
    seeded, django_capture_on_commit_callbacks, prewarm
):
    for sex in ("male", "female"):
        PopulationTarget.objects.create(survey=seeded, margin="SEX", category=sex, share=0.5)

    with django_capture_on_commit_callbacks(execute=True):
        assert reweight_survey(seeded.pk) == "ok"

    version = survey_data_version(survey_id=seeded.pk)
    for weighted in (True, False):
        key = report_key(
            survey=seeded, version=version, filters=ResponseFilters(), weighted=weighted
        )
        assert is_cached(key), f"weighted={weighted} not refreshed"


def test_a_response_to_a_survey_without_targets_queues_the_refresh(
    seeded, django_capture_on_commit_callbacks, prewarm
):
    with django_capture_on_commit_callbacks(execute=True):
        response_record(
            survey=seeded,
            answers={**answers_for("B"), "AREA": "south"},
            mode="online",
            split_arm="B",
        )

    version = survey_data_version(survey_id=seeded.pk)
    key = report_key(survey=seeded, version=version, filters=ResponseFilters(), weighted=False)
    assert is_cached(key)
    assert cache.get(key).comparison.respondents == 61


def _refreshed_report(survey):
    """The unweighted report with no filters, if the cache holds it for the current data."""
    version = survey_data_version(survey_id=survey.pk)
    return cache.get(
        report_key(survey=survey, version=version, filters=ResponseFilters(), weighted=False)
    )


def test_a_paper_import_to_a_survey_without_targets_queues_the_refresh(
    seeded, django_capture_on_commit_callbacks, prewarm
):
    drafts = [("paper", "A", {**answers_for("A"), "AREA": "east"})] * 3
    with django_capture_on_commit_callbacks(execute=True):
        responses_record_bulk(survey=seeded, drafts=drafts)

    report = _refreshed_report(seeded)
    assert report is not None and report.comparison.respondents == 63


def test_an_erasure_from_a_survey_without_targets_queues_the_refresh(
    seeded, django_capture_on_commit_callbacks, prewarm
):
    code = response_save_for_later(response=Response.objects.filter(survey=seeded).first())
    with django_capture_on_commit_callbacks(execute=True):
        response_erase(code=code)

    report = _refreshed_report(seeded)
    assert report is not None and report.comparison.respondents == 59


def test_an_erased_response_changes_the_version(seeded):
    before = survey_data_version(survey_id=seeded.pk)
    earliest = Response.objects.filter(survey=seeded).order_by("submitted_at").first()

    # What surveys.erasure.response_erase does: delete, and record the erasure.
    earliest.delete()
    audit_log(actor=None, action="response.erased", survey=seeded, complete=True)

    after = survey_data_version(survey_id=seeded.pk)
    assert after != before
    assert after.latest_submitted_at == before.latest_submitted_at


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("question", ["AGE", "SEX", "AREA"])
def test_breakdown_equals_one_comparison_per_category(seeded, question, weighted, settings):
    """The breakdown counts every category in one pass; its cells must be what a full
    comparison of each category would say (the comparisons made with no disclosure threshold,
    which would refuse the small categories the breakdown hides)."""
    if weighted:
        for sex, share in (("male", 0.4), ("female", 0.6)):
            PopulationTarget.objects.create(survey=seeded, margin="SEX", category=sex, share=share)
        survey_reweight(survey_id=seeded.pk)
    built = report_build(
        survey=seeded, filters=ResponseFilters(), weighted=weighted, breakdown=question
    )
    breakdown = built.breakdown
    settings.DISCLOSURE_THRESHOLD = 1
    shown = 0
    for column, (code, _label, respondents) in enumerate(breakdown.categories):
        filters = (
            ResponseFilters(area=code)
            if question == "AREA"
            else ResponseFilters().with_subgroup(question, code)
        )
        try:
            expected = survey_compare(survey=seeded, weighted=weighted, filters=filters)
        except Exception:
            assert respondents == "fewer than 10"
            continue
        by_key = {(r.question, r.item, r.net, r.subgroup): r for r in expected.rows}
        for br in breakdown.rows:
            row, cells = br.row, br.cells
            r = by_key[(row.row.question, row.row.item, row.row.net, row.row.subgroup)]
            cell = cells[column]
            if respondents == "fewer than 10" or r.suppressed or r.local_percent is None:
                assert cell.suppressed, (code, row.label)
            elif not cell.suppressed:  # or hidden by secondary suppression
                assert cell.text == f"{r.local_percent:.0f}%", (code, row.label)
                shown += 1
    assert shown


def test_with_tasks_in_process_a_submission_leaves_the_report_to_the_officers_next_view(
    officer_client, seeded, settings, django_capture_on_commit_callbacks
):
    settings.OFFICER_REPORT_PREWARM = False  # the default without a broker
    with django_capture_on_commit_callbacks(execute=True):
        response_record(
            survey=seeded,
            answers={**answers_for("B"), "AREA": "south"},
            mode="online",
            split_arm="B",
        )

    assert _refreshed_report(seeded) is None, "nothing was computed in the resident's request"
    page = officer_client.get(reverse("officers:report", args=[seeded.slug]))
    assert page.context["report"].comparison.respondents == 61
    assert _refreshed_report(seeded) is not None
