"""Councils kept apart: what a hostile member of another council's staff tried, step by step,
and the council scope that every query of a council's data needs."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import ScopeError, scope

from officers.models import Export
from surveys import tenancy
from surveys.codes import code_hash
from surveys.models import (
    Area,
    AuditEntry,
    Invitation,
    Invitee,
    Membership,
    PanelMember,
    Response,
    Survey,
)
from tests.officers.factories import export_make
from tests.results.factories import council_make, survey_make
from tests.two_factor import code_now

Role = Membership.Role


@pytest.fixture
def council_a(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    survey = survey_make(slug="riverside-2026", council=council_make(slug="riverside"))
    invitation = Invitation.objects.create(survey=survey, code_hash=code_hash("a-code"))
    Invitee.objects.create(
        survey=survey, invitation=invitation, name="Ann Resident", email="ann@example.org"
    )
    PanelMember.objects.create(
        survey=survey, name="Bob Panel", email="bob@example.org", withdrawal_code_hash="b" * 64
    )
    officer = User.objects.create_user("riverside-officer", password="x-not-used-1")
    Membership.objects.create(user=officer, council=survey.council, role=Role.OFFICER)
    export_make(survey=survey, user=officer)
    return survey


@pytest.fixture
def hostile(db, council_a):
    """A council administrator of another council, also given Django staff status and every
    model permission, as the platform might have done by mistake."""
    other = survey_make(slug="hilltop-2026", council=council_make(slug="hilltop"))
    user = User.objects.create_user("hilltop-admin", password="x-not-used-2", is_staff=True)
    user.user_permissions.set(Permission.objects.all())
    Membership.objects.create(user=user, council=other.council, role=Role.COUNCIL_ADMIN)
    return user


def test_the_hostile_staff_user_of_another_council_is_refused_at_every_step(
    client, council_a, hostile
):
    client.force_login(hostile)
    a = council_a
    secrets = ["Ann Resident", "ann@example.org", "Bob Panel", "bob@example.org"]

    # 1-4. Council A's invitees, panel members, audit trail and exports, on either admin site.
    for site in ("admin", "council_admin"):
        for model in ("invitee", "panelmember", "auditentry"):
            page = client.get(reverse(f"{site}:surveys_{model}_changelist"))
            body = page.content.decode()
            assert not any(secret in body for secret in secrets), (site, model)
            assert "riverside" not in body.lower(), (site, model)
    invitee = Invitee.objects.get(survey=a)
    for site in ("admin", "council_admin"):
        page = client.get(reverse(f"{site}:surveys_invitee_change", args=[invitee.pk]))
        assert page.status_code in (302, 404)
        assert "Ann Resident" not in page.content.decode()
    assert client.get(reverse("admin:officers_export_changelist")).status_code == 302

    # 5. "Close now" on council A's live survey, posted to both sites.
    for site in ("admin", "council_admin"):
        client.post(
            reverse(f"{site}:surveys_survey_changelist"),
            {"action": "close_now", "_selected_action": [a.pk]},
        )
    assert Survey.objects.get(pk=a.pk).status == Survey.Status.LIVE

    # 6. Adding itself to council A's officers.
    response = client.post(
        reverse("council_admin:surveys_membership_add"),
        {"username": hostile.username, "council": a.council_id, "role": Role.OFFICER},
    )
    assert response.status_code == 200  # the form again, with its error
    assert "Select a valid choice" in response.content.decode()
    client.post(
        reverse("admin:surveys_council_change", args=[a.council_id]),
        {"name": "x", "slug": "riverside"},
    )
    assert not Membership.objects.filter(user=hostile, council=a.council).exists()
    assert not tenancy.user_has_role(hostile, a.council, *Role)

    # 7. Council A's officer pages and panel export.
    for name in ("dashboard", "report", "exports", "panel", "panel_export", "invitations"):
        assert client.get(reverse(f"officers:{name}", args=[a.slug])).status_code == 404, name

    # And nothing of council A changed.
    assert Invitee.objects.filter(survey=a).count() == 1
    assert Export.objects.filter(survey=a).count() == 1


def test_a_query_of_council_data_without_a_scope_refuses_to_run(council_a):
    # Tests run across councils by default (tests/conftest.py); a real request or task does not.
    with scope(), pytest.raises(ScopeError):
        list(Response.objects.all())
    with scope(), pytest.raises(ScopeError):
        Survey.objects.filter(slug="riverside-2026").first()


def test_a_scope_shows_only_its_own_councils_rows(council_a):
    hilltop = survey_make(slug="hilltop-2026", council=council_make(slug="hilltop"))

    with tenancy.council_scope([hilltop.council_id]):
        assert list(Survey.objects.values_list("slug", flat=True)) == ["hilltop-2026"]
        assert not Invitee.objects.exists()
        assert not AuditEntry.objects.filter(survey=council_a).exists()
        assert set(Area.objects.values_list("council_id", flat=True)) == {hilltop.council_id}


def test_a_visitors_request_sees_no_council_until_a_public_page_opens_one(client, council_a):
    # A resident's page of survey A works (it opens A's scope), the officer's does not.
    assert client.get(reverse("surveys:landing", args=[council_a.slug])).status_code == 200
    response = client.get(reverse("officers:report", args=[council_a.slug]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_council_administrator_cannot_give_a_role_in_another_council(council_a, hostile):
    from surveys.errors import SurveyError

    with pytest.raises(SurveyError):
        tenancy.membership_grant(
            actor=hostile, council=council_a.council, user=hostile, role=Role.COUNCIL_ADMIN
        )
    assert not Membership.objects.filter(user=hostile, council=council_a.council).exists()


def test_granting_a_role_in_ones_own_council_is_audited(council_a):
    admin = User.objects.create_user("riverside-admin", password="x-not-used-3")
    Membership.objects.create(user=admin, council=council_a.council, role=Role.COUNCIL_ADMIN)
    newcomer = User.objects.create_user("newcomer", password="x-not-used-4")

    tenancy.membership_grant(
        actor=admin, council=council_a.council, user=newcomer, role=Role.RESEARCH_OFFICER
    )

    assert tenancy.user_has_role(newcomer, council_a.council, Role.OFFICER)  # research implies
    entry = AuditEntry.objects.get(action="membership.granted")
    assert entry.actor == admin and entry.detail["role"] == Role.RESEARCH_OFFICER


def test_a_council_administrator_signs_in_and_lands_on_the_council_set_up(client, council_a):
    user = User.objects.create_user("riverside-setup", password="not-a-real-password-5")
    Membership.objects.create(user=user, council=council_a.council, role=Role.COUNCIL_ADMIN)

    first = client.get(reverse("council_admin:index"), follow=True)
    assert first.redirect_chain[-1][0].startswith(reverse("login"))
    signed_in = client.post(
        first.redirect_chain[-1][0],
        {"username": "riverside-setup", "password": "not-a-real-password-5"},
        follow=True,
    )

    # Their role needs two-factor sign-in: they set it up, then go on to the set-up.
    setup_url = signed_in.redirect_chain[-1][0]
    assert setup_url == f"{reverse('two_factor_setup')}?next=%2Fcouncil-admin%2F"
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    codes = client.post(setup_url, {"code": code_now(device)}, follow=True)
    assert f'href="{reverse("council_admin:index")}"' in codes.content.decode()
    landed = client.get(reverse("council_admin:index"))

    assert landed.status_code == 200
    assert "Riverside" in landed.content.decode()


# Found by trying the council set-up as a hostile administrator would.


@pytest.fixture
def setup_client(client, council_a):
    user = User.objects.create_user("riverside-setup", password="not-a-real-password-6")
    Membership.objects.create(user=user, council=council_a.council, role=Role.COUNCIL_ADMIN)
    client.force_login(user)
    client.user = user
    return client


def test_a_question_of_the_councils_version_cannot_move_into_another_version(
    setup_client, council_a
):
    from surveys.models import Page, Question, Questionnaire
    from surveys.services import questionnaire_copy

    shared = council_a.questionnaire
    own = questionnaire_copy(questionnaire=shared, council=council_a.council)
    question = Question.objects.filter(questionnaire=own).first()
    foreign_page = Page.objects.filter(questionnaire=shared).first()
    url = reverse("council_admin:surveys_question_change", args=[question.pk])

    form = setup_client.get(url).content.decode()
    setup_client.post(
        url,
        {
            "questionnaire": shared.pk,
            "page": foreign_page.pk,
            "position": 99,
            "code": "EVIL1",
            "kind": "text",
            "text": "Injected",
            "wording": "report",
            "items-TOTAL_FORMS": 0,
            "items-INITIAL_FORMS": 0,
            "options-TOTAL_FORMS": 0,
            "options-INITIAL_FORMS": 0,
        },
    )

    page_choices = form[
        form.index('name="page"') : form.index("</select>", form.index('name="page"'))
    ]
    assert f'value="{foreign_page.pk}"' not in page_choices
    assert not Question.objects.filter(questionnaire=shared, code="EVIL1").exists()
    assert Question.objects.get(pk=question.pk).questionnaire == own
    assert Questionnaire.objects.filter(council__isnull=True).count() == 1


def test_giving_a_role_someone_already_holds_is_a_form_error(setup_client, council_a):
    officer = User.objects.get(username="riverside-officer")

    response = setup_client.post(
        reverse("council_admin:surveys_membership_add"),
        {"username": officer.username, "council": council_a.council_id, "role": Role.OFFICER},
    )

    assert response.status_code == 200
    assert "already holds this role" in response.content.decode()


def test_a_council_administrator_cannot_take_over_another_councils_account(
    setup_client, council_a, hostile
):
    response = setup_client.post(
        reverse("council_admin:surveys_membership_add"),
        {"username": hostile.username, "council": council_a.council_id, "role": Role.OFFICER},
    )

    assert "ask the platform administrators" in response.content.decode()
    assert not Membership.objects.filter(user=hostile, council=council_a.council).exists()


def test_the_last_administrator_of_a_council_cannot_be_removed(setup_client, council_a):
    mine = Membership.objects.get(user=setup_client.user, role=Role.COUNCIL_ADMIN)

    response = setup_client.post(
        reverse("council_admin:surveys_membership_delete", args=[mine.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Membership.objects.filter(pk=mine.pk).exists()


def test_someone_signed_in_without_the_role_is_told_so_not_sent_round_in_circles(client, council_a):
    client.force_login(User.objects.get(username="riverside-officer"))

    response = client.get(reverse("council_admin:index"), follow=True)

    assert response.status_code == 403
    assert len(response.redirect_chain) <= 2


def test_a_survey_with_responses_cannot_move_to_another_council(council_a):
    from surveys import lifecycle
    from surveys.errors import SurveyError
    from surveys.services import response_record
    from tests.surveys.conftest import ANSWERS_A

    response_record(survey=council_a, answers=ANSWERS_A, mode="paper", split_arm="A")
    other = council_make(slug="elsewhere")

    with pytest.raises(SurveyError, match="cannot move to another council"):
        lifecycle.survey_change_check(survey=council_a, council_id=other.pk)


def test_when_a_survey_was_set_up_is_shown_not_offered_for_editing(setup_client, council_a):
    response = setup_client.get(reverse("council_admin:surveys_survey_change", args=[council_a.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="created_at' not in page
    assert "Created at" in page
