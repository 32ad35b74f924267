"""Officers' tests: the two councils of tests/two_councils.py, and answered surveys."""

from __future__ import annotations

import pytest

from surveys.models import Response
from surveys.services import response_record
from tests.s3 import s3_exports, s3_server  # noqa: F401
from tests.surveys.conftest import answers_for

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
