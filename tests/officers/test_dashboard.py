from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from results.models import PopulationTarget
from surveys.models import Invitation, Response
from tests.results.factories import response_make, responses_make

ANSWERS = {"Q2": "dont_know", "AGE": "15_24", "SEX": "female", "AREA": "north"}


def test_dashboard_counts_responses_by_status_day_mode_and_area(officer_client, survey, settings):
    settings.DISCLOSURE_THRESHOLD = 1  # the counting, apart from disclosure control
    last_week = timezone.now() - dt.timedelta(days=7)
    response_make(survey=survey, answers=ANSWERS, submitted_at=last_week)
    response_make(survey=survey, answers=ANSWERS)
    response_make(survey=survey, answers={**ANSWERS, "AREA": "south"}, mode="paper")
    Response.objects.create(survey=survey, split_arm="A", furthest_page=3)
    Response.objects.create(survey=survey, split_arm="B", furthest_page=3)

    page = officer_client.get(reverse("officers:dashboard", args=[survey.slug]))

    assert page.status_code == 200
    board = page.context["board"]
    assert (board.complete, board.in_progress) == (3, 2)
    assert [t.count for t in board.by_period] == [1, 2]  # a week ago, and this week
    assert {t.label: t.count for t in board.by_mode if t.count} == {"Online": 2, "Paper": 1}
    assert {t.label: t.count for t in board.by_area if t.count} == {
        "North ward": 2,
        "South ward": 1,
    }
    assert [(t.label.split(":")[0], t.count) for t in board.dropout] == [("Page 3", 2)]
    assert 'role="img"' in page.content.decode()


def test_dashboard_shows_invitation_response_rate(officer_client, survey):
    Invitation.objects.create(survey=survey, code_hash="a" * 64, used_at=timezone.now())
    Invitation.objects.create(survey=survey, code_hash="b" * 64)

    page = officer_client.get(reverse("officers:dashboard", args=[survey.slug]))

    assert page.context["board"].response_rate == 0.5
    assert "1 of 2 (50%)" in page.content.decode()


def test_dashboard_compares_achieved_sample_with_targets(officer_client, survey, settings):
    settings.DISCLOSURE_THRESHOLD = 1
    response_make(survey=survey, answers=ANSWERS)
    response_make(survey=survey, answers={**ANSWERS, "SEX": "male"})
    response_make(survey=survey, answers={**ANSWERS, "SEX": "male"})
    response_make(survey=survey, answers={**ANSWERS, "SEX": "prefer_not"})
    PopulationTarget.objects.create(survey=survey, margin="SEX", category="female", share="0.5")
    PopulationTarget.objects.create(survey=survey, margin="SEX", category="male", share="0.5")

    page = officer_client.get(reverse("officers:dashboard", args=[survey.slug]))

    gaps = {g.category: g for g in page.context["board"].targets}
    assert gaps["female"].achieved == 1 / 3
    assert gaps["male"].achieved == 2 / 3
    assert round(gaps["male"].gap_points) == 17


def test_dashboard_of_a_survey_with_no_responses_says_so(officer_client, survey):
    page = officer_client.get(reverse("officers:dashboard", args=[survey.slug]))

    assert page.status_code == 200
    assert "No complete responses yet." in page.content.decode()


def test_the_dashboard_shows_no_count_under_10_nor_one_that_gives_it_away(officer_client, survey):
    """The attack of issue 16: a day with one response, areas with 1 and 2. Every small count,
    empty ones too, reads "fewer than 10", and the next smallest is hidden with it, so the
    total minus the rest gives nothing back."""
    yesterday = timezone.now() - dt.timedelta(days=2)
    response_make(survey=survey, answers=ANSWERS, submitted_at=yesterday)
    responses_make(30, survey=survey, answers={**ANSWERS, "AREA": "south"})
    responses_make(2, survey=survey, answers={**ANSWERS, "AREA": "east"}, mode="paper")
    responses_make(12, survey=survey, answers={**ANSWERS, "AREA": "north"}, mode="telephone")
    PopulationTarget.objects.create(survey=survey, margin="SEX", category="female", share="0.5")
    PopulationTarget.objects.create(survey=survey, margin="SEX", category="male", share="0.5")

    page = officer_client.get(reverse("officers:dashboard", args=[survey.slug]))

    board = page.context["board"]
    assert board.complete == 45
    # By period, not by day: the lone response's day (or week) joins the others' period.
    assert [t.text for t in board.by_period] == ["45"]
    areas = {t.label: t.text for t in board.by_area}
    assert areas["East ward"] == "fewer than 10"
    # North (13) is the next smallest: hidden too, or 45 - 30 - 13 gives east's 2.
    assert areas["North ward"] == "fewer than 10"
    assert areas["South ward"] == "30"
    modes = {t.label: t for t in board.by_mode}
    assert modes["Paper"].text == "fewer than 10" and modes["Paper"].share is None
    assert sum(1 for t in board.by_mode if t.count is None) >= 2
    gaps = {g.category: g for g in board.targets}
    assert gaps["male"].respondents is None and gaps["male"].achieved is None
    html = page.content.decode()
    assert "fewer than 10" in html
    for shown in (t for table in (board.by_period, board.by_area, board.by_mode) for t in table):
        assert shown.count is None or shown.count >= 10


def test_the_weighting_table_hides_the_same_counts_as_the_area_table(officer_client, survey):
    """The respondents who gave no area are a cell of the weighting table too: otherwise its
    areas, shown in full, give the hidden "not given" count back from the total."""
    no_area = {k: v for k, v in ANSWERS.items() if k != "AREA"}
    responses_make(30, survey=survey, answers={**ANSWERS, "AREA": "south"})
    responses_make(21, survey=survey, answers={**ANSWERS, "AREA": "north"})
    responses_make(12, survey=survey, answers={**ANSWERS, "AREA": "east"})
    responses_make(7, survey=survey, answers=no_area)
    for area in ("south", "north", "east"):
        PopulationTarget.objects.create(survey=survey, margin="AREA", category=area, share="0.3")

    board = officer_client.get(reverse("officers:dashboard", args=[survey.slug])).context["board"]

    hidden_areas = {t.label for t in board.by_area if t.count is None}
    assert "Not given" in hidden_areas
    hidden_targets = {g.label for g in board.targets if g.respondents is None}
    assert hidden_targets == hidden_areas - {"Not given"}
    assert hidden_targets  # the next smallest area is hidden in both
    shown = sum(g.respondents for g in board.targets if g.respondents is not None)
    assert board.complete - shown >= 10  # what is left over is never a small group
    assert {g.margin for g in board.targets} == {"Area"}  # a label, never the code
