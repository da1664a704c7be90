"""What reminders and alerts say: to a booked person in their language when their texts are
written in it (settings.PERSON_LANGUAGES), to the team in the interface's language.

Short on purpose: the date, the hours, the address, and whom to call to cancel. Built at
sending time, so a date moved meanwhile is given as it now is.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, pgettext

from inclusion.core.sms.segments import sms_fold, sms_segments
from inclusion.core.typography import date_format
from sessions_app.bookings.models import Booking
from sessions_app.reminders.enums import ReminderKind
from sessions_app.scheduling.models import Occurrence

FRENCH = "fr"


def available_language(codes) -> str:
    """The first of the codes texts for the people helped are written in (settings.PERSON_LANGUAGES),
    French when none is."""
    return next((code for code in codes if code in settings.PERSON_LANGUAGES), FRENCH)


def person_language(booking: Booking) -> str:
    """The language to write to a booked person in: the one their referral asks for, else French
    when they speak it or nothing is known, else the first language of theirs that texts for the
    people helped are written in.

    Expects the booking's liaison sheet (and its language) and the person's languages loaded.
    """
    sheet = booking.liaison_sheet
    if sheet is not None and sheet.language is not None:
        return available_language([sheet.language.code])
    person = booking.beneficiary
    codes = sorted(language.code for language in person.languages.all()) if person is not None else []
    if not codes or FRENCH in codes:
        return FRENCH
    return available_language(codes)


def _local(moment: datetime.datetime, occurrence: Occurrence) -> datetime.datetime:
    return moment.astimezone(ZoneInfo(occurrence.permanence.antenna.time_zone))


def _day(moment: datetime.datetime) -> str:
    """The weekday, day and month in the active language: "mardi 1er décembre"."""
    # Translators: the date format character of the month after a day number: "F" (décembre),
    # or "E" where the month takes another case after a number (Ukrainian, Russian: грудня).
    month = pgettext("reminder date, month after the day", "F")
    return date_format(moment, f"l j {month}")


def _time(moment: datetime.datetime) -> str:
    """The hour as the antenna's door and the card write it, on 24 hours ("14:00"), in every
    language: short, and read the same by everyone at the desk."""
    return date_format(moment, "H:i")


def cancel_phone(occurrence: Occurrence) -> str:
    """The number to call to cancel: the antenna's, else its organization's."""
    antenna = occurrence.permanence.antenna
    return antenna.public_phone_display or antenna.organization.phone_display


def _link(name: str, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def _appointment_context(booking: Booking) -> dict:
    occurrence = booking.slot.occurrence
    start, end = _local(booking.slot.starts_at, occurrence), _local(booking.slot.ends_at, occurrence)
    antenna = occurrence.permanence.antenna
    return {
        # Appointment reminders go to booked people only, never to an anonymous walk-in.
        "person": booking.beneficiary.first_name if booking.beneficiary is not None else "",
        "day": _day(start),
        "start": _time(start),
        "end": _time(end),
        "antenna": antenna.name,
        "address": antenna.full_address,
        "phone": cancel_phone(occurrence),
        "reference": booking.liaison_sheet.reference if booking.liaison_sheet is not None else "",
    }


def appointment_sms(booking: Booking, language: str) -> str:
    """The text message the day before an appointment."""
    with translation.override(language):
        context = _appointment_context(booking)
        return sms_fit(
            gettext("Reminder: digital help appointment %(day)s at %(start)s, %(antenna)s, %(address)s.") % context,
            _cannot_come(context),
            _reply_hint(),
        )


def appointment_email(booking: Booking, language: str) -> tuple[str, str]:
    """Subject and body of the e-mail the day before an appointment."""
    with translation.override(language):
        context = _appointment_context(booking)
        subject = gettext("Reminder: your appointment on %(day)s at %(start)s") % context
        body = render_to_string("reminders/appointment_email.txt", context)
    return subject, body


def rota_email(occurrence: Occurrence, *, bookings: int) -> tuple[str, str]:
    """Subject and body of a volunteer's reminder of a date they are on the rota for."""
    start, end = _local(occurrence.starts_at, occurrence), _local(occurrence.ends_at, occurrence)
    antenna = occurrence.permanence.antenna
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "title": occurrence.permanence.title,
            "day": _day(start),
            "start": _time(start),
            "end": _time(end),
            "antenna": antenna.name,
            "address": antenna.full_address,
            "bookings": bookings,
            "rota_link": _link("volunteers:rota", antenna.pk),
            "desk_link": _link("desk:today", antenna.pk),
        }
        subject = gettext("Reminder: you help at %(antenna)s on %(day)s at %(start)s") % context
        body = render_to_string("reminders/rota_email.txt", context)
    return subject, body


def understaffed_email(occurrence: Occurrence, *, volunteers: int) -> tuple[str, str]:
    """Subject and body of the coordinator's alert about a date short of volunteers."""
    start = _local(occurrence.starts_at, occurrence)
    antenna = occurrence.permanence.antenna
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "title": occurrence.permanence.title,
            "day": _day(start),
            "start": _time(start),
            "antenna": antenna.name,
            "volunteers": volunteers,
            "minimum": occurrence.permanence.min_volunteers,
            "rota_link": _link("volunteers:rota_of", antenna.pk, start.year, start.month),
        }
        subject = gettext("Short of volunteers at %(antenna)s on %(day)s") % context
        body = render_to_string("reminders/understaffed_email.txt", context)
    return subject, body


# An SMS to a person is kept within this many segments (billed each): what does not fit is left out.
SMS_MAX_SEGMENTS = 2


def _fits(text: str) -> bool:
    return sms_segments(sms_fold(text)).segments <= SMS_MAX_SEGMENTS


def sms_fit(required: str, *optional: str) -> str:
    """The required sentence, then each optional one in turn that still keeps the text within
    SMS_MAX_SEGMENTS (the address before a phone number, say): the most useful first. Written
    with GSM-7's characters when the script allows (sms_fold): a Latin text costs less so."""
    text = required
    for sentence in optional:
        if sentence and _fits(f"{text} {sentence}"):
            text = f"{text} {sentence}"
    return sms_fold(text)


def cancel_word() -> str:
    """The word a person texts back to cancel, in the active language."""
    # Translators: the one word a person texts back to cancel their appointment, in capitals
    # and without spaces (ANNULER in French); the replies are read in every language's word.
    return pgettext("the word texted back to cancel", "CANCEL")


def cancel_words() -> dict[str, str]:
    """The word for cancel of every language texts for the people helped are written in."""
    words = {}
    for code in settings.PERSON_LANGUAGES:
        with translation.override(code):
            words[code] = cancel_word()
    return words


def _reply_hint() -> str:
    """How to cancel by replying, when the replies are read (the inbound webhook is set up)."""
    if not settings.SMS_INBOUND_SECRET:
        return ""
    return gettext("Reply %(word)s to cancel.") % {"word": cancel_word()}


def _change_context(booking: Booking, previous_starts_at: datetime.datetime | None) -> dict:
    context = _appointment_context(booking)
    if previous_starts_at is not None:
        previous = _local(previous_starts_at, booking.slot.occurrence)
        context.update({"old_day": _day(previous), "old_start": _time(previous)})
    return context


def _moved_to_another_day(booking: Booking, previous_starts_at: datetime.datetime | None) -> bool:
    if previous_starts_at is None:
        return False
    occurrence = booking.slot.occurrence
    return _local(previous_starts_at, occurrence).date() != _local(booking.slot.starts_at, occurrence).date()


def _cancelled_sentence(kind: str, context: dict) -> str:
    if kind == ReminderKind.CANCELLED_BY_REPLY:
        return gettext("As you asked, your appointment of %(day)s at %(start)s is cancelled.") % context
    return gettext("Your digital help appointment of %(day)s at %(start)s, %(antenna)s, is cancelled.") % context


def _moved_sentence(context: dict, *, other_day: bool) -> str:
    """The news of a move: from which day when the day changed, else the new time alone."""
    if other_day:
        return (
            gettext(
                "Change: your digital help appointment of %(old_day)s is moved to %(day)s at %(start)s, %(antenna)s."
            )
            % context
        )
    return gettext("Change: your digital help appointment is now %(day)s at %(start)s, %(antenna)s.") % context


def _another_date(booking: Booking, context: dict) -> str:
    if booking.liaison_sheet_id is not None:
        return gettext("Whoever booked it for you will offer you another date.")
    if context["phone"]:
        return gettext("For another date, call %(phone)s.") % context
    return ""


def _cannot_come(context: dict) -> str:
    if context["phone"]:
        return gettext("Cannot come? Call %(phone)s.") % context
    return gettext("Cannot come? Tell whoever booked it for you.")


def change_sms(
    kind: str, booking: Booking, language: str, *, previous_starts_at: datetime.datetime | None = None
) -> str:
    """The text message telling a person their appointment was cancelled or moved, or that
    their reply cancelled it: within two segments, the least useful sentences left out first."""
    with translation.override(language):
        context = _change_context(booking, previous_starts_at)
        if kind == ReminderKind.DATE_MOVED:
            news = _moved_sentence(context, other_day=_moved_to_another_day(booking, previous_starts_at))
            return sms_fit(news, f"{context['address']}.", _cannot_come(context), _reply_hint())
        return sms_fit(_cancelled_sentence(kind, context), _another_date(booking, context))


def change_email(
    kind: str, booking: Booking, language: str, *, previous_starts_at: datetime.datetime | None = None
) -> tuple[str, str]:
    """Subject and body of the e-mail telling a person of the same change as change_sms."""
    with translation.override(language):
        context = _change_context(booking, previous_starts_at)
        if kind == ReminderKind.DATE_MOVED:
            subject = gettext("Your appointment is moved to %(day)s at %(start)s") % context
            news = _moved_sentence(context, other_day=_moved_to_another_day(booking, previous_starts_at))
            context.update({"news": news, "closing": _cannot_come(context), "moved": True})
        else:
            subject = gettext("Your appointment of %(day)s is cancelled") % context
            context.update({"news": _cancelled_sentence(kind, context), "closing": _another_date(booking, context)})
        body = render_to_string("reminders/person_change_email.txt", context)
    return subject, body


def referrer_change_email(
    kind: str, booking: Booking, *, reason: str, previous_starts_at: datetime.datetime | None = None
) -> tuple[str, str]:
    """Subject and body of the e-mail telling a referrer what became of an appointment they booked."""
    with translation.override(settings.LANGUAGE_CODE):
        context = _change_context(booking, previous_starts_at)
        sheet = booking.liaison_sheet
        context.update(
            {
                "person": booking.beneficiary.short_name if booking.beneficiary is not None else "",
                "kind": kind,
                "reason": reason,
                "sheet_link": _link("beneficiaries:sheet_detail", sheet.pk) if sheet is not None else "",
                "to_book": sheet is not None and sheet.status == "sent",
            }
        )
        subjects: dict[str, str] = {
            ReminderKind.DATE_MOVED: gettext(
                "Appointment moved: %(person)s (%(reference)s), now %(day)s at %(start)s"
            ),
            ReminderKind.CANCELLED_BY_REPLY: gettext(
                "%(person)s (%(reference)s) cancelled the appointment of %(day)s"
            ),
        }
        subject = subjects.get(kind, gettext("Appointment cancelled: %(person)s (%(reference)s), %(day)s")) % context
        body = render_to_string("reminders/referrer_change_email.txt", context)
    return subject, body


def rota_change_email(
    kind: str, occurrence: Occurrence, *, reason: str, previous_starts_at: datetime.datetime | None
) -> tuple[str, str]:
    """Subject and body of the e-mail telling a volunteer on a date's rota that it was cancelled or moved."""
    start, end = _local(occurrence.starts_at, occurrence), _local(occurrence.ends_at, occurrence)
    antenna = occurrence.permanence.antenna
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "kind": kind,
            "title": occurrence.permanence.title,
            "day": _day(start),
            "start": _time(start),
            "end": _time(end),
            "antenna": antenna.name,
            "address": antenna.full_address,
            "reason": reason,
            "rota_link": _link("volunteers:rota", antenna.pk),
        }
        if previous_starts_at is not None:
            previous = _local(previous_starts_at, occurrence)
            context.update({"old_day": _day(previous), "old_start": _time(previous)})
        if kind == ReminderKind.DATE_MOVED:
            subject = gettext("Date moved: %(title)s, now %(day)s at %(start)s") % context
        else:
            subject = gettext("Date cancelled: %(title)s, %(day)s") % context
        body = render_to_string("reminders/rota_change_email.txt", context)
    return subject, body


def card_subject(language: str) -> str:
    with translation.override(language):
        return gettext("Your digital help appointment")


def card_sms(booking: Booking, language: str, *, link: str) -> str:
    """The text message that sends a person their appointment, with the link to its page."""
    with translation.override(language):
        context = {**_appointment_context(booking), "link": link}
        text = gettext("Your digital help appointment: %(day)s at %(start)s, %(antenna)s. Details: %(link)s") % context
        if not _fits(text):
            # The place is on the linked page: a long name does not push the text to a third segment.
            text = gettext("Your digital help appointment: %(day)s at %(start)s. Details: %(link)s") % context
        return sms_fit(text, _reply_hint())


def card_email(booking: Booking, language: str, *, link: str) -> str:
    """The body of the e-mail that sends a person their appointment, with the link to its page."""
    with translation.override(language):
        context = {**_appointment_context(booking), "link": link}
        return render_to_string("reminders/card_email.txt", context)
