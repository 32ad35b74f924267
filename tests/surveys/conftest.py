"""Fixtures for the resident's journey: a council with wards and an open survey
of the shipped 2014 questionnaire (loaded by migration)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from surveys.models import Area, Council, Invitation, Questionnaire, Survey


@pytest.fixture
def council(db) -> Council:
    council = Council.objects.create(name="Riverside Borough Council", slug="riverside")
    for position, (code, name) in enumerate(
        [("north", "North ward"), ("south", "South ward"), ("east", "East ward")]
    ):
        Area.objects.create(council=council, code=code, name=name, position=position)
    return council


@pytest.fixture
def questionnaire(db) -> Questionnaire:
    return Questionnaire.objects.get(slug="collaborative-citizen-2014", version=1)


@pytest.fixture
def survey(council, questionnaire) -> Survey:
    return Survey.objects.create(
        council=council,
        questionnaire=questionnaire,
        title="Your views of public services",
        slug="riverside-2026",
        status=Survey.Status.LIVE,
        opens_at=timezone.now() - dt.timedelta(days=1),
        closes_at=timezone.now() + dt.timedelta(days=30),
        privacy_notice="Riverside Borough Council uses your answers to improve its services.",
        contact="surveys@riverside.example",
    )


@pytest.fixture
def make_invitation(survey):
    from surveys.codes import code_generate, code_hash

    def make(**kwargs) -> tuple[Invitation, str]:
        code = code_generate()
        invitation = Invitation.objects.create(survey=survey, code_hash=code_hash(code), **kwargs)
        return invitation, code

    return make


# A complete set of answers for each half of the sample, by question code.
ANSWERS_A = {
    "Q1": ["whole_community", "everyone"],
    "Q2": "equality_opportunity",
    "Q3": {"dignity": "strongly_agree"},
    "Q4": {
        "needs": "often",
        "personalised": "sometimes",
        "preferences": "hardly_ever",
        "decisions": "never",
    },
    "Q5": {"living_expenses": "mostly", "things_go_wrong": "partly", "job_career": "not_at_all"},
    "Q6": {
        f"{w}_{a}": opt
        for w, opt in [
            ("public", "better"),
            ("partnership", "better"),
            ("charities", "no_difference"),
            ("businesses", "worse"),
        ]
        for a in ("quality", "cost", "accountability")
    },
    "Q7": ["understand_needs", "dignity_respect", "transparency"],
    "Q8": "willing",
    "AGE": "15_24",
    "SEX": "female",
    "AREA": "south",
    "INTERNET": "no",
    "CHILDREN": "yes",
    "WORK": "student",
    "NEWSPAPER": "broadsheet",
    "HOUSEHOLD": 4,
    "COMMENTS": "More evening opening hours at the library, please.",
}
ANSWERS_B = {**ANSWERS_A, "Q3": {"outcome": "tend_disagree"}}


def answers_for(arm: str) -> dict:
    return ANSWERS_A if arm == "A" else ANSWERS_B


def post_data(answers: dict, codes: list[str]) -> dict:
    """The form fields a browser would send for these questions' answers."""
    data: dict = {}
    for code in codes:
        value = answers.get(code)
        if isinstance(value, dict):
            data.update({f"{code}__{item}": option for item, option in value.items()})
        elif value is not None:
            data[code] = value
    return data
