import datetime
from zoneinfo import ZoneInfo

from dateutil import rrule
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from inclusion.clock import (
    EARLIEST_DATE,
    LATEST_DATE,
    antenna_today,
    date_range_error,
    in_calendar,
    validate_calendar_date,
    years_from,
)
from inclusion.models import Antenna, AntennaScopedQuerySet, fields_changed
from inclusion.phones import phone_display

from .enums import (
    MAX_SESSION_MINUTES,
    Attendance,
    Autonomy,
    BookingChannel,
    BookingMode,
    BookingStatus,
    Frequency,
    MonthlyPosition,
    OccurrenceStatus,
    Outcome,
    PermanenceKind,
    RedirectionKind,
    ReminderChannel,
    ReminderKind,
    ReminderStatus,
    Weekday,
    WorkshopLevel,
)

RRULE_WEEKDAYS = (rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU)

# How far from the antenna's today a schedule's dates (a permanence's validity, a closure) may be
# typed, and how long after a session it may still be logged: wide enough for a series planned a
# term ahead or a year of paper records entered for the annual report, narrow enough to catch a
# mistyped year.
SCHEDULE_YEARS = 5
SESSION_LOG_YEARS = 2


def _schedule_date_errors(instance: models.Model, antenna: Antenna | None, names: list[str]) -> dict:
    """The fields among these whose new value lies more than SCHEDULE_YEARS from the antenna's
    today (outside the calendar's fixed span while the antenna is not known yet)."""
    earliest, latest = EARLIEST_DATE, LATEST_DATE
    if antenna is not None:
        today = antenna_today(antenna)
        earliest, latest = years_from(today, -SCHEDULE_YEARS), years_from(today, SCHEDULE_YEARS)
    errors = {}
    for name in fields_changed(instance, names):
        error = date_range_error(getattr(instance, name), earliest=earliest, latest=latest)
        if error:
            errors[name] = error
    return errors


class PermanenceQuerySet(AntennaScopedQuerySet):
    pass


class Permanence(models.Model):
    """A recurring opening window at an antenna: "every Tuesday 9:00–10:00",
    "2nd Thursday of each month 9:00–12:30"."""

    antenna = models.ForeignKey(
        Antenna, verbose_name=_("antenna"), on_delete=models.PROTECT, related_name="permanences"
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=PermanenceKind.choices, default=PermanenceKind.DROP_IN)
    level = models.CharField(_("workshop level"), max_length=20, choices=WorkshopLevel.choices, blank=True)
    frequency = models.CharField(_("recurrence"), max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY)
    interval_weeks = models.PositiveSmallIntegerField(
        _("every how many weeks"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(8)],
        help_text=_("1 for every week, 2 for every other week…"),
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    monthly_position = models.SmallIntegerField(
        _("which one in the month"),
        null=True,
        blank=True,
        help_text=_("For a monthly permanence: the 1st, 2nd, 3rd, 4th or last such weekday of the month."),
    )
    start_time = models.TimeField(_("start"))
    end_time = models.TimeField(_("end"))
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length (minutes)"), default=60, validators=[MinValueValidator(10), MaxValueValidator(720)]
    )
    whole_slots_only = models.BooleanField(
        _("whole slots only"),
        default=False,
        help_text=_("Leave out a last slot shorter than the others (9:00–12:30 then gives 9:00, 10:00, 11:00)."),
    )
    seats = models.PositiveSmallIntegerField(
        _("seats per slot"),
        validators=[MinValueValidator(1, _("A slot needs at least one seat."))],
        help_text=_("Usually the antenna's workstations; the group size for a workshop."),
    )
    min_volunteers = models.PositiveSmallIntegerField(
        _("minimum volunteers per date"), default=1, validators=[MaxValueValidator(50)]
    )
    booking_mode = models.CharField(
        _("booking"), max_length=10, choices=BookingMode.choices, default=BookingMode.BOOKABLE
    )
    valid_from = models.DateField(_("from"))
    valid_until = models.DateField(_("until"), null=True, blank=True, help_text=_("Leave empty for no end."))
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("A suspended permanence offers no new date; booked dates stay.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PermanenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("permanence")
        verbose_name_plural = _("permanences")
        ordering = ["antenna__name", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")), name="permanence_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(seats__gte=1), name="permanence_at_least_one_seat"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="permanence_until_after_from",
            ),
            models.CheckConstraint(
                condition=in_calendar("valid_from") & in_calendar("valid_until", nullable=True),
                name="permanence_dates_in_calendar",
            ),
        ]

    def __str__(self):
        return f"{self.title} – {self.antenna}"

    def clean(self):
        super().clean()
        errors = {}
        if self.start_time and self.end_time:
            if self.end_time <= self.start_time:
                errors["end_time"] = _("The end must come after the start.")
            elif self.kind == PermanenceKind.DROP_IN and self.slot_minutes and self.slot_minutes > self.window_minutes:
                errors["slot_minutes"] = _(
                    "A slot cannot be longer than the opening itself (%(minutes)s minutes)."
                ) % {"minutes": self.window_minutes}
        if self.frequency == Frequency.MONTHLY and self.monthly_position not in MonthlyPosition.values:
            errors["monthly_position"] = _(
                "Not every month has a 5th such weekday: choose the 1st, 2nd, 3rd, 4th or last."
            )
        if self.kind == PermanenceKind.WORKSHOP and not self.level:
            errors["level"] = _("Give the workshop's level.")
        elif self.kind == PermanenceKind.DROP_IN:
            self.level = ""
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors["valid_until"] = _("The end date must come after the start date.")
        dated = [name for name in ("valid_from", "valid_until") if name not in errors]
        errors.update(_schedule_date_errors(self, self.antenna if self.antenna_id else None, dated))
        if errors:
            raise ValidationError(errors)

    @property
    def window_minutes(self) -> int:
        start = datetime.datetime.combine(datetime.date.min, self.start_time)
        end = datetime.datetime.combine(datetime.date.min, self.end_time)
        return int((end - start).total_seconds() // 60)

    @property
    def is_workshop(self) -> bool:
        return self.kind == PermanenceKind.WORKSHOP

    def recurrence_rule(self) -> rrule.rrule:
        """The dateutil rule of this permanence, anchored on its first valid day."""
        start = datetime.datetime.combine(self.valid_from, datetime.time())
        weekday = RRULE_WEEKDAYS[self.weekday]
        if self.frequency == Frequency.MONTHLY:
            return rrule.rrule(rrule.MONTHLY, dtstart=start, byweekday=weekday(self.monthly_position))
        return rrule.rrule(rrule.WEEKLY, dtstart=start, interval=self.interval_weeks, byweekday=weekday)

    def rule_dates(self, first: datetime.date, last: datetime.date) -> list[datetime.date]:
        """Days the rule gives between first and last included, within the validity period."""
        first = max(first, self.valid_from)
        if self.valid_until:
            last = min(last, self.valid_until)
        if last < first:
            return []
        rule = self.recurrence_rule()
        return [
            moment.date()
            for moment in rule.between(
                datetime.datetime.combine(first, datetime.time()),
                datetime.datetime.combine(last, datetime.time()),
                inc=True,
            )
        ]

    def slot_times(
        self, day: datetime.date, start: datetime.time | None = None, end: datetime.time | None = None
    ) -> list[tuple[datetime.datetime, datetime.datetime]]:
        """The slots of one date, as aware datetimes in the antenna's time zone.

        Wall-clock arithmetic happens on naive local times and each bound is then placed in the
        zone, so a 9:00 slot stays at 9:00 on both sides of a daylight-saving change.
        """
        zone = ZoneInfo(self.antenna.time_zone)
        start = datetime.datetime.combine(day, start or self.start_time)
        end = datetime.datetime.combine(day, end or self.end_time)
        if self.is_workshop:
            bounds = [(start, end)]
        else:
            step = datetime.timedelta(minutes=self.slot_minutes)
            bounds = []
            cursor = start
            while cursor < end:
                slot_end = min(cursor + step, end)
                if slot_end - cursor < step and self.whole_slots_only and bounds:
                    break
                bounds.append((cursor, slot_end))
                cursor = slot_end
        return [(slot_start.replace(tzinfo=zone), slot_end.replace(tzinfo=zone)) for slot_start, slot_end in bounds]

    @property
    def schedule_label(self) -> str:
        weekday = Weekday(self.weekday).label
        times = f"{self.start_time:%H:%M}–{self.end_time:%H:%M}"
        if self.frequency == Frequency.MONTHLY:
            return _("%(position)s %(weekday)s of each month, %(times)s") % {
                "position": MonthlyPosition(self.monthly_position).label,
                "weekday": weekday.lower(),
                "times": times,
            }
        if self.interval_weeks > 1:
            return _("Every %(count)s weeks on %(weekday)s, %(times)s") % {
                "count": self.interval_weeks,
                "weekday": weekday.lower(),
                "times": times,
            }
        return _("Every %(weekday)s, %(times)s") % {"weekday": weekday.lower(), "times": times}


class ClosureQuerySet(AntennaScopedQuerySet):
    pass


class Closure(models.Model):
    """An antenna, or one of its permanences, closed between two dates (summer break, works)."""

    antenna = models.ForeignKey(Antenna, verbose_name=_("antenna"), on_delete=models.CASCADE, related_name="closures")
    permanence = models.ForeignKey(
        Permanence,
        verbose_name=_("permanence"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="closures",
        help_text=_("Leave empty to close the whole antenna."),
    )
    starts_on = models.DateField(_("first closed day"))
    ends_on = models.DateField(_("last closed day"))
    reason = models.CharField(_("reason"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClosureQuerySet.as_manager()

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="closure_ends_after_start"),
            models.CheckConstraint(
                condition=in_calendar("starts_on") & in_calendar("ends_on"), name="closure_dates_in_calendar"
            ),
        ]

    def __str__(self):
        return f"{self.antenna} {self.starts_on}–{self.ends_on}: {self.reason}"

    def clean(self):
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The last closed day cannot come before the first.")})
        if self.permanence_id and self.antenna_id and self.permanence.antenna_id != self.antenna_id:
            raise ValidationError({"permanence": _("This permanence belongs to another antenna.")})
        errors = _schedule_date_errors(self, self.antenna if self.antenna_id else None, ["starts_on", "ends_on"])
        if errors:
            raise ValidationError(errors)

    def covers(self, day: datetime.date, permanence_id: int) -> bool:
        return self.starts_on <= day <= self.ends_on and self.permanence_id in (None, permanence_id)


class OccurrenceQuerySet(AntennaScopedQuerySet):
    antenna_lookup = "permanence__antenna"


class Occurrence(models.Model):
    """One dated instance of a permanence."""

    permanence = models.ForeignKey(
        Permanence, verbose_name=_("permanence"), on_delete=models.CASCADE, related_name="occurrences"
    )
    # The day the recurrence rule gave. It stays when the date is moved or cancelled, so that
    # regenerating the series never brings back a date the coordinator changed.
    rule_date = models.DateField(_("date in the series"), null=True, blank=True)
    date = models.DateField(_("date"), validators=[validate_calendar_date])
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(
        _("status"), max_length=10, choices=OccurrenceStatus.choices, default=OccurrenceStatus.SCHEDULED
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_one_off = models.BooleanField(_("one-off date"), default=False)
    is_detached = models.BooleanField(
        _("changed by hand"),
        default=False,
        help_text=_("Moved or opened by a coordinator: the series leaves it alone."),
    )
    needs_resolution = models.BooleanField(
        _("to resolve"),
        default=False,
        help_text=_("No longer fits the permanence's rule but holds bookings: move it or cancel it."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OccurrenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("date")
        verbose_name_plural = _("dates")
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["date"], name="occurrence_date_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["permanence", "rule_date"],
                condition=Q(rule_date__isnull=False),
                name="occurrence_one_per_rule_date",
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="occurrence_ends_after_start"),
            models.CheckConstraint(condition=in_calendar("date"), name="occurrence_date_in_calendar"),
        ]

    def __str__(self):
        return f"{self.permanence.title} {self.date:%d/%m/%Y}"

    @property
    def is_cancelled(self) -> bool:
        return self.status == OccurrenceStatus.CANCELLED

    @property
    def local_starts_at(self) -> datetime.datetime:
        return self.starts_at.astimezone(ZoneInfo(self.permanence.antenna.time_zone))

    @property
    def local_ends_at(self) -> datetime.datetime:
        return self.ends_at.astimezone(ZoneInfo(self.permanence.antenna.time_zone))


class Slot(models.Model):
    """A bookable part of a date, usually one hour, with as many seats as workstations."""

    occurrence = models.ForeignKey(Occurrence, verbose_name=_("date"), on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    seats = models.PositiveSmallIntegerField(_("seats"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="slot_ends_after_start"),
            models.CheckConstraint(condition=Q(seats__gte=1), name="slot_at_least_one_seat"),
        ]

    def __str__(self):
        return f"{self.occurrence} {self.starts_at:%H:%M}"


class BookingQuerySet(AntennaScopedQuerySet):
    antenna_lookup = "slot__occurrence__permanence__antenna"

    def active(self):
        return self.filter(status=BookingStatus.ACTIVE)


class Booking(models.Model):
    """A seat held in a slot by a person (or an anonymous walk-in).

    Created only by services.booking_create, which counts the slot's active bookings under a
    lock: seats are derived, never a counter.
    """

    slot = models.ForeignKey(Slot, verbose_name=_("slot"), on_delete=models.PROTECT, related_name="bookings")
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
        help_text=_("Empty for an anonymous walk-in."),
    )
    liaison_sheet = models.ForeignKey(
        "beneficiaries.LiaisonSheet",
        verbose_name=_("liaison sheet"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bookings",
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=BookingChannel.choices, default=BookingChannel.REFERRAL
    )
    status = models.CharField(_("status"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.ACTIVE)
    attendance = models.CharField(
        _("attendance"), max_length=10, choices=Attendance.choices, default=Attendance.EXPECTED
    )
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("booked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    must_be_told = models.BooleanField(
        _("to be told"),
        default=False,
        help_text=_("The date was cancelled or moved by the antenna: the person and their referrer must be told."),
    )

    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["created_at"]
        constraints = [
            # One person holds at most one active seat in a slot.
            models.UniqueConstraint(
                fields=["slot", "beneficiary"],
                condition=Q(status="active", beneficiary__isnull=False),
                name="booking_one_active_per_person_and_slot",
            ),
            # One appointment ahead per liaison sheet: a person referred once holds one seat.
            # Past appointments stay active once the person came or did not, so a sheet seen
            # can be booked again; only the one still expected is unique.
            models.UniqueConstraint(
                fields=["liaison_sheet"],
                condition=Q(status="active", attendance="expected", liaison_sheet__isnull=False),
                name="booking_one_expected_per_liaison_sheet",
            ),
        ]

    def __str__(self):
        return f"{self.slot} ({self.get_status_display()})"


class Topic(models.Model):
    """A theme of the needs and sessions taxonomy: the 19 themes of the national session record,
    and the 11 sub-themes that only go with help for administrative procedures."""

    code = models.SlugField(
        _("code"), max_length=60, unique=True, help_text=_("Stable snake_case code, used in exports.")
    )
    label = models.CharField(_("label"), max_length=150)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("theme"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subtopics",
        help_text=_("Set for a sub-theme."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["parent__position", "position", "label"]

    def __str__(self):
        return self.label


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
        "beneficiaries.Beneficiary",
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
        "beneficiaries.Beneficiary", verbose_name=_("participants"), blank=True, related_name="workshop_logs"
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


class Voucher(models.Model):
    """A prepaid digital-help cheque (APTIC "pass numérique") handed in for a session."""

    session_log = models.ForeignKey(
        SessionLog, verbose_name=_("session"), on_delete=models.CASCADE, related_name="vouchers"
    )
    number = models.CharField(_("voucher number"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        ordering = ["number"]
        # The admin's search by the start of a number (inclusion/admin_base.py).
        indexes = [
            models.Index(
                models.functions.Collate(models.functions.Upper("number"), "C"),
                name="voucher_number_search_idx",
            )
        ]

    def __str__(self):
        return self.number


# Monthly totals behind the figures pages. A federation's year holds a million sessions; adding
# them up again for every page view takes seconds, so the months are added up per antenna, up to
# the day before yesterday, and kept here. They are derived data: `sessions_app.rollups` rebuilds
# them, and any write to a day already added up marks its month stale (see `rollups.py`).


class RolledMonth(models.Model):
    """A month (its first day) whose totals exist for every antenna, up to a day: its last when
    the month is over, the day before yesterday while it is going."""

    month = models.DateField(primary_key=True)
    through = models.DateField()
    built_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.month:%m/%Y}"


class StaleMonth(models.Model):
    """An antenna's month whose sessions or bookings changed since its totals were added up."""

    antenna = models.ForeignKey(Antenna, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["antenna", "month"], name="stalemonth_unique")]

    def __str__(self):
        return f"{self.antenna_id} {self.month:%m/%Y}"


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
    organization = models.ForeignKey("inclusion.Organization", on_delete=models.CASCADE, null=True, related_name="+")
    bookings = models.PositiveIntegerField()
    attended = models.PositiveIntegerField()
    no_show = models.PositiveIntegerField()


class ReminderMessageQuerySet(AntennaScopedQuerySet):
    pass


class ReminderMessage(models.Model):
    """One reminder or alert to one recipient, and what became of it.

    Created once by services.reminders_schedule, which the unique constraints make idempotent,
    then sent by a task that records the outcome; a failure is tried again a few times.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=ReminderKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=ReminderChannel.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.QUEUED
    )
    antenna = models.ForeignKey(
        Antenna, verbose_name=_("antenna"), on_delete=models.CASCADE, related_name="reminder_messages"
    )
    occurrence = models.ForeignKey(
        Occurrence, verbose_name=_("date"), on_delete=models.CASCADE, related_name="reminder_messages"
    )
    booking = models.ForeignKey(
        Booking,
        verbose_name=_("booking"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminder_messages",
    )
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient account"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminder_messages",
    )
    # The phone number (E.164) or e-mail address the message goes to, as it was when scheduled.
    address = models.CharField(_("sent to"), max_length=254)
    language = models.CharField(_("language"), max_length=10, default="fr")
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    enqueued_at = models.DateTimeField(_("handed to the task queue at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    provider_reference = models.CharField(_("provider's reference"), max_length=100, blank=True)
    body = models.TextField(_("text sent"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ReminderMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["antenna", "-created_at"], name="reminder_antenna_created_idx"),
            models.Index(fields=["status", "next_attempt_at"], name="reminder_status_next_idx"),
            # The admin's search by the start of a phone number or an address (inclusion/admin_base.py).
            models.Index(
                models.functions.Collate(models.functions.Upper("address"), "C"),
                name="reminder_address_search_idx",
            ),
        ]
        constraints = [
            # Nothing is sent twice: one reminder per booking, one per date and recipient account.
            models.UniqueConstraint(
                fields=["kind", "booking"], condition=Q(booking__isnull=False), name="reminder_once_per_booking"
            ),
            models.UniqueConstraint(
                fields=["kind", "occurrence", "recipient_user"],
                condition=Q(recipient_user__isnull=False),
                name="reminder_once_per_date_and_account",
            ),
            models.CheckConstraint(
                condition=Q(booking__isnull=False) | Q(recipient_user__isnull=False),
                name="reminder_has_a_recipient",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.address} – {self.get_status_display()}"

    @property
    def address_display(self) -> str:
        return phone_display(self.address) if self.channel == ReminderChannel.SMS else self.address
