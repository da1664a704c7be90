from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.db import connection
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation import gettext as _

from inclusion.core import two_factor
from inclusion.core.error_pages import error_page, error_page_body
from inclusion.core.languages import chosen_language


class ChosenLanguageMiddleware:
    """French unless the user picked another language with the switch at the foot of the page.

    Unlike Django's LocaleMiddleware, the browser's Accept-Language is not followed: the
    computers at a drop-in are shared and often set up in another language, and the people
    helping must find the interface they know.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        translation.activate(chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ["Cookie"])
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class RequestLimitsMiddleware:
    """Refuse an over-long address (414) or header field (431) with the site's own page.

    gunicorn lets these through (gunicorn.conf.py) so that the answer is a page of the site, in
    the person's language, instead of gunicorn's bare English one. Right after the language is
    known: nothing else needs to run for such a request.
    """

    # Path and query string, and a header field's name and value: the longest request line
    # gunicorn can be told to accept, as Apache by default. No address of the site comes near it.
    MAX_TARGET_LENGTH = 8190
    MAX_HEADER_FIELD_LENGTH = 8190

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if len(request.get_full_path()) > self.MAX_TARGET_LENGTH:
            return error_page(request, 414)
        if any(
            len(name) - len("HTTP_") + len(": ") + len(value) > self.MAX_HEADER_FIELD_LENGTH
            for name, value in request.META.items()
            if name.startswith("HTTP_") and isinstance(value, str)
        ):
            return error_page(request, 431)
        return self.get_response(request)


class MethodNotAllowedPageMiddleware:
    """Give a bare 405 (from require_POST, require_safe or a class-based view) the site's page.

    The page is written into the answer itself, so its Allow header and whatever the other
    middleware set on it stay. Inside CommonMiddleware, which then counts the new length.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and not response.streaming and not response.content:
            response.content = error_page_body(request, 405)
            response["Content-Type"] = "text/html; charset=utf-8"
        return response


class NoStoreForSignedInMiddleware:
    """Forbid any cache, the browser's included, to keep a page served to a signed-in user.

    Those pages hold personal data of the people helped; on a shared computer the browser's
    back button or history must not bring them back after the helper has logged out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            add_never_cache_headers(response)
        return response


class SessionTimeoutMiddleware:
    """Log out after SESSION_IDLE_MINUTES without a request, and SESSION_MAX_HOURS after the log-in.

    The drop-in computers are shared: a helper who walks away without logging out must not leave
    the next visitor a signed-in browser, and no session may outlive a working day.
    """

    STARTED_KEY = "session_started_at"
    LAST_SEEN_KEY = "session_last_seen_at"
    # Saving the session on every request would write to the database each time; a minute's
    # precision on the idle limit is enough.
    LAST_SEEN_PRECISION_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and self._has_expired(request.session, timezone.now().timestamp()):
            logout(request)
            messages.info(request, _("Your session has ended: please log in again."))
            return redirect_to_login(request.get_full_path())
        response = self.get_response(request)
        if request.user.is_authenticated:
            self._record_activity(request.session, timezone.now().timestamp())
        return response

    @classmethod
    def start_clock(cls, sender, request, user, **kwargs):
        """Receiver of user_logged_in: both limits count from the log-in itself."""
        now = timezone.now().timestamp()
        request.session[cls.STARTED_KEY] = now
        request.session[cls.LAST_SEEN_KEY] = now

    def _has_expired(self, session, now):
        started = session.get(self.STARTED_KEY)
        last_seen = session.get(self.LAST_SEEN_KEY)
        if started is None or last_seen is None:
            return False
        return (
            now - last_seen > settings.SESSION_IDLE_MINUTES * 60 or now - started > settings.SESSION_MAX_HOURS * 3600
        )

    def _record_activity(self, session, now):
        session.setdefault(self.STARTED_KEY, now)
        if now - session.get(self.LAST_SEEN_KEY, 0) >= self.LAST_SEEN_PRECISION_SECONDS:
            session[self.LAST_SEEN_KEY] = now


class SecondFactorMiddleware:
    """Hold a signed-in user who has a second factor on the code page until a code is right; with
    OTP_REQUIRED_FOR_ADMINS, hold an admin who has none on the set-up page until it is on.

    Runs on every page that needs a log-in, the technical admin's included; public pages, the log-in
    and language pages stay open. Logging out is always possible.
    """

    VERIFY_OPEN = frozenset({"logout", "admin:logout", "two_factor:verify"})
    SETUP_OPEN = frozenset({"logout", "admin:logout", "two_factor:setup"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated or not getattr(view_func, "login_required", True):
            return None
        view_name = request.resolver_match.view_name if request.resolver_match else ""
        if request.user.has_second_factor:
            if view_name in self.VERIFY_OPEN or request.user.is_verified():
                return None
            return redirect_to_login(request.get_full_path(), reverse("two_factor:verify"))
        if two_factor.two_factor_required(request.user) and view_name not in self.SETUP_OPEN:
            return redirect("two_factor:setup")
        return None


class QueryCountHeaderMiddleware:
    """Tell in an `X-Query-Count` header how many SQL queries answering the request took.

    For the benchmark (scripts/bench.py), which reads it from outside the server without a
    debug toolbar; enabled only when QUERY_COUNT_HEADER is set. First in the chain, so the
    session and authentication queries count too. A streamed body's queries run after the
    headers are sent and are not counted.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def count_query(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count_query):
            response = self.get_response(request)
        response.headers["X-Query-Count"] = str(count)
        return response
