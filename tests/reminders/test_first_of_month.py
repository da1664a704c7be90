"""The people's texts write the first of a month as French does, « 1er décembre », and other
languages as they write it."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from beneficiaries.people.enums import SheetStatus
from sessions_app.bookings.enums import BookingChannel
from sessions_app.reminders.texts import appointment_email, appointment_sms
from tests.bookings.factories import BookingFactory
from tests.core.factories import AntennaFactory
from tests.people.factories import BeneficiaryFactory, LiaisonSheetFactory
from tests.scheduling.factories import occurrence_today

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def booking_on(db):
    def booking(day: datetime.date):
        with time_machine.travel(datetime.datetime(2026, 11, 20, 12, tzinfo=PARIS), tick=False):
            occurrence = occurrence_today(antenna=AntennaFactory(name="Eysines"), day=day)
        person = BeneficiaryFactory(first_name="Amina", last_name="Diallo", phone="+33465710101")
        return BookingFactory(
            slot=occurrence.slots.order_by("starts_at").first(),
            beneficiary=person,
            liaison_sheet=LiaisonSheetFactory(beneficiary=person, status=SheetStatus.BOOKED),
            channel=BookingChannel.REFERRAL,
        )

    return booking


def test_a_french_sms_on_the_first_of_december_says_1er(booking_on):
    text = appointment_sms(booking_on(datetime.date(2026, 12, 1)), "fr")
    assert "le mardi 1er décembre à 09:00" in text


def test_a_french_email_on_the_first_says_1er_in_its_subject_and_body(booking_on):
    subject, body = appointment_email(booking_on(datetime.date(2026, 12, 1)), "fr")
    assert "mardi 1er décembre" in subject
    assert "mardi 1er décembre" in body


def test_other_days_keep_their_number(booking_on):
    assert "le vendredi 11 décembre" in appointment_sms(booking_on(datetime.date(2026, 12, 11)), "fr")


@pytest.mark.parametrize(
    ("code", "expected"),
    [("en", "Tuesday 1 December"), ("es", "martes 1 diciembre"), ("uk", "Вівторок 1 грудня")],
)
def test_other_languages_write_the_first_as_they_do(booking_on, code, expected):
    text = appointment_sms(booking_on(datetime.date(2026, 12, 1)), code)
    assert expected in text
    assert "1er" not in text
