from django.contrib import admin

from inclusion.core.admin_base import ModelAdmin
from sessions_app.reminders.models import ReminderMessage


@admin.register(ReminderMessage)
class ReminderMessageAdmin(ModelAdmin):
    """Read-only: messages are recorded and sent by the reminder services alone."""

    list_display = ["created_at", "kind", "channel", "address", "antenna", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind", "channel"]
    search_fields = ["^address"]
    raw_id_fields = ["antenna", "occurrence", "booking", "recipient_user"]

    def get_queryset(self, request):
        # The read-only page names each related row: loaded here rather than one query each (the
        # list then leaves out its own list_select_related, so the antenna is named here too).
        return (
            super()
            .get_queryset(request)
            .select_related(
                "antenna", "occurrence__permanence", "booking__slot__occurrence__permanence", "recipient_user"
            )
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
