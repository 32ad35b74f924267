"""Two councils, each with an officer and a survey of the 2014 questionnaire, so every test can
check that one council's officer never sees the other's data."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

from surveys.models import Council, Response, Survey
from surveys.services import response_record
from tests.results.factories import council_make, survey_make
from tests.surveys.conftest import answers_for


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    # Export files go to a folder of the test's own, never to the project's media folder.
    settings.MEDIA_ROOT = tmp_path / "media"
    # Officers sign in in almost every test; a deliberately slow hasher would dominate the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    # Reports are cached by survey id and data version; ids come round again between tests.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def council(db) -> Council:
    return council_make(slug="riverside", areas=("north", "south", "east"))


@pytest.fixture
def survey(council) -> Survey:
    return survey_make(slug="riverside-2026", council=council)


@pytest.fixture
def officer(council) -> User:
    user = User.objects.create_user("riverside-officer", password="not-a-real-password-1")
    council.officers.add(user)
    return user


@pytest.fixture
def other_survey(db) -> Survey:
    return survey_make(slug="hilltop-2026", council=council_make(slug="hilltop"))


@pytest.fixture
def other_officer(other_survey) -> User:
    user = User.objects.create_user("hilltop-officer", password="not-a-real-password-2")
    other_survey.council.officers.add(user)
    return user


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


AGES = ["15_24", "25_34", "35_44", "45_54", "55_64", "65_74", "75_plus"]
NEEDS = ["always", "often", "sometimes", "hardly_ever", "never", "dont_know"]


@pytest.fixture
def seeded(survey):
    """60 responses through the one write path, varied enough for real differences: most are
    55-64 (so small age groups exist), answers to Q4 and Q8 vary."""
    for i in range(60):
        arm = "A" if i % 2 else "B"
        answers = {
            **answers_for(arm),
            "AREA": ["north", "south", "east"][i % 3],
            "AGE": "55_64" if i < 45 else AGES[i % 7],
            "SEX": "female" if i % 3 else "male",
            "Q4": {**answers_for(arm)["Q4"], "needs": NEEDS[i % 6]},
            "Q8": "willing" if i % 4 else "no_time",
        }
        response_record(
            survey=survey,
            answers=answers,
            mode=Response.Mode.PAPER if i % 5 == 0 else Response.Mode.ONLINE,
            split_arm=arm,
        )
    return survey
