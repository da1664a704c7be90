from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import AccessLog, Antenna, AntennaMembership, Organization, Referrer, User


class AntennaMembershipInline(admin.TabularInline):
    model = AntennaMembership
    extra = 0
    autocomplete_fields = ["antenna", "user"]


class ReferrerInline(admin.StackedInline):
    model = Referrer
    extra = 0
    autocomplete_fields = ["organization"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["display_name", "email"]
    list_display = ["email", "display_name", "phone", "is_active", "is_superuser", "last_login"]
    list_filter = [
        "is_active",
        "is_superuser",
        "is_staff",
        "has_second_factor",
        "memberships__role",
        "referrer__organization__kind",
    ]
    search_fields = ["email", "display_name", "phone"]
    # Follows the devices ("TOTP devices", "Static devices"): deleting those turns it off.
    readonly_fields = ["last_login", "date_joined", "has_second_factor"]
    inlines = [AntennaMembershipInline, ReferrerInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Identity"), {"fields": ["display_name", "phone"]}),
        (
            _("Rights"),
            {"fields": ["is_active", "is_staff", "is_superuser", "has_second_factor", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "display_name", "password1", "password2"]}),
    ]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "department_code", "email"]
    list_filter = ["kind", "department_code"]
    search_fields = ["name", "email"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]


@admin.register(Antenna)
class AntennaAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "city", "postcode", "department_code", "status", "workstations"]
    list_filter = ["status", "department_code", "organization__kind", "organization"]
    search_fields = ["name", "city", "postcode", "address", "organization__name"]
    autocomplete_fields = ["organization"]
    list_select_related = ["organization"]
    inlines = [AntennaMembershipInline]


@admin.register(AntennaMembership)
class AntennaMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "antenna", "role", "created_at"]
    list_filter = ["role", "antenna__department_code", "antenna__organization"]
    search_fields = ["user__email", "user__display_name", "antenna__name"]
    autocomplete_fields = ["antenna", "user"]
    list_select_related = ["user", "antenna"]


@admin.register(Referrer)
class ReferrerAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "job_title", "is_active"]
    list_filter = ["is_active", "organization__kind", "organization"]
    search_fields = ["user__email", "user__display_name", "organization__name", "job_title"]
    autocomplete_fields = ["user", "organization"]
    list_select_related = ["user", "organization"]


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Read-only: the log of personal-data accesses is written by the application alone.

    Read it for one person with `?beneficiary__id__exact=<id>` (or search the person's number),
    for one account with the "who" filter or by searching their e-mail.
    """

    list_display = ["created_at", "user", "role", "action", "object_kind", "object_id", "person_number"]
    list_filter = ["action", "object_kind", "role", ("user", admin.RelatedOnlyFieldListFilter), "created_at"]
    search_fields = ["beneficiary__id__exact", "user__email", "user__display_name", "what"]
    search_help_text = _("A person's number, or an account's e-mail or name.")
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "created_at",
        "user",
        "role",
        "action",
        "object_kind",
        "object_id",
        "what",
        "person_number",
        "detail",
    ]
    fields = readonly_fields

    @admin.display(description=_("person number"), ordering="beneficiary_id")
    def person_number(self, record):
        # The number only: showing the person's name here would be one more read of their data.
        return record.beneficiary_id

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
