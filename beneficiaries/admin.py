from django.contrib import admin

from .models import Beneficiary, Consent, LiaisonSheet, LiaisonSheetEvent


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    raw_id_fields = ["recorded_by"]


@admin.register(Beneficiary)
class BeneficiaryAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "phone", "commune", "first_antenna", "created_at"]
    list_filter = ["age_bracket", "gender", "social_status", "first_antenna__department_code"]
    search_fields = ["first_name", "last_name", "phone", "commune"]
    raw_id_fields = ["first_antenna", "created_by"]
    list_select_related = ["first_antenna"]
    inlines = [ConsentInline]


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ["beneficiary", "method", "given_at", "recorded_by", "withdrawn_at"]
    list_filter = ["method", "given_at"]
    search_fields = ["beneficiary__first_name", "beneficiary__last_name", "purpose"]
    raw_id_fields = ["beneficiary", "recorded_by"]
    list_select_related = ["beneficiary", "recorded_by"]


class LiaisonSheetEventInline(admin.TabularInline):
    model = LiaisonSheetEvent
    extra = 0
    readonly_fields = ["status", "created_at", "created_by", "note"]
    can_delete = False


@admin.register(LiaisonSheet)
class LiaisonSheetAdmin(admin.ModelAdmin):
    list_display = ["reference", "beneficiary", "referrer", "organization", "status", "deadline", "created_at"]
    list_filter = ["status", "interpreter_needed", "organization__kind", "created_at"]
    search_fields = ["reference", "beneficiary__first_name", "beneficiary__last_name", "referrer__email"]
    raw_id_fields = ["beneficiary", "referrer", "organization", "language", "preferred_antennas"]
    filter_horizontal = ["needs"]
    list_select_related = ["beneficiary", "referrer", "organization"]
    inlines = [LiaisonSheetEventInline]


@admin.register(LiaisonSheetEvent)
class LiaisonSheetEventAdmin(admin.ModelAdmin):
    list_display = ["sheet", "status", "created_at", "created_by"]
    list_filter = ["status", "created_at"]
    search_fields = ["sheet__reference", "note"]
    raw_id_fields = ["sheet", "created_by"]
    list_select_related = ["sheet", "created_by"]
