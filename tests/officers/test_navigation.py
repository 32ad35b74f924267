"""The survey's sections offered to each role: only those the role opens."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from surveys.models import Membership

Role = Membership.Role


@pytest.mark.parametrize(
    ("role", "offered", "not_offered"),
    [
        (Role.OFFICER, ["Comparison report", "Exports", "Paper and telephone"], ["Invitations"]),
        (Role.COUNCIL_ADMIN, ["Invitations and letters", "Residents' group"], ["Exports"]),
    ],
)
def test_the_survey_menu_offers_what_the_role_opens(client, survey, role, offered, not_offered):
    user = User.objects.create_user("someone", password="not-a-real-password-7")
    Membership.objects.create(user=user, council=survey.council, role=role)
    client.force_login(user)

    menu = client.get(reverse("officers:dashboard", args=[survey.slug])).content.decode()
    menu = menu[menu.index('aria-label="Survey sections"') :]

    assert all(label in menu for label in offered)
    assert not any(label in menu for label in not_offered)


def test_a_council_administrator_is_offered_the_council_set_up(client, survey):
    user = User.objects.create_user("setup", password="not-a-real-password-8")
    Membership.objects.create(user=user, council=survey.council, role=Role.COUNCIL_ADMIN)
    client.force_login(user)

    page = client.get(reverse("officers:home")).content.decode()

    assert reverse("council_admin:index") in page
    assert reverse("admin:index") not in page
