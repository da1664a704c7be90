from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from inclusion.core.admin_paging import LargeTableAdmin
from sessions_app.bookings.models import AppointmentChange, Booking
from sessions_app.bookings.services import FIGURES_DAY
from sessions_app.totals.admin import StaleMarkingAdmin


@admin.register(Booking)
class BookingAdmin(StaleMarkingAdmin, LargeTableAdmin):
    list_display = ["slot", "status", "created_at", "created_by"]
    # Each status and attendance holds a good share of the bookings, found by reading them newest
    # first; a rare channel (a follow-up) was looked for in every booking, twice.
    list_filter = ["status", "attendance"]
    search_fields = ["^beneficiary__last_name", "^beneficiary__first_name", "=liaison_sheet__reference"]
    search_help_text = _(
        "The start of the person's last or first name, a liaison sheet's reference, or a booking's number."
    )
    raw_id_fields = ["slot", "beneficiary", "liaison_sheet", "created_by"]
    list_select_related = ["slot__occurrence__permanence__antenna", "created_by"]
    figures_day = FIGURES_DAY


@admin.register(AppointmentChange)
class AppointmentChangeAdmin(LargeTableAdmin):
    """Read-only: the booking services record each change, the messages app tells it."""

    list_display = ["created_at", "kind", "occurrence", "booking", "made_by", "announced_at"]
    list_filter = ["kind", ("announced_at", admin.EmptyFieldListFilter)]
    search_fields = ["=booking__liaison_sheet__reference"]
    search_help_text = _("A liaison sheet's reference.")
    raw_id_fields = ["occurrence", "booking", "made_by"]
    list_select_related = ["occurrence__permanence", "booking__slot__occurrence__permanence", "made_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
