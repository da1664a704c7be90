"""The text messages people send back: the word for cancel, in any of their languages, cancels
the appointment they were last written to about; STOP stops the text messages to their number.

Each reply is recorded once (InboundSms, unique by the provider's reference) with what it did.
The webhook that receives them (webhook.py) is open only when SMS_INBOUND_SECRET is set, and
only then do the messages invite people to reply (texts._reply_hint).
"""

from __future__ import annotations

import datetime
import logging
import unicodedata

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Collate, Upper
from django.utils import timezone

from inclusion.core.phones import phone_normalize
from sessions_app.bookings.enums import BookingStatus, ChangeKind
from sessions_app.bookings.models import Booking
from sessions_app.bookings.services import booking_cancel
from sessions_app.reminders import texts as reminder_texts
from sessions_app.reminders.enums import Audience, ReminderChannel, ReminderStatus, ReplyOutcome
from sessions_app.reminders.models import InboundSms, ReminderMessage, SmsStop
from sessions_app.reminders.notices import announce_after_commit

logger = logging.getLogger(__name__)

# The words that stop the text messages, as a reply is read (replied_words): "STOP", "Stop SMS",
# "arrêt", "Arrêter"…
STOP_WORDS = frozenset({"STOP", "STOPSMS", "ARRET", "ARRETER"})

# The word for cancel in each language the people helped are written to in (and in Dari), as
# the catalogs are to give it: a reply is understood before a catalog has its word, and French
# and English always are, whatever the catalogs say.
CANCEL_WORDS = (
    "ANNULER",  # fr
    "CANCEL",  # en
    "إلغاء",  # ar
    "CANCELAR",  # es, pt
    "ANULARE",  # ro
    "СКАСУВАТИ",  # uk
    "ОТМЕНА",  # ru
    "İPTAL",  # tr
    "لغو",  # prs
)

TATWEEL = "\u0640"


def replied_words(text: str) -> list[str]:
    """The words of a reply as they are compared: in capitals, without accents or other marks,
    punctuation, symbols or invisible characters ("Annuler !" and " ANNULER" both read ANNULER;
    an Arabic word reads the same with or without its hamza)."""
    kept = []
    for char in unicodedata.normalize("NFKD", text.upper()):
        category = unicodedata.category(char)
        # Marks and format characters (a phone's right-to-left mark) belong to the word they are in.
        if category[0] == "M" or category == "Cf" or char == TATWEEL:
            continue
        kept.append(" " if category[0] in "PSZC" else char)
    return "".join(kept).upper().split()


def _first_word(text: str) -> str:
    words = replied_words(text)
    return words[0] if words else ""


def cancel_words() -> set[str]:
    """Every word a reply may cancel with, as replied_words reads it."""
    words = {_first_word(word) for word in (*CANCEL_WORDS, *reminder_texts.cancel_words().values())}
    return words - {""}


def _sender_number(sender: str) -> str | None:
    """The sender's number in E.164, or None when it is none. Providers write it with or
    without the leading "+"."""
    candidates = [sender]
    if sender.isascii() and sender.isdigit():
        candidates.append(f"+{sender}")
    for candidate in candidates:
        try:
            return phone_normalize(candidate)
        except ValidationError:
            continue
    return None


def _storable(text: str, length: int) -> str:
    # PostgreSQL stores neither a NUL character nor half of a surrogate pair.
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")[:length]


def _booking_last_written_about(number: str, now: datetime.datetime) -> Booking | None:
    """The booking of the latest text message sent to this number whose appointment is still
    booked and has not begun."""
    message = (
        ReminderMessage.objects
        # Through the expression the admin's search indexes (E.164 digits are the same in
        # capitals): a plain equality on the address would read the whole table.
        .alias(address_key=Collate(Upper("address"), "C"))
        .filter(
            address_key=number,
            channel=ReminderChannel.SMS,
            audience=Audience.PERSON,
            status=ReminderStatus.SENT,
            booking__status=BookingStatus.ACTIVE,
            booking__slot__starts_at__gt=now,
        )
        .select_related("booking")
        .order_by("-sent_at", "-pk")
        .first()
    )
    return message.booking if message is not None else None


def _reply_act(number: str | None, body: str) -> tuple[str, Booking | None]:
    """Do what the reply asks; its outcome and the booking it cancelled."""
    if number is None:
        return ReplyOutcome.NOT_UNDERSTOOD, None
    word = _first_word(body)
    if word in STOP_WORDS:
        SmsStop.objects.get_or_create(address=number)
        return ReplyOutcome.STOPPED, None
    if word not in cancel_words():
        return ReplyOutcome.NOT_UNDERSTOOD, None
    booking = _booking_last_written_about(number, timezone.now())
    # The booking core cancels under the slot's lock and checks again that the booking is
    # active: a cancellation committed meanwhile (the same reply sent without a reference, the
    # desk) leaves nothing to cancel.
    if booking is None or not booking_cancel(booking=booking, by=None, told_as=ChangeKind.CANCELLED_BY_REPLY):
        return ReplyOutcome.NOTHING_TO_CANCEL, None
    return ReplyOutcome.CANCELLED, booking


def reply_receive(*, sender: str, body: str, provider_reference: str = "") -> InboundSms:
    """Record a text message a person sent back and do what it asks, in one transaction.

    The first word decides: STOP (or ARRET) adds the number to those that stopped text
    messages; the word for cancel in any language of the people helped cancels, of the
    appointments still booked and not begun, the one the number was last sent an SMS about,
    and the person (the confirmation, by SMS) and their referrer are told after the commit. A
    sender that is no phone number, or any other text, is recorded as not understood.

    Idempotent: the same `provider_reference` (at most 100 characters) received again, even at
    the same instant, returns the first record and does nothing more. Without a reference each
    delivery is recorded, and the booking core still cancels a booking once.
    """
    number = _sender_number(sender)
    provider_reference = _storable(provider_reference, 100)
    with transaction.atomic():
        try:
            # First, so that a second delivery of the reply waits here, on the unique index,
            # for the first one's transaction, then finds its record.
            with transaction.atomic():
                reply = InboundSms.objects.create(
                    provider_reference=provider_reference,
                    sender=number or _storable(sender, 20),
                    body=_storable(body, 500),
                    outcome=ReplyOutcome.NOT_UNDERSTOOD,
                )
        except IntegrityError:
            if not provider_reference:
                raise
            return InboundSms.objects.get(provider_reference=provider_reference)
        reply.outcome, reply.booking = _reply_act(number, body)
        reply.save(update_fields=["outcome", "booking"])
        if reply.booking is not None:
            announce_after_commit()
    logger.info("SMS reply %s read: %s", reply.pk, reply.outcome)
    return reply
