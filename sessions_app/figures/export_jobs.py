"""Exports prepared by the task worker: asking for one, reading how far it is, downloading it.

The writes are here (the job asked for, a lost one given up, a download recorded); the work
itself is the task's (sessions_app/figures/tasks.py).
"""

from __future__ import annotations

import dataclasses
import datetime
import functools

from django.conf import settings
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from inclusion.core.models import AccessLog, User
from inclusion.core.services import access_log_record
from sessions_app.figures.models import ExportJob
from sessions_app.figures.reporting import Period, Scope
from sessions_app.figures.tasks import export_job_build

# What a job's page shows while the file is being made, and once it is no longer.
WAITING_STATES = {ExportJob.Status.QUEUED, ExportJob.Status.RUNNING}
ENDED_STATES = {ExportJob.Status.FAILED, "expired", "lost"}
FAILURE_MESSAGES = {
    ExportJob.Failure.NO_ACCESS: gettext_lazy(
        "You may no longer read the figures of this scope: the file was not made."
    ),
    ExportJob.Failure.ERROR: gettext_lazy(
        "The file could not be made because of an error on the server. Ask for it again; if it fails "
        "again, tell the site's administrator."
    ),
    ExportJob.Failure.LOST: gettext_lazy("The task worker stopped while it was writing the file. Ask for it again."),
}


def export_job_request(
    *, user: User, kind: str, scope: Scope, period: Period, names: bool, language: str, fmt: str = "xlsx"
) -> ExportJob:
    """The job of this export for this user: the one already queued or running for the same
    request (a link clicked twice makes one file), else a new one, queued for the task worker
    once committed. A running job that stopped moving is given up first."""
    wanted = {
        "user": user,
        "kind": kind,
        "fmt": fmt,
        "scope_kind": scope.url_kwargs["scope"],
        "scope_pk": scope.url_kwargs["pk"],
        "period_start": period.start,
        "period_end": period.end,
        "names": names,
        "language": language,
    }
    pending = ExportJob.objects.filter(**wanted, status__in=ExportJob.PENDING)
    now = timezone.now()
    job = pending.first()
    if job is not None and job.state(now) not in ("lost", "expired"):
        return job
    if job is not None:
        _give_up(job)
    try:
        with transaction.atomic():
            job = ExportJob.objects.create(
                **wanted,
                scope_label=scope.label,
                expires_at=now + datetime.timedelta(hours=settings.EXPORT_KEEP_HOURS),
            )
    except IntegrityError:
        # The same request, sent at the same moment, created it first (and may have had it made
        # already, by a worker that runs tasks at once).
        return ExportJob.objects.filter(**wanted).latest("created_at")
    transaction.on_commit(functools.partial(export_job_build.enqueue, job_id=str(job.pk)))
    return job


def _give_up(job: ExportJob) -> None:
    """A job that will not finish: failed, so the same export may be asked for again."""
    ExportJob.objects.filter(pk=job.pk, status__in=ExportJob.PENDING).update(
        status=ExportJob.Status.FAILED, failure=ExportJob.Failure.LOST, finished_at=timezone.now()
    )


def export_job_of(user: User, pk) -> ExportJob:
    """A job of this user's; anyone else's, or none, is a 404."""
    return get_object_or_404(ExportJob.objects.filter(user=user), pk=pk)


def export_job_download_record(*, user: User, job: ExportJob) -> None:
    """Each download is recorded in the access log, like the export itself: the people's data
    leaves the application once more, for the device it is downloaded to."""
    access_log_record(
        user=user,
        action=AccessLog.Action.EXPORT,
        kind=AccessLog.Kind.REPORT,
        what=job.access_log_what,
        detail={**job.access_log_detail(rows=job.rows_written, names=job.names), "download": True},
    )


@dataclasses.dataclass(frozen=True)
class JobProgress:
    """How far a job is, as its page and its status address tell it, in the reader's language."""

    state: str
    rows_written: int
    rows_total: int | None
    status_text: str
    progress_text: str

    @property
    def waiting(self) -> bool:
        return self.state in WAITING_STATES

    @property
    def ended(self) -> bool:
        return self.state in ENDED_STATES

    def as_json(self) -> dict:
        return {
            "state": self.state,
            "waiting": self.waiting,
            "rows_written": self.rows_written,
            "rows_total": self.rows_total,
            "status_text": self.status_text,
            "progress_text": self.progress_text,
        }


def export_job_progress(job: ExportJob, *, now: datetime.datetime | None = None) -> JobProgress:
    state = job.state(now or timezone.now())
    return JobProgress(
        state=state,
        rows_written=job.rows_written,
        rows_total=job.rows_total,
        status_text=_status_text(job, state),
        progress_text=_progress_text(job, state),
    )


def _status_text(job: ExportJob, state: str) -> str:
    if state == ExportJob.Status.QUEUED:
        return _("The file is waiting for the task worker, which prepares the exports one after the other.")
    if state == ExportJob.Status.RUNNING:
        return _("The file is being written.")
    if state == ExportJob.Status.DONE:
        return _("The file is ready.")
    if state == "expired":
        hours = settings.EXPORT_KEEP_HOURS
        return ngettext(
            "This file has been deleted: prepared files are kept %(hours)s hour.",
            "This file has been deleted: prepared files are kept %(hours)s hours.",
            hours,
        ) % {"hours": hours}
    failure = ExportJob.Failure.LOST if state == "lost" else job.failure or ExportJob.Failure.ERROR
    return str(FAILURE_MESSAGES[ExportJob.Failure(failure)])


def _progress_text(job: ExportJob, state: str) -> str:
    if state not in WAITING_STATES and state != ExportJob.Status.DONE:
        return ""
    if job.rows_total is None:
        return _("Counting the rows…") if state == ExportJob.Status.RUNNING else ""
    return ngettext(
        "%(written)s of %(total)s row written",
        "%(written)s of %(total)s rows written",
        job.rows_total,
    ) % {
        "written": number_format(job.rows_written, force_grouping=True),
        "total": number_format(job.rows_total, force_grouping=True),
    }
