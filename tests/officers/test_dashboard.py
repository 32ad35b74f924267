from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from results.models import PopulationTarget
from surveys.models import Invitation, Response
from tests.results.factories import response_make

ANSWERS = {"Q2": "dont_know", "AGE": "15_24", "SEX": "female", "AREA": "north"}


def test_dashboard_counts_responses_by_status_day_mode_and_area(officer_client, survey):
    yesterday = timezone.now() - dt.timedelta(days=1)
    response_make(survey=survey, answers=ANSWERS, submitted_at=yesterday)
    response_make(survey=survey, answers=ANSWERS)
    response_make(survey=survey, answers={**ANSWERS, "AREA": "south"}, mode="paper")
    Response.objects.create(survey=survey, split_arm="A", furthest_page=3)
    Response.objects.create(survey=survey, split_arm="B", furthest_page=3)

    page = officer_client.get(reverse("officers:dashboard", args=[survey.slug]))

    assert page.status_code == 200
    board = page.context["board"]
    assert (board.complete, board.in_progress) == (3, 2)
    assert [t.count for t in board.by_day] == [1, 2]
    assert {t.label: t.count for t in board.by_mode} == {"Online": 2, "Paper": 1}
    assert {t.label: t.count for t in board.by_area} == {"North ward": 2, "South ward": 1}
    assert [(t.label.split(":")[0], t.count) for t in board.dropout] == [("Page 3", 2)]
    assert 'role="img"' in page.content.decode()


def test_dashboard_shows_invitation_response_rate(officer_client, survey):
    Invitation.objects.create(survey=survey, code_hash="a" * 64, used_at=timezone.now())
    Invitation.objects.create(survey=survey, code_hash="b" * 64)

    page = officer_client.get(reverse("officers:dashboard", args=[survey.slug]))

    assert page.context["board"].response_rate == 0.5
    assert "1 of 2 (50%)" in page.content.decode()


def test_dashboard_compares_achieved_sample_with_targets(officer_client, survey):
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
