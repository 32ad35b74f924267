"""Two councils, each with an officer and a survey of the 2014 questionnaire, so a test can
check that one council's officer never sees the other's data. Imported by the conftest files
of the officer-facing test folders."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from surveys.models import Council, Survey
from tests.results.factories import council_make, survey_make


@pytest.fixture(autouse=True)
def _fast_hasher_and_media(settings, tmp_path):
    # Files an officer makes go to a folder of the test's own, never to the project's media.
    settings.MEDIA_ROOT = tmp_path / "media"
    # Officers sign in in almost every test; a deliberately slow hasher would dominate the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def council(db) -> Council:
    return council_make(slug="riverside", areas=("north", "south", "east"))


@pytest.fixture
def survey(council) -> Survey:
    return survey_make(slug="riverside-2026", council=council)


@pytest.fixture
def officer(council) -> User:
    user = User.objects.create_user("riverside-officer", password="not-a-real-password-1")
    council.members.add(user)
    return user


@pytest.fixture
def other_survey(db) -> Survey:
    return survey_make(slug="hilltop-2026", council=council_make(slug="hilltop"))


@pytest.fixture
def other_officer(other_survey) -> User:
    user = User.objects.create_user("hilltop-officer", password="not-a-real-password-2")
    other_survey.council.members.add(user)
    return user


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client
