"""A coordinator moves one booked date and cancels another in the browser: the people booked get
their text message, their referrer and the volunteers on the rota their e-mails, a person
without phone or e-mail lands on the desk's list of calls, and each message shows in the record."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from playwright.sync_api import expect

from beneficiaries.people.enums import SheetStatus
from inclusion.core import sms
from sessions_app.bookings.enums import BookingChannel
from sessions_app.reminders.enums import Audience, ReminderChannel, ReminderKind, ReminderStatus
from sessions_app.reminders.models import ReminderMessage
from tests.bookings.factories import BookingFactory
from tests.core.factories import UserFactory
from tests.e2e.conftest import PHONE, check_accessibility, log_in
from tests.people.factories import BeneficiaryFactory, LiaisonSheetFactory
from tests.scheduling.factories import occurrence_today
from tests.team.factories import SignupFactory, VolunteerProfileFactory


def _booked(occurrence, **person):
    beneficiary = BeneficiaryFactory(**person)
    sheet = LiaisonSheetFactory(beneficiary=beneficiary, status=SheetStatus.BOOKED, referrer__email="cas@example.org")
    return BookingFactory(
        slot=occurrence.slots.order_by("starts_at").first(),
        beneficiary=beneficiary,
        liaison_sheet=sheet,
        channel=BookingChannel.REFERRAL,
    )


def _antenna_with_two_booked_dates():
    coordinator = UserFactory(email="monique@example.org", coordinator=True)
    VolunteerProfileFactory(user=coordinator)
    antenna = coordinator.memberships.get().antenna
    antenna.public_phone = "+33465710001"
    antenna.save()
    soon = timezone.localdate() + datetime.timedelta(days=5)
    moved = occurrence_today(antenna=antenna, day=soon)
    cancelled = occurrence_today(antenna=antenna, day=soon + datetime.timedelta(days=2))
    volunteer = UserFactory(email="benevole@example.org", volunteer=True, membership__antenna=antenna)
    SignupFactory(occurrence=moved, volunteer=volunteer)
    referred = _booked(moved, first_name="Amina", phone="+33465710101")
    unreachable = BookingFactory(
        slot=cancelled.slots.order_by("starts_at").first(),
        beneficiary=BeneficiaryFactory(first_name="Bernard", last_name="Roux", phone="", has_no_phone=True),
        channel=BookingChannel.PHONE,
    )
    sms.outbox.clear()
    mail.outbox.clear()
    return coordinator, moved, cancelled, referred, unreachable


def _referrer_sees_the_change(open_page, referred):
    """The referrer sees the move in the sheet's history and the two messages about it."""
    page = open_page(PHONE)
    log_in(page, referred.liaison_sheet.referrer.email)
    page.goto(reverse("beneficiaries:sheet_detail", args=[referred.liaison_sheet_id]))
    history = page.locator("section[aria-labelledby=history-title]")
    expect(history).to_contain_text(str(ReminderKind.DATE_MOVED.label))
    record = page.locator("section[aria-labelledby=messages-title]")
    expect(record.locator(".list-group-item")).to_have_count(2)
    expect(record).to_contain_text(_("to the person"))
    check_accessibility(page)


@pytest.mark.usefixtures("transactional_db")
def test_moving_and_cancelling_booked_dates_tells_everyone_and_shows_in_the_record(open_page):
    coordinator, moved, cancelled, referred, unreachable = _antenna_with_two_booked_dates()
    antenna = moved.permanence.antenna
    soon = moved.date
    page = open_page(PHONE)
    log_in(page, coordinator.email)
    page.goto(reverse("schedule:occurrence_move", args=[moved.pk]))
    check_accessibility(page)
    new_day = soon + datetime.timedelta(days=1)
    page.get_by_label(_("New day")).fill(new_day.isoformat())
    page.get_by_label(_("New start time")).fill("14:00")
    page.get_by_role("button", name=_("Move this date")).click()
    expect(page.get_by_role("alert").or_(page.locator(".alert-success"))).to_contain_text("1")
    check_accessibility(page)

    # The person's SMS, their referrer's and the rota volunteer's e-mails left at once.
    assert [message.to for message in sms.outbox] == ["+33465710101"]
    assert "14:00" in sms.outbox[0].body
    assert sorted(email.to[0] for email in mail.outbox) == ["benevole@example.org", "cas@example.org"]

    page.goto(reverse("schedule:occurrence_cancel", args=[cancelled.pk]))
    check_accessibility(page)
    page.get_by_label(_("Reason")).fill("Local fermé pour travaux")
    page.get_by_role("button", name=_("Cancel this date")).click()
    page.wait_for_load_state()
    call = ReminderMessage.objects.get(booking=unreachable)
    assert (call.kind, call.channel, call.status) == (
        ReminderKind.DATE_CANCELLED,
        ReminderChannel.CALL,
        ReminderStatus.QUEUED,
    )

    # The desk lists the person to call; the call is marked made in one tap.
    page.goto(reverse("desk:today", args=[antenna.pk]))
    calls = page.get_by_role("region", name=_("%(counter)s person to call") % {"counter": 1}).or_(
        page.locator("section[aria-labelledby=calls-title]")
    )
    expect(calls).to_contain_text("Bernard")
    check_accessibility(page)
    calls.get_by_role("button", name=_("Call made")).click()
    page.wait_for_load_state()
    call.refresh_from_db()
    assert call.status == ReminderStatus.SENT and call.handled_by == coordinator

    # The antenna's record lists every message with its channel and status.
    page.goto(reverse("reminders:reminder_list", args=[antenna.pk]))
    check_accessibility(page)
    expect(page.locator("main")).to_contain_text(str(ReminderKind.DATE_MOVED.label))
    expect(page.locator("main")).to_contain_text(str(ReminderKind.DATE_CANCELLED.label))
    assert set(ReminderMessage.objects.filter(kind=ReminderKind.DATE_MOVED).values_list("audience", "status")) == {
        (Audience.PERSON, ReminderStatus.SENT),
        (Audience.REFERRER, ReminderStatus.SENT),
        (Audience.VOLUNTEER, ReminderStatus.SENT),
    }

    _referrer_sees_the_change(open_page, referred)
