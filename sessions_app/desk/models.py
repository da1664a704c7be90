import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Collate, Upper
from django.utils.translation import gettext_lazy as _

from inclusion.core.clock import (
    EARLIEST_DATE,
    LATEST_DATE,
    antenna_today,
    date_range_error,
    in_calendar,
    years_from,
)
from inclusion.core.models import Antenna, AntennaScopedQuerySet, Topic, fields_changed
from sessions_app.bookings.models import Booking
from sessions_app.desk.enums import MAX_SESSION_MINUTES, Autonomy, Outcome, RedirectionKind
from sessions_app.scheduling.enums import (
    WorkshopLevel,
)
from sessions_app.scheduling.models import Occurrence

SESSION_LOG_YEARS = 2


class SessionLogQuerySet(AntennaScopedQuerySet):
    pass


def session_date_error(day: datetime.date, *, antenna: Antenna) -> ValidationError | None:
    """Why a session cannot be logged on this day at this antenna, or None: not after the
    antenna's today, nor more than SESSION_LOG_YEARS before it."""
    today = antenna_today(antenna)
    if day > today:
        return ValidationError(_("A session cannot be logged before it takes place."), code="session_in_future")
    return date_range_error(day, earliest=years_from(today, -SESSION_LOG_YEARS), latest=today)


class SessionLog(models.Model):
    """What happened in one session with one person, or in one group workshop.

    The vocabulary follows the national session record of digital mediators so the figures can
    be compared and exported to it.
    """

    antenna = models.ForeignKey(
        Antenna, verbose_name=_("antenna"), on_delete=models.PROTECT, related_name="session_logs"
    )
    occurrence = models.ForeignKey(
        Occurrence,
        verbose_name=_("date"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="session_logs",
    )
    booking = models.OneToOneField(
        Booking,
        verbose_name=_("booking"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="session_log",
    )
    date = models.DateField(_("date"))
    volunteers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("volunteers"), related_name="session_logs"
    )
    is_workshop = models.BooleanField(_("group workshop"), default=False)
    level = models.CharField(_("workshop level"), max_length=20, choices=WorkshopLevel.choices, blank=True)
    # An individual session: a followed person, or an anonymous one described by optional facts.
    beneficiary = models.ForeignKey(
        "people.Beneficiary",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="session_logs",
    )
    age_bracket = models.CharField(_("age bracket"), max_length=10, blank=True)
    gender = models.CharField(_("gender"), max_length=10, blank=True)
    social_status = models.CharField(_("social status"), max_length=20, blank=True)
    commune = models.CharField(_("commune"), max_length=150, blank=True)
    # A workshop: its followed participants and how many came anonymously.
    participants = models.ManyToManyField(
        "people.Beneficiary", verbose_name=_("participants"), blank=True, related_name="workshop_logs"
    )
    anonymous_participants = models.PositiveSmallIntegerField(
        _("anonymous participants"), default=0, validators=[MaxValueValidator(500)]
    )
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(1), MaxValueValidator(MAX_SESSION_MINUTES)]
    )
    topics = models.ManyToManyField(Topic, verbose_name=_("topics"), related_name="session_logs")
    autonomy = models.CharField(_("autonomy"), max_length=12, choices=Autonomy.choices, blank=True)
    used_computer = models.BooleanField(_("computer"), default=False)
    used_phone = models.BooleanField(_("phone"), default=False)
    used_tablet = models.BooleanField(_("tablet"), default=False)
    used_other_equipment = models.BooleanField(_("other equipment"), default=False)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    redirected_to = models.CharField(_("redirected to"), max_length=20, choices=RedirectionKind.choices, blank=True)
    next_step = models.CharField(_("next step"), max_length=255, blank=True)
    summary = models.CharField(
        _("summary for the referrer"), max_length=500, blank=True, help_text=_("The referrer may read it.")
    )
    private_note = models.TextField(
        _("note for the antenna's team"),
        blank=True,
        help_text=_("Only the antenna's volunteers and coordinators see it."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("logged by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = SessionLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("session log")
        verbose_name_plural = _("session logs")
        ordering = ["-date", "-created_at"]
        indexes = [
            models.Index(fields=["antenna", "date"], name="sessionlog_antenna_date_idx"),
            # An antenna's sessions in the technical admin, newest first, and counted up to its cap,
            # from this index alone.
            models.Index(fields=["antenna", "id"], name="sessionlog_antenna_newest_idx"),
            # The figures of a whole federation read the sessions of a few days across every antenna.
            models.Index(fields=["date"], name="sessionlog_date_idx"),
            # Counting the people helped groups a federation's individual sessions by person: read
            # from this index alone, in person order, they need no sorting.
            models.Index(
                fields=["beneficiary", "date", "antenna"],
                condition=Q(is_workshop=False, beneficiary__isnull=False),
                name="sessionlog_person_visits_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1, duration_minutes__lte=MAX_SESSION_MINUTES),
                name="sessionlog_duration_bounds",
            ),
            models.CheckConstraint(condition=in_calendar("date"), name="sessionlog_date_in_calendar"),
        ]

    def __str__(self):
        return f"{self.antenna} {self.date:%d/%m/%Y}"

    def clean(self):
        super().clean()
        if self.date and fields_changed(self, ["date"]):
            if self.antenna_id:
                error = session_date_error(self.date, antenna=self.antenna)
            else:
                error = date_range_error(self.date, earliest=EARLIEST_DATE, latest=LATEST_DATE)
            if error:
                raise ValidationError({"date": error})

    @property
    def people_count(self) -> int:
        if self.is_workshop:
            return self.participants.count() + self.anonymous_participants
        return 1

    def private_note_readable_by(self, user) -> bool:
        """Whether the user may read the note for the antenna's team.

        Admins may, and the coordinators and volunteers of this log's antenna once they signed
        the confidentiality charter. Referring the person never grants it: a referrer who is
        also on a team reads the notes of that team's antenna only. Whatever shows the note asks
        this, so the rule lives in one place.
        """
        if not user.is_authenticated or not user.is_active:
            return False
        if user.is_admin:
            return True
        roles = user.roles
        team = roles.coordinated_antenna_ids | roles.volunteer_antenna_ids
        return self.antenna_id in team and user.has_signed_charter


VOUCHER_NUMBER_MAX_LENGTH = 40


class Voucher(models.Model):
    """A prepaid digital-help cheque (APTIC "pass numérique") handed in for a session."""

    session_log = models.ForeignKey(
        SessionLog, verbose_name=_("session"), on_delete=models.CASCADE, related_name="vouchers"
    )
    number = models.CharField(_("voucher number"), max_length=VOUCHER_NUMBER_MAX_LENGTH, unique=True)

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        ordering = ["number"]
        # The admin's search by the start of a number (inclusion/core/admin_base.py).
        indexes = [
            models.Index(
                Collate(Upper("number"), "C"),
                name="voucher_number_search_idx",
            )
        ]

    def __str__(self):
        return self.number
