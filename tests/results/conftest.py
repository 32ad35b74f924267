from __future__ import annotations

import pytest

from surveys.models import Survey
from tests.results.factories import survey_make


@pytest.fixture
def survey(db) -> Survey:
    return survey_make()
