"""The admin's set-up screens: councils, questionnaires and surveys.

A questionnaire that a survey has taken live is shown read-only; the
"Copy to a new version" action makes an editable copy.
"""

from __future__ import annotations

from django.contrib import admin, messages

from surveys import services
from surveys.models import (
    Area,
    AuditEntry,
    Council,
    Invitation,
    Item,
    Option,
    Page,
    Question,
    Questionnaire,
    Survey,
)


class AreaInline(admin.TabularInline):
    model = Area
    extra = 0


@admin.register(Council)
class CouncilAdmin(admin.ModelAdmin):
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
    list_display = ["title", "slug", "version", "locked"]
    inlines = [PageInline, QuestionInline]
    actions = ["copy_to_new_version"]

    def questionnaire_of(self, obj):
        return obj

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


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["title", "council", "status", "opens_at", "closes_at", "public_link"]
    list_filter = ["status", "council"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["pk", "survey", "area", "created_at", "used_at"]
    readonly_fields = ["code_hash"]


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
