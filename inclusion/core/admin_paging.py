"""The technical admin's lists of large tables, paged without counting them and searched
through indexes whatever the number of rows found.

Django's admin counts the rows of every list it pages. On a million session logs or bookings
that count reads the whole table on each page, unfiltered or not, and takes longer than the
rest of the page. Here:

- a list of the whole table takes its size from PostgreSQL's own estimate, the one the planner
  uses (the rows per page measured by the last ANALYZE, times the table's current pages): it
  costs one read of the catalogue and is close enough to number the pages;
- a filtered or searched list is counted up to COUNT_CAP + 1 rows only, so that a filter that
  matches half the table costs no more than one that matches a thousand rows. Beyond the cap
  the list shows COUNT_CAP + 1 and pages that far: the admin narrows a search instead of
  reading page 500.

A table too small to hold more than COUNT_CAP rows, or never analyzed, is counted, within the
cap, as a filtered list is: such a count is cheap.

A search finds each field's matches at the far end of its relations first (the people named
"Martin", on the index of their names), reads their ids, then the rows that point to them, and
so on back to the list, each step handed the ids of the one before as a list of values: PostgreSQL
then knows how many there are and reads the rows by the index of the column. Joined instead
(`... IN (SELECT ... JOIN ...)`), a name shared by a thousand people made it guess enough sessions
to read the whole table, twice (the page, the count): a second for a common surname. A step that
finds more than IDS_LISTED ids is joined as before: that broad a search reads most of the table
whatever is done.
"""

from collections.abc import Callable
from typing import ClassVar, cast

from django.contrib import admin
from django.contrib.admin import helpers
from django.core.paginator import Paginator
from django.db import connections, models
from django.db.models import Lookup, Q, QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext

from inclusion.core.admin_base import NUMBER_MAX_DIGITS, ModelAdmin, phone_or_none, search_match, search_terms
from inclusion.core.lookups import one_of
from inclusion.core.querystrings import capped_count

# Rows counted at most for a filtered list: twenty pages of fifty rows. Counting them costs up to
# as many reads of rows and of what a filter joins (the session of each voucher, the date of each
# slot): ten thousand took a tenth of a second on the national tables, a thousand a hundredth.
COUNT_CAP = 1_000
# Rows on a page: Django's admin takes about half a millisecond to write each (a link, the
# checkbox, a cell per column, an icon per yes-or-no), which made up most of a list's time once
# its queries read an index; and the technical admin searches rather than leafs through pages.
ROWS_PER_PAGE = 50

# Ids at most that a step of a search reads to hand them to the next as a list of values.
IDS_LISTED = 10_000

# The planner's estimate of a table's rows (see PostgreSQL's estimate_rel_size): its density
# at the last ANALYZE or VACUUM applied to the pages the table holds now, so that rows added
# since are counted too. reltuples is -1 for a table never analyzed.
ESTIMATE_SQL = """
    SELECT CASE
        WHEN relpages > 0 AND reltuples >= 0
            THEN reltuples / relpages * (pg_relation_size(oid) / current_setting('block_size')::int)
        ELSE reltuples
    END
    FROM pg_class
    WHERE oid = to_regclass(%s)
"""


def is_whole_table(queryset: QuerySet) -> bool:
    """Whether the queryset lists each row of its model's table once, whatever it selects and
    however it is ordered: no filter, no DISTINCT, no grouping, no slice, no UNION."""
    query = queryset.query
    return not (query.where or query.distinct or query.group_by is not None or query.is_sliced or query.combinator)


def table_estimate(queryset: QuerySet) -> int | None:
    """PostgreSQL's estimate of the rows of the queryset's table, None when it has none."""
    database = connections[queryset.db]
    if database.vendor != "postgresql":
        return None
    with database.cursor() as cursor:
        cursor.execute(ESTIMATE_SQL, [database.ops.quote_name(queryset.model._meta.db_table)])
        row = cursor.fetchone()
    if row is None or row[0] is None or row[0] < 0:
        return None
    return round(row[0])


class LargeTablePaginator(Paginator):
    """A paginator whose count reads neither a whole table nor more than COUNT_CAP + 1 rows."""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return super().count
        if is_whole_table(queryset):
            estimate = table_estimate(queryset)
            if estimate is not None and estimate > COUNT_CAP:
                return estimate
        return capped_count(queryset, COUNT_CAP)


def is_number(term: str) -> bool:
    """Whether a search term may be a row's number."""
    return term.isdigit() and len(term) <= NUMBER_MAX_DIGITS


def listed_or_joined(values: QuerySet) -> list | QuerySet:
    """The values of a one-column queryset as a list, when there are at most IDS_LISTED of them;
    beyond, the queryset itself, for PostgreSQL to join."""
    listed = list(values[: IDS_LISTED + 1])
    return values if len(listed) > IDS_LISTED else listed


def forward_relations(model: type[models.Model], path: str) -> tuple[list[models.ForeignKey], str] | None:
    """The foreign keys a field path goes through and the field's name at its end; None when the
    path takes a relation the other way (a reverse or many-to-many one)."""
    *names, field_name = path.split(LOOKUP_SEP)
    relations = []
    for name in names:
        field = model._meta.get_field(name)
        if not isinstance(field, models.ForeignKey):
            return None
        relations.append(field)
        model = cast(type[models.Model], field.related_model)
    return relations, field_name


def ids_where(model: type[models.Model], path: str, condition: Callable[[str], Q | Lookup]) -> QuerySet:
    """The ids of the model's rows whose field at `path` meets `condition` (given the field's
    name on its own model): found at the far end of the relations, then read back through each
    foreign key's index."""
    walked = forward_relations(model, path)
    if walked is None:
        return model._default_manager.order_by().filter(condition(path)).values_list("pk", flat=True)
    relations, field_name = walked
    far_model = cast(type[models.Model], relations[-1].related_model) if relations else model
    rows = far_model._default_manager.order_by().filter(condition(field_name))
    for relation in reversed(relations):
        targets = listed_or_joined(rows.values_list(relation.target_field.attname, flat=True))
        rows = relation.model._default_manager.order_by().filter(one_of(relation.attname, targets))
    return rows.values_list("pk", flat=True)


def field_ids(model: type[models.Model], search_field: str, term: str) -> QuerySet:
    """The ids of the rows one entry of `search_fields` ("^beneficiary__last_name", "=reference")
    matches for one term, read as Django's admin reads it (see admin_base.search_match)."""
    kind = search_field[:1] if search_field[:1] in "^=@" else ""
    return ids_where(model, search_field.removeprefix(kind), lambda name: search_match(kind + name, term))


def matched_ids(matches: list[QuerySet]) -> list | QuerySet:
    """The ids any of a term's matches found, listed when there are few: read first without
    putting them together (UNION ALL), which lets PostgreSQL stop at IDS_LISTED + 1 of them."""
    first, *others = matches
    if not others:
        return listed_or_joined(first)
    listed = list(first.union(*others, all=True)[: IDS_LISTED + 1])
    return first.union(*others) if len(listed) > IDS_LISTED else sorted(set(listed))


class LargeTableAdmin(ModelAdmin):
    """For the admin of a table that grows with use (people, sheets, bookings, slots, session
    logs, logs of every kind): listed without a whole-table count and without the filters'
    counts ("Show counts"), which count the whole table once per choice of every filter, and
    searched by ids (see the module's docstring)."""

    paginator: ClassVar[type] = LargeTablePaginator
    list_per_page = ROWS_PER_PAGE
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    def get_search_results(self, request, queryset, search_term):
        """The base admin's search (each term matched by every field, each field on its own
        index, the matches put together), each field's matches found from the far end of its
        relations and the list read by their ids (see the module's docstring)."""
        search_fields = self.get_search_fields(request)
        terms = search_terms(search_term)
        if not search_fields or not terms:
            return queryset, False
        for term in terms:
            ids = matched_ids(self.term_matches(search_fields, term))
            queryset = queryset.filter(one_of("pk", ids))
        # Matches are the model's own ids: no row can come twice.
        return queryset, False

    def term_matches(self, search_fields, term: str) -> list[QuerySet]:
        """The ids each search field matches for one term, then the row of that number and the
        rows of that phone number."""
        matches = [field_ids(self.model, str(field), term) for field in search_fields]
        number_field = self.search_number_field if self._number_field_is_integer() else None
        if number_field and is_number(term):
            matches.append(ids_where(self.model, number_field, lambda name: Q(**{name: int(term)})))
        if self.search_phone_field and (phone := phone_or_none(term)):
            matches.append(ids_where(self.model, self.search_phone_field, lambda name: Q(**{name: phone})))
        return matches

    def action_checkbox(self, obj):
        """Each row's checkbox for the actions, the same as Django's admin writes but without
        rendering a form widget's template per row, which took half of a list's rendering."""
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )
