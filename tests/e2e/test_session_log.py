"""Logging a session on a phone for a booked person whose liaison sheet names the needs: the taps
it takes from the desk, the time, the form's height; then booking the next appointment."""

import datetime
import re
import time

import pytest
from django.utils.translation import gettext as _
from playwright.sync_api import expect

from beneficiaries.people.enums import SheetStatus
from inclusion.core.models import Topic
from sessions_app.bookings.enums import Attendance
from sessions_app.bookings.models import Booking
from sessions_app.desk.enums import Outcome
from sessions_app.desk.models import SessionLog
from tests.bookings.factories import BookingFactory
from tests.core.factories import AntennaFactory, UserFactory
from tests.e2e.conftest import PASSWORD, PHONE, check_accessibility, exactly, log_in
from tests.people.factories import BeneficiaryFactory, LiaisonSheetFactory
from tests.scheduling.factories import occurrence_today, slot_ahead
from tests.team.factories import VolunteerProfileFactory

SUMMARY = "Adresse e-mail créée"
MAX_TAPS = 4


class Taps:
    """Counts the taps of a journey: each one is a click on something the person sees."""

    def __init__(self):
        self.count = 0

    def tap(self, locator) -> None:
        self.count += 1
        locator.click()


def _desk_with_a_referred_person(needs):
    antenna = AntennaFactory(name="Les Aubiers")
    occurrence = occurrence_today(antenna=antenna, start=0, end=23)
    slot = occurrence.slots.order_by("starts_at").first()
    person = BeneficiaryFactory(first_name="Amina", last_name="Diallo", first_antenna=antenna)
    sheet = LiaisonSheetFactory(beneficiary=person, needs=needs, status=SheetStatus.BOOKED)
    booking = BookingFactory(slot=slot, beneficiary=person, liaison_sheet=sheet)
    volunteer = UserFactory(volunteer=True, membership__antenna=antenna, email="benevole@example.org")
    volunteer.set_password(PASSWORD)
    volunteer.save()
    VolunteerProfileFactory(user=volunteer, charter_signed_on=datetime.date(2026, 1, 15))
    return antenna, booking


def _open_desk(open_page, antenna):
    page = open_page(PHONE)
    # No transitions: a button checked a moment ago is checked in its final colours.
    page.emulate_media(reduced_motion="reduce")
    log_in(page, "benevole@example.org")
    page.goto(f"/antennes/{antenna.pk}/aujourdhui/")
    check_accessibility(page)
    return page


@pytest.mark.usefixtures("transactional_db", "working_hours_zone")
def test_a_session_is_logged_from_the_desk_in_at_most_four_taps(open_page):
    antenna, booking = _desk_with_a_referred_person(["email"])
    page = _open_desk(open_page, antenna)
    taps = Taps()
    started = time.monotonic()

    taps.tap(page.get_by_role("link", name=_("Log the session")))
    page.wait_for_load_state()
    email = page.get_by_role("checkbox", name=Topic.objects.get(code="email").name)
    expect(email).to_be_checked()
    form_height = page.locator("form.session-log").evaluate("form => form.getBoundingClientRect().height")
    check_accessibility(page)
    taps.tap(page.get_by_text(exactly(str(Outcome.DONE.label))))
    page.get_by_label(_("Summary for the referrer")).fill(SUMMARY)
    taps.tap(page.get_by_role("button", name=_("Save the log")))
    page.wait_for_load_state()
    elapsed = time.monotonic() - started

    expect(page.get_by_role("status").filter(has_text=_("The session is logged."))).to_be_visible()
    check_accessibility(page)
    log = SessionLog.objects.get()
    assert (log.booking_id, log.outcome, log.summary) == (booking.pk, Outcome.DONE, SUMMARY)
    assert list(log.topics.values_list("code", flat=True)) == ["email"]
    assert Booking.objects.get(pk=booking.pk).attendance == Attendance.ATTENDED
    print(
        f"\nsession log on a phone: {taps.count} taps from the desk, {elapsed:.1f} s in the browser, "
        f"form {form_height / PHONE['height']:.1f} screens tall"
    )
    assert taps.count <= MAX_TAPS


@pytest.mark.usefixtures("transactional_db", "working_hours_zone")
def test_a_session_to_be_continued_books_the_next_appointment_in_one_more_tap(open_page):
    antenna, booking = _desk_with_a_referred_person(["email"])
    later = slot_ahead(antenna=antenna, days=7)
    page = _open_desk(open_page, antenna)
    taps = Taps()

    taps.tap(page.get_by_role("link", name=_("Log the session")))
    page.wait_for_load_state()
    check_accessibility(page)
    taps.tap(page.get_by_text(exactly(str(Outcome.TO_CONTINUE.label))))
    taps.tap(page.get_by_role("button", name=_("Save the log")))
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name=_("Next appointment"))).to_be_visible()
    check_accessibility(page)
    taps.tap(page.get_by_role("button", name=re.compile(r"^" + re.escape(_("Book")))).first)
    page.wait_for_load_state()

    check_accessibility(page)
    expect(page.get_by_role("status").filter(has_text=re.compile(re.escape(_("Next appointment")))))
    following = Booking.objects.get(slot=later)
    assert (following.beneficiary_id, following.liaison_sheet_id) == (booking.beneficiary_id, booking.liaison_sheet_id)
    booking.liaison_sheet.refresh_from_db()
    assert booking.liaison_sheet.status == SheetStatus.BOOKED
    print(f"\nsession to be continued and next appointment: {taps.count} taps from the desk")
    assert taps.count <= MAX_TAPS


@pytest.mark.usefixtures("transactional_db", "working_hours_zone")
def test_ticking_a_sub_theme_ticks_its_theme(open_page):
    antenna, booking = _desk_with_a_referred_person(["email"])
    page = _open_desk(open_page, antenna)
    page.get_by_role("link", name=_("Log the session")).click()
    page.wait_for_load_state()
    page.locator("form.session-log details").first.locator("summary").click()
    housing = Topic.objects.get(code="logement")
    page.get_by_role("checkbox", name=housing.name).check()
    expect(page.get_by_role("checkbox", name=housing.parent.name, exact=True)).to_be_checked()
    # "Redirected to" shows only for the outcome "Redirected".
    redirected_to = page.get_by_label(_("Redirected to"))
    expect(redirected_to).to_be_hidden()
    page.get_by_text(exactly(str(Outcome.REDIRECTED.label))).click()
    expect(redirected_to).to_be_visible()
    check_accessibility(page)
