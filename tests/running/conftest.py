"""Two councils, each with an officer and a live survey of the 2014 questionnaire, so every
test of running a survey can check that one council's officer never sees the other's data."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from surveys.models import Membership


@pytest.fixture
def admin_client(client, db):
    admin = User.objects.create_superuser("admin", password="not-a-real-password-3")
    client.force_login(admin)
    return client


@pytest.fixture
def officer(officer, council):
    """Running a survey's fieldwork (invitations, letters, the residents' group) is a council
    administrator's work: here this council's officer holds that role too."""
    Membership.objects.create(user=officer, council=council, role=Membership.Role.COUNCIL_ADMIN)
    return officer
