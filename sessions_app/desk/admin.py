from django.contrib import admin
from django.db.models import Value
from django.db.models.functions import Upper
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from inclusion.core.admin_base import search_key, search_terms
from inclusion.core.admin_paging import LargeTableAdmin, is_number
from inclusion.core.models import Antenna
from sessions_app.desk.models import SessionLog, Voucher
from sessions_app.totals.admin import StaleMarkingAdmin


class VoucherInline(admin.TabularInline):
    model = Voucher
    extra = 0


@admin.register(SessionLog)
class SessionLogAdmin(StaleMarkingAdmin, LargeTableAdmin):
    sortable_by = ["date"]
    list_display = ["date", "antenna", "beneficiary", "is_workshop", "duration_minutes", "outcome"]
    list_filter = ["is_workshop", "outcome", "autonomy", "date", "antenna__department_code"]
    # Each through an index: the people's names and phones on theirs, then the sessions on the
    # person's. The antenna's name is matched whole, in get_search_results.
    search_fields = ["^beneficiary__last_name", "^beneficiary__first_name"]
    search_phone_field = "beneficiary__phone"
    search_help_text = _(
        "The start of the person's last or first name, their phone number, a session's or a person's number, "
        "or an antenna's whole name."
    )
    raw_id_fields = ["antenna", "occurrence", "booking", "beneficiary", "created_by", "volunteers", "participants"]
    filter_horizontal = ["topics"]
    list_select_related = ["antenna", "beneficiary"]
    inlines = [VoucherInline]
    figures_day = ("antenna_id", "date")

    def get_search_results(self, request, queryset, search_term):
        """A search that is an antenna's whole name lists that antenna's sessions; any other is
        matched as usual, a number being also a person's (term_matches).

        The antennas, a thousand rows, are looked up first, so that their sessions are then read
        on their own index, newest first: joined to the search instead, an antenna's thousands of
        sessions would be gathered and sorted on every page. A start of name ("Centre", "Espace")
        would match hundreds of antennas and most of the sessions, hence the whole name.
        """
        terms = search_terms(search_term)
        named = Antenna.objects.filter(Exact(search_key("name"), Upper(Value(" ".join(terms)))))
        if terms and (antenna_ids := list(named.values_list("pk", flat=True))):
            return queryset.filter(antenna_id__in=antenna_ids), False
        return super().get_search_results(request, queryset, search_term)

    def term_matches(self, search_fields, term):
        matches = super().term_matches(search_fields, term)
        if is_number(term):
            matches.append(SessionLog.objects.order_by().filter(beneficiary_id=int(term)).values_list("pk", flat=True))
        return matches


@admin.register(Voucher)
class VoucherAdmin(StaleMarkingAdmin, LargeTableAdmin):
    list_display = ["number", "session_log"]
    list_filter = ["session_log__date"]
    search_fields = ["^number"]
    raw_id_fields = ["session_log"]
    list_select_related = ["session_log__antenna"]
    figures_day = ("session_log__antenna_id", "session_log__date")
