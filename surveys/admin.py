"""The admin's set-up screens: councils, questionnaires and surveys.

A questionnaire that a survey has taken live is shown read-only; the
"Copy to a new version" action makes an editable copy. A questionnaire can be
previewed page by page exactly as residents see it; nothing entered is stored.
Surveys are opened and closed through surveys.lifecycle, which audits it, and their
population targets are checked by results.services before they are saved.
"""

from __future__ import annotations

from collections import defaultdict
from functools import partial

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html

from results.errors import ResultsError
from results.models import PopulationTarget
from results.services import targets_copy, targets_import, targets_validate
from surveys import lifecycle, services, waves
from surveys.admin_sites import (
    AuditedAdmin,
    CouncilScopedAdmin,
    CouncilScopedInline,
    admin_change_audit,
    council_admin_ids,
    council_site,
)
from surveys.errors import SurveyError
from surveys.forms import PageForm
from surveys.imports import UploadRejected, upload_read
from surveys.models import (
    Area,
    AuditEntry,
    Council,
    Invitation,
    Invitee,
    Item,
    Membership,
    Option,
    Page,
    PanelMember,
    Question,
    Questionnaire,
    Survey,
    accent_colour_check,
)
from surveys.spec import survey_spec


def admin_site_audit(request: HttpRequest, obj, action: str, fields: list[str]) -> None:
    admin_change_audit(request=request, obj=obj, action=action, fields=fields)


def questionnaires_visible(request: HttpRequest):
    """Every questionnaire on the platform site; on a council's, the shared versions and the
    council's own."""
    if request.resolver_match and request.resolver_match.namespace == council_site.name:
        return Questionnaire.objects.filter(
            Q(council__isnull=True) | Q(council_id__in=council_admin_ids(request))
        )
    return Questionnaire.objects.all()


class AreaFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            area = form.instance
            if area.pk is None or not form.cleaned_data.get("DELETE"):
                continue
            used = area.response_set.count()
            if used:
                raise ValidationError(
                    f"{area.name} is the area of {used} responses, so it cannot be deleted. "
                    "Rename it instead if its name has changed."
                )


class AreaInline(admin.TabularInline):
    """A council's wards. One that responses name cannot be deleted (Response.area protects
    it): the form says so instead of the responses losing their area."""

    model = Area
    formset = AreaFormSet
    extra = 0


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role", "granted_at", "granted_by"]
    readonly_fields = ["granted_at", "granted_by"]
    autocomplete_fields = ["user"]


class CouncilForm(forms.ModelForm):
    class Meta:
        model = Council
        fields = [
            "name",
            "slug",
            "logo",
            "accent_colour",
            "return_address",
            "base_url",
            "email_sender_name",
            "email_reply_to",
            "email_subject",
            "email_body",
            "letter_body",
        ]
        field_classes = {"base_url": partial(forms.URLField, assume_scheme="https")}

    def clean_accent_colour(self) -> str:
        colour = self.cleaned_data["accent_colour"]
        accent_colour_check(colour)
        return colour


@admin.register(Council)
class CouncilAdmin(AuditedAdmin):
    form = CouncilForm
    list_display = ["name", "slug", "accent_colour"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [AreaInline, MembershipInline]
    readonly_fields = ["email_preview", "letter_preview"]

    @admin.display(description="Preview of the e-mail")
    def email_preview(self, obj):
        return _wording_preview(obj, "email")

    @admin.display(description="Preview of the letter")
    def letter_preview(self, obj):
        return _wording_preview(obj, "letter")


def _wording_preview(council, which: str):
    """The saved wording as a resident gets it (a sample invitee and code); save to see a
    change."""
    from django.utils.html import format_html

    from surveys.invitations import wording_preview

    if council is None or council.pk is None:
        return "Save the council to see a preview."
    text = wording_preview(council=council)[which]
    return format_html('<pre style="white-space: pre-wrap; max-width: 45em">{}</pre>', text)


class LockedWhenLiveMixin:
    """Read-only once the questionnaire it belongs to is used by a live survey."""

    def questionnaire_of(self, obj) -> Questionnaire | None:
        raise NotImplementedError

    def _locked(self, obj) -> bool:
        questionnaire = self.questionnaire_of(obj) if obj is not None else None
        return bool(questionnaire and questionnaire.is_locked)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._locked(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._locked(obj)


class PageInline(admin.TabularInline):
    model = Page
    extra = 0


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = ["page", "position", "code", "kind", "text", "required"]
    show_change_link = True


@admin.register(Questionnaire)
class QuestionnaireAdmin(LockedWhenLiveMixin, AuditedAdmin):
    list_display = ["title", "slug", "version", "locked", "preview_link"]
    inlines = [PageInline, QuestionInline]
    actions = ["copy_to_new_version"]

    def questionnaire_of(self, obj):
        return obj

    def get_urls(self):
        preview = self.admin_site.admin_view(questionnaire_preview)
        return [
            path("<int:pk>/preview/<int:number>/", preview, name="surveys_questionnaire_preview"),
            *super().get_urls(),
        ]

    @admin.display(description="Preview")
    def preview_link(self, obj) -> str:
        url = reverse(f"{self.admin_site.name}:surveys_questionnaire_preview", args=[obj.pk, 1])
        return format_html('<a href="{}">Preview as a resident</a>', url)

    @admin.display(boolean=True, description="Used by a live survey")
    def locked(self, obj) -> bool:
        return obj.is_locked

    @admin.action(description="Copy to a new version")
    def copy_to_new_version(self, request, queryset):
        # The copy belongs where its original does; the council site's action says otherwise.
        for questionnaire in queryset:
            copy = services.questionnaire_copy(questionnaire=questionnaire)
            admin_site_audit(request, copy, "added", ["copied from", str(questionnaire.pk)])
            self.message_user(
                request, f"Created version {copy.version} of {copy.title}.", messages.SUCCESS
            )


class ItemInline(admin.TabularInline):
    model = Item
    extra = 0


class OptionInline(admin.TabularInline):
    model = Option
    extra = 0


@admin.register(Question)
class QuestionAdmin(LockedWhenLiveMixin, AuditedAdmin):
    list_display = ["code", "kind", "questionnaire", "page"]
    list_filter = ["questionnaire", "kind"]
    inlines = [ItemInline, OptionInline]

    def questionnaire_of(self, obj):
        return obj.questionnaire


def questionnaire_preview(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """A questionnaire's page rendered with the residents' own template and form.

    ?survey=<id> previews it with that survey's council (name, colour, areas); ?arm=B shows
    the other half of the split sample. A POST is validated like a resident's and moves on
    when it passes, but nothing is stored: the draft lives in the form only.
    """
    site = request.resolver_match.namespace
    questionnaire = get_object_or_404(questionnaires_visible(request), pk=pk)
    survey = None
    if request.GET.get("survey", "").isdigit():
        survey = (
            Survey.objects.select_related("council")
            .filter(pk=request.GET["survey"], questionnaire=questionnaire)
            .first()
        )
    if survey is None:
        # Unsaved: gives the residents' template a council name and colour, stores nothing.
        survey = Survey(
            title=questionnaire.title,
            slug="preview",
            questionnaire=questionnaire,
            council=Council(name="Preview council", slug="preview"),
            contact="the council's survey team",
        )
    arm = "B" if request.GET.get("arm") == "B" else "A"
    spec = survey_spec(questionnaire=questionnaire, council_id=survey.council_id)
    page = spec.page(number)
    if page is None:
        raise Http404("There is no such page in this questionnaire.")
    form = PageForm(request.POST or None, page=page, arm=arm, draft={})
    status = 200
    if request.method == "POST":
        query = request.GET.urlencode()
        if request.POST.get("action") == "previous" and number > 1:
            return redirect(
                f"{reverse(f'{site}:surveys_questionnaire_preview', args=[pk, number - 1])}?{query}"
            )
        if form.is_valid() and number < spec.page_count:
            return redirect(
                f"{reverse(f'{site}:surveys_questionnaire_preview', args=[pk, number + 1])}?{query}"
            )
        status = 200 if form.is_valid() else 400
        if status == 200:
            messages.success(request, "That was the last page. Nothing you entered was stored.")
    else:
        messages.info(
            request,
            f"Preview of {questionnaire} as half {arm} of the sample sees it. "
            "Answers are checked as for a resident, but nothing is stored.",
        )
    return render(
        request,
        "surveys/page.html",
        {
            "survey": survey,
            "page": page,
            "form": form,
            "number": number,
            "page_count": spec.page_count,
            "returning": False,
        },
        status=status,
    )


class TargetsFormSet(forms.BaseInlineFormSet):
    """Every margin's shares are checked by results.services before any is saved: known
    categories, every category given, summing to 100%."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        by_margin: dict[str, dict[str, object]] = defaultdict(dict)
        for form in self.forms:
            data = form.cleaned_data
            if not data or data.get("DELETE"):
                continue
            margin, category = data["margin"], data["category"]
            if category in by_margin[margin]:
                raise ValidationError(f"{margin} {category} is given twice.")
            by_margin[margin][category] = data["share"]
        problems = []
        for margin, shares in by_margin.items():
            try:
                targets_validate(survey=self.instance, margin=margin, shares=shares)
            except ResultsError as error:
                problems.append(str(error))
        if problems:
            raise ValidationError(problems)


class PopulationTargetInline(admin.TabularInline):
    model = PopulationTarget
    formset = TargetsFormSet
    extra = 0
    fields = ["margin", "category", "share"]


class TargetsImportForm(forms.Form):
    file = forms.FileField(
        label="Population targets (CSV)",
        help_text="Columns margin,category,share; a share is a fraction (0.14) or a percentage "
        "(14%). Replaces every target of this survey.",
    )


class SurveyForm(forms.ModelForm):
    """Refuses what would change the meaning of responses already given (see
    lifecycle.survey_change_check). Status is changed by the Open now and Close now actions,
    which audit it, except when a survey is created. (No Meta: the admin builds the fields
    per request, inside the council scope, so choices are only the council's own.)"""

    def clean(self):
        data = super().clean()
        if self.instance.pk is not None:
            questionnaire = data.get("questionnaire")
            try:
                council = data.get("council")
                lifecycle.survey_change_check(
                    survey=self.instance,
                    questionnaire_id=questionnaire.pk if questionnaire else None,
                    status=data.get("status"),
                    council_id=council.pk if council else None,
                )
            except SurveyError as error:
                raise ValidationError(str(error)) from None
        previous = data.get("previous_wave")
        if previous is not None and data.get("council") and data.get("questionnaire"):
            probe = Survey(
                pk=self.instance.pk,
                council=data["council"],
                questionnaire=data["questionnaire"],
            )
            try:
                waves.wave_link_check(survey=probe, previous=previous)
            except SurveyError as error:
                raise ValidationError({"previous_wave": str(error)}) from None
        return data


class RunAgainForm(forms.Form):
    """The next wave's own title, address and name in comparisons; the rest is copied."""

    title = forms.CharField(max_length=200)
    slug = forms.SlugField(
        max_length=80, label="Address", help_text="The end of the survey's web address."
    )
    wave_label = forms.CharField(
        max_length=40,
        required=False,
        label="Name of this wave in comparisons",
        help_text='For example "2026". Empty: the year it opens.',
    )


@admin.register(Survey)
class SurveyAdmin(AuditedAdmin):
    form = SurveyForm
    list_display = ["title", "council", "status", "opens_at", "closes_at", "public_link"]
    list_filter = ["status", "council"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [PopulationTargetInline]
    actions = ["open_now", "close_now"]
    # When a survey was set up is a fact of its history, not a setting.
    readonly_fields = ["set_up_links", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # Opening and closing go through the actions, which audit them.
            fields.append("status")
        return fields

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            lifecycle.survey_created(survey=obj, actor=request.user)

    def get_urls(self):
        view = self.admin_site.admin_view(self.targets_import_view)
        again = self.admin_site.admin_view(self.run_again_view)
        return [
            path("<int:pk>/targets-import/", view, name="surveys_survey_targets_import"),
            path("<int:pk>/run-again/", again, name="surveys_survey_run_again"),
            *super().get_urls(),
        ]

    @admin.display(description="More")
    def set_up_links(self, obj) -> str:
        if obj is None or obj.pk is None:
            return "Save the survey first."
        return format_html(
            '<a href="{}">Import population targets from CSV</a> · '
            '<a href="{}">Preview the questionnaire as a resident</a> · '
            '<a href="{}">Print the paper questionnaires</a> · '
            '<a href="{}">Run again as the next wave</a>',
            reverse(f"{self.admin_site.name}:surveys_survey_targets_import", args=[obj.pk]),
            reverse(
                f"{self.admin_site.name}:surveys_questionnaire_preview",
                args=[obj.questionnaire_id, 1],
            )
            + f"?survey={obj.pk}",
            # The officers' page, by its name only: its version A and B, standard and large.
            reverse("officers:paper_forms", args=[obj.slug]),
            reverse(f"{self.admin_site.name}:surveys_survey_run_again", args=[obj.pk]),
        )

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        if any(isinstance(f, TargetsFormSet) and f.has_changed() for f in formsets):
            # Targets changed by hand: weights follow, as targets_set would arrange.
            from results.services import reweight_queue

            reweight_queue(form.instance.pk)
            admin_site_audit(request, form.instance, "changed", ["population targets"])

    @admin.action(description="Open now")
    def open_now(self, request, queryset) -> None:
        self._each(request, queryset, lifecycle.survey_open, "opened")

    @admin.action(description="Close now")
    def close_now(self, request, queryset) -> None:
        self._each(request, queryset, lifecycle.survey_close, "closed")

    def _each(self, request, queryset, service, done: str) -> None:
        for survey in queryset:
            try:
                service(survey=survey, actor=request.user)
            except SurveyError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, f"“{survey.title}” is {done}.", messages.SUCCESS)

    def run_again_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """“Run again”: a confirmation page saying what the next wave takes from this one,
        then a draft linked to it as its earlier wave (surveys.waves), with its population
        targets, audited."""
        survey = get_object_or_404(self.get_queryset(request), pk=pk)
        if not (self.has_add_permission(request) and self.has_view_permission(request, survey)):
            raise Http404
        year = (survey.opens_at or survey.created_at).year + 1
        form = RunAgainForm(
            request.POST or None,
            initial={
                "title": survey.title,
                "slug": f"{survey.slug}-{year}"[:80],
                "wave_label": str(year),
            },
        )
        if request.method == "POST" and form.is_valid():
            try:
                wave = waves.survey_run_again(
                    survey=survey, actor=request.user, **form.cleaned_data
                )
                copied = targets_copy(source=survey, target=wave)
            except (SurveyError, ResultsError) as error:
                form.add_error(None, str(error))
            else:
                self.message_user(
                    request,
                    f"“{wave.title}” is set up as the next wave of “{survey.title}”, as a draft "
                    f"with its settings and {copied} population target(s). Check its dates, "
                    "then open it.",
                    messages.SUCCESS,
                )
                return redirect(f"{self.admin_site.name}:surveys_survey_change", wave.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Run “{survey}” again",
            "survey": survey,
            "form": form,
            "opts": self.model._meta,
            "earlier": waves.survey_earlier_waves(survey=survey),
            "back_url": reverse(f"{self.admin_site.name}:surveys_survey_change", args=[pk]),
        }
        return render(
            request, "admin/surveys/run_again.html", context, status=400 if form.errors else 200
        )

    def targets_import_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        survey = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_change_permission(request, survey):
            raise Http404
        form = TargetsImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                text = upload_read(form.cleaned_data["file"])
                count = targets_import(survey=survey, csv_text=text)
            except (UploadRejected, ResultsError) as error:
                form.add_error("file", str(error))
            else:
                admin_site_audit(request, survey, "changed", ["population targets (CSV)"])
                self.message_user(request, f"Imported {count} population targets.")
                return redirect(f"{self.admin_site.name}:surveys_survey_change", pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Import population targets for {survey}",
            "survey": survey,
            "form": form,
            "opts": self.model._meta,
            "back_url": reverse(f"{self.admin_site.name}:surveys_survey_change", args=[pk]),
        }
        return render(
            request,
            "admin/surveys/targets_import.html",
            context,
            status=400 if form.errors else 200,
        )


@admin.register(Invitation)
class InvitationAdmin(AuditedAdmin):
    list_display = ["pk", "survey", "area", "created_at", "used_at"]
    readonly_fields = ["code_hash"]


@admin.register(Invitee)
class InviteeAdmin(AuditedAdmin):
    """Personal data: viewable for support, never added by hand (officers upload a CSV)."""

    list_display = ["pk", "survey", "area", "status", "attempts", "sent_at", "reminders"]
    list_filter = ["status", "survey__council"]
    readonly_fields = ["invitation", "status", "attempts", "last_error", "sent_at", "reminders"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(PanelMember)
class PanelMemberAdmin(AuditedAdmin):
    list_display = ["pk", "survey", "consented_at"]
    list_filter = ["survey__council"]
    readonly_fields = ["withdrawal_code_hash", "consented_at"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the trail is added to by the services, never edited by hand."""

    list_display = ["at", "actor", "action", "council", "survey"]
    list_filter = ["action", "council"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# ---------------------------------------------------------------------------------------------
# The council site (/council-admin/): the same screens, in the scope of the councils the person
# administers (surveys.admin_sites), with what a council administrator may do.


class CouncilAreaInline(CouncilScopedInline, AreaInline):
    council_can = frozenset({"view", "add", "change", "delete"})


class MembershipForm(forms.ModelForm):
    """A role given by username: a council administrator never browses the installation's
    people, and can only give roles in a council they administer. (No Meta, as SurveyForm.)"""

    username = forms.CharField(
        label="Username",
        help_text="The person's username. A new account is made if there is none yet.",
    )
    email = forms.EmailField(
        required=False, help_text="For a new account: their work e-mail address."
    )
    password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="For a new account: a first password they will change. Leave empty for "
        "someone who already has an account.",
    )

    # People who already hold a role in one of the councils of the person giving the role
    # (set by the admin for each request).
    known_people = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["username"].initial = self.instance.user.get_username()
            self.fields["username"].disabled = True

    def clean(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.password_validation import validate_password

        data = super().clean()
        if self.instance.pk:
            changed = {"council": data.get("council"), "role": data.get("role")}
            duplicate = Membership.objects.filter(user=self.instance.user, **changed).exclude(
                pk=self.instance.pk
            )
            if all(changed.values()) and duplicate.exists():
                raise ValidationError(
                    f"{self.instance.user.get_username()} already holds this role in "
                    f"{changed['council']}."
                )
            return data
        User = get_user_model()
        username = data.get("username", "").strip()
        user = User.objects.filter(username=username).first()
        council, role = data.get("council"), data.get("role")
        if user is not None and not self.known_people.filter(pk=user.pk).exists():
            # Someone who works for another council is given a role here by the platform's
            # administrators: a council's administrator never takes over another's account.
            raise ValidationError(
                {
                    "username": "This username is taken. If the person already has an account "
                    "with another council, ask the platform administrators to add them."
                }
            )
        held = Membership.objects.filter(user=user, council=council, role=role)
        if user is not None and council and role and held.exists():
            raise ValidationError(f"{user.get_username()} already holds this role in {council}.")
        if user is None:
            if not data.get("password"):
                raise ValidationError(
                    {"password": "There is no account with this username: give a first password."}
                )
            candidate = User(username=username, email=data.get("email", ""))
            try:
                validate_password(data["password"], candidate)
            except ValidationError as error:
                raise ValidationError({"password": error.messages}) from None
            data["new_user"] = candidate
        else:
            data["user"] = user
        return data

    def save(self, commit: bool = True):
        data = self.cleaned_data
        if not self.instance.pk:
            user = data.get("user")
            if user is None:
                user = data["new_user"]
                user.set_password(data["password"])
                user.save()
            self.instance.user = user
        return super().save(commit)


class CouncilMembershipAdmin(CouncilScopedAdmin):
    council_can = frozenset({"view", "add", "change", "delete"})
    form = MembershipForm
    list_display = ["user", "council", "role", "granted_at", "granted_by"]
    list_filter = ["council", "role"]
    fields = ["username", "email", "password", "council", "role"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        from django.contrib.auth import get_user_model

        form.known_people = (
            get_user_model()
            .objects.filter(memberships__council_id__in=council_admin_ids(request))
            .distinct()
        )
        return form

    def save_model(self, request, obj, form, change) -> None:
        if change and "role" in form.changed_data:
            self._keep_an_administrator(request, obj, leaving=form.initial.get("role"))
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)

    def _last_administrator(self, obj: Membership) -> bool:
        others = Membership.objects.filter(
            council_id=obj.council_id, role=Membership.Role.COUNCIL_ADMIN
        ).exclude(pk=obj.pk)
        return not others.exists()

    def _keep_an_administrator(self, request, obj: Membership, *, leaving) -> None:
        if leaving == Membership.Role.COUNCIL_ADMIN and self._last_administrator(obj):
            raise PermissionDenied(f"{obj.council} would be left with no administrator.")

    def has_delete_permission(self, request, obj=None) -> bool:
        administrator = obj is not None and obj.role == Membership.Role.COUNCIL_ADMIN
        if administrator and self._last_administrator(obj):
            return False  # a council always keeps one administrator
        return super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "council":
            # Only councils this person administers, whatever else is in scope.
            kwargs["queryset"] = Council.objects.filter(pk__in=council_admin_ids(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CouncilCouncilAdmin(CouncilScopedAdmin, CouncilAdmin):
    council_can = frozenset({"view", "change"})
    inlines = [CouncilAreaInline]
    prepopulated_fields = {}

    def get_readonly_fields(self, request, obj=None):
        return ["slug", "email_preview", "letter_preview"]


def _council_version_editable(questionnaire) -> bool:
    """A council may edit its own versions until a survey takes one live; shared versions and
    versions in use are copied instead."""
    return questionnaire is None or (
        questionnaire.council_id is not None and not questionnaire.is_locked
    )


class _QuestionnairePartInline(CouncilScopedInline):
    council_can = frozenset({"view", "add", "change", "delete"})

    def parent_editable(self, obj) -> bool:
        questionnaire = obj.questionnaire if isinstance(obj, Question) else obj
        return _council_version_editable(questionnaire)


class CouncilPageInline(_QuestionnairePartInline, PageInline):
    pass


class CouncilQuestionInline(_QuestionnairePartInline, QuestionInline):
    def get_formset(self, request, obj=None, **kwargs):
        request._collab_questionnaire_id = obj.pk if obj else None
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "page":
            # Only this questionnaire's pages.
            kwargs["queryset"] = Page.objects.filter(
                questionnaire_id=getattr(request, "_collab_questionnaire_id", None)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CouncilItemInline(_QuestionnairePartInline, ItemInline):
    pass


class CouncilOptionInline(_QuestionnairePartInline, OptionInline):
    pass


class CouncilQuestionnaireAdmin(CouncilScopedAdmin, QuestionnaireAdmin):
    council_can = frozenset({"view", "change", "delete"})
    exclude = ["council"]
    inlines = [CouncilPageInline, CouncilQuestionInline]

    def get_queryset(self, request):
        return questionnaires_visible(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and _council_version_editable(obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and _council_version_editable(obj)

    def copy_council(self, request):
        """A council's copy is always the council's own, never a shared version: the council
        of the copied version when it is one of theirs, else the first they administer."""
        ids = council_admin_ids(request)
        return Council.objects.filter(pk__in=ids).order_by("name").first()

    @admin.action(description="Copy to a new version for your council")
    def copy_to_new_version(self, request, queryset):
        ids = council_admin_ids(request)
        for questionnaire in queryset:
            council = (
                questionnaire.council
                if questionnaire.council_id in ids
                else self.copy_council(request)
            )
            copy = services.questionnaire_copy(questionnaire=questionnaire, council=council)
            admin_site_audit(request, copy, "added", ["copied from", str(questionnaire.pk)])
            self.message_user(
                request,
                f"Created version {copy.version} of {copy.title} for {council}.",
                messages.SUCCESS,
            )


class CouncilQuestionAdmin(CouncilScopedAdmin, QuestionAdmin):
    """A question of the council's own version: it stays in its questionnaire, and its page is
    one of that questionnaire's pages (never another version's, shared or another council's)."""

    council_can = frozenset({"view", "change"})
    inlines = [CouncilItemInline, CouncilOptionInline]
    list_filter = ["kind"]
    readonly_fields = ["questionnaire"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        request._collab_questionnaire_id = obj.questionnaire_id if obj else None
        return super().get_form(request, obj, change, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "page":
            kwargs["queryset"] = Page.objects.filter(
                questionnaire_id=getattr(request, "_collab_questionnaire_id", None)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request):
        return Question.objects.filter(questionnaire__in=questionnaires_visible(request))

    def has_change_permission(self, request, obj=None) -> bool:
        editable = obj is None or _council_version_editable(obj.questionnaire)
        return super().has_change_permission(request, obj) and editable


class CouncilTargetsInline(CouncilScopedInline, PopulationTargetInline):
    council_can = frozenset({"view", "add", "change", "delete"})


class CouncilSurveyAdmin(CouncilScopedAdmin, SurveyAdmin):
    council_can = frozenset({"view", "add", "change"})
    unique_across_councils = True  # a survey's address is unique on the whole installation
    inlines = [CouncilTargetsInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "council":
            kwargs["queryset"] = Council.objects.filter(pk__in=council_admin_ids(request))
        if db_field.name == "questionnaire":
            kwargs["queryset"] = questionnaires_visible(request)
        if db_field.name == "previous_wave":
            # Only the council's own surveys can be offered, and wave_link_check refuses
            # another council's even if one were posted.
            kwargs["queryset"] = Survey.objects.filter(council__in=council_admin_ids(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CouncilInviteeAdmin(CouncilScopedAdmin, InviteeAdmin):
    list_filter = ["status", "survey"]


class CouncilPanelMemberAdmin(CouncilScopedAdmin, PanelMemberAdmin):
    list_filter = ["survey"]


class CouncilAuditEntryAdmin(CouncilScopedAdmin, AuditEntryAdmin):
    list_filter = ["action"]


council_site.register(Council, CouncilCouncilAdmin)
council_site.register(Membership, CouncilMembershipAdmin)
council_site.register(Questionnaire, CouncilQuestionnaireAdmin)
council_site.register(Question, CouncilQuestionAdmin)
council_site.register(Survey, CouncilSurveyAdmin)
council_site.register(Invitee, CouncilInviteeAdmin)
council_site.register(PanelMember, CouncilPanelMemberAdmin)
council_site.register(AuditEntry, CouncilAuditEntryAdmin)
