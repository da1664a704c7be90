"""Reads for the reminders' page: what an antenna sent this month, the SMS segments it is billed."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from inclusion.core.clock import antenna_now
from inclusion.core.models import Antenna
from sessions_app.reminders.enums import ReminderChannel, ReminderStatus
from sessions_app.reminders.models import ReminderMessage


@dataclasses.dataclass(frozen=True)
class MonthSent:
    """The messages an antenna sent in one month of its own calendar."""

    month: datetime.date
    sms: int
    segments: int
    emails: int


def month_sent(antenna: Antenna, *, now: datetime.datetime | None = None) -> MonthSent:
    """The SMS (and their segments) and e-mails the antenna sent in its current month, on its
    own clock: one aggregate query."""
    local = antenna_now(antenna, now=now)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    # The first of the next month at midnight, in the zone (a daylight-saving change keeps midnight).
    end = (start + datetime.timedelta(days=32)).replace(day=1)
    sms = Q(channel=ReminderChannel.SMS)
    totals = ReminderMessage.objects.filter(
        antenna=antenna, status=ReminderStatus.SENT, sent_at__gte=start, sent_at__lt=end
    ).aggregate(
        sms=Count("pk", filter=sms),
        segments=Coalesce(Sum("segments", filter=sms), 0),
        emails=Count("pk", filter=Q(channel=ReminderChannel.EMAIL)),
    )
    return MonthSent(month=start.date(), sms=totals["sms"], segments=totals["segments"], emails=totals["emails"])


def booking_messages(booking_ids: Iterable[int]) -> list[ReminderMessage]:
    """Every message about these bookings, to their person or their referrer, oldest first: what
    was sent, by which channel, and what became of it. One query."""
    return list(
        ReminderMessage.objects.filter(booking_id__in=list(booking_ids))
        .select_related("recipient_user", "handled_by")
        .order_by("created_at", "pk")
    )
