"""The desk's search on a phone: a volunteer finds Benoît by typing "benoit" and checks him in."""

import datetime
import re

import pytest
from django.utils.translation import gettext as _
from playwright.sync_api import expect

from sessions_app.bookings.enums import Attendance
from sessions_app.bookings.models import Booking
from tests.bookings.factories import BookingFactory
from tests.core.factories import AntennaFactory, UserFactory
from tests.e2e.conftest import PASSWORD, PHONE, check_accessibility, log_in
from tests.people.factories import BeneficiaryFactory
from tests.scheduling.factories import occurrence_today
from tests.team.factories import VolunteerProfileFactory


@pytest.mark.usefixtures("transactional_db", "working_hours_zone")
def test_a_volunteer_finds_a_person_without_the_accent_and_checks_them_in(open_page):
    antenna = AntennaFactory(name="La Blancarde")
    occurrence = occurrence_today(antenna=antenna, start=0, end=23)
    slot = occurrence.slots.order_by("starts_at").first()
    person = BeneficiaryFactory(first_name="Benoît", last_name="Lefèvre", phone="+33612345678", first_antenna=antenna)
    booking = BookingFactory(slot=slot, beneficiary=person)
    volunteer = UserFactory(volunteer=True, membership__antenna=antenna, email="benevole@example.org")
    volunteer.set_password(PASSWORD)
    volunteer.save()
    VolunteerProfileFactory(user=volunteer, charter_signed_on=datetime.date(2026, 1, 15))

    page = open_page(PHONE)
    log_in(page, "benevole@example.org")
    page.goto(f"/antennes/{antenna.pk}/aujourdhui/")
    check_accessibility(page)
    page.get_by_role("searchbox", name=_("Find a person")).fill("benoit")
    page.get_by_role("search", name=_("Find a person")).get_by_role("button", name=_("Search")).click()
    results = page.get_by_role("list", name=re.compile("1"))
    expect(results.get_by_text("Benoît Lefèvre")).to_be_visible()
    check_accessibility(page)

    results.get_by_role("button", name=re.compile(r"^" + re.escape(_("Came (%(time)s)").split("(")[0]))).click()
    page.wait_for_load_state()
    assert page.url.endswith("?q=benoit")
    expect(page.get_by_role("status").filter(has_text="Benoît Lefèvre")).to_be_visible()
    check_accessibility(page)
    assert Booking.objects.get(pk=booking.pk).attendance == Attendance.ATTENDED
