"""What an appointment card says, built once for the two places it is shown: the card a referrer
or the antenna prints (beneficiaries.referrals.booking_views.card) and the page its person opens
from the link sent to them (sessions_app.public.views.appointment).

The card is in French and, when the person reads another language the card's texts are written
in, in that language too (card_texts.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypedDict
from zoneinfo import ZoneInfo

import segno
from django.conf import settings
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from beneficiaries.people.models import Beneficiary, LiaisonSheet
from sessions_app.bookings.card_texts import bring_items, card_date, card_texts, card_time_range
from sessions_app.bookings.forms import FRENCH
from sessions_app.bookings.models import Booking


class CardSection(TypedDict):
    """One language's part of the card: its texts, the date and hours, what to bring."""

    code: str
    dir: str
    texts: dict[str, str]
    date: str
    times: str
    bring: list[str]


def card_language(sheet: LiaisonSheet) -> str | None:
    """The language the card repeats itself in, besides French: the sheet's language, or, when
    the sheet names none, the first of the person's languages the card is written in (those of
    settings.PERSON_LANGUAGES)."""
    codes: Iterable[str]
    if sheet.language is not None:
        codes = [sheet.language.code]
    else:
        through = Beneficiary.languages.through
        # A person's languages are a set: take them in a stable order (by name), not the order
        # of insertion, which Django's many-to-many set() does not keep.
        languages = through.objects.filter(beneficiary_id=sheet.beneficiary_id).order_by("language__name_fr")
        codes = languages.values_list("language__code", flat=True)
    return next((code for code in codes if code in settings.PERSON_LANGUAGES and code != FRENCH), None)


def card_sections(booking: Booking) -> list[CardSection]:
    """The card's parts of a referral booking, French first, then the person's language.

    Expects the booking's liaison sheet with its person and language, and the slot up to the
    antenna, loaded (else each costs a query)."""
    sheet = booking.liaison_sheet
    if sheet is None:
        raise ValueError(f"The booking {booking.pk} was not made from a liaison sheet: it has no card.")
    zone = ZoneInfo(booking.slot.occurrence.permanence.antenna.time_zone)
    start, end = booking.slot.starts_at.astimezone(zone), booking.slot.ends_at.astimezone(zone)
    codes = set()
    for topic in sheet.needs.select_related("parent"):
        codes.add(topic.code)
        if topic.parent:
            codes.add(topic.parent.code)
    has_phone = not sheet.beneficiary.has_no_phone
    sections: list[CardSection] = []
    # Each part's texts, dates and direction are read under its own language, whatever the
    # language of the interface.
    for code in [FRENCH, *filter(None, [card_language(sheet)])]:
        with translation.override(code):
            sections.append(
                {
                    "code": code,
                    "dir": "rtl" if translation.get_language_bidi() else "ltr",
                    "texts": card_texts(),
                    "date": card_date(start),
                    "times": card_time_range(start, end),
                    "bring": bring_items(topic_codes=codes, has_phone=has_phone),
                }
            )
    return sections


def card_qr_code(reference: str) -> SafeString:
    """The QR code of the appointment code, as inline SVG markup."""
    # segno draws the code from the reference alone: no user input reaches the markup.
    return mark_safe(segno.make(reference, error="m").svg_inline(scale=4))  # noqa: S308
