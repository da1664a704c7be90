from django.contrib import admin

from inclusion.core.admin_paging import LargeTableAdmin
from sessions_app.scheduling.models import Closure, Occurrence, Permanence, Slot
from sessions_app.totals.admin import StaleMarkingAdmin


class SlotInline(admin.TabularInline):
    model = Slot
    extra = 0

    def get_queryset(self, request):
        # Each row is titled with the slot's name, which names its date and permanence.
        return super().get_queryset(request).select_related("occurrence__permanence")


@admin.register(Permanence)
class PermanenceAdmin(LargeTableAdmin):
    list_display = ["title", "antenna", "kind", "frequency", "weekday", "start_time", "end_time", "seats", "is_active"]
    list_filter = ["is_active", "archived_at", "kind", "frequency", "booking_mode", "antenna__department_code"]
    search_fields = ["^title", "^antenna__name", "^antenna__city"]
    autocomplete_fields = ["antenna"]
    list_select_related = ["antenna"]


@admin.register(Closure)
class ClosureAdmin(LargeTableAdmin):
    list_display = ["antenna", "permanence", "starts_on", "ends_on", "reason"]
    list_filter = ["starts_on", "antenna__department_code"]
    search_fields = ["^antenna__name", "^permanence__title", "^reason"]
    autocomplete_fields = ["antenna", "permanence"]
    list_select_related = ["antenna", "permanence__antenna"]


@admin.register(Occurrence)
class OccurrenceAdmin(StaleMarkingAdmin, LargeTableAdmin):
    sortable_by = ["date"]
    list_display = ["permanence", "date", "starts_at", "status", "is_one_off", "is_detached", "needs_resolution"]
    list_filter = ["status", "needs_resolution", "is_one_off", "is_detached", "date"]
    search_fields = ["^permanence__title", "^permanence__antenna__name"]
    raw_id_fields = ["permanence", "cancelled_by"]
    list_select_related = ["permanence__antenna"]
    inlines = [SlotInline]
    # A date moved here moves its bookings to another month.
    figures_day = ("permanence__antenna_id", "date")


@admin.register(Slot)
class SlotAdmin(LargeTableAdmin):
    list_display = ["occurrence", "starts_at", "ends_at", "seats"]
    # Through the date's index: the slots have none on their times.
    list_filter = ["occurrence__date"]
    search_fields = ["^occurrence__permanence__title", "^occurrence__permanence__antenna__name"]
    raw_id_fields = ["occurrence"]
    list_select_related = ["occurrence__permanence__antenna"]
