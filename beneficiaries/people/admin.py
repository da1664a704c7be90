from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from beneficiaries.people.models import Beneficiary, Consent, LiaisonSheet, LiaisonSheetEvent
from inclusion.core.admin_base import ListedRowsInline
from inclusion.core.admin_paging import LargeTableAdmin


class ConsentInline(ListedRowsInline):
    model = Consent
    raw_id_fields = ["recorded_by"]
    # Each row is titled with the consent's name, which names the person.
    row_select_related = ("beneficiary", "recorded_by")


@admin.register(Beneficiary)
class BeneficiaryAdmin(LargeTableAdmin):
    list_display = ["last_name", "first_name", "phone", "commune", "first_antenna", "created_at"]
    # Through the index of the first antenna: the age bracket, gender and social status have
    # none, and a rare value of theirs was looked for in every person, twice (the rows, their
    # count). The figures count people by those.
    list_filter = ["first_antenna__department_code"]
    search_fields = ["^last_name", "^first_name"]
    search_phone_field = "phone"
    search_help_text = _("The start of a last or first name, a phone number, or a person's number.")
    raw_id_fields = ["first_antenna", "created_by"]
    list_select_related = ["first_antenna"]
    inlines = [ConsentInline]


@admin.register(Consent)
class ConsentAdmin(LargeTableAdmin):
    list_display = ["beneficiary", "method", "given_at", "recorded_by", "withdrawn_at"]
    # The consent's method has no index: a rare one read every consent, twice.
    list_filter = ["given_at"]
    search_fields = ["^beneficiary__last_name", "^beneficiary__first_name"]
    raw_id_fields = ["beneficiary", "recorded_by"]
    list_select_related = ["beneficiary", "recorded_by"]


class LiaisonSheetEventInline(ListedRowsInline):
    model = LiaisonSheetEvent
    readonly_fields = ["status", "created_at", "created_by", "note"]
    # Each row is titled with the event's name, which gives the sheet's reference.
    row_select_related = ("sheet", "created_by")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        # The history is written by the services that move the sheet, never by hand.
        return False


@admin.register(LiaisonSheet)
class LiaisonSheetAdmin(LargeTableAdmin):
    sortable_by = ["reference"]
    list_display = ["reference", "beneficiary", "referrer", "organization", "status", "deadline", "created_at"]
    # The status has no index yet: a rare one reads every sheet. The interpreter flag and the
    # organization's kind, which did too, are gone.
    list_filter = ["status", "created_at"]
    search_fields = ["=reference", "^beneficiary__last_name", "^beneficiary__first_name", "=referrer__email"]
    search_help_text = _("A reference, the start of the person's last or first name, or the referrer's e-mail.")
    raw_id_fields = ["beneficiary", "referrer", "organization", "language", "preferred_antennas"]
    filter_horizontal = ["needs"]
    list_select_related = ["beneficiary", "referrer", "organization"]
    inlines = [LiaisonSheetEventInline]


@admin.register(LiaisonSheetEvent)
class LiaisonSheetEventAdmin(LargeTableAdmin):
    list_display = ["sheet", "status", "created_at", "created_by"]
    list_filter = ["status", "created_at"]
    search_fields = ["=sheet__reference"]
    raw_id_fields = ["sheet", "created_by"]
    list_select_related = ["sheet__beneficiary", "created_by"]
