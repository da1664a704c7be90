"""Which antennas' months of figures are stale: the ledger that every write to a counted row
(a session, its topics and vouchers, a booking, a booked date) keeps, explicitly, in its own
transaction. sessions_app.figures adds the stale months up again before reading them.

Explicit calls rather than signals: bulk updates skip signals, and a reader of a service sees
what it changes.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable

from django.utils import timezone

from sessions_app.totals.models import StaleMonth


def month_last_day(month: datetime.date) -> datetime.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def settled_until(today: datetime.date) -> datetime.date:
    """The last day that is over for every antenna, overseas included: the day before yesterday."""
    return today - datetime.timedelta(days=2)


def stale_mark(pairs: Iterable[tuple[int, datetime.date]]) -> None:
    """Mark these (antenna id, day) months stale; a mark on a month not added up is harmless.

    Yesterday and later are left out: no totals hold them yet, and the build that first reaches
    them reads them from the rows. So the day's work at the desks marks nothing, and the figures
    do not add up again, at every page, the month of every antenna open today."""
    settled = settled_until(timezone.localdate())
    marks = {(antenna_id, day.replace(day=1)) for antenna_id, day in pairs if antenna_id and day and day <= settled}
    if marks:
        StaleMonth.objects.bulk_create(
            [StaleMonth(antenna_id=antenna_id, month=month) for antenna_id, month in marks], ignore_conflicts=True
        )
