"""Values read from a page's query string or a posted form, made safe to use: in a database
query, or as the page to go back to."""

import datetime

from django.core.paginator import Paginator
from django.db.models import DateTimeField, Q, QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme

SEARCH_MAX_LENGTH = 100


def search_text(request: HttpRequest, name: str = "q") -> str:
    """The search box's text, trimmed and bounded.

    PostgreSQL refuses NUL characters in a query, so they are dropped rather than let the page
    fail; a pasted novel is cut to a length that cannot slow the database down.
    """
    return request.GET.get(name, "").replace("\x00", "").strip()[:SEARCH_MAX_LENGTH]


# Ids are PostgreSQL bigints at most: 19 digits. Beyond, Python would refuse to even read
# thousands of digits, so such a value is no id at all.
ID_MAX_DIGITS = 19


def object_id(value: str) -> int | None:
    """The id of an object typed in a query string or a form, or None when it cannot be one.

    Only ASCII digits: str.isdigit() also accepts "²" or "٣", which int() refuses or reads.
    """
    if value and value.isascii() and value.isdigit() and len(value) <= ID_MAX_DIGITS:
        return int(value)
    return None


def next_path(request: HttpRequest, default: str) -> str:
    """Where a form posted from a page sends the user back: the `next` it names, when it is a
    path on this site, else the default. A bare word would be read by redirect() as the name of
    a view, and fail."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


PAGE_SIZE = 50


def capped_count(queryset: QuerySet, cap: int) -> int:
    """The rows of the queryset, counted up to cap + 1: a subquery limited to that many rows,
    unordered so that PostgreSQL stops at the first rows it finds."""
    return queryset.select_related(None).order_by()[: cap + 1].count()


class CappedPaginator(Paginator):
    """Pages of a list counted up to `cap` items: past it, `capped` is true and the list ends
    there. Counting a search's every match across the country costs more than the page itself;
    nobody pages beyond a few hundred results, they narrow the search."""

    def __init__(self, object_list: QuerySet, per_page: int, cap: int):
        super().__init__(object_list, per_page)
        self.queryset = object_list
        self.cap = cap

    @cached_property
    def found(self) -> int:
        return capped_count(self.queryset, self.cap)

    @cached_property
    def count(self) -> int:
        return min(self.found, self.cap)

    @property
    def capped(self) -> bool:
        return self.found > self.cap


def page_of(request: HttpRequest, items, per_page: int = PAGE_SIZE, cap: int | None = None) -> dict:
    """One page of a list (a bad page number gives the first or last page, never an error),
    and the query string that keeps the list's filters from page to page. With `cap`, the list
    is counted up to that many items (CappedPaginator)."""
    query = request.GET.copy()
    query.pop("page", None)
    paginator = Paginator(items, per_page) if cap is None else CappedPaginator(items, per_page, cap)
    return {
        "page": paginator.get_page(request.GET.get("page")),
        "query_string": query.urlencode(),
    }


AFTER = "apres"


def _after(value: str, with_time: bool) -> tuple[datetime.date, int] | None:
    """The cursor of a page link, `<ISO date or date-time>~<id>`; anything else means the first page."""
    text, _separator, pk = value.partition("~")
    moment: datetime.date
    try:
        moment = datetime.datetime.fromisoformat(text) if with_time else datetime.date.fromisoformat(text)
    except ValueError:
        return None
    if not pk.isdigit() or (isinstance(moment, datetime.datetime) and moment.tzinfo is None):
        return None
    return moment, int(pk)


def newest_first_page_of(request: HttpRequest, items: QuerySet, field: str, per_page: int = PAGE_SIZE) -> dict:
    """One page of a list ordered newest first by a date or date-time field, then by id, after a cursor.

    Keyset pagination: the next page starts after the last row shown, found through an index,
    so the thousandth page costs what the first does and nothing is counted. A row added while
    paging never shifts the others to the next page. A bad cursor gives the first page.
    """
    query = request.GET.copy()
    query.pop(AFTER, None)
    query.pop("page", None)
    with_time = isinstance(items.model._meta.get_field(field), DateTimeField)
    after = _after(request.GET.get(AFTER, ""), with_time)
    items = items.order_by(f"-{field}", "-pk")
    if after is not None:
        moment, pk = after
        # The first condition bounds the index scan; the second breaks ties on the date-time.
        items = items.filter(**{f"{field}__lte": moment}).filter(Q(**{f"{field}__lt": moment}) | Q(pk__lt=pk))
    rows = list(items[: per_page + 1])
    page = rows[:per_page]
    next_page_query = ""
    if len(rows) > per_page:
        last = page[-1]
        following = query.copy()
        following[AFTER] = f"{getattr(last, field).isoformat()}~{last.pk}"
        next_page_query = following.urlencode()
    return {
        "page": page,
        "query_string": query.urlencode(),
        "next_page_query": next_page_query,
        "is_first_page": after is None,
    }
