from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from inclusion.core.admin_base import ModelAdmin
from sessions_app.desk.models import SessionLog, Voucher
from sessions_app.totals.admin import StaleMarkingAdmin


class VoucherInline(admin.TabularInline):
    model = Voucher
    extra = 0


@admin.register(SessionLog)
class SessionLogAdmin(StaleMarkingAdmin, ModelAdmin):
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
    figures_day = ("antenna_id", "date")


@admin.register(Voucher)
class VoucherAdmin(StaleMarkingAdmin, ModelAdmin):
    list_display = ["number", "session_log"]
    list_filter = ["session_log__date"]
    search_fields = ["^number"]
    raw_id_fields = ["session_log"]
    list_select_related = ["session_log__antenna"]
    figures_day = ("session_log__antenna_id", "session_log__date")
