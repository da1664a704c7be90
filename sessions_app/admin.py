from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from inclusion.admin_base import ModelAdmin

from .models import Booking, Closure, Occurrence, Permanence, ReminderMessage, SessionLog, Slot, Topic, Voucher


class SlotInline(admin.TabularInline):
    model = Slot
    extra = 0

    def get_queryset(self, request):
        # Each row is titled with the slot's name, which names its date and permanence.
        return super().get_queryset(request).select_related("occurrence__permanence")


@admin.register(Permanence)
class PermanenceAdmin(ModelAdmin):
    list_display = ["title", "antenna", "kind", "frequency", "weekday", "start_time", "end_time", "seats", "is_active"]
    list_filter = ["is_active", "kind", "frequency", "booking_mode", "antenna__department_code"]
    search_fields = ["^title", "^antenna__name", "^antenna__city"]
    autocomplete_fields = ["antenna"]
    list_select_related = ["antenna"]


@admin.register(Closure)
class ClosureAdmin(ModelAdmin):
    list_display = ["antenna", "permanence", "starts_on", "ends_on", "reason"]
    list_filter = ["starts_on", "antenna__department_code"]
    search_fields = ["^antenna__name", "^permanence__title", "^reason"]
    autocomplete_fields = ["antenna", "permanence"]
    list_select_related = ["antenna", "permanence__antenna"]


@admin.register(Occurrence)
class OccurrenceAdmin(ModelAdmin):
    sortable_by = ["date"]
    list_display = ["permanence", "date", "starts_at", "status", "is_one_off", "is_detached", "needs_resolution"]
    list_filter = ["status", "needs_resolution", "is_one_off", "is_detached", "date"]
    search_fields = ["^permanence__title", "^permanence__antenna__name"]
    raw_id_fields = ["permanence", "cancelled_by"]
    list_select_related = ["permanence__antenna"]
    inlines = [SlotInline]


@admin.register(Slot)
class SlotAdmin(ModelAdmin):
    list_display = ["occurrence", "starts_at", "ends_at", "seats"]
    # Through the date's index: the slots have none on their times.
    list_filter = ["occurrence__date"]
    search_fields = ["^occurrence__permanence__title", "^occurrence__permanence__antenna__name"]
    raw_id_fields = ["occurrence"]
    list_select_related = ["occurrence__permanence__antenna"]


@admin.register(Booking)
class BookingAdmin(ModelAdmin):
    list_display = ["slot", "status", "created_at", "created_by", "must_be_told"]
    list_filter = ["status", "channel", "attendance", "must_be_told"]
    search_fields = ["^beneficiary__last_name", "^beneficiary__first_name", "=liaison_sheet__reference"]
    search_help_text = _(
        "The start of the person's last or first name, a liaison sheet's reference, or a booking's number."
    )
    raw_id_fields = ["slot", "beneficiary", "liaison_sheet", "created_by"]
    list_select_related = ["slot__occurrence__permanence__antenna", "created_by"]


@admin.register(Topic)
class TopicAdmin(ModelAdmin):
    """Admins add topics or deactivate them; codes stay stable for exports."""

    # Thirty rows or so, in the order the forms show them.
    ordering = ["parent__position", "position", "label"]
    sortable_by = ["label", "code", "position"]
    list_display = ["label", "code", "parent", "position", "is_active"]
    list_filter = ["is_active", "parent"]
    search_fields = ["label", "code"]
    list_editable = ["is_active", "position"]
    list_select_related = ["parent"]


class VoucherInline(admin.TabularInline):
    model = Voucher
    extra = 0


@admin.register(SessionLog)
class SessionLogAdmin(ModelAdmin):
    sortable_by = ["date"]
    list_display = ["date", "antenna", "beneficiary", "is_workshop", "duration_minutes", "outcome"]
    list_filter = ["is_workshop", "outcome", "autonomy", "date", "antenna__department_code"]
    search_fields = ["^beneficiary__last_name", "^beneficiary__first_name"]
    search_phone_field = "beneficiary__phone"
    search_help_text = _("The start of the person's last or first name, their phone number, or a session's number.")
    raw_id_fields = ["antenna", "occurrence", "booking", "beneficiary", "created_by", "volunteers", "participants"]
    filter_horizontal = ["topics"]
    list_select_related = ["antenna", "beneficiary"]
    inlines = [VoucherInline]


@admin.register(Voucher)
class VoucherAdmin(ModelAdmin):
    list_display = ["number", "session_log"]
    list_filter = ["session_log__date"]
    search_fields = ["^number"]
    raw_id_fields = ["session_log"]
    list_select_related = ["session_log__antenna"]


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
