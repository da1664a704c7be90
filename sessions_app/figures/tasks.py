"""Background work of the figures, run by the task worker (`manage.py db_worker`): the Excel
exports and the large CSV ones, too long for a web request on a large scope, and the deletion of
the expired ones.

Tasks take ids and strings only: their arguments are stored as JSON in the queue.
"""

from __future__ import annotations

import datetime
import logging
import os
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django_tasks import task

from inclusion.core.db_routers import use_replica
from inclusion.core.models import AccessLog
from inclusion.core.services import access_log_record
from sessions_app.figures.exports import Export, booking_export, csv_file, session_export, xlsx_file
from sessions_app.figures.models import ExportJob, export_storage
from sessions_app.figures.reporting import Period, scope_for

logger = logging.getLogger(__name__)

BUILDERS: dict[str, Callable[..., Export]] = {
    ExportJob.Kind.SESSIONS: session_export,
    ExportJob.Kind.BOOKINGS: booking_export,
}


@task()
def export_job_build(*, job_id: str) -> dict:
    """Write the file of a queued export job, then delete the expired ones."""
    outcome = export_job_make(job_id=job_id)
    pruned = export_jobs_prune()
    return {"status": outcome, "pruned": pruned}


def export_job_make(*, job_id: str) -> str:
    """Write a queued job's file and record the export; the job's status once done.

    The job is taken from "queued" to "running" in one conditional update, so a task run twice
    writes it once. Access is checked again, as its user holds it now: one who lost it gets a
    failed job. Any error fails the job with a message for its page, and is logged.
    """
    now = timezone.now()
    started = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING, started_at=now, progressed_at=now
    )
    if not started:
        # Deleted, or already taken by another run: nothing to do.
        return "skipped"
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    try:
        with translation.override(job.language):
            _write(job)
    except (Http404, PermissionDenied):
        logger.warning("Export job refused: its user may no longer read the scope.", extra={"export_job": job_id})
        _fail(job, ExportJob.Failure.NO_ACCESS)
    except Exception:
        logger.exception("Export job failed.", extra={"export_job": job_id})
        _fail(job, ExportJob.Failure.ERROR)
    return job.status


def _write(job: ExportJob) -> None:
    """Build the export as the job's user may see it, write it, store it and record it."""
    user = job.user
    scope = scope_for(user, job.scope_kind, job.scope_pk)
    export = BUILDERS[job.kind](
        scope, Period(job.period_start, job.period_end), names=job.names and user.has_signed_charter
    )
    with use_replica():
        total = export.queryset.count()
    ExportJob.objects.filter(pk=job.pk).update(rows_total=total, progressed_at=timezone.now())

    def progress(rows: int) -> None:
        # One UPDATE per call: the page reads it to draw its bar.
        ExportJob.objects.filter(pk=job.pk).update(rows_written=rows, progressed_at=timezone.now())

    with use_replica():
        if job.fmt == "csv":
            temporary, rows = csv_file(export, progress=progress)
        else:
            temporary, rows = xlsx_file(export, user=user, progress=progress)
    with temporary:
        job.file.save(f"{job.pk}.{job.fmt}", File(temporary), save=False)
    finished = timezone.now()
    job.status = ExportJob.Status.DONE
    job.rows_written = rows
    job.rows_total = rows
    job.filename = export.filename(job.fmt)
    job.file_size = job.file.size
    job.finished_at = finished
    job.expires_at = finished + datetime.timedelta(hours=settings.EXPORT_KEEP_HOURS)
    # The export is recorded with the job it makes available, or neither is.
    with transaction.atomic():
        job.save(
            update_fields=[
                "status",
                "rows_written",
                "rows_total",
                "file",
                "filename",
                "file_size",
                "finished_at",
                "expires_at",
            ]
        )
        access_log_record(
            user=user,
            action=AccessLog.Action.EXPORT,
            kind=AccessLog.Kind.REPORT,
            what=job.access_log_what,
            detail=job.access_log_detail(rows=rows, names=export.names),
        )


def _fail(job: ExportJob, failure: str) -> None:
    """The job failed: its status and why, and no file left behind."""
    if job.file:
        job.file.delete(save=False)
    job.status = ExportJob.Status.FAILED
    job.failure = failure
    job.finished_at = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(
        status=job.status, failure=job.failure, file="", finished_at=job.finished_at
    )


def export_jobs_prune(*, now: datetime.datetime | None = None) -> int:
    """Delete the jobs past their keeping time and their files, then any file of the folder
    that no job names and that is older than the keeping time (left by a worker that was
    killed while it stored it). How many jobs were deleted."""
    now = now or timezone.now()
    expired = list(ExportJob.objects.filter(expires_at__lte=now).values_list("pk", "file"))
    storage = export_storage()
    for _pk, name in expired:
        if name:
            storage.delete(name)
    ExportJob.objects.filter(pk__in=[pk for pk, _name in expired]).delete()
    _orphans_delete(now - datetime.timedelta(hours=settings.EXPORT_KEEP_HOURS))
    return len(expired)


def _orphans_delete(before: datetime.datetime) -> None:
    storage = export_storage()
    try:
        _folders, names = storage.listdir("")
    except FileNotFoundError:
        return
    named = set(ExportJob.objects.exclude(file="").values_list("file", flat=True))
    for name in names:
        if name in named:
            continue
        modified = datetime.datetime.fromtimestamp(os.path.getmtime(storage.path(name)), tz=datetime.UTC)
        if modified < before:
            storage.delete(name)
