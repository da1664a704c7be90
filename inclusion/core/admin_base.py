"""What every page of the technical admin shares so that it holds on national-scale tables: a
million session logs, hundreds of thousands of people, liaison sheets, bookings and slots.

- A list page never counts the whole table a second time (`show_full_result_count`).
- Lists come newest first, by the primary key, and a column is sortable only once declared in
  `sortable_by`, which names indexed columns alone: sorting a million rows on an unindexed
  column takes seconds.
- Each search field is looked up on its own and the matches are put together (UNION): every
  field then uses its own index, where one OR across joined tables makes PostgreSQL read the
  whole table. A term of digits is also a row's number (`search_number_field`), and a term
  that reads as a phone number is also looked up in its stored E.164 form (`search_phone_field`).
"""

from typing import ClassVar

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Collate, Upper
from django.db.models.lookups import Exact, Lookup, StartsWith
from django.utils.text import smart_split, unescape_string_literal

from inclusion.core.phones import phone_normalize

# Above this, digits are no row's number (a bigint holds 18 digits at least).
NUMBER_MAX_DIGITS = 18


def search_key(path: str) -> Collate:
    """What "^field" and "=field" compare: the upper-cased value in the "C" collation, in which
    a btree index serves both equality and LIKE 'prefix%'. The models index this very expression
    where a search needs it; Django's own istartswith (UPPER(col) LIKE UPPER(…)) would need an
    operator class that only django.contrib.postgres can put on an expression."""
    return Collate(Upper(path), "C")


def search_match(search_field: str, term: str) -> Lookup | Q:
    """The condition one entry of `search_fields` puts on one term, read as Django's admin
    reads it: "^" the start, "=" the whole value, "@" a full-text search, else a substring."""
    # The term is upper-cased by the database too, so that both sides follow the same rules.
    if search_field.startswith("^"):
        return StartsWith(search_key(search_field[1:]), Upper(Value(term)))
    if search_field.startswith("="):
        return Exact(search_key(search_field[1:]), Upper(Value(term)))
    if search_field.startswith("@"):
        return Q(**{f"{search_field[1:]}__search": term})
    return Q(**{f"{search_field}__icontains": term})


def search_terms(search_term: str) -> list[str]:
    """The words of a search, a quoted phrase counting as one word."""
    terms = []
    for term in smart_split(search_term):
        if term[:1] in ('"', "'") and term[0] == term[-1]:
            term = unescape_string_literal(term)
        if term:
            terms.append(term)
    return terms


def phone_or_none(term: str) -> str | None:
    try:
        return phone_normalize(term)
    except ValidationError:
        return None


class ModelAdmin(admin.ModelAdmin):
    show_full_result_count = False
    ordering = ["-pk"]
    sortable_by: ClassVar[tuple[str, ...] | list[str]] = ()
    # The field a term of digits is compared with, exactly; None when numbers mean nothing.
    search_number_field: str | None = "pk"
    # A phone field, stored as E.164, that a term reading as a phone number is compared with.
    search_phone_field: str | None = None

    def get_search_results(self, request, queryset, search_term):
        search_fields = self.get_search_fields(request)
        terms = search_terms(search_term)
        if not search_fields or not terms:
            return queryset, False
        number_field = self.search_number_field if self._number_field_is_integer() else None
        rows = self.model._default_manager.order_by().values("pk")
        for term in terms:
            matches = [rows.filter(search_match(str(field), term)) for field in search_fields]
            if number_field and term.isdigit() and len(term) <= NUMBER_MAX_DIGITS:
                matches.append(rows.filter(**{number_field: int(term)}))
            if self.search_phone_field and (phone := phone_or_none(term)):
                matches.append(rows.filter(**{self.search_phone_field: phone}))
            queryset = queryset.filter(pk__in=matches[0].union(*matches[1:]) if len(matches) > 1 else matches[0])
        # Matches are the model's own primary keys: no row can come twice.
        return queryset, False

    def _number_field_is_integer(self) -> bool:
        if not self.search_number_field:
            return False
        opts = self.model._meta
        field = opts.pk if self.search_number_field == "pk" else opts.get_field(self.search_number_field)
        if field.is_relation:
            field = field.target_field
        return isinstance(field, models.IntegerField)


class ListedRowsInline(admin.TabularInline):
    """An inline whose saved rows are shown read-only, each with a link to its own page, and
    drawn from the rows already loaded (`row_select_related`).

    An editable related field draws its widget with one query per row (the raw-id label, the
    autocomplete's chosen option): a team of fifty would cost fifty queries. New rows can still
    be added here; a saved row is changed on its own page.
    """

    extra = 0
    show_change_link = True
    row_select_related: tuple[str, ...] = ()

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.row_select_related)

    def has_change_permission(self, request, obj=None):
        return False
