"""Values read from a page's query string, made safe to put in a database query."""

from django.http import HttpRequest

SEARCH_MAX_LENGTH = 100


def search_text(request: HttpRequest, name: str = "q") -> str:
    """The search box's text, trimmed and bounded.

    PostgreSQL refuses NUL characters in a query, so they are dropped rather than let the page
    fail; a pasted novel is cut to a length that cannot slow the database down.
    """
    return request.GET.get(name, "").replace("\x00", "").strip()[:SEARCH_MAX_LENGTH]
