"""The site's own error pages: each status a person can meet, in their language, saying what to do
next (templates/<status>.html on templates/error_base.html).

They are rendered without the request's context: no context processor runs, so neither the
session nor the account is read, and the pages of a failing database (500, 503) still render.
"""

import logging
import sys

import psycopg
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils import translation

from inclusion.core.languages import chosen_language

logger = logging.getLogger(__name__)

# Bodies Django refuses to read (DATA_UPLOAD_MAX_MEMORY_SIZE, DATA_UPLOAD_MAX_NUMBER_FIELDS and
# _FILES): suspicious operations, hence 400 for Django, but what the person needs to hear is
# "too large".
TOO_LARGE = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)

# PostgreSQL's codes for a server that is not serving now, beside the connection class (08):
# too many connections, shut down by the administrator or after a crash, still starting.
UNAVAILABLE_SQLSTATES = {"53300", "57P01", "57P02", "57P03"}

# What psycopg raises, without an SQLSTATE, when the server could not be reached (in time) or the
# connection was lost; what the server reports (a lock or statement timeout among others) comes as
# a subclass of OperationalError with its code.
CONNECTION_FAILURES = (psycopg.OperationalError, psycopg.errors.ConnectionTimeout)

# If even the page cannot be rendered (a static files manifest missing after a failed deploy,
# say), this still beats the WSGI server's bare text.
LAST_RESORT = (
    '<!DOCTYPE html><html lang="fr"><meta charset="utf-8"><title>Permanences numériques</title>'
    "<h1>Le site est momentanément indisponible</h1><p>Réessayez dans quelques minutes.</p>"
    '<p lang="en">The site is unavailable for a moment. Please try again in a few minutes.</p></html>'
)


def error_page_body(request, status: int, template_name: str = "") -> str:
    with translation.override(chosen_language(request)):
        return loader.render_to_string(template_name or f"{status}.html")


def error_page(request, status: int, template_name: str = "") -> HttpResponse:
    return HttpResponse(error_page_body(request, status, template_name), status=status)


def database_unavailable(error: BaseException | None) -> bool:
    """Whether the error says that PostgreSQL cannot be reached now (down, restarting, full, or
    the connection lost), rather than a fault of the code or of a query."""
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    if type(cause) in CONNECTION_FAILURES:
        return True
    code = getattr(cause, "sqlstate", None)
    if not code:
        return False
    return code.startswith("08") or code in UNAVAILABLE_SQLSTATES


# The handlers named in the root URLconf (handler400…handler500) and CSRF_FAILURE_VIEW.


def bad_request(request, exception):
    return error_page(request, 413 if isinstance(exception, TOO_LARGE) else 400)


def permission_denied(request, exception):
    return error_page(request, 403)


def csrf_failure(request, reason=""):
    """A form refused by the CSRF check: in practice one opened before logging in or out, in
    another tab or long ago; the person only needs to reload it."""
    return error_page(request, 403, "403_csrf.html")


def page_not_found(request, exception):
    return error_page(request, 404)


def server_error(request):
    # Django calls this while handling the exception, which sys.exception() still holds.
    status = 503 if database_unavailable(sys.exception()) else 500
    try:
        return error_page(request, status)
    except Exception:
        logger.exception("The %s page could not be rendered.", status)
        return HttpResponse(LAST_RESORT, status=status)
