import datetime
from typing import TYPE_CHECKING, Self
from zoneinfo import ZoneInfo

from dateutil import rrule
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inclusion.core.clock import (
    EARLIEST_DATE,
    LATEST_DATE,
    antenna_today,
    date_range_error,
    in_calendar,
    validate_calendar_date,
    years_from,
)
from inclusion.core.models import Antenna, AntennaScopedQuerySet, fields_changed
from sessions_app.scheduling.enums import (
    BookingMode,
    Frequency,
    MonthlyPosition,
    OccurrenceStatus,
    PermanenceKind,
    Weekday,
    WorkshopLevel,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

RRULE_WEEKDAYS = (rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU)

# How far from the antenna's today a schedule's dates (a permanence's validity, a closure) may be
# typed, and how long after a session it may still be logged: wide enough for a series planned a
# term ahead or a year of paper records entered for the annual report, narrow enough to catch a
# mistyped year.
SCHEDULE_YEARS = 5


def _schedule_date_errors(
    instance: models.Model, antenna: Antenna | None, names: list[str]
) -> dict[str, ValidationError]:
    """The fields among these whose new value lies more than SCHEDULE_YEARS from the antenna's
    today (outside the calendar's fixed span while the antenna is not known yet)."""
    earliest, latest = EARLIEST_DATE, LATEST_DATE
    if antenna is not None:
        today = antenna_today(antenna)
        earliest, latest = years_from(today, -SCHEDULE_YEARS), years_from(today, SCHEDULE_YEARS)
    errors: dict[str, ValidationError] = {}
    for name in fields_changed(instance, names):
        error = date_range_error(getattr(instance, name), earliest=earliest, latest=latest)
        if error:
            errors[name] = error
    return errors


def _week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


class PermanenceQuerySet(AntennaScopedQuerySet):
    def current(self) -> Self:
        """The permanences not archived: the ones the schedule, the public pages and the forms offer."""
        return self.filter(archived_at__isnull=True)

    def archived(self) -> Self:
        return self.filter(archived_at__isnull=False)

    def twin_of(self, permanence: "Permanence") -> "Permanence | None":
        """A current permanence of the same antenna that gives the same dates as this one: same
        kind, same rule (weekday and, for a weekly rule, the same every-N-weeks falling on the
        same weeks; for a monthly one, the same position in the month), same start and end,
        over validity periods that overlap. None when there is none."""
        twins = (
            self.current()
            .filter(
                antenna_id=permanence.antenna_id,
                kind=permanence.kind,
                frequency=permanence.frequency,
                weekday=permanence.weekday,
                start_time=permanence.start_time,
                end_time=permanence.end_time,
            )
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=permanence.valid_from))
            .exclude(pk=permanence.pk)
            .order_by("pk")
        )
        if permanence.valid_until is not None:
            twins = twins.filter(valid_from__lte=permanence.valid_until)
        if permanence.frequency == Frequency.MONTHLY:
            return twins.filter(monthly_position=permanence.monthly_position).first()
        interval = permanence.interval_weeks
        for twin in twins.filter(interval_weeks=interval):
            # Every N weeks counts its weeks from the week of its first valid day: two series
            # a week apart share no date.
            weeks_apart = (_week_start(twin.valid_from) - _week_start(permanence.valid_from)).days // 7
            if weeks_apart % interval == 0:
                return twin
        return None


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
    # Archived: no longer run, kept for its history (bookings, sessions, figures). An archived
    # permanence is also suspended, so every read that offers active permanences leaves it out.
    archived_at = models.DateTimeField(
        _("archived on"),
        null=True,
        blank=True,
        help_text=_("An archived permanence offers no date and is left out of the schedule; its history stays."),
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
            models.CheckConstraint(
                condition=Q(archived_at__isnull=True) | Q(is_active=False), name="permanence_archived_is_suspended"
            ),
        ]

    def __str__(self):
        return f"{self.title} – {self.antenna}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def clean(self):
        super().clean()
        errors: dict[str, StrOrPromise | ValidationError] = {}
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
            # Without a position (clean() requires one), every such weekday of the month.
            nth = weekday if self.monthly_position is None else weekday(self.monthly_position)
            return rrule.rrule(rrule.MONTHLY, dtstart=start, byweekday=nth)
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
        opens = datetime.datetime.combine(day, start or self.start_time)
        closes = datetime.datetime.combine(day, end or self.end_time)
        bounds: list[tuple[datetime.datetime, datetime.datetime]]
        if self.is_workshop:
            bounds = [(opens, closes)]
        else:
            step = datetime.timedelta(minutes=self.slot_minutes)
            bounds = []
            cursor = opens
            while cursor < closes:
                slot_end = min(cursor + step, closes)
                if slot_end - cursor < step and self.whole_slots_only and bounds:
                    break
                bounds.append((cursor, slot_end))
                cursor = slot_end
        return [(slot_start.replace(tzinfo=zone), slot_end.replace(tzinfo=zone)) for slot_start, slot_end in bounds]

    @property
    def schedule_label(self) -> str:
        weekday = Weekday(self.weekday).label
        times = f"{self.start_time:%H:%M}–{self.end_time:%H:%M}"
        if self.frequency == Frequency.MONTHLY and self.monthly_position is not None:
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
        if self.permanence is not None and self.antenna_id and self.permanence.antenna_id != self.antenna_id:
            raise ValidationError({"permanence": _("This permanence belongs to another antenna.")})
        errors = _schedule_date_errors(self, self.antenna if self.antenna_id else None, ["starts_on", "ends_on"])
        if errors:
            raise ValidationError(errors)

    def covers(self, day: datetime.date, permanence_id: int) -> bool:
        return self.starts_on <= day <= self.ends_on and self.permanence_id in (None, permanence_id)


class OccurrenceQuerySet(AntennaScopedQuerySet):
    antenna_lookup = "permanence__antenna"

    def current(self) -> Self:
        """The dates of permanences not archived (PermanenceQuerySet.current)."""
        return self.filter(permanence__archived_at__isnull=True)


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
        indexes = [
            models.Index(fields=["date"], name="occurrence_date_idx"),
            # The few dates out of the ordinary (to resolve, one-off, detached from their rule),
            # which the technical admin filters on: one small index for the three.
            models.Index(
                fields=["id"],
                condition=Q(needs_resolution=True) | Q(is_one_off=True) | Q(is_detached=True),
                name="occurrence_unusual_idx",
            ),
        ]
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
    def has_ended(self) -> bool:
        return self.ends_at <= timezone.now()

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
