"""Reminders of appointments and rota dates, and alerts about dates short of volunteers.

`reminders_schedule` (run by `manage.py send_reminders` every 15 minutes or hourly) records
what is due, once: the unique constraints of ReminderMessage make a second run, or two runs
at once, create nothing new. Each recorded message is then handed to a task that sends it
(`reminder_send`), which checks again that the date still stands, records the outcome, and
leaves a failure to be tried again by the next runs, up to MAX_ATTEMPTS.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import smtplib
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from inclusion import sms
from inclusion.enums import MembershipRole
from inclusion.models import AntennaMembership
from inclusion.phones import phone_normalize
from volunteers.models import Signup

from . import reminder_texts
from .enums import (
    Attendance,
    BookingChannel,
    BookingStatus,
    OccurrenceStatus,
    ReminderChannel,
    ReminderKind,
    ReminderStatus,
)
from .models import Booking, Occurrence, ReminderMessage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# Waited after the n-th failed attempt, times n: the next runs of the command try again.
RETRY_DELAY = datetime.timedelta(minutes=10)
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


def _person_address(beneficiary) -> tuple[str, str] | None:
    """SMS when the person has a valid phone number, else e-mail when they have an address."""
    if beneficiary.phone:
        try:
            return ReminderChannel.SMS, phone_normalize(beneficiary.phone)
        except ValidationError:
            pass
    if beneficiary.email:
        return ReminderChannel.EMAIL, beneficiary.email
    return None


def _appointment_messages(now: datetime.datetime) -> list[ReminderMessage]:
    bookings = (
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
    for booking in bookings:
        occurrence = booking.slot.occurrence
        if reminder_due_from(booking.slot.starts_at, occurrence.permanence.antenna.time_zone) > now:
            continue
        address = _person_address(booking.beneficiary)
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


def _understaffed(occurrences):
    return occurrences.annotate(rota_size=Count("signups")).filter(rota_size__lt=F("permanence__min_volunteers"))


def _understaffed_messages(now: datetime.datetime) -> list[ReminderMessage]:
    occurrences = list(
        _understaffed(
            Occurrence.objects.filter(
                status=OccurrenceStatus.SCHEDULED,
                starts_at__gt=now,
                starts_at__lte=now + datetime.timedelta(hours=settings.UNDERSTAFFED_ALERT_HOURS),
            )
        ).select_related("permanence")
    )
    if not occurrences:
        return []
    coordinators = {}
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


def _interrupted_text() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return gettext("Interrupted while sending: it may not have been delivered.")


def reminders_schedule(*, now: datetime.datetime | None = None, enqueue: bool = True) -> ScheduleReport:
    """Record the reminders and alerts now due, and hand every message waiting to be sent (new
    ones and failures to try again) to the task queue, after the commit.

    Idempotent: what was recorded once is never recorded again (a concurrent run included,
    thanks to the unique constraints), and a message already handed to the queue is not handed
    again until its task has run. With enqueue=False nothing is queued; the report lists the
    messages waiting, for a caller that sends them itself.
    """
    from .reminder_tasks import send_reminder

    now = now or timezone.now()
    report = ScheduleReport()
    messages = _appointment_messages(now) + _rota_messages(now) + _understaffed_messages(now)
    with transaction.atomic():
        # A concurrent run may have recorded the same message meanwhile: the conflict is skipped.
        created = ReminderMessage.objects.bulk_create(messages, ignore_conflicts=True)
        report.created = len(created)
        report.interrupted = ReminderMessage.objects.filter(
            status=ReminderStatus.SENDING, updated_at__lte=now - SENDING_STALE_AFTER
        ).update(
            status=ReminderStatus.FAILED,
            last_error=_interrupted_text(),
            updated_at=now,
        )
        report.forgotten = (
            ReminderMessage.objects.filter(created_at__lte=now - CONTACT_KEPT)
            .exclude(status__in=[ReminderStatus.QUEUED, ReminderStatus.SENDING])
            .exclude(address="", body="")
            .update(address="", body="")
        )
        waiting = (
            ReminderMessage.objects.select_for_update(skip_locked=True)
            .filter(status=ReminderStatus.QUEUED, next_attempt_at__lte=now)
            .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=now - ENQUEUED_STALE_AFTER))
        )
        report.message_ids = list(waiting.order_by("pk").values_list("pk", flat=True))
        if enqueue and report.message_ids:
            ReminderMessage.objects.filter(pk__in=report.message_ids).update(enqueued_at=now)
            report.enqueued = len(report.message_ids)
            for message_id in report.message_ids:
                transaction.on_commit(lambda message_id=message_id: send_reminder.enqueue(message_id))
    return report


def _why_not(message: ReminderMessage, now: datetime.datetime) -> str:
    """Why a message should no longer be sent, or "" when it should."""
    occurrence = message.occurrence
    if occurrence.status == OccurrenceStatus.CANCELLED:
        return gettext("The date was cancelled.")
    if message.kind == ReminderKind.APPOINTMENT:
        booking = message.booking
        if booking.status != BookingStatus.ACTIVE:
            return gettext("The booking was cancelled.")
        if booking.slot.starts_at <= now:
            return gettext("The appointment has begun.")
        return ""
    if occurrence.starts_at <= now:
        return gettext("The date has begun.")
    if (
        message.kind == ReminderKind.ROTA
        and not Signup.objects.filter(occurrence=occurrence, volunteer_id=message.recipient_user_id).exists()
    ):
        return gettext("The volunteer withdrew from the date.")
    if (
        message.kind == ReminderKind.UNDERSTAFFED
        and not _understaffed(Occurrence.objects.filter(pk=occurrence.pk)).exists()
    ):
        return gettext("Enough volunteers signed up since.")
    return ""


def _compose(message: ReminderMessage) -> tuple[str, str]:
    """Subject (empty for an SMS) and text of a message."""
    occurrence = message.occurrence
    if message.kind == ReminderKind.APPOINTMENT:
        if message.channel == ReminderChannel.SMS:
            return "", reminder_texts.appointment_sms(message.booking, message.language)
        return reminder_texts.appointment_email(message.booking, message.language)
    if message.kind == ReminderKind.ROTA:
        booked = Booking.objects.filter(slot__occurrence=occurrence, status=BookingStatus.ACTIVE).count()
        return reminder_texts.rota_email(occurrence, bookings=booked)
    return reminder_texts.understaffed_email(occurrence, volunteers=occurrence.signups.count())


class _PermanentFailure(Exception):
    pass


def _deliver(message: ReminderMessage, subject: str, body: str) -> str:
    """Send through the message's channel; returns the provider's reference. Raises
    _PermanentFailure when trying again cannot help, any other exception when it might."""
    if message.channel == ReminderChannel.SMS:
        try:
            return sms.send_sms(to=message.address, body=body)
        except sms.SmsPermanentError as error:
            raise _PermanentFailure(str(error)) from error
    try:
        send_mail(subject, body, None, [message.address])
    except smtplib.SMTPRecipientsRefused as error:
        raise _PermanentFailure(f"Address refused: {error}") from error
    return ""


def reminder_send(*, message_id: int, now: datetime.datetime | None = None) -> str:
    """Send one recorded message if it is still due and still relevant, and record the outcome.

    The message is claimed under a row lock (status "sending", one more attempt) and sent after
    that short transaction, so a slow provider holds no lock and a duplicate task finds it
    claimed and does nothing. Returns the message's status afterwards.
    """
    now = now or timezone.now()
    with transaction.atomic():
        message = (
            ReminderMessage.objects.select_for_update(of=("self",))
            .select_related(
                "booking__beneficiary",
                "booking__liaison_sheet",
                "booking__slot__occurrence__permanence__antenna__organization",
                "occurrence__permanence__antenna__organization",
            )
            .filter(pk=message_id)
            .first()
        )
        if message is None:
            return ""
        # Only the status guards against a second send: a duplicate task, or one that runs early,
        # finds the message claimed or sent and leaves it.
        if message.status != ReminderStatus.QUEUED:
            return message.status
        # Shown to the coordinators, in the interface's language.
        with translation.override(settings.LANGUAGE_CODE):
            reason = _why_not(message, now)
        if reason:
            message.status = ReminderStatus.SKIPPED
            message.last_error = reason
            message.save(update_fields=["status", "last_error", "updated_at"])
            return message.status
        message.status = ReminderStatus.SENDING
        message.attempts += 1
        message.save(update_fields=["status", "attempts", "updated_at"])

    failure, permanent = "", False
    try:
        subject, body = _compose(message)
        message.body = body
        reference = _deliver(message, subject, body)
    except _PermanentFailure as error:
        failure, permanent = str(error), True
    except Exception as error:  # any other failure (SMTP down, provider slow…) is worth another try
        logger.warning("Reminder %s not sent (attempt %s): %s", message.pk, message.attempts, error)
        failure = str(error) or error.__class__.__name__
    if not failure:
        message.status = ReminderStatus.SENT
        message.sent_at = timezone.now()
        message.provider_reference = reference
        message.last_error = ""
    elif permanent or message.attempts >= MAX_ATTEMPTS:
        message.status = ReminderStatus.FAILED
        message.last_error = failure[:500]
    else:
        message.status = ReminderStatus.QUEUED
        message.last_error = failure[:500]
        message.next_attempt_at = now + RETRY_DELAY * message.attempts
        message.enqueued_at = None
    message.save(
        update_fields=[
            "status",
            "sent_at",
            "provider_reference",
            "last_error",
            "next_attempt_at",
            "enqueued_at",
            "body",
            "updated_at",
        ]
    )
    return message.status
