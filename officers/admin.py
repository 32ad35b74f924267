"""Exports in the admin, read-only: the record of who exported what and when is an audit
trail, so nobody edits it by hand."""

from django.contrib import admin

from officers.models import Export


@admin.register(Export)
class ExportAdmin(admin.ModelAdmin):
    list_display = ["created_at", "survey", "kind", "weighted", "created_by", "status"]
    list_filter = ["kind", "status", "survey__council"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
