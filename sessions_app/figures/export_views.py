"""Exports for funders of a figures page's scope and period: session logs and bookings, as CSV
or XLSX, with every export recorded in the personal-data access log.

The CSV is streamed by the web request. The workbook is prepared by the task worker: asking for
it leads to its job's page, which follows its progress and then offers the file to download.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponseBadRequest, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.views.decorators.http import require_safe

from inclusion.core.access import AuthenticatedHttpRequest
from inclusion.core.db_routers import replica_stream, use_replica
from inclusion.core.models import AccessLog, User
from inclusion.core.services import access_log_record
from sessions_app.figures.export_jobs import (
    export_job_download_record,
    export_job_of,
    export_job_progress,
    export_job_request,
)
from sessions_app.figures.exports import FORMATS, XLSX_CONTENT_TYPE, Export, booking_export, csv_stream, session_export
from sessions_app.figures.models import ExportJob
from sessions_app.figures.reporting import PeriodError, period_from_query, scope_for

logger = logging.getLogger(__name__)


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


def _streamable_rows(export: Export) -> int | None:
    """The export's rows, counted by the database, when they are few enough to stream within a
    web request (EXPORT_STREAM_MAX_ROWS); None otherwise."""
    with use_replica():
        rows = export.queryset.count()
    return rows if rows <= settings.EXPORT_STREAM_MAX_ROWS else None


def _export(
    request: AuthenticatedHttpRequest, scope: str, pk: int, fmt: str, kind: str, build: Callable[..., Export]
) -> HttpResponseBase:
    if fmt not in FORMATS:
        raise Http404
    figures_scope = scope_for(request.user, scope, pk)
    try:
        period = period_from_query(request.GET, today=figures_scope.today())
    except PeriodError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    names = _names_allowed(request)
    export = build(figures_scope, period, names=names)
    rows = _streamable_rows(export) if fmt == "csv" else None
    if rows is None:
        # A workbook always, and a CSV too long to stream within a web request, are prepared by
        # the task worker.
        job = export_job_request(
            user=request.user,
            kind=kind,
            scope=figures_scope,
            period=period,
            names=names,
            language=translation.get_language() or "fr",
            fmt=fmt,
        )
        return redirect(job)
    # The stream runs after the view returns: the access is recorded now, counted by the database.
    _record(request.user, export, fmt, rows)
    response = StreamingHttpResponse(replica_stream(csv_stream(export)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export.filename(fmt)}"'
    return response


@require_safe
def sessions(request: AuthenticatedHttpRequest, scope: str, pk: int, fmt: str) -> HttpResponseBase:
    return _export(request, scope, pk, fmt, ExportJob.Kind.SESSIONS, session_export)


@require_safe
def bookings(request: AuthenticatedHttpRequest, scope: str, pk: int, fmt: str) -> HttpResponseBase:
    return _export(request, scope, pk, fmt, ExportJob.Kind.BOOKINGS, booking_export)


@require_safe
def job(request: AuthenticatedHttpRequest, pk) -> HttpResponseBase:
    """A prepared export's page: what it holds, how far it is, then its download link."""
    export_job = export_job_of(request.user, pk)
    progress = export_job_progress(export_job)
    return render(
        request,
        "figures/export_job.html",
        {
            "job": export_job,
            "progress": progress,
            "language_name": _language_name(export_job.language),
            "keep_hours": settings.EXPORT_KEEP_HOURS,
        },
    )


@require_safe
def job_status(request: AuthenticatedHttpRequest, pk) -> HttpResponseBase:
    """How far a prepared export is, for the page's script to move its bar."""
    progress = export_job_progress(export_job_of(request.user, pk))
    return JsonResponse(progress.as_json())


@require_safe
def job_download(request: AuthenticatedHttpRequest, pk) -> HttpResponseBase:
    """The prepared file, read from disk as it is sent, to the user who asked for it while they
    may still read the scope's figures; a 404 once it has expired. Each download is recorded."""
    export_job = export_job_of(request.user, pk)
    if export_job.state(timezone.now()) != ExportJob.Status.DONE or not export_job.file:
        raise Http404
    scope_for(request.user, export_job.scope_kind, export_job.scope_pk)
    try:
        file = export_job.file.open("rb")
    except FileNotFoundError:
        logger.warning("Prepared export missing from EXPORTS_DIR.", extra={"export_job": str(export_job.pk)})
        raise Http404 from None
    export_job_download_record(user=request.user, job=export_job)
    content_type = XLSX_CONTENT_TYPE if export_job.fmt == "xlsx" else "text/csv; charset=utf-8"
    return FileResponse(file, as_attachment=True, filename=export_job.filename, content_type=content_type)


def _language_name(code: str) -> str:
    try:
        return str(translation.get_language_info(code)["name_translated"])
    except KeyError:
        return code
