"""Sending one recorded reminder or alert: checked again, composed in the recipient's language,
handed to the SMS provider or the mail server, and its outcome recorded. A failure is tried
again by the next runs of `reminders_schedule`, up to MAX_ATTEMPTS."""

from __future__ import annotations

import datetime
import logging
import re
import smtplib

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from inclusion.core import sms
from inclusion.core.sms.segments import sms_fold, sms_segments
from sessions_app.bookings.enums import BookingStatus
from sessions_app.bookings.models import Booking
from sessions_app.reminders import texts as reminder_texts
from sessions_app.reminders.enums import Audience, ReminderChannel, ReminderKind, ReminderStatus
from sessions_app.reminders.models import ReminderMessage, SmsStop
from sessions_app.scheduling.enums import OccurrenceStatus
from sessions_app.scheduling.models import Occurrence
from volunteers.team.models import Signup
from volunteers.team.selectors import understaffed

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# Waited after the n-th failed attempt, times n: the next runs of the command try again.
RETRY_DELAY = datetime.timedelta(minutes=10)


def interrupted_text() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return gettext("Interrupted while sending: it may not have been delivered.")


def stale_call_text() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return gettext("No longer to call: the appointment has begun or was cancelled since.")


def _booking_of(message: ReminderMessage) -> Booking:
    """An appointment reminder's booking: each has one, and a deleted booking takes its reminders along."""
    if message.booking is None:
        raise ValueError(f"The appointment reminder {message.pk} has no booking.")
    return message.booking


CHANGE_KINDS = {
    ReminderKind.DATE_CANCELLED,
    ReminderKind.DATE_MOVED,
    ReminderKind.BOOKING_CANCELLED,
    ReminderKind.CANCELLED_BY_REPLY,
}


def _change_why_not(message: ReminderMessage, now: datetime.datetime) -> str:
    """Why a message telling of a change should no longer be sent, or "" when it should.

    A move is not told once the appointment (or the date) was cancelled since: that
    cancellation is told instead. A cancellation is told to the person while it is ahead, and
    to the referrer and the rota whatever the time."""
    occurrence = message.occurrence
    if message.kind == ReminderKind.DATE_MOVED:
        if occurrence.status == OccurrenceStatus.CANCELLED:
            return gettext("The date was cancelled.")
        if message.booking is not None and message.booking.status != BookingStatus.ACTIVE:
            return gettext("The booking was cancelled.")
    starts_at = message.booking.slot.starts_at if message.booking is not None else occurrence.starts_at
    if message.audience != Audience.REFERRER and starts_at <= now:
        return gettext("The appointment has begun.") if message.booking else gettext("The date has begun.")
    return ""


def _card_why_not(message: ReminderMessage, now: datetime.datetime) -> str:
    booking = _booking_of(message)
    if booking.status != BookingStatus.ACTIVE:
        return gettext("The booking was cancelled.")
    if booking.slot.ends_at <= now:
        return gettext("The appointment is over.")
    return ""


def _scheduled_why_not(message: ReminderMessage, now: datetime.datetime) -> str:
    """Why a reminder or an alert should no longer be sent, or "" when it should."""
    occurrence = message.occurrence
    if occurrence.status == OccurrenceStatus.CANCELLED:
        return gettext("The date was cancelled.")
    if message.kind == ReminderKind.APPOINTMENT:
        booking = _booking_of(message)
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
        and not understaffed(Occurrence.objects.filter(pk=occurrence.pk)).exists()
    ):
        return gettext("Enough volunteers signed up since.")
    return ""


def _why_not(message: ReminderMessage, now: datetime.datetime) -> str:
    """Why a message should no longer be sent, or "" when it should."""
    if message.channel == ReminderChannel.SMS and SmsStop.objects.filter(address=message.address).exists():
        return gettext("The number answered STOP: no more text messages go to it.")
    if message.kind in CHANGE_KINDS:
        return _change_why_not(message, now)
    if message.kind == ReminderKind.CARD:
        return _card_why_not(message, now)
    return _scheduled_why_not(message, now)


def _change_compose(message: ReminderMessage) -> tuple[str, str]:
    change = message.change
    if change is None:
        raise ValueError(f"The message {message.pk} tells of no change.")
    previous = change.previous_starts_at
    if message.audience == Audience.VOLUNTEER:
        return reminder_texts.rota_change_email(
            message.kind, message.occurrence, reason=change.reason, previous_starts_at=previous
        )
    booking = _booking_of(message)
    if message.audience == Audience.REFERRER:
        return reminder_texts.referrer_change_email(
            message.kind, booking, reason=change.reason, previous_starts_at=previous
        )
    if message.channel == ReminderChannel.SMS:
        return "", reminder_texts.change_sms(message.kind, booking, message.language, previous_starts_at=previous)
    return reminder_texts.change_email(message.kind, booking, message.language, previous_starts_at=previous)


def _compose(message: ReminderMessage) -> tuple[str, str]:
    """Subject (empty for an SMS) and text of a message."""
    occurrence = message.occurrence
    if message.kind in CHANGE_KINDS:
        return _change_compose(message)
    if message.kind == ReminderKind.CARD:
        # Written when it was asked for, with its link, whose secret is kept nowhere else.
        subject = "" if message.channel == ReminderChannel.SMS else reminder_texts.card_subject(message.language)
        return subject, message.body
    if message.kind == ReminderKind.APPOINTMENT:
        if message.channel == ReminderChannel.SMS:
            return "", reminder_texts.appointment_sms(_booking_of(message), message.language)
        return reminder_texts.appointment_email(_booking_of(message), message.language)
    if message.kind == ReminderKind.ROTA:
        booked = Booking.objects.filter(slot__occurrence=occurrence, status=BookingStatus.ACTIVE).count()
        return reminder_texts.rota_email(occurrence, bookings=booked)
    return reminder_texts.understaffed_email(occurrence, volunteers=occurrence.signups.count())


# The secret of an appointment's link (notices.card_link), taken out of a text once it has left.
LINK_SECRET = re.compile(r"(/r/)[A-Za-z0-9_-]{20,}(/)")


def _record_text(message: ReminderMessage, body: str) -> None:
    """Keep the text sent and, for an SMS, the segments the provider bills for it (0 for an e-mail)."""
    message.body = body
    message.segments = sms_segments(body).segments if message.channel == ReminderChannel.SMS else 0


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


def _outcome_record(
    message: ReminderMessage, *, reference: str, failure: str, permanent: bool, now: datetime.datetime
) -> None:
    """Record how an attempt went: sent, failed for good, or to try again later."""
    if message.kind == ReminderKind.CARD and (not failure or permanent or message.attempts >= MAX_ATTEMPTS):
        # Sent, or never to be: the link's secret is kept no longer than needed to send it.
        message.body = LINK_SECRET.sub(r"\1…\2", message.body)
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
            "segments",
            "updated_at",
        ]
    )


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
                "change",
                "booking__beneficiary",
                "booking__liaison_sheet__language",
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
        if message.status != ReminderStatus.QUEUED or message.channel == ReminderChannel.CALL:
            return message.status
        # Shown to the coordinators, in the interface's language.
        with translation.override(settings.LANGUAGE_CODE):
            reason = _why_not(message, now)
        if reason:
            message.status = ReminderStatus.SKIPPED
            message.last_error = reason
            # Never to be sent: the link's secret goes too.
            message.body = LINK_SECRET.sub(r"\1…\2", message.body)
            message.save(update_fields=["status", "last_error", "body", "updated_at"])
            return message.status
        message.status = ReminderStatus.SENDING
        message.attempts += 1
        message.save(update_fields=["status", "attempts", "updated_at"])

    failure, permanent, reference = "", False, ""
    try:
        subject, body = _compose(message)
        if message.channel == ReminderChannel.SMS:
            body = sms_fold(body)
        _record_text(message, body)
        reference = _deliver(message, subject, body)
    except _PermanentFailure as error:
        failure, permanent = str(error), True
    except Exception as error:  # any other failure (SMTP down, provider slow…) is worth another try
        logger.warning("Reminder %s not sent (attempt %s): %s", message.pk, message.attempts, error)
        failure = str(error) or error.__class__.__name__
    _outcome_record(message, reference=reference, failure=failure, permanent=permanent, now=now)
    return message.status
