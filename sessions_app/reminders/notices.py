"""Telling people what changed: each appointment change the booking core recorded becomes its
messages, and an appointment is sent to its person on request.

The booking core writes an AppointmentChange in the transaction of every cancellation or move
(sessions_app/bookings/services.py); `changes_announce` turns each one, once, into messages:
to the person (SMS, else e-mail, else a call on the desk's list), to their referrer (e-mail,
unless they made the change) and, for a date cancelled or moved, to the volunteers on its rota
(e-mail). The writers call `announce_after_commit` so the messages leave at once; the
reminders' run (`manage.py send_reminders`) announces whatever a writer left, so nothing
stays untold. The messages are sent by the reminders' task (delivery.reminder_send) and
recorded like every other.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import hashlib
import logging
import secrets
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation

from beneficiaries.people.models import Beneficiary
from inclusion.core.models import User
from inclusion.core.submissions import create_once
from sessions_app.bookings.enums import BookingStatus
from sessions_app.bookings.models import AppointmentChange, Booking
from sessions_app.reminders import texts as reminder_texts
from sessions_app.reminders.enums import Audience, ReminderChannel, ReminderKind, ReminderStatus
from sessions_app.reminders.models import ReminderMessage
from sessions_app.reminders.recipients import person_address, person_contact, stopped_numbers
from sessions_app.reminders.tasks import send_reminder
from volunteers.team.models import Signup

logger = logging.getLogger(__name__)

# Changes turned into messages by one transaction: a date of a full workshop is a few dozen.
BATCH = 200


def _person_message(change: AppointmentChange, booking: Booking, stopped: set[str]) -> ReminderMessage | None:
    person = booking.beneficiary
    if person is None:  # an anonymous walk-in: nobody to tell
        return None
    channel, address = person_contact(person, stopped=stopped)
    language = reminder_texts.person_language(booking)
    message = ReminderMessage(
        kind=change.kind,
        channel=channel,
        audience=Audience.PERSON,
        address=address,
        antenna_id=booking.slot.occurrence.permanence.antenna_id,
        occurrence_id=change.occurrence_id,
        booking=booking,
        change=change,
        language=language,
    )
    if channel == ReminderChannel.CALL:
        # What to tell them on the phone, for the one who calls: in the interface's language.
        message.body = reminder_texts.change_sms(
            change.kind, booking, settings.LANGUAGE_CODE, previous_starts_at=change.previous_starts_at
        )
    return message


def _referrer_message(change: AppointmentChange, booking: Booking) -> ReminderMessage | None:
    sheet = booking.liaison_sheet
    referrer = sheet.referrer if sheet is not None else None
    if referrer is None or not referrer.is_active or not referrer.email or referrer.pk == change.made_by_id:
        return None
    return ReminderMessage(
        kind=change.kind,
        channel=ReminderChannel.EMAIL,
        audience=Audience.REFERRER,
        address=referrer.email,
        antenna_id=booking.slot.occurrence.permanence.antenna_id,
        occurrence_id=change.occurrence_id,
        booking=booking,
        change=change,
        recipient_user=referrer,
        language=settings.LANGUAGE_CODE,
    )


def _rota_messages(change: AppointmentChange, signups: list[Signup]) -> list[ReminderMessage]:
    return [
        ReminderMessage(
            kind=change.kind,
            channel=ReminderChannel.EMAIL,
            audience=Audience.VOLUNTEER,
            address=signup.volunteer.email,
            antenna_id=change.occurrence.permanence.antenna_id,
            occurrence_id=change.occurrence_id,
            change=change,
            recipient_user=signup.volunteer,
            language=settings.LANGUAGE_CODE,
        )
        for signup in signups
        if signup.volunteer.is_active and signup.volunteer.email and signup.volunteer_id != change.made_by_id
    ]


def _changes_to_announce() -> QuerySet[AppointmentChange]:
    return (
        AppointmentChange.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(announced_at__isnull=True)
        .select_related(
            "occurrence__permanence__antenna",
            "booking__beneficiary",
            "booking__liaison_sheet__language",
            "booking__liaison_sheet__referrer",
            "booking__slot__occurrence__permanence",
        )
        .prefetch_related("booking__beneficiary__languages")
        .order_by("created_at", "pk")
    )


def _messages_of(changes: list[AppointmentChange]) -> list[ReminderMessage]:
    rota: dict[int, list[Signup]] = {}
    dates = {change.occurrence_id for change in changes if change.booking_id is None}
    for signup in Signup.objects.filter(occurrence_id__in=dates).select_related("volunteer").order_by("pk"):
        rota.setdefault(signup.occurrence_id, []).append(signup)
    people = [change.booking.beneficiary for change in changes if change.booking and change.booking.beneficiary]
    stopped = stopped_numbers(people)
    messages: list[ReminderMessage] = []
    for change in changes:
        if change.booking is None:
            messages += _rota_messages(change, rota.get(change.occurrence_id, []))
            continue
        messages += filter(
            None, [_person_message(change, change.booking, stopped), _referrer_message(change, change.booking)]
        )
    return messages


def changes_announce(*, now: datetime.datetime | None = None, enqueue: bool = True) -> list[int]:
    """Turn the changes not yet announced into their messages, once, and hand those to send to
    the task queue after the commit. Two runs at once share the work (the changes are claimed
    under skip-locked row locks) and the unique constraints make a message twice impossible.
    Returns the ids of the messages written."""
    now = now or timezone.now()
    written: list[int] = []
    while True:
        with transaction.atomic():
            changes = list(_changes_to_announce()[:BATCH])
            if not changes:
                return written
            messages = _messages_of(changes)
            for message in messages:
                message.next_attempt_at = now
                if enqueue and message.channel != ReminderChannel.CALL:
                    message.enqueued_at = now
            # A message already there (it cannot be, short of a crash between two statements) is skipped.
            ReminderMessage.objects.bulk_create(messages, ignore_conflicts=True)
            AppointmentChange.objects.filter(pk__in=[change.pk for change in changes]).update(announced_at=now)
            # PostgreSQL gives no ids back for an insert that may skip rows: read them again.
            rows = ReminderMessage.objects.filter(change__in=changes, status=ReminderStatus.QUEUED).values_list(
                "pk", "channel"
            )
            for message_id, channel in rows.order_by("pk"):
                written.append(message_id)
                if enqueue and channel != ReminderChannel.CALL:
                    transaction.on_commit(functools.partial(send_reminder.enqueue, message_id))


def _announce_now() -> None:
    try:
        changes_announce()
    except Exception:  # the reminders' next run announces what this one could not
        logger.exception("Appointment changes not announced; the next reminders' run will.")


def announce_after_commit() -> None:
    """Once the caller's transaction commits, announce the changes it recorded (and any other
    left waiting). Outside a transaction, at once."""
    transaction.on_commit(_announce_now)


def _stale(now: datetime.datetime) -> Q:
    """A call no longer worth making: the appointment has begun, or a move was followed by the
    booking's cancellation (whose own call is listed)."""
    return Q(booking__slot__starts_at__lte=now) | Q(
        kind=ReminderKind.DATE_MOVED, booking__status=BookingStatus.CANCELLED
    )


def _calls_waiting() -> QuerySet[ReminderMessage]:
    return ReminderMessage.objects.filter(channel=ReminderChannel.CALL, status=ReminderStatus.QUEUED)


def stale_calls(now: datetime.datetime) -> QuerySet[ReminderMessage]:
    """The calls still listed that are no longer worth making."""
    return _calls_waiting().filter(_stale(now))


def calls_to_make(antenna_id: int, *, now: datetime.datetime | None = None) -> QuerySet[ReminderMessage]:
    """The people of an antenna to call about a change to their appointment, oldest first."""
    return (
        _calls_waiting()
        .filter(antenna_id=antenna_id)
        .exclude(_stale(now or timezone.now()))
        .select_related("booking__beneficiary", "booking__slot", "occurrence__permanence")
        .order_by("created_at", "pk")
    )


def call_done(*, message: ReminderMessage, by: User) -> bool:
    """Someone of the antenna called the person: the message is recorded as delivered by them.
    Returns False when the call was already marked (by someone else, or a second click)."""
    marked = ReminderMessage.objects.filter(
        pk=message.pk, channel=ReminderChannel.CALL, status=ReminderStatus.QUEUED
    ).update(status=ReminderStatus.SENT, sent_at=timezone.now(), handled_by=by, attempts=1, updated_at=timezone.now())
    return marked == 1


def card_link(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("public_appointment", args=[token])


def link_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclasses.dataclass(frozen=True)
class CardAddresses:
    """Where a person's appointment can be sent: the number an SMS goes to (a valid one that did
    not answer STOP), their e-mail address; "" for a way that is not open."""

    sms: str
    email: str
    sms_stopped: bool

    def to(self, channel: str) -> str:
        if channel == ReminderChannel.SMS:
            return self.sms
        return self.email if channel == ReminderChannel.EMAIL else ""


def card_addresses(person: Beneficiary) -> CardAddresses:
    """The ways open to send a person their appointment, for the card's buttons and card_send."""
    stopped = stopped_numbers([person])
    address = person_address(person, stopped=stopped)
    sms = address[1] if address is not None and address[0] == ReminderChannel.SMS else ""
    return CardAddresses(sms=sms, email=person.email, sms_stopped=bool(stopped))


class CardNotSent(Exception):
    """The appointment cannot be sent this way: no phone that takes SMS, no address, over…"""


def card_send(*, booking: Booking, channel: str, by: User, submission_key: uuid.UUID | None = None) -> ReminderMessage:
    """Send a person their appointment by SMS or e-mail, with an unguessable link to its page
    (valid until the appointment is over or cancelled). Recorded like any message and sent
    after the commit; the same form sent twice (same `submission_key`) sends once."""
    person = booking.beneficiary
    to = card_addresses(person).to(channel) if person is not None else ""
    if not to:
        raise CardNotSent
    # 128 bits: unguessable, and short enough to leave room in a two-segment SMS.
    token = secrets.token_urlsafe(16)
    language = reminder_texts.person_language(booking)
    link = card_link(token)
    with translation.override(language):
        if channel == ReminderChannel.SMS:
            body = reminder_texts.card_sms(booking, language, link=link)
        else:
            body = reminder_texts.card_email(booking, language, link=link)

    def create() -> ReminderMessage:
        message = ReminderMessage.objects.create(
            kind=ReminderKind.CARD,
            channel=channel,
            audience=Audience.PERSON,
            address=to,
            antenna_id=booking.slot.occurrence.permanence.antenna_id,
            occurrence_id=booking.slot.occurrence_id,
            booking=booking,
            language=language,
            body=body,
            link_token_hash=link_token_hash(token),
            next_attempt_at=timezone.now(),
            enqueued_at=timezone.now(),
        )
        transaction.on_commit(functools.partial(send_reminder.enqueue, message.pk))
        return message

    return create_once(key=submission_key, user=by, create=create)


def card_booking(token: str) -> Booking | None:
    """The booking a link sent to its person opens, while it is active and not over; else None."""
    message = (
        ReminderMessage.objects.filter(kind=ReminderKind.CARD, link_token_hash=link_token_hash(token))
        .select_related("booking__slot__occurrence__permanence__antenna__organization", "booking__liaison_sheet")
        .first()
    )
    if message is None or message.booking is None:
        return None
    booking = message.booking
    if booking.status != BookingStatus.ACTIVE or booking.slot.ends_at <= timezone.now():
        return None
    return booking


@dataclasses.dataclass(frozen=True)
class ToTell:
    """Who a change to a date would reach, and how: for the form that makes the change."""

    people: list[tuple[Booking, str]]  # each booking with a person, and the channel they are told by
    referrers: list[User]
    volunteers: list[User]

    @property
    def anyone(self) -> bool:
        return bool(self.people or self.referrers or self.volunteers)


def date_change_recipients(*, occurrence_id: int, by: User) -> ToTell:
    """Who would be told if this date were cancelled or moved now (by `by`, who is not told of
    their own change): its people and how, their referrers, its rota. A fixed number of queries."""
    bookings = list(
        Booking.objects.active()
        .filter(slot__occurrence_id=occurrence_id, beneficiary__isnull=False)
        .select_related("beneficiary", "liaison_sheet__referrer", "slot")
        .order_by("slot__starts_at", "pk")
    )
    stopped = stopped_numbers(booking.beneficiary for booking in bookings if booking.beneficiary is not None)
    people = [
        (booking, person_contact(booking.beneficiary, stopped=stopped)[0])
        for booking in bookings
        if booking.beneficiary is not None
    ]
    referrers: dict[int, User] = {}
    for booking in bookings:
        referrer = booking.liaison_sheet.referrer if booking.liaison_sheet is not None else None
        if referrer is not None and referrer.is_active and referrer.email and referrer.pk != by.pk:
            referrers.setdefault(referrer.pk, referrer)
    volunteers = [
        signup.volunteer
        for signup in Signup.objects.filter(occurrence_id=occurrence_id).select_related("volunteer").order_by("pk")
        if signup.volunteer.is_active and signup.volunteer.email and signup.volunteer_id != by.pk
    ]
    return ToTell(people=people, referrers=list(referrers.values()), volunteers=volunteers)
