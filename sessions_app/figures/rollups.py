"""Monthly totals of sessions, topics and bookings per antenna, so that the figures of a
federation over a year add up about a thousand rows per month instead of every session.

A month is added up for every antenna at once by `months_build`, up to the day before yesterday
(so that no antenna of any time zone is still in a day added up, and every date counted is
over): whole when it is over, up to that day while it is going (the daily `manage.py
build_figures` moves it on). The figures read the rest from the sessions themselves. Every
service that changes a session, a voucher, a topic of a session, a booking or a booked date of a
month added up marks the antenna's month stale (sessions_app.totals.ledger.stale_mark), in the
same transaction as the change, and so does the admin; the figures add stale months up again
before reading them.

Two rules keep the totals right when writers and builders run at once: stale marks are removed
before the sessions are read again (a change committed later leaves a new mark), and the rows of
a month are replaced under a lock on its marks, so that two refreshes never both insert them.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from inclusion.core.clock import EARLIEST_DATE
from inclusion.core.db_routers import use_primary
from sessions_app.bookings.enums import Attendance, BookingStatus
from sessions_app.bookings.models import Booking
from sessions_app.desk.models import SessionLog, Voucher
from sessions_app.figures.models import MonthBookings, MonthSessions, MonthTopics, session_breakdown_columns
from sessions_app.figures.reporting import months_between
from sessions_app.scheduling.models import Occurrence
from sessions_app.totals.ledger import month_last_day, settled_until
from sessions_app.totals.models import RolledMonth, StaleMonth

TOTALS_MODELS = (MonthSessions, MonthTopics, MonthBookings)


def added_up_through(month: datetime.date, today: datetime.date) -> datetime.date | None:
    """The last day of the month that can be added up today, or None when none can yet."""
    through = min(month_last_day(month), settled_until(today))
    return through if through >= month else None


# Adding up -------------------------------------------------------------------------------------


def _rows(month: datetime.date, through: datetime.date, antenna_ids: Iterable[int] | None) -> list:
    """Every total of one month up to `through`, for the antennas given or all, ready to insert."""
    logs = SessionLog.objects.filter(date__range=(month, through))
    bookings = Booking.objects.filter(status=BookingStatus.ACTIVE, slot__occurrence__date__range=(month, through))
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
    # Attendance is counted whether or not the date is over: every date added up is.
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


def _replace(month: datetime.date, through: datetime.date, antenna_ids: list[int] | None) -> None:
    for model in TOTALS_MODELS:
        existing = model.objects.filter(month=month)
        if antenna_ids is not None:
            existing = existing.filter(antenna_id__in=antenna_ids)
        existing.delete()
    rows = _rows(month, through, antenna_ids)
    for model in TOTALS_MODELS:
        model.objects.bulk_create([row for row in rows if isinstance(row, model)], batch_size=2000)


def months_build(*, months: Iterable[datetime.date], today: datetime.date | None = None) -> list[datetime.date]:
    """Add up these months for every antenna, as far as they can be today (again if they already
    were); returns the months built. A month another process is building at the same moment is
    left to it."""
    today = today or timezone.localdate()
    built = []
    for month in months:
        through = added_up_through(month, today)
        if through is None:
            continue
        try:
            # Totals are written from what the primary holds, never from a replica that may lag.
            with use_primary(), transaction.atomic():
                # Marks go first: a change committed from here on leaves a new one.
                StaleMonth.objects.filter(month=month).delete()
                _replace(month, through, None)
                RolledMonth.objects.update_or_create(month=month, defaults={"through": through})
        except IntegrityError:
            continue
        built.append(month)
    return built


def months_needing_build(today: datetime.date) -> list[datetime.date]:
    """Every month with sessions or bookings that can be added up further than it is: the
    months just over, and the month going on, which moves on by a day every day.

    The walk starts at the earliest day that holds data, never before the calendar's first day
    (EARLIEST_DATE, which a CHECK constraint holds dates to): a single row dated in the year 1
    must not make the daily build add up twenty thousand empty months."""
    first_log = (
        SessionLog.objects.filter(date__gte=EARLIEST_DATE).order_by("date").values_list("date", flat=True).first()
    )
    booked = Occurrence.objects.filter(slots__bookings__isnull=False, date__gte=EARLIEST_DATE)
    first_booking = booked.order_by("date").values_list("date", flat=True).first()
    first_days = [day for day in (first_log, first_booking) if day]
    if not first_days:
        return []
    months = months_between(min(first_days), settled_until(today))
    rolled = dict(RolledMonth.objects.filter(month__in=months).values_list("month", "through"))
    return [
        month
        for month in months
        if (through := added_up_through(month, today)) and (month not in rolled or rolled[month] < through)
    ]


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
        rolled = dict(RolledMonth.objects.filter(month__in=by_month).values_list("month", "through"))
        for month, antenna_ids in by_month.items():
            _replace(month, rolled[month], antenna_ids)
    return len(stale)


def rolled_spans(*, first: datetime.date, last: datetime.date) -> list[tuple[datetime.date, datetime.date]]:
    """The months added up that overlap these days, as (month, last day added up), in order."""
    overlapping = RolledMonth.objects.filter(month__lte=last, through__gte=first)
    return sorted(overlapping.values_list("month", "through"))
