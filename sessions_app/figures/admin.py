from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from inclusion.core.admin_base import ModelAdmin
from sessions_app.figures.models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(ModelAdmin):
    """Read-only: jobs are asked for on the figures page and made by the task worker. The file
    itself is never offered here, only to the user who asked for it (the access log records who
    downloads what)."""

    list_display = [
        "created_at",
        "user",
        "kind",
        "scope_label",
        "period_start",
        "period_end",
        "status",
        "rows_written",
    ]
    list_filter = ["status", "kind", "names"]
    list_select_related = ["user"]
    search_fields = ["=user__email", "^scope_label"]
    search_number_field = None
    ordering = ["-created_at"]
    sortable_by = ["created_at"]
    raw_id_fields = ["user"]
    exclude = ["file"]
    readonly_fields = ["stored_as"]

    @admin.display(description=_("stored as"))
    def stored_as(self, job: ExportJob) -> str:
        return job.file.name

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
