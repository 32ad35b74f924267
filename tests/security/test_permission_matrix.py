"""The permission matrix: every URL of the site, for every role, against its own council's
objects and another council's, by GET and by POST.

The URLs are collected from the URL configuration itself. Officer pages must each have a row
in OFFICER_PAGES, public pages must be listed in PUBLIC, and every model on an admin site is
walked through its list, add, change, delete and history pages: a new URL without its expected
outcome fails ``test_every_url_has_an_expected_outcome``.

Outcomes: "ok" (200), "forbidden" (403), "missing" (404, or the admin's redirect for a record
that is not there), "login" (sent to sign in).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from officers.models import CommentCoding, Theme
from surveys.admin_sites import council_site
from surveys.audit import audit_log
from surveys.codes import code_hash
from surveys.models import (
    Answer,
    Invitation,
    Invitee,
    Membership,
    PanelMember,
    Question,
    Questionnaire,
    Response,
    ResponseImport,
    Survey,
)
from tests.officers.factories import export_make
from tests.results.factories import council_make, survey_make

Role = Membership.Role
ROLES = ["anonymous", "no_role", "officer", "research", "council_admin", "superuser"]

# Who may open each officer page of their own council (besides the platform administrator).
# Everyone else signed in gets a 403 if they hold another role in that council, a 404 if not.
OFFICER_PAGES: dict[str, set[str]] = {
    "officers:home": {"no_role", "officer", "research", "council_admin"},
    # How the figures are made (docs/statistics.md): no council's data, for anyone signed in.
    "officers:statistics": {"no_role", "officer", "research", "council_admin"},
    "officers:dashboard": {"officer", "research", "council_admin"},
    "officers:report": {"officer", "research"},
    "officers:report_chart": {"officer", "research"},
    "officers:exports": {"officer", "research"},
    "officers:export": {"officer", "research"},
    "officers:download": {"officer", "research"},
    "officers:findings": {"officer", "research"},
    "officers:invitations": {"council_admin"},
    "officers:invitations_upload": {"council_admin"},
    "officers:letters": {"council_admin"},
    "officers:panel": {"council_admin"},
    "officers:panel_export": {"council_admin"},
    "officers:paper": {"officer", "research", "council_admin"},
    # The blank paper questionnaire: whoever types returns in may print it.
    "officers:paper_forms": {"officer", "research", "council_admin"},
    "officers:paper_form": {"officer", "research", "council_admin"},
    "officers:paper_form_pdf": {"officer", "research", "council_admin"},
    "officers:responses_upload": {"officer", "research", "council_admin"},
    "officers:responses_template": {"officer", "research", "council_admin"},
    "officers:responses_codes": {"officer", "research", "council_admin"},
    "officers:responses_import": {"officer", "research", "council_admin"},
    "officers:responses_import_undo": {"officer", "research", "council_admin"},
    "officers:review": {"research"},
    "officers:response_find": {"research"},
    "officers:response_detail": {"research"},
    # Residents' comments are response-level data (comments.read, comments.code).
    "officers:comments": {"research"},
    "officers:comment": {"research"},
    "officers:comment_themes": {"research"},
    "officers:comment_theme": {"research"},
    "officers:comment_counts": {"research"},
    "officers:comments_export": {"research"},
}
# Pages anyone may open: residents' pages, sign-in, the statement, published findings and
# the site's icon.
PUBLIC = {
    "login",
    "logout",
    # Two-factor sign-in: each person's own account only (tests/security/test_two_factor.py).
    "two_factor_verify",
    "two_factor_setup",
    "two_factor_recovery_codes",
    "accessibility",
    "favicon",
    "findings",
    "surveys:home",
    "surveys:code",
    "surveys:landing",
    "surveys:start",
    # The start challenge a survey may switch on: a puzzle for the Start page, no data.
    "surveys:challenge",
    "surveys:page",
    "surveys:review",
    "surveys:thanks",
    "surveys:erase",
    "surveys:panel_join",
    "surveys:panel_withdraw",
    # The load balancer's checks: no council's data, only up or down (tests/collab/test_health.py).
    "ready",
    "healthz",
}
# What a council administrator may do on the council site, by model; everyone else is sent to
# sign in (and the full admin is the platform administrator's alone).
COUNCIL_SITE: dict[str, set[str]] = {
    "council": {"changelist", "change", "history"},
    "membership": {"changelist", "add", "change", "delete", "history"},
    "questionnaire": {"changelist", "change", "history"},
    "question": {"changelist", "change", "history"},
    "survey": {"changelist", "add", "change", "history"},
    "invitee": {"changelist", "change", "history"},
    "panelmember": {"changelist", "change", "history"},
    "auditentry": {"changelist", "change", "history"},
}
SITE_PAGES = {"index", "login", "logout", "password_change", "password_change_done"}
# Pages of the platform's own admin beyond its models: platform administrators only.
PLATFORM_PAGES = {"admin:retention_run"}
SITE_PAGES |= {"autocomplete", "jsi18n", "view_on_site", "app_list", ""}


def _walk(resolver, namespace: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace or ""]))
            yield from _walk(pattern, inner)
        elif isinstance(pattern, URLPattern):
            yield ":".join(filter(None, [namespace, pattern.name or ""])), pattern


ALL_URLS = list(_walk(get_resolver()))


@dataclass
class Council:
    survey: Survey
    export_id: int
    objects: dict[str, object]
    import_id: int = 0
    response_public_id: str = ""
    comment_id: int = 0
    theme_id: int = 0


def _council(slug: str) -> Council:
    council = council_make(slug=slug)
    survey = survey_make(slug=f"{slug}-2026", council=council)
    owner = User.objects.create_user(f"{slug}-exporter", password="x-not-used-1")
    export = export_make(survey=survey, user=owner)
    invitation = Invitation.objects.create(survey=survey, code_hash=code_hash(f"{slug}-code-1"))
    invitee = Invitee.objects.create(
        survey=survey, invitation=invitation, name=f"Resident of {slug}", email="r@example.org"
    )
    member = PanelMember.objects.create(
        survey=survey, name=f"Panel member of {slug}", withdrawal_code_hash=code_hash(slug)
    )
    entry = audit_log(actor=owner, action="survey.opened", survey=survey)
    membership = Membership.objects.create(user=owner, council=council, role=Role.OFFICER)
    question = Question.objects.filter(questionnaire=survey.questionnaire).first()
    batch = ResponseImport.objects.create(survey=survey, status=ResponseImport.Status.DONE)
    sent = Response.objects.create(
        survey=survey, split_arm="A", status=Response.Status.COMPLETE, submitted_at=timezone.now()
    )
    comment = Answer.objects.create(
        response=sent,
        survey=survey,
        question=Question.objects.get(questionnaire=survey.questionnaire, code="COMMENTS"),
        text_value=f"A comment from {slug}.",
    )
    theme = Theme.objects.create(survey=survey, name=f"Theme of {slug}")
    return Council(
        survey=survey,
        export_id=export.pk,
        import_id=batch.pk,
        response_public_id=str(sent.public_id),
        comment_id=comment.pk,
        theme_id=theme.pk,
        objects={
            "council": council,
            "membership": membership,
            "questionnaire": survey.questionnaire,
            "question": question,
            "survey": survey,
            "invitee": invitee,
            "panelmember": member,
            "auditentry": entry,
        },
    )


@pytest.fixture
def councils(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    own, other = _council("riverside"), _council("hilltop")
    users = {
        "no_role": User.objects.create_user("nobody", password="x-not-used-2"),
        "officer": User.objects.create_user("officer", password="x-not-used-3"),
        "research": User.objects.create_user("research", password="x-not-used-4"),
        "council_admin": User.objects.create_user("setup", password="x-not-used-5"),
        "superuser": User.objects.create_superuser("platform", password="x-not-used-6"),
    }
    council = own.survey.council
    for name, role in [
        ("officer", Role.OFFICER),
        ("research", Role.RESEARCH_OFFICER),
        ("council_admin", Role.COUNCIL_ADMIN),
    ]:
        Membership.objects.create(user=users[name], council=council, role=role)
    return own, other, users


def _as(client, users, role: str):
    if role != "anonymous":
        client.force_login(users[role])
    return client


def _outcome(response) -> str:
    if response.streaming:
        b"".join(response.streaming_content)
    if response.status_code == 302:
        location = response["Location"]
        if "login" in location:
            return "login"
        return "missing" if location.rstrip("/").endswith(("admin", "council-admin")) else "ok"
    return {200: "ok", 403: "forbidden", 404: "missing", 400: "ok", 405: "ok"}.get(
        response.status_code, f"status {response.status_code}"
    )


def _officer_url(name: str, council: Council) -> str:
    pattern = dict(ALL_URLS)[name]
    values = {
        "slug": council.survey.slug,
        "pk": council.import_id if "responses_import" in name else council.export_id,
        "public_id": council.response_public_id,
        "comment": council.comment_id,
        "theme": council.theme_id,
        "question": "Q4",
        "fmt": "svg",
        "version": "A",
    }
    return reverse(name, kwargs={k: values[k] for k in pattern.pattern.converters})


def test_every_url_has_an_expected_outcome():
    admin_names = {f"admin:{n}" for n in SITE_PAGES} | {f"council_admin:{n}" for n in SITE_PAGES}
    admin_names |= {"admin", "council_admin"}  # each admin's unnamed redirects to a change page
    for site, prefix in [(admin.site, "admin"), (council_site, "council_admin")]:
        for model, model_admin in site._registry.items():
            info = f"{prefix}:{model._meta.app_label}_{model._meta.model_name}"
            admin_names |= {f"{info}_{page}" for page in _ADMIN_PAGES}
            admin_names |= {f"{prefix}:{name}" for name in _extra_admin_urls(model_admin)}
    unexplained = [
        name
        for name, _ in ALL_URLS
        if name not in OFFICER_PAGES
        and name not in PUBLIC
        and name not in admin_names
        and name not in PLATFORM_PAGES
    ]
    assert not unexplained, f"give these URLs their expected outcome: {unexplained}"
    registered = {model._meta.model_name for model in council_site._registry}
    assert registered == set(COUNCIL_SITE), "teach COUNCIL_SITE what the council site holds"


_ADMIN_PAGES = ("changelist", "add", "change", "delete", "history")


@pytest.mark.parametrize("name", sorted(PLATFORM_PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_platform_pages_open_to_platform_administrators_only(client, councils, name, role):
    _, _, users = councils
    response = _as(client, users, role).get(reverse(name))

    assert _outcome(response) == ("ok" if role == "superuser" else "login")


def _extra_admin_urls(model_admin) -> set[str]:
    names = {p.name for p in model_admin.get_urls() if isinstance(p, URLPattern) and p.name}
    info = f"{model_admin.opts.app_label}_{model_admin.opts.model_name}"
    return {n for n in names if not any(n == f"{info}_{page}" for page in _ADMIN_PAGES)}


def _expected_officer(name: str, role: str, *, own: bool) -> str:
    if role == "anonymous":
        return "login"
    if role == "superuser":
        return "ok"
    if name in COUNCIL_FREE:
        return "ok"
    if not own:
        return "missing"
    if role in OFFICER_PAGES[name]:
        return "ok"
    return "missing" if role == "no_role" else "forbidden"


COUNCIL_FREE = {"officers:home", "officers:statistics"}  # pages that name no survey

OFFICER_CASES = [
    (name, role, own)
    for name in OFFICER_PAGES
    for role in ROLES
    for own in (True, False)
    if not (own is False and role in ("anonymous", "superuser"))
]


@pytest.mark.parametrize(("name", "role", "own"), OFFICER_CASES)
def test_officer_pages_by_role(client, councils, name, role, own):
    mine, theirs, users = councils
    url = _officer_url(name, mine if own else theirs)

    got = _outcome(_as(client, users, role).get(url))

    assert got == _expected_officer(name, role, own=own), url


@pytest.mark.parametrize(
    ("name", "role"),
    [(n, r) for n in OFFICER_PAGES for r in ROLES if r not in ("superuser", "anonymous")],
)
def test_posting_to_another_councils_page_changes_nothing(client, councils, name, role):
    _, theirs, users = councils
    before = _snapshot(theirs)

    response = _as(client, users, role).post(_officer_url(name, theirs), {"action": "send"})

    assert _outcome(response) in ({"missing"} if name not in COUNCIL_FREE else {"ok"})
    assert _snapshot(theirs) == before


@pytest.mark.parametrize("name", list(OFFICER_PAGES))
def test_posting_without_signing_in_is_sent_to_sign_in(client, councils, name):
    mine, _, _ = councils
    assert _outcome(client.post(_officer_url(name, mine), {})) == "login"


def _snapshot(council: Council) -> tuple:
    survey = Survey.objects.get(pk=council.survey.pk)
    return (
        survey.status,
        survey.closes_at,
        survey.invitees.count(),
        survey.responses.count(),
        survey.exports.count(),
        Membership.objects.filter(council=survey.council).count(),
        list(Theme.objects.filter(survey=survey).values_list("name", flat=True)),
        CommentCoding.objects.filter(survey=survey).count(),
    )


def _admin_cases():
    for model in council_site._registry:
        for page in _ADMIN_PAGES:
            for role in ROLES:
                yield model._meta.model_name, page, role


@pytest.mark.parametrize(("model", "page", "role"), list(_admin_cases()))
def test_council_site_by_role(client, councils, model, page, role):
    mine, theirs, users = councils
    info = f"surveys_{model}"

    def url(council: Council) -> str:
        if page in ("changelist", "add"):
            return reverse(f"council_admin:{info}_{page}")
        return reverse(f"council_admin:{info}_{page}", args=[council.objects[model].pk])

    got = _outcome(_as(client, users, role).get(url(mine)))

    if role != "council_admin":
        assert got == "login"
        return
    allowed = page in COUNCIL_SITE[model]
    if model in ("questionnaire", "question") and page == "change":
        allowed = True  # shared versions are shown read-only
    assert got == ("ok" if allowed else "forbidden")
    if page in ("change", "delete", "history") and model not in ("questionnaire", "question"):
        # Another council's record, by its id: not there for this council's administrator.
        other = client.get(url(theirs))
        assert _outcome(other) in ("missing", "forbidden")
        assert str(theirs.objects[model]) not in other.content.decode()


@pytest.mark.parametrize("role", [r for r in ROLES if r != "superuser"])
def test_the_full_admin_is_for_platform_administrators_only(client, councils, role):
    _, _, users = councils
    _as(client, users, role)
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert _outcome(client.get(url)) == "login", url
    assert _outcome(client.get(reverse("admin:index"))) == "login"


def test_the_platform_administrator_opens_every_admin_list(client, councils):
    _, _, users = councils
    _as(client, users, "superuser")
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert _outcome(client.get(url)) == "ok", url


def test_a_council_version_of_the_questionnaire_is_its_own(client, councils):
    mine, theirs, users = councils
    shared = mine.objects["questionnaire"]
    theirs_copy = Questionnaire.objects.create(
        slug=shared.slug, version=99, title="Hilltop's own", council=theirs.survey.council
    )
    _as(client, users, "council_admin")

    listing = client.get(reverse("council_admin:surveys_questionnaire_changelist"))
    other = client.get(reverse("council_admin:surveys_questionnaire_change", args=[theirs_copy.pk]))

    assert "Hilltop&#x27;s own" not in listing.content.decode()
    assert _outcome(other) == "missing"


def test_a_council_administrators_copy_of_a_shared_version_is_the_councils_own(client, councils):
    mine, _, users = councils
    shared = mine.objects["questionnaire"]
    _as(client, users, "council_admin")

    client.post(
        reverse("council_admin:surveys_questionnaire_changelist"),
        {"action": "copy_to_new_version", "_selected_action": [shared.pk]},
    )

    copy = Questionnaire.objects.get(slug=shared.slug, based_on=shared)
    assert copy.council == mine.survey.council
    assert Questionnaire.objects.filter(council__isnull=True).count() == 1


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("own", [True, False])
def test_run_again_is_a_council_administrators_for_their_own_councils_surveys(
    client, councils, role, own
):
    """ "Run again" (surveys.waves) on the council site: its confirmation page opens for the
    council's administrator only, never for another council's survey, and a refused POST
    makes no wave."""
    mine, theirs, users = councils
    survey = (mine if own else theirs).survey
    url = reverse("council_admin:surveys_survey_run_again", args=[survey.pk])
    _as(client, users, role)

    got = _outcome(client.get(url))
    posted = client.post(url, {"title": "Again", "slug": f"{survey.slug}-again"})

    expected = ("ok" if own else "missing") if role == "council_admin" else "login"
    assert got == expected
    made = Survey.objects.filter(previous_wave=survey).exists()
    assert made == (role == "council_admin" and own)
    if not made:
        assert _outcome(posted) == expected
