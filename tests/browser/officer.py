"""What an officer's browser tests share: an officer of the survey's council, responses to
report on, and signing in through the form."""

from __future__ import annotations

from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from surveys.models import Response, Survey
from surveys.services import response_record
from tests.browser.resident import button, submit
from tests.surveys.conftest import answers_for

PASSWORD = "not-a-real-password-1"
AGES = ["15_24", "25_34", "35_44", "45_54", "55_64", "65_74", "75_plus"]
NEEDS = ["always", "often", "sometimes", "hardly_ever", "never", "dont_know"]


def officer_make(*, survey: Survey) -> User:
    user = User.objects.create_user("riverside-officer", password=PASSWORD)
    survey.council.officers.add(user)
    return user


def responses_seed(*, survey: Survey, count: int) -> None:
    """Complete responses through the one write path, varied enough for the report to have
    differences, small groups and more than one way of answering."""
    for i in range(count):
        arm = "A" if i % 2 else "B"
        answers = answers_for(arm)
        response_record(
            survey=survey,
            answers={
                **answers,
                "AREA": ["north", "south", "east"][i % 3],
                "AGE": "55_64" if i % 4 else AGES[i % 7],
                "SEX": "female" if (i // 3) % 2 else "male",
                "Q4": {**answers["Q4"], "needs": NEEDS[i % 6]},
            },
            mode=Response.Mode.PAPER if i % 5 == 0 else Response.Mode.ONLINE,
            split_arm=arm,
        )


def sign_in(page: Page, user: User, *, password: str = PASSWORD) -> None:
    page.goto("/officer/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    submit(page, button(page, "Sign in"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your surveys")
