"""Exports for funders of a figures page's scope and period: session logs and bookings, as CSV
or XLSX, with every export recorded in the personal-data access log."""

from collections.abc import Callable

from django.http import FileResponse, Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe

from inclusion.core.access import AuthenticatedHttpRequest
from inclusion.core.db_routers import replica_stream, use_replica
from inclusion.core.models import AccessLog, User
from inclusion.core.services import access_log_record
from sessions_app.figures.exports import (
    FORMATS,
    XLSX_CONTENT_TYPE,
    Export,
    booking_export,
    csv_stream,
    session_export,
    xlsx_file,
)
from sessions_app.figures.reporting import PeriodError, period_from_query, scope_for


def _names_allowed(request: AuthenticatedHttpRequest) -> bool:
    """Names only when asked for, and only to a user who signed the confidentiality charter; the
    scope came through scope_for, so they manage every antenna of it."""
    return request.GET.get("noms") == "1" and request.user.has_signed_charter


def _record(user: User, export: Export, fmt: str, rows: int) -> None:
    access_log_record(
        user=user,
        action=AccessLog.Action.EXPORT,
        kind=AccessLog.Kind.REPORT,
        what=export.description,
        detail={
            "scope": {**export.scope.url_kwargs, "label": export.scope.label},
            "period": [export.period.start.isoformat(), export.period.end.isoformat()],
            "format": fmt,
            "names": export.names,
            "rows": rows,
        },
    )


def _export(
    request: AuthenticatedHttpRequest, scope: str, pk: int, fmt: str, build: Callable[..., Export]
) -> HttpResponseBase:
    if fmt not in FORMATS:
        raise Http404
    figures_scope = scope_for(request.user, scope, pk)
    try:
        period = period_from_query(request.GET, today=figures_scope.today())
    except PeriodError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    export = build(figures_scope, period, names=_names_allowed(request))
    if fmt == "csv":
        # The stream runs after the view returns: the access is recorded now, counted by the database.
        with use_replica():
            rows = export.queryset.count()
        _record(request.user, export, fmt, rows)
        response = StreamingHttpResponse(replica_stream(csv_stream(export)), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{export.filename(fmt)}"'
        return response
    with use_replica():
        file, rows = xlsx_file(export, user=request.user)
    _record(request.user, export, fmt, rows)
    return FileResponse(file, as_attachment=True, filename=export.filename(fmt), content_type=XLSX_CONTENT_TYPE)


@require_safe
def sessions(request: AuthenticatedHttpRequest, scope: str, pk: int, fmt: str) -> HttpResponseBase:
    return _export(request, scope, pk, fmt, session_export)


@require_safe
def bookings(request: AuthenticatedHttpRequest, scope: str, pk: int, fmt: str) -> HttpResponseBase:
    return _export(request, scope, pk, fmt, booking_export)
