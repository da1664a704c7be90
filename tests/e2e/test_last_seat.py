"""Two social workers book the last seat of a slot at the same moment, each in their own browser:
one gets it, the other is told and keeps their referral to book."""

import datetime

import pytest
from django.utils import timezone
from django.utils.translation import gettext as _
from playwright.sync_api import expect

from beneficiaries.people.enums import SheetStatus
from beneficiaries.people.models import LiaisonSheet
from sessions_app.bookings.models import Booking
from tests.core.factories import AntennaFactory
from tests.e2e.conftest import check_accessibility, log_in, open_menu
from tests.people.factories import LiaisonSheetFactory
from tests.scheduling.factories import occurrence_today


@pytest.mark.usefixtures("transactional_db")
def test_last_seat_goes_to_one_of_two_browsers(open_page):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    occurrence = occurrence_today(antenna=AntennaFactory(name="Chemin de Gibbes"), day=tomorrow, end=10, seats=1)
    slot = occurrence.slots.get()
    sheets = [
        LiaisonSheetFactory(referrer__email=f"referente{number}@example.org", beneficiary__first_name=name)
        for number, name in ((1, "Amina"), (2, "Bernard"))
    ]
    pages = []
    for sheet in sheets:
        page = open_page()
        log_in(page, sheet.referrer.email)
        open_menu(page, _("My referrals"))
        page.wait_for_load_state()
        check_accessibility(page)
        page.get_by_role("link", name=sheet.beneficiary.first_name).click()
        page.wait_for_load_state()
        check_accessibility(page)
        page.get_by_role("link", name=_("Find a slot")).click()
        expect(page.get_by_role("button", name=_("Book"), exact=True)).to_have_count(1)
        check_accessibility(page)
        pages.append(page)

    # Both clicks leave before either answer comes back.
    for page in pages:
        page.get_by_role("button", name=_("Book"), exact=True).click(no_wait_after=True)
    for page in pages:
        page.wait_for_function("() => location.pathname.endsWith('/carte/') || document.querySelector('[role=alert]')")

    booking = Booking.objects.get(slot=slot)
    winner = next(page for page, sheet in zip(pages, sheets, strict=True) if sheet == booking.liaison_sheet)
    loser = next(page for page in pages if page is not winner)
    assert winner.url.endswith(f"/rendez-vous/{booking.pk}/carte/")
    expect(loser.get_by_role("alert")).to_contain_text(_("This slot has just been filled: every seat is taken."))
    expect(loser.get_by_role("button", name=_("Book"), exact=True)).to_have_count(0)
    check_accessibility(loser)
    check_accessibility(winner)
    statuses = sorted(LiaisonSheet.objects.filter(pk__in=[s.pk for s in sheets]).values_list("status", flat=True))
    assert statuses == sorted([SheetStatus.BOOKED, SheetStatus.SENT])
