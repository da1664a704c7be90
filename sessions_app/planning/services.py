"""The coordinators' writes to permanences, closures and dates; the dates themselves come from the
generator (generation.py), and what a date's change does to its bookings from the booking core."""

from __future__ import annotations

import dataclasses
import datetime
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from inclusion.core.clock import validate_calendar_date
from inclusion.core.models import Antenna, User
from inclusion.core.submissions import create_once
from inclusion.core.typed_fields import ModelFields
from inclusion.core.typography import date_format
from sessions_app.bookings.models import Booking
from sessions_app.bookings.services import (
    occurrence_bookings_cancel,
    occurrence_bookings_moved,
    occurrence_slots_lock,
    slots_lock,
)
from sessions_app.desk.models import SessionLog
from sessions_app.planning.generation import GenerationReport, _occurrences_create, occurrences_generate
from sessions_app.reminders.notices import announce_after_commit
from sessions_app.scheduling.enums import BookingMode, Frequency, OccurrenceStatus, PermanenceKind
from sessions_app.scheduling.models import Closure, Occurrence, Permanence, Slot


@dataclasses.dataclass(frozen=True, kw_only=True)
class PermanenceFields(ModelFields):
    """A permanence's rule and settings, as its form gives them (suspending and resuming it is
    permanence_set_active's); each default is the model's."""

    title: str
    kind: str = PermanenceKind.DROP_IN
    level: str = ""
    frequency: str = Frequency.WEEKLY
    interval_weeks: int = 1
    weekday: int
    monthly_position: int | None = None
    start_time: datetime.time
    end_time: datetime.time
    slot_minutes: int = 60
    whole_slots_only: bool = False
    seats: int
    min_volunteers: int = 1
    booking_mode: str = BookingMode.BOOKABLE
    valid_from: datetime.date
    valid_until: datetime.date | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class ClosureFields(ModelFields):
    """A closure, as its form gives it: no permanence closes the whole antenna."""

    permanence: Permanence | None = None
    starts_on: datetime.date
    ends_on: datetime.date
    reason: str


PERMANENCE_FIELDS = PermanenceFields.names()
CLOSURE_FIELDS = ClosureFields.names()


class PermanenceInUse(Exception):
    """A permanence whose dates held a booking or a logged session: it is archived, not deleted."""


class ArchiveRefused(Exception):
    """Dates ahead still hold active bookings: they are cancelled first (their people are told)."""

    def __init__(self, dates: list[Occurrence]):
        super().__init__("Dates ahead still hold bookings.")
        self.dates = dates


class RestoreRefused(Exception):
    """A cancelled date that cannot be restored; the message says why, in the user's language."""


def _antenna_lock(antenna_id: int) -> None:
    """Lock the antenna's row until the transaction ends: the writes that check its permanences
    for a twin (twin_refused) wait for each other, so two identical permanences sent at the same
    instant cannot both find none."""
    Antenna.objects.select_for_update(of=("self",)).filter(pk=antenna_id).values_list("pk").first()


def twin_refused(permanence: Permanence) -> None:
    """ValidationError when a current permanence of the antenna already gives the same dates
    (PermanenceQuerySet.twin_of), naming it. Under _antenna_lock, so that it stays true."""
    twin = Permanence.objects.twin_of(permanence)
    if twin is not None:
        raise ValidationError(
            gettext(
                "The permanence “%(title)s” (%(schedule)s) already gives these dates over this period: "
                "change that one instead, or archive it first."
            )
            % {"title": twin.title, "schedule": twin.schedule_label},
            code="twin",
        )


def permanence_create(
    *,
    antenna: Antenna,
    fields: PermanenceFields,
    today: datetime.date | None = None,
    by: User | None = None,
    submission_key: uuid.UUID | None = None,
) -> Permanence:
    """Create a permanence and its dates over the horizon.

    The same filled form sent again (by `by`) raises AlreadySubmitted with the permanence it made.
    A permanence identical to a current one of the antenna raises ValidationError (twin_refused).
    """
    permanence = Permanence(antenna=antenna, **fields.values())
    permanence.full_clean()

    def create() -> Permanence:
        _antenna_lock(antenna.pk)
        twin_refused(permanence)
        permanence.save()
        occurrences_generate(permanences=[permanence], today=today)
        return permanence

    return create_once(key=submission_key, user=by, create=create)


def permanence_update(
    *, permanence: Permanence, fields: PermanenceFields, today: datetime.date | None = None
) -> GenerationReport:
    """Change a permanence's rule or settings and regenerate its future dates.

    Dates without bookings follow the new rule; booked dates that no longer fit are kept and
    flagged to resolve. Returns what changed, so the coordinator can be told. A rule that makes
    it identical to another current permanence of the antenna raises ValidationError.
    """
    for name, value in fields.values().items():
        setattr(permanence, name, value)
    permanence.full_clean()
    with transaction.atomic():
        _antenna_lock(permanence.antenna_id)
        twin_refused(permanence)
        permanence.save()
        return occurrences_generate(permanences=[permanence], today=today)


def permanence_set_active(
    *, permanence: Permanence, is_active: bool, today: datetime.date | None = None
) -> GenerationReport:
    """Suspend a permanence (its unbooked future dates go, booked ones stay to resolve) or resume it."""
    permanence.is_active = is_active
    with transaction.atomic():
        permanence.save(update_fields=["is_active", "updated_at"])
        return occurrences_generate(permanences=[permanence], today=today)


def permanence_in_use(permanence: Permanence) -> bool:
    """Whether any date of the permanence ever held a booking (whatever became of it) or a
    logged session: its history, which deleting would lose."""
    return (
        Booking.objects.filter(slot__occurrence__permanence=permanence).exists()
        or SessionLog.objects.filter(occurrence__permanence=permanence).exists()
    )


def permanence_delete(
    *, permanence: Permanence, by: User | None = None, submission_key: uuid.UUID | None = None
) -> Antenna:
    """Delete a permanence that never held a booking nor a logged session, with its dates (their
    slots and rota) and its closures; PermanenceInUse otherwise. Returns its antenna.

    Its dates and their slots are locked first (the seats' lock, slots_lock), so a booking or a
    session logged at this instant is either seen, and refuses the deletion, or comes after it
    and finds no date. The same confirmation sent again (by `by`) raises AlreadySubmitted.
    """

    def delete() -> Antenna:
        locked: Permanence = (
            Permanence.objects.select_for_update(of=("self",)).select_related("antenna").get(pk=permanence.pk)
        )
        dates = Occurrence.objects.filter(permanence=locked).select_for_update(of=("self",)).order_by("pk")
        date_ids = list(dates.values_list("pk", flat=True))
        slots_lock(slot_ids=Slot.objects.filter(occurrence_id__in=date_ids).values_list("pk", flat=True))
        if permanence_in_use(locked):
            raise PermanenceInUse
        locked.delete()
        return locked.antenna

    return create_once(key=submission_key, user=by, create=delete)


def permanence_archive(*, permanence: Permanence, by: User | None, now: datetime.datetime | None = None) -> int:
    """Archive a permanence: it offers no date any more, leaves the schedule, the public pages
    and the slot search, and keeps its history. It is also suspended (is_active), so that every
    read of the active permanences leaves it out.

    Refused (ArchiveRefused, with those dates) while dates not over yet hold active bookings:
    the coordinator cancels them first, which tells their people. Its dates ahead without any
    booking nor session go; those with cancelled bookings only are cancelled and taken out of
    the series, so those bookings keep their date; a date under way with sessions logged stays.
    Returns how many dates ahead went; 0 when it was archived already (the same form sent twice).
    """
    now = now or timezone.now()
    with transaction.atomic():
        permanence = Permanence.objects.select_for_update(of=("self",)).get(pk=permanence.pk)
        if permanence.is_archived:
            return 0
        ahead = list(
            Occurrence.objects.filter(permanence=permanence, ends_at__gt=now)
            .select_for_update(of=("self",))
            .order_by("pk")
        )
        # The seats' lock: a seat being taken now commits first, and is seen below.
        slots_lock(slot_ids=Slot.objects.filter(occurrence__in=ahead).values_list("pk", flat=True))
        bookings = Booking.objects.filter(slot__occurrence__in=ahead)
        booked = set(bookings.active().values_list("slot__occurrence_id", flat=True))
        if booked:
            raise ArchiveRefused(
                sorted((date for date in ahead if date.pk in booked), key=lambda date: date.starts_at)
            )
        logged = set(SessionLog.objects.filter(occurrence__in=ahead).values_list("occurrence_id", flat=True))
        with_history = set(bookings.values_list("slot__occurrence_id", flat=True))
        removed = [date.pk for date in ahead if date.pk not in with_history | logged]
        retired = [
            date.pk
            for date in ahead
            if date.pk in with_history and date.pk not in logged and date.status == OccurrenceStatus.SCHEDULED
        ]
        Occurrence.objects.filter(pk__in=removed).delete()
        Occurrence.objects.filter(pk__in=retired).update(
            status=OccurrenceStatus.CANCELLED,
            cancel_reason=gettext("The permanence was archived"),
            cancelled_at=now,
            cancelled_by=by,
            needs_resolution=False,
            # Out of the series, as the generator retires a date, so un-archiving gives its day again.
            rule_date=None,
        )
        permanence.archived_at = now
        permanence.is_active = False
        permanence.save(update_fields=["archived_at", "is_active", "updated_at"])
        return len(removed) + len(retired)


def permanence_unarchive(*, permanence: Permanence) -> bool:
    """Bring an archived permanence back among the current ones, suspended: resuming it
    (permanence_set_active) gives its dates again. Refused with ValidationError when a current
    permanence now gives the same dates (twin_refused). Returns False when it was not archived
    (the same form sent twice)."""
    with transaction.atomic():
        _antenna_lock(permanence.antenna_id)
        permanence = Permanence.objects.select_for_update(of=("self",)).get(pk=permanence.pk)
        if not permanence.is_archived:
            return False
        twin_refused(permanence)
        permanence.archived_at = None
        permanence.save(update_fields=["archived_at", "updated_at"])
        return True


def closure_create(
    *,
    antenna: Antenna,
    fields: ClosureFields,
    today: datetime.date | None = None,
    by: User | None = None,
    submission_key: uuid.UUID | None = None,
) -> Closure:
    """Close an antenna, or one of its permanences, between two dates, and regenerate its dates.

    The same filled form sent again (by `by`) raises AlreadySubmitted with the closure it made.
    """
    closure = Closure(antenna=antenna, **fields.values())
    closure.full_clean()

    def create() -> Closure:
        closure.save()
        occurrences_generate(permanences=_affected_permanences(closure), today=today)
        return closure

    return create_once(key=submission_key, user=by, create=create)


def closure_delete(*, closure: Closure, today: datetime.date | None = None) -> None:
    """Reopen what a closure closed: the series gives those dates again."""
    permanences = list(_affected_permanences(closure))
    with transaction.atomic():
        closure.delete()
        occurrences_generate(permanences=permanences, today=today)


def _affected_permanences(closure: Closure) -> QuerySet[Permanence]:
    permanences = Permanence.objects.filter(antenna=closure.antenna).select_related("antenna")
    if closure.permanence_id:
        permanences = permanences.filter(pk=closure.permanence_id)
    return permanences


def occurrence_cancel(*, occurrence: Occurrence, reason: str, by: User) -> int:
    """Cancel one date of a series. Its active bookings are cancelled through the booking core
    (the seats' locks, the referrals' statuses, the figures), which records the change to be
    told to the people, their referrers and the date's rota.

    Returns the number of bookings cancelled.
    """
    now = timezone.now()
    with transaction.atomic():
        occurrence = Occurrence.objects.select_for_update(of=("self",)).get(pk=occurrence.pk)
        if occurrence.status == OccurrenceStatus.CANCELLED:
            # Cancelled meanwhile (the same form sent twice): cancelled and told once.
            return 0
        occurrence.status = OccurrenceStatus.CANCELLED
        occurrence.cancel_reason = reason
        occurrence.cancelled_at = now
        occurrence.cancelled_by = by
        occurrence.needs_resolution = False
        occurrence.save(update_fields=["status", "cancel_reason", "cancelled_at", "cancelled_by", "needs_resolution"])
        # Referred people go back to "to book": their referrer is told and rebooks them.
        cancelled = occurrence_bookings_cancel(occurrence=occurrence, reason=reason, by=by)
        announce_after_commit()
        return cancelled


def occurrence_restore(*, occurrence: Occurrence, now: datetime.datetime | None = None) -> bool:
    """Give a cancelled date back to the schedule while it is not over: scheduled and bookable
    again, with its slots and seats as they were. The bookings cancelled with it stay cancelled:
    nobody is booked again and no message is sent. The series leaves it alone from then on, as a
    date opened by hand.

    It takes the locks of the date's cancellation (the date's row, then its slots' seat lock),
    so a restore, a cancellation and a booking of one of its slots happen one after the other.
    Returns False when the date is not cancelled (restored meanwhile: the same form sent twice);
    RestoreRefused says why it cannot be restored.
    """
    now = now or timezone.now()
    with transaction.atomic():
        occurrence_or_none = (
            Occurrence.objects.select_for_update(of=("self",))
            .select_related("permanence")
            .filter(pk=occurrence.pk)
            .first()
        )
        if occurrence_or_none is None or occurrence_or_none.status != OccurrenceStatus.CANCELLED:
            return False
        occurrence = occurrence_or_none
        if occurrence.ends_at <= now:
            raise RestoreRefused(gettext("This date is over: it can no longer be restored."))
        # Read after the lock, in a query of its own: an archiving committed meanwhile is seen.
        if Permanence.objects.filter(pk=occurrence.permanence_id, archived_at__isnull=False).exists():
            raise RestoreRefused(gettext("Its permanence is archived: un-archive the permanence first."))
        clash = (
            Occurrence.objects.filter(
                permanence_id=occurrence.permanence_id,
                status=OccurrenceStatus.SCHEDULED,
                starts_at__lt=occurrence.ends_at,
                ends_at__gt=occurrence.starts_at,
            )
            .exclude(pk=occurrence.pk)
            .first()
        )
        if clash is not None:
            raise RestoreRefused(
                gettext("The permanence already has a date at that time (%(start)s): cancel or move it first.")
                % {"start": date_format(clash.local_starts_at, "l j F Y, H:i")}
            )
        occurrence_slots_lock(occurrence=occurrence)
        occurrence.status = OccurrenceStatus.SCHEDULED
        occurrence.cancel_reason = ""
        occurrence.cancelled_at = None
        occurrence.cancelled_by = None
        occurrence.is_detached = True
        occurrence.save(update_fields=["status", "cancel_reason", "cancelled_at", "cancelled_by", "is_detached"])
        return True


def occurrence_move(
    *, occurrence: Occurrence, day: datetime.date, start: datetime.time, by: User | None = None
) -> int:
    """Move one date to another day or time, keeping its slots' lengths and its bookings; its
    people, their referrers and its rota are told (the booking core records the change).

    The series leaves a moved date alone from then on. Returns the number of bookings whose
    people are told: 0 when the date is already there or was cancelled meanwhile, which changes
    and tells nothing. A day outside the calendar's span raises ValidationError.
    """
    validate_calendar_date(day)
    zone = occurrence.local_starts_at.tzinfo
    with transaction.atomic():
        occurrence = Occurrence.objects.select_for_update(of=("self",)).get(pk=occurrence.pk)
        moved_from = (occurrence.permanence.antenna_id, occurrence.date)
        previous_starts_at = occurrence.starts_at
        old_start = occurrence.starts_at.astimezone(zone).replace(tzinfo=None)
        new_start = datetime.datetime.combine(day, start)
        if new_start == old_start or occurrence.status == OccurrenceStatus.CANCELLED:
            # Already there (the same form sent twice), or cancelled meanwhile: nothing to move or tell.
            return 0
        slots = occurrence_slots_lock(occurrence=occurrence)
        for slot in slots:
            # Shift wall-clock times, then place them in the zone: 9:00 stays 9:00 across a DST change.
            slot.starts_at = (slot.starts_at.astimezone(zone).replace(tzinfo=None) - old_start + new_start).replace(
                tzinfo=zone
            )
            slot.ends_at = (slot.ends_at.astimezone(zone).replace(tzinfo=None) - old_start + new_start).replace(
                tzinfo=zone
            )
        Slot.objects.bulk_update(slots, ["starts_at", "ends_at"])
        occurrence.date = day
        occurrence.starts_at = slots[0].starts_at
        occurrence.ends_at = slots[-1].ends_at
        occurrence.is_detached = True
        occurrence.needs_resolution = False
        occurrence.save(update_fields=["date", "starts_at", "ends_at", "is_detached", "needs_resolution"])
        told = occurrence_bookings_moved(
            occurrence=occurrence, moved_from=moved_from, previous_starts_at=previous_starts_at, by=by
        )
        announce_after_commit()
        return told


def occurrence_add(
    *,
    permanence: Permanence,
    day: datetime.date,
    start: datetime.time,
    end: datetime.time,
    by: User | None = None,
    submission_key: uuid.UUID | None = None,
) -> Occurrence:
    """Add a one-off date to a permanence, outside its rule (a holiday or closure included:
    adding it is the coordinator's explicit choice).

    The same filled form sent again (by `by`) raises AlreadySubmitted with the date it added.
    A day outside the calendar's span raises ValidationError.
    """
    validate_calendar_date(day)

    def create() -> Occurrence:
        slots = permanence.slot_times(day, start, end)
        occurrence = _occurrences_create([(permanence, None, slots)])[0]
        Occurrence.objects.filter(pk=occurrence.pk).update(is_one_off=True, is_detached=True)
        occurrence.is_one_off = occurrence.is_detached = True
        return occurrence

    return create_once(key=submission_key, user=by, create=create)


def occurrence_open(*, permanence: Permanence, day: datetime.date) -> Occurrence:
    """Open a date of the series that a holiday or a closure had left out (ValidationError for
    a day outside the calendar's span)."""
    validate_calendar_date(day)
    occurrence = _occurrences_create([(permanence, day, permanence.slot_times(day))])[0]
    Occurrence.objects.filter(pk=occurrence.pk).update(is_detached=True)
    occurrence.is_detached = True
    return occurrence
