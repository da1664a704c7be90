import datetime
import os
import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from inclusion.core.models import Antenna, Topic
from sessions_app.bookings.enums import BookingChannel
from sessions_app.desk.enums import Autonomy, Outcome, RedirectionKind
from sessions_app.scheduling.models import Permanence

# A running export moves on every 2,000 rows: one that has not for this long was lost with its
# worker (stopped, killed), and may be asked for again.
LOST_AFTER = datetime.timedelta(minutes=10)


class MonthTotals(models.Model):
    """What every table of monthly totals is kept by: an antenna's month (its first day)."""

    antenna = models.ForeignKey(Antenna, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()

    class Meta:
        abstract = True
        indexes = [models.Index(fields=["month", "antenna"], name="%(class)s_month_idx")]

    def __str__(self):
        return f"{self.antenna_id} {self.month:%m/%Y}"


class MonthSessions(MonthTotals):
    """The sessions of one antenna's month, per permanence (none for sessions without a date)."""

    permanence = models.ForeignKey(Permanence, on_delete=models.CASCADE, null=True, related_name="+")
    sessions = models.PositiveIntegerField(default=0)
    individual = models.PositiveIntegerField(default=0)
    anonymous_individual = models.PositiveIntegerField(default=0)
    workshops = models.PositiveIntegerField(default=0)
    anonymous_participants = models.PositiveIntegerField(default=0)
    minutes = models.PositiveBigIntegerField(default=0)
    vouchers = models.PositiveIntegerField(default=0)


def session_breakdown_columns() -> dict[str, tuple[str, str]]:
    """A column of MonthSessions per choice of a session's autonomy, outcome and redirection,
    named like "outcome_done" ("autonomy_none" for an autonomy not logged): the field and value
    each one counts. Derived from the choices, so a new choice gets its column by a migration."""
    columns = {f"autonomy_{value or 'none'}": ("autonomy", value) for value in ["", *Autonomy.values]}
    columns.update({f"outcome_{value}": ("outcome", value) for value in Outcome.values})
    columns.update({f"redirection_{value}": ("redirected_to", value) for value in RedirectionKind.values})
    return columns


for _column in session_breakdown_columns():
    MonthSessions.add_to_class(_column, models.PositiveIntegerField(default=0))


class MonthTopics(MonthTotals):
    """The sessions of one antenna's month that dealt with a topic."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")
    sessions = models.PositiveIntegerField()


class MonthBookings(MonthTotals):
    """Active bookings on one antenna's dates of a month, by channel and referring organization."""

    channel = models.CharField(max_length=10, choices=BookingChannel.choices)
    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE, null=True, related_name="+")
    bookings = models.PositiveIntegerField()
    attended = models.PositiveIntegerField()
    no_show = models.PositiveIntegerField()


class ExportStorage(FileSystemStorage):
    """The private folder of the prepared exports (settings.EXPORTS_DIR), read when a file is
    saved or opened, so a test may point it elsewhere. Its files have no URL: they are handed
    out by the download view alone, to the user who asked for them."""

    def __init__(self) -> None:
        super().__init__(file_permissions_mode=0o600, directory_permissions_mode=0o700)

    @property
    def base_location(self) -> str:
        return os.fspath(settings.EXPORTS_DIR)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("Prepared exports have no public address: they go through their download view.")


_export_storage = ExportStorage()


def export_storage() -> ExportStorage:
    """The storage of ExportJob.file, named by a function so migrations do not freeze a folder."""
    return _export_storage


class ExportJob(models.Model):
    """An export prepared by the task worker, for the user who asked for it, then kept a while.

    What it exports (the kind, the scope as named in the figures' URLs, the period, the names),
    in which language and format; how far its writing is; the file once written. Its id, a
    random UUID, is what its addresses show. A given request has at most one job queued or
    running at a time, so asking twice makes one file.
    """

    class Kind(models.TextChoices):
        SESSIONS = "sessions", pgettext_lazy("export", "Sessions")
        BOOKINGS = "bookings", pgettext_lazy("export", "Bookings")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for the task worker")
        RUNNING = "running", _("Being written")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    class Failure(models.TextChoices):
        # What the job's page says of each is in export_jobs.FAILURE_MESSAGES.
        NO_ACCESS = "no_access", _("Access lost")
        ERROR = "error", _("Error")
        LOST = "lost", _("Worker stopped")

    PENDING = (Status.QUEUED, Status.RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked by"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("what"), max_length=10, choices=Kind.choices)
    fmt = models.CharField(_("format"), max_length=10, default="xlsx")
    # The scope as the figures' URLs name it ("antenne", "structure" or "tout", and its id).
    scope_kind = models.CharField(_("scope"), max_length=20)
    scope_pk = models.PositiveIntegerField(_("scope id"))
    scope_label = models.CharField(_("scope's name"), max_length=255)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    names = models.BooleanField(_("names asked for"), default=False)
    language = models.CharField(_("language"), max_length=10)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    failure = models.CharField(_("why it failed"), max_length=10, choices=Failure.choices, blank=True)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    # Counted when the writing starts; unknown until then.
    rows_total = models.PositiveIntegerField(_("rows to write"), null=True, blank=True)
    file = models.FileField(_("file"), storage=export_storage, max_length=255, blank=True)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(_("file size"), null=True, blank=True)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    # Moved on at every step of the writing: a running job that stops moving was lost.
    progressed_at = models.DateTimeField(_("last progress at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("deleted after"))

    class Meta:
        verbose_name = _("prepared export")
        verbose_name_plural = _("prepared exports")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["expires_at"], name="exportjob_expires_idx"),
            models.Index(fields=["created_at"], name="exportjob_created_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "user",
                    "kind",
                    "fmt",
                    "scope_kind",
                    "scope_pk",
                    "period_start",
                    "period_end",
                    "names",
                    "language",
                ],
                condition=Q(status__in=["queued", "running"]),
                name="exportjob_once_while_pending",
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.scope_label} {self.period_start.isoformat()}–{self.period_end.isoformat()}"

    def get_absolute_url(self) -> str:
        return reverse("exports:job", args=[self.pk])

    @property
    def scope_url_kwargs(self) -> dict:
        return {"scope": self.scope_kind, "pk": self.scope_pk}

    @property
    def period_query(self) -> str:
        """The query string of the figures page and of the export this job was asked from."""
        return f"periode=custom&du={self.period_start.isoformat()}&au={self.period_end.isoformat()}"

    @property
    def export_url(self) -> str:
        """The address that asks for this export again."""
        path = reverse(f"exports:{self.kind}", kwargs={**self.scope_url_kwargs, "fmt": self.fmt})
        return f"{path}?{self.period_query}{'&noms=1' if self.names else ''}"

    @property
    def figures_url(self) -> str:
        return f"{reverse('figures:figures', kwargs=self.scope_url_kwargs)}?{self.period_query}"

    def state(self, now: datetime.datetime) -> str:
        """What the job's page says of it: its status, or "expired" once past its keeping time,
        or "lost" for a running job that has not moved on for LOST_AFTER."""
        if now >= self.expires_at:
            return "expired"
        if self.status == self.Status.RUNNING and (self.progressed_at or self.created_at) < now - LOST_AFTER:
            return "lost"
        return self.status

    def access_log_detail(self, *, rows: int, names: bool) -> dict:
        """What the access log keeps of this export: like the exports made by the web request,
        with the kind and the job's id."""
        return {
            "kind": self.kind,
            "scope": {**self.scope_url_kwargs, "label": self.scope_label},
            "period": [self.period_start.isoformat(), self.period_end.isoformat()],
            "format": self.fmt,
            "names": names,
            "rows": rows,
            "job": str(self.pk),
        }

    @property
    def access_log_what(self) -> str:
        return f"{self.kind} export {self.scope_label} {self.period_start.isoformat()}–{self.period_end.isoformat()}"
