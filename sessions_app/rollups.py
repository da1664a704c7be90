"""Monthly totals of sessions, topics and bookings per antenna, so that the figures of a
federation over a year add up about a thousand rows per month instead of every session.

Only months that are over (up to the day before yesterday, so that no antenna of any time zone
is still in them) are added up; the figures read the rest from the sessions themselves. A month
is added up for every antenna at once by `months_build` (the daily `manage.py build_figures`
does it for every month that needs it). After that, any change to a session, a voucher, a topic
of a session, a booking or a date of that month marks the antenna's month stale, in the same
transaction as the change; the figures refresh stale months before reading them.

Two rules keep the totals right when writers and builders run at once: stale marks are removed
before the sessions are read again (a change committed later leaves a new mark), and the rows of
a month are replaced under a lock on its marks, so that two refreshes never both insert them.
"""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from inclusion.db_routers import use_primary

from .enums import Attendance, BookingStatus
from .models import (
    Booking,
    MonthBookings,
    MonthSessions,
    MonthTopics,
    Occurrence,
    RolledMonth,
    SessionLog,
    StaleMonth,
    Voucher,
    session_breakdown_columns,
)

TOTALS_MODELS = (MonthSessions, MonthTopics, MonthBookings)


def month_last_day(month: datetime.date) -> datetime.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """The first day of every month from `first`'s to `last`'s, in order."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def closed_months(first: datetime.date, last: datetime.date, today: datetime.date) -> list[datetime.date]:
    """The months lying wholly between `first` and `last` that are over everywhere: their last
    day is before yesterday, so even an overseas antenna has finished with them."""
    return [
        month
        for month in months_between(first, last)
        if month >= first and month_last_day(month) <= last and month_last_day(month) < today - datetime.timedelta(1)
    ]


# Adding up -------------------------------------------------------------------------------------


def _rows(month: datetime.date, antenna_ids: Iterable[int] | None) -> list:
    """Every total of one month, for the antennas given or all of them, ready to insert."""
    logs = SessionLog.objects.filter(date__range=(month, month_last_day(month)))
    bookings = Booking.objects.filter(
        status=BookingStatus.ACTIVE, slot__occurrence__date__range=(month, month_last_day(month))
    )
    if antenna_ids is not None:
        logs = logs.filter(antenna_id__in=antenna_ids)
        bookings = bookings.filter(slot__occurrence__permanence__antenna_id__in=antenna_ids)
    columns = session_breakdown_columns().items()
    breakdown = {column: Count("pk", filter=Q(**{field: value})) for column, (field, value) in columns}
    session_groups = (
        logs.values("antenna_id", permanence_id=F("occurrence__permanence_id"))
        .annotate(
            sessions=Count("pk"),
            individual=Count("pk", filter=Q(is_workshop=False)),
            anonymous_individual=Count("pk", filter=Q(is_workshop=False, beneficiary__isnull=True)),
            workshops=Count("pk", filter=Q(is_workshop=True)),
            anonymous_participants=Sum("anonymous_participants", filter=Q(is_workshop=True), default=0),
            minutes=Sum("duration_minutes", default=0),
            **breakdown,
        )
        .order_by()
    )
    # Vouchers are counted apart: joined to the sessions, they would count a session once per voucher.
    vouchers = {
        (row["antenna_id"], row["permanence_id"]): row["vouchers"]
        for row in Voucher.objects.filter(session_log__in=logs)
        .values(antenna_id=F("session_log__antenna_id"), permanence_id=F("session_log__occurrence__permanence_id"))
        .annotate(vouchers=Count("pk"))
        .order_by()
    }
    rows: list = [
        MonthSessions(month=month, vouchers=vouchers.get((group["antenna_id"], group["permanence_id"]), 0), **group)
        for group in session_groups
    ]
    rows += [
        MonthTopics(month=month, antenna_id=group["antenna"], topic_id=group["topic_id"], sessions=group["sessions"])
        for group in SessionLog.topics.through.objects.filter(sessionlog__in=logs)
        .values("topic_id", antenna=F("sessionlog__antenna_id"))
        .annotate(sessions=Count("pk"))
        .order_by()
    ]
    # Attendance is counted whether or not the date is over: every date of a closed month is.
    rows += [
        MonthBookings(month=month, **group)
        for group in bookings.values(
            "channel",
            antenna_id=F("slot__occurrence__permanence__antenna_id"),
            organization_id=F("liaison_sheet__organization_id"),
        )
        .annotate(
            bookings=Count("pk"),
            attended=Count("pk", filter=Q(attendance=Attendance.ATTENDED)),
            no_show=Count("pk", filter=Q(attendance=Attendance.NO_SHOW)),
        )
        .order_by()
    ]
    return rows


def _replace(month: datetime.date, antenna_ids: list[int] | None) -> None:
    for model in TOTALS_MODELS:
        existing = model.objects.filter(month=month)
        if antenna_ids is not None:
            existing = existing.filter(antenna_id__in=antenna_ids)
        existing.delete()
    rows = _rows(month, antenna_ids)
    for model in TOTALS_MODELS:
        model.objects.bulk_create([row for row in rows if isinstance(row, model)], batch_size=2000)


def months_build(*, months: Iterable[datetime.date]) -> list[datetime.date]:
    """Add up these months for every antenna (again if they already were); returns the months
    built. A month another process is building at the same moment is left to it."""
    built = []
    for month in months:
        try:
            # Totals are written from what the primary holds, never from a replica that may lag.
            with use_primary(), transaction.atomic():
                # Marks go first: a change committed from here on leaves a new one.
                StaleMonth.objects.filter(month=month).delete()
                _replace(month, None)
                RolledMonth.objects.update_or_create(month=month)
        except IntegrityError:
            continue
        built.append(month)
    return built


def months_needing_build(today: datetime.date) -> list[datetime.date]:
    """Every month that is over, has sessions or bookings, and is not added up yet."""
    first_log = SessionLog.objects.order_by("date").values_list("date", flat=True).first()
    booked = Occurrence.objects.filter(slots__bookings__isnull=False)
    first_booking = booked.order_by("date").values_list("date", flat=True).first()
    first_days = [day for day in (first_log, first_booking) if day]
    if not first_days:
        return []
    months = closed_months(min(first_days).replace(day=1), today, today)
    rolled = set(RolledMonth.objects.filter(month__in=months).values_list("month", flat=True))
    return [month for month in months if month not in rolled]


def stale_refresh(*, months: list[datetime.date]) -> int:
    """Add up again the antennas' months among these that changed; returns how many."""
    if not months:
        return 0
    # Read on the primary, even for a figures page reading from a replica: the marks are locked,
    # and the totals are written from what the primary holds.
    with use_primary(), transaction.atomic():
        # skip_locked: a refresh already running in another request takes care of its marks.
        stale = list(StaleMonth.objects.select_for_update(skip_locked=True).filter(month__in=months))
        if not stale:
            return 0
        StaleMonth.objects.filter(pk__in=[mark.pk for mark in stale]).delete()
        by_month: dict[datetime.date, list[int]] = defaultdict(list)
        for mark in stale:
            by_month[mark.month].append(mark.antenna_id)
        for month, antenna_ids in by_month.items():
            _replace(month, antenna_ids)
    return len(stale)


def rolled_months(*, first: datetime.date, last: datetime.date, today: datetime.date) -> list[datetime.date]:
    """The months of the period whose totals can be read, brought up to date first."""
    candidates = closed_months(first, last, today)
    if not candidates:
        return []
    months = sorted(RolledMonth.objects.filter(month__in=candidates).values_list("month", flat=True))
    stale_refresh(months=months)
    return months


# Stale marks -----------------------------------------------------------------------------------


def stale_mark(pairs: Iterable[tuple[int, datetime.date]]) -> None:
    """Mark these (antenna id, day) months stale; a mark on a month not added up is harmless."""
    marks = {(antenna_id, day.replace(day=1)) for antenna_id, day in pairs if antenna_id and day}
    if marks:
        StaleMonth.objects.bulk_create(
            [StaleMonth(antenna_id=antenna_id, month=month) for antenna_id, month in marks], ignore_conflicts=True
        )


def _log_changed(sender, instance: SessionLog, **kwargs) -> None:
    stale_mark([(instance.antenna_id, instance.date), *getattr(instance, "_figures_before", [])])


def _log_before_save(sender, instance: SessionLog, **kwargs) -> None:
    # A session moved to another day or antenna leaves its former month changed too.
    if instance.pk and not kwargs.get("raw"):
        instance._figures_before = list(SessionLog.objects.filter(pk=instance.pk).values_list("antenna_id", "date"))


def _log_topics_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    if reverse:
        # From the topic's side: pk_set holds the sessions (None when cleared).
        logs = SessionLog.objects.filter(pk__in=pk_set) if pk_set is not None else SessionLog.objects.none()
        stale_mark(logs.values_list("antenna_id", "date"))
    else:
        stale_mark([(instance.antenna_id, instance.date)])


def _voucher_changed(sender, instance: Voucher, **kwargs) -> None:
    stale_mark(SessionLog.objects.filter(pk=instance.session_log_id).values_list("antenna_id", "date"))


def _booking_changed(sender, instance: Booking, **kwargs) -> None:
    stale_mark(Occurrence.objects.filter(slots__pk=instance.slot_id).values_list("permanence__antenna_id", "date"))


def _occurrence_before_save(sender, instance: Occurrence, **kwargs) -> None:
    if instance.pk and not kwargs.get("raw"):
        instance._figures_before = list(
            Occurrence.objects.filter(pk=instance.pk).values_list("permanence__antenna_id", "date")
        )


def _occurrence_changed(sender, instance: Occurrence, created: bool = False, **kwargs) -> None:
    before = getattr(instance, "_figures_before", [])
    # Only a date that moved changes a month's bookings; a new date holds none yet.
    if before and before[0][1] != instance.date:
        stale_mark([*before, (before[0][0], instance.date)])


def signals_connect() -> None:
    """Keep the stale marks; called once the application registry is ready."""
    uid = "figures-totals"
    pre_save.connect(_log_before_save, sender=SessionLog, dispatch_uid=f"{uid}-log-before")
    post_save.connect(_log_changed, sender=SessionLog, dispatch_uid=f"{uid}-log-saved")
    post_delete.connect(_log_changed, sender=SessionLog, dispatch_uid=f"{uid}-log-deleted")
    m2m_changed.connect(_log_topics_changed, sender=SessionLog.topics.through, dispatch_uid=f"{uid}-topics")
    post_save.connect(_voucher_changed, sender=Voucher, dispatch_uid=f"{uid}-voucher-saved")
    post_delete.connect(_voucher_changed, sender=Voucher, dispatch_uid=f"{uid}-voucher-deleted")
    post_save.connect(_booking_changed, sender=Booking, dispatch_uid=f"{uid}-booking-saved")
    post_delete.connect(_booking_changed, sender=Booking, dispatch_uid=f"{uid}-booking-deleted")
    pre_save.connect(_occurrence_before_save, sender=Occurrence, dispatch_uid=f"{uid}-occurrence-before")
    post_save.connect(_occurrence_changed, sender=Occurrence, dispatch_uid=f"{uid}-occurrence-saved")
