from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from inclusion.core.admin_paging import LargeTableAdmin
from sessions_app.reminders.models import InboundSms, ReminderMessage, SmsStop

PHONE_SEARCH_HELP = _("A phone number (0612345678, +33612345678), or the start of its international form (+336…).")


@admin.register(ReminderMessage)
class ReminderMessageAdmin(LargeTableAdmin):
    """Read-only: messages are recorded and sent by the reminder services alone."""

    list_display = ["created_at", "kind", "channel", "address", "antenna", "status", "attempts", "sent_at"]
    # The status on its index (status, next attempt). The kind and the channel have none: a rare
    # one (a call to make, a reply's notice) would be looked for in every message, twice, as a
    # booking's channel was.
    list_filter = ["status"]
    search_fields = ["^address"]
    raw_id_fields = ["antenna", "occurrence", "booking", "change", "recipient_user", "handled_by"]

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


@admin.register(InboundSms)
class InboundSmsAdmin(LargeTableAdmin):
    """Read-only: replies are recorded by the SMS provider's webhook alone (replies.reply_receive)."""

    list_display = ["received_at", "sender", "outcome", "booking"]
    list_filter = ["outcome"]
    search_fields = ["^sender"]
    search_phone_field = "sender"
    search_help_text = PHONE_SEARCH_HELP
    raw_id_fields = ["booking"]

    def get_queryset(self, request):
        # The booking is named by its slot and date, on the list and on the read-only page.
        return super().get_queryset(request).select_related("booking__slot__occurrence__permanence")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SmsStop)
class SmsStopAdmin(LargeTableAdmin):
    """Read-only: a number is added by its owner's STOP (replies.reply_receive). Deleting it lets
    text messages go to it again, for a person who asks for them back."""

    list_display = ["address", "created_at"]
    list_filter = [("created_at", admin.DateFieldListFilter)]
    search_fields = ["^address"]
    search_phone_field = "address"
    search_help_text = PHONE_SEARCH_HELP

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
