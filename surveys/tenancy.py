"""Councils kept apart: roles, what each may do, and the council scope every query runs in.

Every model that holds a council's data has a ``django_scopes.ScopedManager``: a query with no
council scope active raises ``ScopeError`` instead of returning every council's rows. Scopes are
opened in a few places only, each one greppable:

- ``CouncilScopeMiddleware``: a signed-in person's requests run in the scope of the councils they
  hold a role in; a platform administrator's are unscoped; everyone else's (residents) see no
  council until a public page opens one;
- ``public_survey_scope``: a resident's page opens the scope of the survey named in its address;
- ``all_councils()``: the explicit crossing, for code that acts for the platform: finding the
  survey behind a resident's code, background tasks (collab.celery), management commands.

Who may do what is one table, ``PERMISSIONS``. A person of another council gets a 404 (the
survey is not in their scope, so for them it does not exist); a member of the council without
the role gets a 403.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from functools import wraps
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django_scopes import scope, scopes_disabled

from surveys.models import Council, Membership, Survey

Role = Membership.Role
User = AbstractBaseUser | AnonymousUser

# What each role may do. A research officer can do all an officer can, and sees response-level
# data besides; a council administrator sets its council up and runs the fieldwork (personal
# data: invitees, letters, the residents' group) but reads no report.
_ANY = frozenset(Role)
_READERS = frozenset({Role.OFFICER, Role.RESEARCH_OFFICER})
PERMISSIONS: dict[str, frozenset[str]] = {
    "survey.view": _ANY,  # the list of surveys and the dashboard of responses arriving
    "report.view": _READERS,
    "export.aggregate": _READERS,
    "export.microdata": frozenset({Role.RESEARCH_OFFICER}),
    "responses.enter": _ANY,  # paper and telephone entry, the import of paper returns
    "responses.review": frozenset({Role.RESEARCH_OFFICER}),
    "comments.read": frozenset({Role.RESEARCH_OFFICER}),  # residents' comments: response-level
    "comments.code": frozenset({Role.RESEARCH_OFFICER}),  # their themes, redaction and quoting
    "findings.edit": _READERS,
    "fieldwork.run": frozenset({Role.COUNCIL_ADMIN}),  # invitees, letters, residents' group
    "council.set_up": frozenset({Role.COUNCIL_ADMIN}),  # the council's own admin site
}


def all_councils() -> AbstractContextManager[None]:
    """Cross every council's scope. Only for code acting for the platform, never for a
    person's request: say why at each use."""
    return scopes_disabled()


def council_scope(council_ids: Iterable[int]) -> AbstractContextManager[None]:
    return scope(council=sorted(set(council_ids)))


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)


def _roles_by_council(user: User) -> dict[int, frozenset[str]]:
    """Every role this person holds, by council: one query per request (kept on the user
    object, which lives as long as the request)."""
    cached = getattr(user, "_collab_roles", None)
    if cached is None:
        roles: dict[int, set[str]] = {}
        with all_councils():  # a person's own memberships, whichever council is in scope
            memberships = Membership.objects.filter(user=user).order_by()
            for council_id, role in memberships.values_list("council_id", "role"):
                roles.setdefault(council_id, set()).add(role)
        cached = {council_id: frozenset(held) for council_id, held in roles.items()}
        user._collab_roles = cached
    return cached


def roles_of(*, user: User, council: Council | int) -> frozenset[str]:
    if not _active(user):
        return frozenset()
    if user.is_superuser:
        return _ANY
    council_id = council if isinstance(council, int) else council.pk
    return _roles_by_council(user).get(council_id, frozenset())


def user_has_role(user: User, council: Council | int, *roles: str) -> bool:
    """Whether the person holds one of these roles in the council (a platform administrator
    holds every role). A research officer counts as an officer."""
    held = roles_of(user=user, council=council)
    if Role.RESEARCH_OFFICER in held:
        held = held | {Role.OFFICER}
    return bool(held & set(roles))


def user_can(user: User, council: Council | int, permission: str) -> bool:
    return bool(roles_of(user=user, council=council) & PERMISSIONS[permission])


def council_ids_for(*, user: User, permission: str | None = None) -> list[int]:
    """The councils in which this person holds a role (allowing ``permission``, if given)."""
    if not _active(user):
        return []
    allowed = PERMISSIONS[permission] if permission else _ANY
    return sorted(c for c, held in _roles_by_council(user).items() if held & allowed)


def survey_permission_check(*, user: User, survey: Survey, permission: str) -> None:
    """A 404 for a survey outside the person's councils, a 403 for one they may not do this to."""
    if not _active(user):
        raise Http404("There is no survey at this address that you can see.")
    roles = roles_of(user=user, council=survey.council_id)
    if not roles:
        raise Http404("There is no survey at this address that you can see.")
    if not roles & PERMISSIONS[permission]:
        raise PermissionDenied("Your role in this council does not include this page.")


def membership_grant(*, actor: User, council: Council, user, role: str) -> Membership:
    """Give a person a role in a council, audited. Only a platform administrator or one of the
    council's own administrators may."""
    from surveys.audit import audit_log
    from surveys.errors import SurveyError

    if not user_can(actor, council, "council.set_up"):
        raise SurveyError("Only this council's administrators can give its roles.")
    membership, created = Membership.objects.get_or_create(
        user=user, council=council, role=role, defaults={"granted_by": _or_none(actor)}
    )
    if hasattr(user, "_collab_roles"):
        del user._collab_roles
    if created:
        audit_log(
            actor=actor,
            action="membership.granted",
            council=council,
            user=user.get_username(),
            role=role,
        )
    return membership


def _or_none(user: User):
    return user if _active(user) else None


class CouncilScopeMiddleware:
    """Every request runs in a council scope: the councils the signed-in person holds a role in,
    none for a visitor, and every council (explicitly) for a platform administrator."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and _active(user) and user.is_superuser:
            context = all_councils()  # the platform administrator runs the installation
        elif user is not None and _active(user):
            context = council_scope(council_ids_for(user=user))
        else:
            context = council_scope([])
        with context:
            return self.get_response(request)


def public_survey_scope(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A resident's page of one survey, named by its slug: it runs in that survey's council's
    scope, whoever is signed in. An unknown slug is a 404."""

    @wraps(view)
    def wrapped(request: HttpRequest, slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
        with all_councils():  # anyone may open a survey by its public address
            council_id = (
                Survey.objects.filter(slug=slug).values_list("council_id", flat=True).first()
            )
        if council_id is None:
            raise Http404("There is no survey at this address.")
        with council_scope([council_id]):
            return view(request, slug, *args, **kwargs)

    return wrapped


def resident_code_scope(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A resident's page reached by a code (a letter's code, a code to continue, to erase or to
    leave the residents' group): the code names the survey, whichever council it belongs to,
    and the page shows nothing but what that code opens."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with all_councils():  # the code, not the visitor, says which council
            return view(request, *args, **kwargs)

    return wrapped


def across_councils(func: Callable[..., Any]) -> Callable[..., Any]:
    """For a management command's ``handle``: commands are run by the platform's operators."""

    @wraps(func)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with all_councils():  # a command acts for the platform
            return func(*args, **kwargs)

    return wrapped
