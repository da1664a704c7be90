from django.contrib import admin

from inclusion.core.admin_paging import LargeTableAdmin
from volunteers.team.models import Signup, VolunteerProfile


@admin.register(VolunteerProfile)
class VolunteerProfileAdmin(LargeTableAdmin):
    list_display = ["user", "charter_signed_on", "is_active"]
    list_filter = ["is_active", "charter_signed_on", "languages"]
    search_fields = ["=user__email", "^user__display_name"]
    raw_id_fields = ["user"]
    filter_horizontal = ["languages", "skills"]
    list_select_related = ["user"]
    exclude = ["calendar_token"]


@admin.register(Signup)
class SignupAdmin(LargeTableAdmin):
    list_display = ["volunteer", "occurrence", "created_at", "created_by"]
    list_filter = ["occurrence__date", "occurrence__permanence__antenna__department_code"]
    search_fields = ["=volunteer__email", "^volunteer__display_name"]
    raw_id_fields = ["occurrence", "volunteer", "created_by"]
    list_select_related = ["volunteer", "occurrence__permanence__antenna", "created_by"]
