"""Paging of the technical admin's lists of large tables without counting them.

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
"""

from typing import ClassVar

from django.contrib import admin
from django.contrib.admin import helpers
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext

# Rows counted at most for a filtered list: twenty pages of fifty rows. Counting them costs up to
# as many reads of rows and of what a filter joins (the session of each voucher, the date of each
# slot): ten thousand took a tenth of a second on the national tables, a thousand a hundredth.
COUNT_CAP = 1_000
# Rows on a page: Django's admin takes about half a millisecond to write each (a link, the
# checkbox, a cell per column, an icon per yes-or-no), which made up most of a list's time once
# its queries read an index; and the technical admin searches rather than leafs through pages.
ROWS_PER_PAGE = 50

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
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(ESTIMATE_SQL, [connection.ops.quote_name(queryset.model._meta.db_table)])
        row = cursor.fetchone()
    if row is None or row[0] is None or row[0] < 0:
        return None
    return round(row[0])


def capped_count(queryset: QuerySet, cap: int) -> int:
    """The rows of the queryset, counted up to cap + 1: a subquery limited to that many primary
    keys, unordered so that PostgreSQL stops at the first rows it finds."""
    return queryset.select_related(None).order_by()[: cap + 1].count()


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


class LargeTableAdmin:
    """For the admin of a table that grows with use (people, sheets, bookings, slots, session
    logs, logs of every kind): listed without a whole-table count, and without the filters'
    counts ("Show counts"), which count the whole table once per choice of every filter."""

    paginator: ClassVar[type] = LargeTablePaginator
    list_per_page = ROWS_PER_PAGE
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

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
