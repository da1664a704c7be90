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
from django.utils import formats, translation
from django.utils.translation import gettext, pgettext

from sessions_app.bookings.models import Booking
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
    day = "1er" if moment.day == 1 and translation.get_language() == FRENCH else str(moment.day)
    # Translators: the date format character of the month after a day number: "F" (décembre),
    # or "E" where the month takes another case after a number (Ukrainian, Russian: грудня).
    month = formats.date_format(moment, pgettext("reminder date, month after the day", "F"))
    return f"{formats.date_format(moment, 'l')} {day} {month}"


def _time(moment: datetime.datetime) -> str:
    return formats.time_format(moment, "TIME_FORMAT")


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
        text = gettext("Reminder: digital help appointment %(day)s at %(start)s, %(antenna)s, %(address)s.") % context
        if context["phone"]:
            text += " " + gettext("Cannot come? Call %(phone)s.") % context
        else:
            text += " " + gettext("Cannot come? Tell whoever booked it for you.")
    return text


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
