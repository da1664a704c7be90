"""Values read from a page's query string, made safe to put in a database query."""

from django.core.paginator import Paginator
from django.http import HttpRequest

SEARCH_MAX_LENGTH = 100


def search_text(request: HttpRequest, name: str = "q") -> str:
    """The search box's text, trimmed and bounded.

    PostgreSQL refuses NUL characters in a query, so they are dropped rather than let the page
    fail; a pasted novel is cut to a length that cannot slow the database down.
    """
    return request.GET.get(name, "").replace("\x00", "").strip()[:SEARCH_MAX_LENGTH]


PAGE_SIZE = 50


def page_of(request: HttpRequest, items, per_page: int = PAGE_SIZE) -> dict:
    """One page of a list (a bad page number gives the first or last page, never an error),
    and the query string that keeps the list's filters from page to page."""
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "page": Paginator(items, per_page).get_page(request.GET.get("page")),
        "query_string": query.urlencode(),
    }
