"""Reminders of appointments and rota dates, and alerts about dates short of volunteers.

`reminders_schedule` (run by `manage.py send_reminders` every 15 minutes or hourly) records
what is due, once: the unique constraints of ReminderMessage make a second run, or two runs
at once, create nothing new. Each recorded message is then handed to a task that sends it
(`delivery.reminder_send`), which checks again that the date still stands, records the outcome,
and leaves a failure to be tried again by the next runs.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import logging
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from inclusion.core.enums import MembershipRole
from inclusion.core.models import AntennaMembership, User
from sessions_app.bookings.enums import Attendance, BookingChannel, BookingStatus
from sessions_app.bookings.models import Booking
from sessions_app.reminders import texts as reminder_texts
from sessions_app.reminders.delivery import interrupted_text, stale_call_text
from sessions_app.reminders.enums import Audience, ReminderChannel, ReminderKind, ReminderStatus
from sessions_app.reminders.models import InboundSms, ReminderMessage
from sessions_app.reminders.notices import changes_announce, stale_calls
from sessions_app.reminders.recipients import person_address, stopped_numbers
from sessions_app.reminders.tasks import send_reminder
from sessions_app.scheduling.enums import OccurrenceStatus
from sessions_app.scheduling.models import Occurrence
from volunteers.team.models import Signup
from volunteers.team.selectors import understaffed

logger = logging.getLogger(__name__)

# A task that started sending and never said how it went (the worker died) is not tried again:
# the message may have left, and nothing is sent twice. It is shown as not delivered instead.
SENDING_STALE_AFTER = datetime.timedelta(minutes=30)
# A message handed to the queue and still waiting this long was lost with its task: hand it again.
ENQUEUED_STALE_AFTER = datetime.timedelta(hours=1)
# Personal data is minimal: once a message is this old, its address and text are erased; the
# record of what was sent, when and how stays.
CONTACT_KEPT = datetime.timedelta(days=90)


@dataclasses.dataclass
class ScheduleReport:
    created: int = 0
    enqueued: int = 0
    interrupted: int = 0
    forgotten: int = 0
    announced: int = 0
    calls_dropped: int = 0
    message_ids: list[int] = dataclasses.field(default_factory=list)


def reminder_due_from(starts_at: datetime.datetime, time_zone: str) -> datetime.datetime:
    """When the reminder of something starting at `starts_at` is due.

    REMINDER_HOURS_BEFORE hours before, when set; otherwise at REMINDER_SEND_HOUR (local time of
    the antenna) REMINDER_DAYS_BEFORE days before the day, so that no message leaves at night.
    """
    if settings.REMINDER_HOURS_BEFORE is not None:
        return starts_at - datetime.timedelta(hours=settings.REMINDER_HOURS_BEFORE)
    zone = ZoneInfo(time_zone)
    day = starts_at.astimezone(zone).date() - datetime.timedelta(days=settings.REMINDER_DAYS_BEFORE)
    return datetime.datetime.combine(day, datetime.time(settings.REMINDER_SEND_HOUR), tzinfo=zone)


def _lookahead() -> datetime.timedelta:
    """The longest time before a start a reminder can be due: bounds the candidates read."""
    if settings.REMINDER_HOURS_BEFORE is not None:
        return datetime.timedelta(hours=settings.REMINDER_HOURS_BEFORE)
    return datetime.timedelta(days=settings.REMINDER_DAYS_BEFORE + 1)


def _appointment_messages(now: datetime.datetime) -> list[ReminderMessage]:
    candidates = (
        Booking.objects.filter(
            status=BookingStatus.ACTIVE,
            beneficiary__isnull=False,
            attendance=Attendance.EXPECTED,
            slot__occurrence__status=OccurrenceStatus.SCHEDULED,
            slot__starts_at__gt=now,
            slot__starts_at__lte=now + _lookahead(),
        )
        # A walk-in is booked by the desk while the person is there.
        .exclude(channel=BookingChannel.WALK_IN)
        .exclude(Exists(ReminderMessage.objects.filter(kind=ReminderKind.APPOINTMENT, booking=OuterRef("pk"))))
        .select_related("beneficiary", "liaison_sheet__language", "slot__occurrence__permanence__antenna")
        .prefetch_related("beneficiary__languages")
    )
    messages = []
    bookings = list(candidates)
    stopped = stopped_numbers(booking.beneficiary for booking in bookings if booking.beneficiary is not None)
    for booking in bookings:
        occurrence = booking.slot.occurrence
        if reminder_due_from(booking.slot.starts_at, occurrence.permanence.antenna.time_zone) > now:
            continue
        # The reminder is a courtesy: a person reached by no written message is not called for it.
        address = person_address(booking.beneficiary, stopped=stopped) if booking.beneficiary is not None else None
        if address is None:
            continue
        messages.append(
            ReminderMessage(
                kind=ReminderKind.APPOINTMENT,
                channel=address[0],
                address=address[1],
                antenna_id=occurrence.permanence.antenna_id,
                occurrence=occurrence,
                booking=booking,
                language=reminder_texts.person_language(booking),
                next_attempt_at=now,
            )
        )
    return messages


def _rota_messages(now: datetime.datetime) -> list[ReminderMessage]:
    signups = (
        Signup.objects.filter(
            occurrence__status=OccurrenceStatus.SCHEDULED,
            occurrence__starts_at__gt=now,
            occurrence__starts_at__lte=now + _lookahead(),
            volunteer__is_active=True,
        )
        .exclude(volunteer__email="")
        .exclude(
            Exists(
                ReminderMessage.objects.filter(
                    kind=ReminderKind.ROTA, occurrence=OuterRef("occurrence"), recipient_user=OuterRef("volunteer")
                )
            )
        )
        .select_related("occurrence__permanence__antenna", "volunteer")
    )
    return [
        ReminderMessage(
            kind=ReminderKind.ROTA,
            channel=ReminderChannel.EMAIL,
            audience=Audience.VOLUNTEER,
            address=signup.volunteer.email,
            antenna_id=signup.occurrence.permanence.antenna_id,
            occurrence=signup.occurrence,
            recipient_user=signup.volunteer,
            language=settings.LANGUAGE_CODE,
            next_attempt_at=now,
        )
        for signup in signups
        if reminder_due_from(signup.occurrence.starts_at, signup.occurrence.permanence.antenna.time_zone) <= now
    ]


def _understaffed_messages(now: datetime.datetime) -> list[ReminderMessage]:
    occurrences = list(
        understaffed(
            Occurrence.objects.filter(
                status=OccurrenceStatus.SCHEDULED,
                starts_at__gt=now,
                starts_at__lte=now + datetime.timedelta(hours=settings.UNDERSTAFFED_ALERT_HOURS),
            )
        ).select_related("permanence")
    )
    if not occurrences:
        return []
    coordinators: dict[int, list[User]] = {}
    memberships = AntennaMembership.objects.filter(
        antenna_id__in={occurrence.permanence.antenna_id for occurrence in occurrences},
        role=MembershipRole.COORDINATOR,
        user__is_active=True,
    ).exclude(user__email="")
    for membership in memberships.select_related("user"):
        coordinators.setdefault(membership.antenna_id, []).append(membership.user)
    already = set(
        ReminderMessage.objects.filter(
            kind=ReminderKind.UNDERSTAFFED, occurrence__in=occurrences, recipient_user__isnull=False
        ).values_list("occurrence_id", "recipient_user_id")
    )
    return [
        ReminderMessage(
            kind=ReminderKind.UNDERSTAFFED,
            channel=ReminderChannel.EMAIL,
            audience=Audience.COORDINATOR,
            address=user.email,
            antenna_id=occurrence.permanence.antenna_id,
            occurrence=occurrence,
            recipient_user=user,
            language=settings.LANGUAGE_CODE,
            next_attempt_at=now,
        )
        for occurrence in occurrences
        for user in coordinators.get(occurrence.permanence.antenna_id, [])
        if (occurrence.pk, user.pk) not in already
    ]


def reminders_schedule(*, now: datetime.datetime | None = None, enqueue: bool = True) -> ScheduleReport:
    """Record the reminders and alerts now due, and hand every message waiting to be sent (new
    ones and failures to try again) to the task queue, after the commit.

    Idempotent: what was recorded once is never recorded again (a concurrent run included,
    thanks to the unique constraints), and a message already handed to the queue is not handed
    again until its task has run. With enqueue=False nothing is queued; the report lists the
    messages waiting, for a caller that sends them itself.
    """
    now = now or timezone.now()
    report = ScheduleReport()
    # Changes a writer left unannounced (its process died after the commit) are told now.
    report.announced = len(changes_announce(now=now, enqueue=False))
    messages = _appointment_messages(now) + _rota_messages(now) + _understaffed_messages(now)
    with transaction.atomic():
        # A concurrent run may have recorded the same message meanwhile: the conflict is skipped.
        created = ReminderMessage.objects.bulk_create(messages, ignore_conflicts=True)
        report.created = len(created)
        report.interrupted = ReminderMessage.objects.filter(
            status=ReminderStatus.SENDING, updated_at__lte=now - SENDING_STALE_AFTER
        ).update(
            status=ReminderStatus.FAILED,
            last_error=interrupted_text(),
            updated_at=now,
        )
        report.forgotten = (
            ReminderMessage.objects.filter(created_at__lte=now - CONTACT_KEPT)
            .exclude(status__in=[ReminderStatus.QUEUED, ReminderStatus.SENDING])
            .exclude(address="", body="")
            .update(address="", body="")
        )
        # Calls the desk no longer needs to make leave its list.
        report.calls_dropped = stale_calls(now).update(
            status=ReminderStatus.SKIPPED, last_error=stale_call_text(), updated_at=now
        )
        # Likewise the numbers and texts of the replies received.
        report.forgotten += (
            InboundSms.objects.filter(received_at__lte=now - CONTACT_KEPT)
            .exclude(sender="", body="")
            .update(sender="", body="")
        )
        waiting = (
            ReminderMessage.objects.select_for_update(skip_locked=True)
            .filter(status=ReminderStatus.QUEUED, next_attempt_at__lte=now)
            # A call waits on the desk's list: no task makes it.
            .exclude(channel=ReminderChannel.CALL)
            .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=now - ENQUEUED_STALE_AFTER))
        )
        report.message_ids = list(waiting.order_by("pk").values_list("pk", flat=True))
        if enqueue and report.message_ids:
            ReminderMessage.objects.filter(pk__in=report.message_ids).update(enqueued_at=now)
            report.enqueued = len(report.message_ids)
            for message_id in report.message_ids:
                transaction.on_commit(functools.partial(send_reminder.enqueue, message_id))
    return report
