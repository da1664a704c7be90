from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog
from axes.models import AccessLog as LoginLog
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static import admin as otp_static_admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp import admin as otp_totp_admin
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db import admin as tasks_admin
from django_tasks_db.models import DBTaskResult

from inclusion.core.admin_base import ListedRowsInline, ModelAdmin
from inclusion.core.admin_paging import LargeTableAdmin
from inclusion.core.models import (
    AccessLog,
    Antenna,
    AntennaMembership,
    FormSubmission,
    Language,
    Organization,
    Referrer,
    Topic,
    User,
)


class AntennaMembershipInline(ListedRowsInline):
    model = AntennaMembership
    autocomplete_fields = ["antenna"]
    raw_id_fields = ["user"]
    # Each row is titled with the membership's name, which names both.
    row_select_related = ("antenna", "user")


class ReferrerInline(admin.StackedInline):
    model = Referrer
    extra = 0
    autocomplete_fields = ["organization"]


@admin.register(User)
class UserAdmin(LargeTableAdmin, BaseUserAdmin):
    sortable_by = ["email"]
    list_display = ["email", "display_name", "phone", "is_active", "is_superuser", "last_login"]
    list_filter = [
        "is_active",
        "is_superuser",
        "is_staff",
        "has_second_factor",
        "memberships__role",
        "referrer__organization__kind",
    ]
    search_fields = ["^email", "^display_name"]
    search_help_text = _("The start of an e-mail address or of a name, or an account's number.")
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
class OrganizationAdmin(LargeTableAdmin):
    ordering = ["name"]
    sortable_by = ["name"]
    list_display = ["name", "kind", "parent", "department_code", "email"]
    list_filter = ["kind", "department_code"]
    search_fields = ["^name", "=email"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]


@admin.register(Antenna)
class AntennaAdmin(LargeTableAdmin):
    # A network counts its antennas in thousands at most: sorting them by name costs nothing.
    ordering = ["name"]
    sortable_by = ["name", "city", "postcode", "department_code"]
    list_display = ["name", "organization", "city", "postcode", "department_code", "status", "workstations"]
    list_filter = ["status", "department_code", "organization__kind"]
    search_fields = ["^name", "^city", "=postcode", "^organization__name"]
    search_number_field = None
    autocomplete_fields = ["organization"]
    list_select_related = ["organization"]
    inlines = [AntennaMembershipInline]


@admin.register(AntennaMembership)
class AntennaMembershipAdmin(LargeTableAdmin):
    list_display = ["user", "antenna", "role", "created_at"]
    list_filter = ["role", "antenna__department_code", "antenna__organization__kind"]
    search_fields = ["=user__email", "^user__display_name", "^antenna__name"]
    autocomplete_fields = ["antenna"]
    raw_id_fields = ["user"]
    list_select_related = ["user", "antenna"]


@admin.register(Referrer)
class ReferrerAdmin(LargeTableAdmin):
    list_display = ["user", "organization", "job_title", "is_active"]
    list_filter = ["is_active", "organization__kind"]
    search_fields = ["=user__email", "^user__display_name", "^organization__name"]
    autocomplete_fields = ["organization"]
    raw_id_fields = ["user"]
    list_select_related = ["user", "organization"]


@admin.register(AccessLog)
class AccessLogAdmin(LargeTableAdmin):
    """Read-only: the log of personal-data accesses is written by the application alone.

    Read it for one person by searching the person's number (or `?beneficiary__id__exact=<id>`),
    for one account by searching their e-mail (or `?user__id__exact=<id>`).
    """

    ordering = ["-created_at", "-pk"]
    sortable_by = ["created_at", "person_number"]
    list_display = ["created_at", "user", "role", "action", "object_kind", "object_id", "person_number"]
    # Each on an index (the actions other than views on theirs): a filter on the role, a column
    # without one, read the whole log to find a rare role.
    list_filter = ["action", "object_kind", "created_at"]
    search_fields = ["=user__email", "^user__display_name"]
    search_number_field = "beneficiary"
    search_help_text = _("A person's number, or an account's e-mail or name.")
    list_select_related = ["user"]
    readonly_fields = [
        "created_at",
        "user",
        "role",
        "action",
        "object_kind",
        "object_id",
        "what",
        "what_read",
        "person_number",
        "detail",
    ]
    fields = tuple(readonly_fields)

    @admin.display(description=_("what, in your language"))
    def what_read(self, record):
        return record.description

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


@admin.register(FormSubmission)
class FormSubmissionAdmin(LargeTableAdmin):
    """Read-only: each row is written with what a create form made, so that the same form sent
    again finds it instead of making a second one."""

    sortable_by = ["created_at"]
    list_display = ["created_at", "user", "key", "result_type", "result_id"]
    list_filter = ["created_at", "result_type"]
    search_fields = ["=user__email", "^user__display_name"]
    list_select_related = ["user", "result_type"]
    readonly_fields = ["created_at", "user", "key", "result_type", "result_id", "result_url"]
    fields = tuple(readonly_fields)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# The libraries' own admins, under the same rules as the project's. Their tables cannot take
# the project's indexes, so what would need one goes: the date drill-down (a DISTINCT over the
# whole table), the filters listing every value found, sorting on their columns.


class GroupAdmin(ModelAdmin, BaseGroupAdmin):
    ordering = ["name"]
    sortable_by = ["name"]


class AccessAttemptAdmin(LargeTableAdmin, axes_admin.AccessAttemptAdmin):
    date_hierarchy = None
    list_filter = ["attempt_time", axes_admin.IsLockedOutFilter]


class LoginLogAdmin(LargeTableAdmin, axes_admin.AccessLogAdmin):
    date_hierarchy = None
    list_filter = ["attempt_time", "logout_time"]


class AccessFailureLogAdmin(LargeTableAdmin, axes_admin.AccessFailureLogAdmin):
    date_hierarchy = None
    list_filter = ["attempt_time", "locked_out"]


class TaskResultAdmin(LargeTableAdmin, tasks_admin.DBTaskResultAdmin):
    # The library's order, newest first: its primary key is a random UUID.
    ordering = ["-enqueued_at"]
    # The library's admin declares its filters as a 3-tuple, which mypy then holds subclasses to.
    list_filter = ["status"]  # type: ignore[assignment]
    search_number_field = None


class TOTPDeviceAdmin(LargeTableAdmin, otp_totp_admin.TOTPDeviceAdmin):
    search_fields = ["=user__email", "^user__display_name"]
    search_help_text = None
    list_select_related = ["user"]


class StaticDeviceAdmin(LargeTableAdmin, otp_static_admin.StaticDeviceAdmin):
    search_fields = ["=user__email", "^user__display_name"]
    search_help_text = None
    list_select_related = ["user"]


for _model, _model_admin in [
    (Group, GroupAdmin),
    (AccessAttempt, AccessAttemptAdmin),
    (LoginLog, LoginLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
    (DBTaskResult, TaskResultAdmin),
    (TOTPDevice, TOTPDeviceAdmin),
    (StaticDevice, StaticDeviceAdmin),
]:
    # Registered by the import of the library's admin above, unless its settings turn it off.
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
        admin.site.register(_model, _model_admin)


@admin.register(Topic)
class TopicAdmin(ModelAdmin):
    """Admins add topics or deactivate them; codes stay stable for exports."""

    # Thirty rows or so, in the order the forms show them.
    ordering = ["parent__position", "position", "label"]
    sortable_by = ["label", "label_en", "code", "position"]
    list_display = ["label", "label_en", "code", "parent", "position", "is_active"]
    list_filter = ["is_active", "parent"]
    search_fields = ["label", "label_en", "code"]
    list_editable = ["is_active", "position"]
    list_select_related = ["parent"]


@admin.register(Language)
class LanguageAdmin(ModelAdmin):
    # A few dozen rows.
    ordering = ["name_fr"]
    sortable_by = ["code", "name_fr", "name_en"]
    list_display = ["code", "name_fr", "name_en"]
    list_filter = ["code"]
    search_fields = ["code", "name_fr", "name_en"]
