"""The admin's set-up screens: councils, questionnaires and surveys.

A questionnaire that a survey has taken live is shown read-only; the
"Copy to a new version" action makes an editable copy. A questionnaire can be
previewed page by page exactly as residents see it; nothing entered is stored.
Surveys are opened and closed through surveys.lifecycle, which audits it, and their
population targets are checked by results.services before they are saved.
"""

from __future__ import annotations

from collections import defaultdict

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html

from results.errors import ResultsError
from results.models import PopulationTarget
from results.services import targets_import, targets_validate
from surveys import lifecycle, services
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
    Option,
    Page,
    PanelMember,
    Question,
    Questionnaire,
    Survey,
    accent_colour_check,
)
from surveys.spec import survey_spec


class AreaInline(admin.TabularInline):
    model = Area
    extra = 0


class CouncilForm(forms.ModelForm):
    class Meta:
        model = Council
        fields = ["name", "slug", "logo", "accent_colour", "officers"]

    def clean_accent_colour(self) -> str:
        colour = self.cleaned_data["accent_colour"]
        accent_colour_check(colour)
        return colour


@admin.register(Council)
class CouncilAdmin(admin.ModelAdmin):
    form = CouncilForm
    list_display = ["name", "slug", "accent_colour"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["officers"]
    inlines = [AreaInline]


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
class QuestionnaireAdmin(LockedWhenLiveMixin, admin.ModelAdmin):
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
        url = reverse("admin:surveys_questionnaire_preview", args=[obj.pk, 1])
        return format_html('<a href="{}">Preview as a resident</a>', url)

    @admin.display(boolean=True, description="Used by a live survey")
    def locked(self, obj) -> bool:
        return obj.is_locked

    @admin.action(description="Copy to a new version")
    def copy_to_new_version(self, request, queryset):
        for questionnaire in queryset:
            copy = services.questionnaire_copy(questionnaire=questionnaire)
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
class QuestionAdmin(LockedWhenLiveMixin, admin.ModelAdmin):
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
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
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
                f"{reverse('admin:surveys_questionnaire_preview', args=[pk, number - 1])}?{query}"
            )
        if form.is_valid() and number < spec.page_count:
            return redirect(
                f"{reverse('admin:surveys_questionnaire_preview', args=[pk, number + 1])}?{query}"
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


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["title", "council", "status", "opens_at", "closes_at", "public_link"]
    list_filter = ["status", "council"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [PopulationTargetInline]
    actions = ["open_now", "close_now"]
    readonly_fields = ["set_up_links"]

    def get_urls(self):
        view = self.admin_site.admin_view(self.targets_import_view)
        return [
            path("<int:pk>/targets-import/", view, name="surveys_survey_targets_import"),
            *super().get_urls(),
        ]

    @admin.display(description="More")
    def set_up_links(self, obj) -> str:
        if obj is None or obj.pk is None:
            return "Save the survey first."
        return format_html(
            '<a href="{}">Import population targets from CSV</a> · '
            '<a href="{}">Preview the questionnaire as a resident</a>',
            reverse("admin:surveys_survey_targets_import", args=[obj.pk]),
            reverse("admin:surveys_questionnaire_preview", args=[obj.questionnaire_id, 1])
            + f"?survey={obj.pk}",
        )

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        if any(isinstance(f, TargetsFormSet) and f.has_changed() for f in formsets):
            # Targets changed by hand: weights follow, as targets_set would arrange.
            from results.services import reweight_queue

            reweight_queue(form.instance.pk)

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

    def targets_import_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        survey = get_object_or_404(Survey, pk=pk)
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
                self.message_user(request, f"Imported {count} population targets.")
                return redirect("admin:surveys_survey_change", pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Import population targets for {survey}",
            "survey": survey,
            "form": form,
            "opts": self.model._meta,
        }
        return render(
            request,
            "admin/surveys/targets_import.html",
            context,
            status=400 if form.errors else 200,
        )


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["pk", "survey", "area", "created_at", "used_at"]
    readonly_fields = ["code_hash"]


@admin.register(Invitee)
class InviteeAdmin(admin.ModelAdmin):
    """Personal data: viewable for support, never added by hand (officers upload a CSV)."""

    list_display = ["pk", "survey", "area", "status", "attempts", "sent_at", "reminders"]
    list_filter = ["status", "survey__council"]
    readonly_fields = ["invitation", "status", "attempts", "last_error", "sent_at", "reminders"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(PanelMember)
class PanelMemberAdmin(admin.ModelAdmin):
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
