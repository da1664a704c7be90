"""The appointment card in Dari: a language Django has neither a catalog nor formats for, whose
month and day names come from locale_django/, written right to left."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from pytest_django.asserts import assertContains

from sessions_app.bookings import card_texts
from sessions_app.bookings.card_texts import BRING_TEXTS, card_date, card_time_range
from tests.bookings.test_card import _booking, _card, _codes, _text

DARI_TITLE = "وقت ملاقات شما در بخش کمک دیجیتال"
# The Gregorian months as Afghanistan writes them, not as Iran does (دسامبر, سپتامبر, ژانویه).
DARI_MONTHS = [
    "جنوری", "فبروری", "مارچ", "اپریل", "می", "جون",
    "جولای", "اگست", "سپتمبر", "اکتوبر", "نومبر", "دسمبر",
]  # fmt: skip
DARI_WEEKDAYS = ["دوشنبه", "سه\u200cشنبه", "چهارشنبه", "پنجشنبه", "جمعه", "شنبه", "یکشنبه"]


def test_dari_card_repeats_itself_right_to_left_with_the_month_in_dari(client):
    booking = _booking(needs=["sante"], language="prs")
    response = _card(client, booking)
    assert _codes(response) == ["fr", "prs"]
    assertContains(response, 'lang="prs" dir="rtl"')
    assertContains(response, 'lang="fr" dir="ltr"')
    assertContains(response, DARI_TITLE)
    assertContains(response, "<dt>زمان</dt>", html=True)
    assertContains(response, "<li>کارت بیمه صحی شما (carte Vitale)</li>", html=True)
    assertContains(response, "از 9:00 تا 10:00")
    start = booking.slot.starts_at.astimezone(ZoneInfo(booking.slot.occurrence.permanence.antenna.time_zone))
    [_french, dari] = response.context["sections"]
    weekday, month = DARI_WEEKDAYS[start.weekday()], DARI_MONTHS[start.month - 1]
    assert dari["date"] == f"{weekday} {start.day} {month} {start.year}"
    assertContains(response, f"{dari['date']}<br>از 9:00 تا 10:00")
    content = response.content.decode()
    assert content.index("Votre rendez-vous à la permanence numérique") < content.index(DARI_TITLE)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2026, 12, 1), "سه\u200cشنبه 1 دسمبر 2026"),
        (datetime.date(2026, 9, 13), "یکشنبه 13 سپتمبر 2026"),
        (datetime.date(2027, 1, 8), "جمعه 8 جنوری 2027"),
    ],
)
def test_dari_dates_use_the_afghan_names_of_the_months(day, expected):
    start = datetime.datetime.combine(day, datetime.time(9), tzinfo=ZoneInfo("Europe/Paris"))
    with translation.override("prs"):
        assert translation.get_language_bidi()
        assert card_date(start) == expected
        assert card_time_range(start, start + datetime.timedelta(minutes=90)) == "از 9:00 تا 10:30"


def test_no_french_shows_through_the_dari_card():
    """Dari falls back to French, the default language, where its catalogs lack a message: none does."""
    for name in {**card_texts.TEXTS, **BRING_TEXTS}:
        assert _text("prs", name) != _text("fr", name), name
