from django.contrib import admin

from .models import Booking, Closure, Occurrence, Permanence, ReminderMessage, SessionLog, Slot, Topic, Voucher


class SlotInline(admin.TabularInline):
    model = Slot
    extra = 0


@admin.register(Permanence)
class PermanenceAdmin(admin.ModelAdmin):
    list_display = ["title", "antenna", "kind", "frequency", "weekday", "start_time", "end_time", "seats", "is_active"]
    list_filter = ["is_active", "kind", "frequency", "booking_mode", "antenna__department_code"]
    search_fields = ["title", "antenna__name", "antenna__city"]
    autocomplete_fields = ["antenna"]
    list_select_related = ["antenna"]


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["antenna", "permanence", "starts_on", "ends_on", "reason"]
    list_filter = ["starts_on", "antenna__department_code"]
    search_fields = ["reason", "antenna__name", "permanence__title"]
    autocomplete_fields = ["antenna", "permanence"]
    list_select_related = ["antenna", "permanence"]


@admin.register(Occurrence)
class OccurrenceAdmin(admin.ModelAdmin):
    list_display = ["permanence", "date", "starts_at", "status", "is_one_off", "is_detached", "needs_resolution"]
    list_filter = ["status", "needs_resolution", "is_one_off", "is_detached", "date"]
    search_fields = ["permanence__title", "permanence__antenna__name", "cancel_reason"]
    date_hierarchy = "date"
    raw_id_fields = ["permanence", "cancelled_by"]
    list_select_related = ["permanence__antenna"]
    inlines = [SlotInline]


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    list_display = ["occurrence", "starts_at", "ends_at", "seats"]
    list_filter = ["seats"]
    search_fields = ["occurrence__permanence__title", "occurrence__permanence__antenna__name"]
    raw_id_fields = ["occurrence"]
    list_select_related = ["occurrence__permanence__antenna"]


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["slot", "status", "created_at", "created_by", "must_be_told"]
    list_filter = ["status", "must_be_told"]
    search_fields = ["slot__occurrence__permanence__title", "created_by__email", "cancel_reason"]
    raw_id_fields = ["slot", "created_by"]
    list_select_related = ["slot__occurrence__permanence__antenna", "created_by"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    """Admins add topics or deactivate them; codes stay stable for exports."""

    list_display = ["label", "code", "parent", "position", "is_active"]
    list_filter = ["is_active", "parent"]
    search_fields = ["label", "code"]
    list_editable = ["is_active", "position"]
    list_select_related = ["parent"]


class VoucherInline(admin.TabularInline):
    model = Voucher
    extra = 0


@admin.register(SessionLog)
class SessionLogAdmin(admin.ModelAdmin):
    list_display = ["date", "antenna", "beneficiary", "is_workshop", "duration_minutes", "outcome"]
    list_filter = ["is_workshop", "outcome", "autonomy", "date", "antenna__department_code"]
    search_fields = ["antenna__name", "beneficiary__first_name", "beneficiary__last_name", "next_step"]
    date_hierarchy = "date"
    raw_id_fields = ["antenna", "occurrence", "booking", "beneficiary", "created_by", "volunteers", "participants"]
    filter_horizontal = ["topics"]
    list_select_related = ["antenna", "beneficiary"]
    inlines = [VoucherInline]


@admin.register(Voucher)
class VoucherAdmin(admin.ModelAdmin):
    list_display = ["number", "session_log"]
    list_filter = ["session_log__date"]
    search_fields = ["number"]
    raw_id_fields = ["session_log"]


@admin.register(ReminderMessage)
class ReminderMessageAdmin(admin.ModelAdmin):
    """Read-only: messages are recorded and sent by the reminder services alone."""

    list_display = ["created_at", "kind", "channel", "address", "antenna", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind", "channel"]
    search_fields = ["address", "antenna__name"]
    date_hierarchy = "created_at"
    list_select_related = ["antenna"]
    raw_id_fields = ["antenna", "occurrence", "booking", "recipient_user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
