"""The two admin sites, and what every model admin on them shares.

- ``/admin/``, the full Django admin, is for platform administrators (superusers) alone.
- ``/council-admin/`` is a council administrator's set-up: every page runs in the scope of the
  councils where the person is an administrator (surveys.tenancy), so a list, a form's choices
  and a record opened by its id can only ever be that council's. Permissions come from the
  person's role, not from Django's per-model permissions, so nobody can be given access to
  another council's records by a tick box.

Every change made on either site is added to the audit trail with who, when and which fields.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.forms import BaseModelForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from surveys import tenancy
from surveys.audit import audit_log
from surveys.two_factor import is_verified


class PlatformAdminSite(admin.AdminSite):
    site_header = "Collab platform administration"
    site_title = "Collab platform administration"
    index_title = "Councils, questionnaires and everything else"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        # Signed in with the second factor too (officers/two_factor.py sends anyone else to it).
        return bool(user.is_active and user.is_superuser and is_verified(user))

    def get_urls(self):
        from django.urls import path

        return [
            path(
                "retention/run/",
                self.admin_view(self.retention_run_view),
                name="retention_run",
            ),
            *super().get_urls(),
        ]

    def index(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "retention_run": True}
        return super().index(request, extra_context)

    def retention_run_view(self, request: HttpRequest) -> HttpResponse:
        """“Run now” for the retention job: a confirmation page, then the same job the
        schedule runs, across every council, with what it deleted shown and audited."""
        from django.contrib import messages
        from django.template.response import TemplateResponse

        from surveys.lifecycle import survey_retention_apply, surveys_retention_due

        if request.method == "POST":
            with tenancy.all_councils():  # the platform's job: every council's surveys
                deleted = survey_retention_apply()
            audit_log(actor=request.user, action="retention_run_now", **deleted)
            messages.success(
                request,
                f"Retention applied: personal data deleted for {deleted['surveys']} survey(s), "
                f"{deleted['invitees']} invitee(s) and {deleted['panel_members']} panel "
                "member(s).",
            )
            return redirect(f"{self.name}:index")
        with tenancy.all_councils():  # listing what the job would delete, in every council
            due = surveys_retention_due()
        return TemplateResponse(
            request,
            "admin/retention_run.html",
            {**self.each_context(request), "title": "Apply retention now", "due": due},
        )


def council_admin_ids(request: HttpRequest) -> list[int]:
    return tenancy.council_ids_for(user=request.user, permission="council.set_up")


class CouncilAdminSite(admin.AdminSite):
    site_header = "Your council's set-up"
    site_title = "Council set-up"
    index_title = "Set up your council's surveys"
    site_url = "/officer/"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and is_verified(user) and council_admin_ids(request))

    def admin_view(self, view, cacheable: bool = False):
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def scoped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            # Only the councils this person administers: not those where they are an officer.
            with tenancy.council_scope(council_admin_ids(request)):
                return inner(request, *args, **kwargs)

        return scoped

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        context = super().each_context(request)
        from surveys.models import Council

        names = list(
            Council.objects.filter(pk__in=council_admin_ids(request)).values_list("name", flat=True)
        )
        if names:
            context["site_header"] = f"Set-up of {', '.join(names)}"
        return context

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        # Council administrators sign in where officers do (and are not Django staff); once
        # signed in they go where they were going, or to the set-up's first page.
        target = request.GET.get("next") or reverse(f"{self.name}:index")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse(f"{self.name}:index")
        if request.user.is_authenticated:
            if self.has_permission(request):
                return redirect(target)
            raise PermissionDenied("You are not an administrator of any council.")
        return redirect(f"{reverse('login')}?{urlencode({'next': target})}")


council_site = CouncilAdminSite(name="council_admin")


def _council_of(obj: Any):
    """The council and survey a record belongs to, for its audit entry (either may be None)."""
    name = obj._meta.model_name
    if name == "council":
        return obj, None
    if name == "survey":
        return obj.council, obj
    for path in ("council", "survey", "page", "questionnaire", "question"):
        related = getattr(obj, path, None)
        if related is None:
            continue
        if path == "council":
            return related, None
        if path == "survey":
            return related.council, related
        return _council_of(related)
    return None, None


def admin_change_audit(
    *, request: HttpRequest, obj: Any, action: str, fields: list[str] | None = None
) -> None:
    council, survey = _council_of(obj)
    audit_log(
        actor=request.user,
        action=f"admin.{obj._meta.model_name}.{action}",
        council=council,
        survey=survey if getattr(survey, "pk", None) else None,
        object=str(obj)[:200],
        object_id=obj.pk,
        fields=fields or [],
        site=request.resolver_match.namespace if request.resolver_match else "",
    )


class AuditedAdmin(admin.ModelAdmin):
    """Every add, change and delete, and every change to an inline row, is audited."""

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if change and not form.changed_data:
            return  # saved as it was: nothing to record
        admin_change_audit(
            request=request,
            obj=obj,
            action="changed" if change else "added",
            fields=list(form.changed_data),
        )

    def delete_model(self, request, obj) -> None:
        admin_change_audit(request=request, obj=obj, action="deleted")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            admin_change_audit(request=request, obj=obj, action="deleted")
        super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change) -> None:
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            admin_change_audit(request=request, obj=obj, action="added")
        for obj, fields in formset.changed_objects:
            admin_change_audit(request=request, obj=obj, action="changed", fields=list(fields))
        for obj in formset.deleted_objects:
            admin_change_audit(request=request, obj=obj, action="deleted")


class _UniqueAcrossCouncils(BaseModelForm):
    def validate_unique(self) -> None:
        # A survey's address is unique on the whole installation: check it against every
        # council's, not only those in scope, or a clash would end in a database error.
        with tenancy.all_councils():
            super().validate_unique()


class CouncilScopedAdmin(AuditedAdmin):
    """A model admin on the council site: what the role allows, and only in scope.

    ``council_can`` lists what a council administrator may do here ("view" always).
    """

    council_can: frozenset[str] = frozenset({"view"})

    def _allowed(self, request: HttpRequest, action: str) -> bool:
        return self.admin_site.has_permission(request) and (
            action == "view" or action in self.council_can
        )

    def has_module_permission(self, request) -> bool:
        return self.admin_site.has_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._allowed(request, "view")

    def has_add_permission(self, request, *args) -> bool:
        return self._allowed(request, "add")

    def has_change_permission(self, request, obj=None) -> bool:
        return self._allowed(request, "change")

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._allowed(request, "delete")

    # Fields unique on the whole installation, checked against every council's rows (not only
    # those in scope) so that a clash is a form error, not a database error.
    unique_across_councils = False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if not self.unique_across_councils:
            return form
        return type(form.__name__, (_UniqueAcrossCouncils, form), {})


class CouncilScopedInline:
    """An inline on the council site: the same role check as the page it is on, and
    ``parent_editable`` for rows that belong to something frozen (a questionnaire in use)."""

    council_can: frozenset[str] = frozenset({"view"})

    def parent_editable(self, obj) -> bool:
        return True

    def _allowed(self, request: HttpRequest, action: str, obj=None) -> bool:
        if not self.admin_site.has_permission(request):
            return False
        return action == "view" or (action in self.council_can and self.parent_editable(obj))

    def has_view_permission(self, request, obj=None) -> bool:
        return self._allowed(request, "view", obj)

    def has_add_permission(self, request, obj=None) -> bool:
        return self._allowed(request, "add", obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._allowed(request, "change", obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._allowed(request, "delete", obj)
