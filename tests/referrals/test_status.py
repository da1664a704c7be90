"""Every move of a liaison sheet's status, and the e-mail that tells its referrer after commit."""

import pytest
import time_machine
from django.urls import reverse

from beneficiaries.people.enums import SheetStatus
from beneficiaries.people.models import LiaisonSheet
from beneficiaries.people.services import liaison_sheet_transition
from inclusion.core.models import Topic
from sessions_app.bookings import services as bookings_services
from sessions_app.bookings.enums import Attendance, BookingStatus
from sessions_app.bookings.models import Booking
from sessions_app.bookings.services import booking_cancel, referral_book
from sessions_app.desk import services as desk_services
from sessions_app.desk.enums import Outcome
from sessions_app.planning import services as planning_services
from tests.core.factories import UserFactory
from tests.people.factories import LiaisonSheetFactory
from tests.scheduling.factories import slot_ahead
from tests.team.factories import VolunteerProfileFactory


@pytest.fixture
def sheet():
    return LiaisonSheetFactory(referrer=UserFactory(referrer=True, email="assistante@cd13.fr"))


@pytest.fixture
def slot():
    return slot_ahead()


@pytest.fixture
def booked(sheet, slot, django_capture_on_commit_callbacks, mailoutbox):
    """The sheet booked on the slot; its "booked" e-mail already sent and set aside."""
    with django_capture_on_commit_callbacks(execute=True):
        booking = referral_book(sheet=sheet, slot=slot, by=sheet.referrer)
    mailoutbox.clear()
    return booking


def _assert_told(mailoutbox, sheet, status):
    """One e-mail, to the sheet's referrer, with the reference in its subject."""
    sheet.refresh_from_db()
    assert sheet.status == status
    assert sheet.events.order_by("created_at", "pk").last().status == status
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["assistante@cd13.fr"]
    assert sheet.reference in message.subject
    assert reverse("beneficiaries:sheet_detail", args=[sheet.pk]) in message.body
    return message


def test_booking_a_referral_moves_it_to_booked(sheet, slot, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        booking = referral_book(sheet=sheet, slot=slot, by=sheet.referrer)
    assert (booking.liaison_sheet, booking.beneficiary) == (sheet, sheet.beneficiary)
    _assert_told(mailoutbox, sheet, SheetStatus.BOOKED)


def test_no_e_mail_leaves_before_the_commit(sheet, slot, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        referral_book(sheet=sheet, slot=slot, by=sheet.referrer)
    assert mailoutbox == []
    assert len(callbacks) == 1


def test_a_logged_session_moves_the_referral_to_seen_with_the_summary_only(
    sheet, booked, django_capture_on_commit_callbacks, mailoutbox
):
    antenna = booked.slot.occurrence.permanence.antenna
    volunteer = UserFactory(volunteer=True, membership__antenna=antenna)
    VolunteerProfileFactory(user=volunteer)
    # A session is logged once it has taken place.
    with time_machine.travel(booked.slot.ends_at, tick=False), django_capture_on_commit_callbacks(execute=True):
        desk_services.session_log_create(
            antenna=antenna,
            fields=desk_services.SessionLogFields(
                booking=booked,
                occurrence=booked.slot.occurrence,
                beneficiary=sheet.beneficiary,
                date=booked.slot.occurrence.date,
                duration_minutes=60,
                outcome=Outcome.DONE,
                summary="Adresse e-mail créée, mot de passe noté dans le carnet",
                private_note="Violences conjugales évoquées",
            ),
            volunteers=[volunteer],
            topics=Topic.objects.filter(code="email"),
            by=volunteer,
        )
    message = _assert_told(mailoutbox, sheet, SheetStatus.SEEN)
    assert sheet.outcome == "Adresse e-mail créée, mot de passe noté dans le carnet"
    assert "Adresse e-mail créée" in message.body
    assert "Violences" not in message.body
    assert "Violences" not in message.subject


def test_a_no_show_moves_the_referral_to_did_not_come(sheet, booked, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        bookings_services.booking_set_attendance(booking=booked, attendance=Attendance.NO_SHOW)
    _assert_told(mailoutbox, sheet, SheetStatus.NO_SHOW)


def test_a_cancelled_booking_sends_the_referral_back_to_book(
    sheet, booked, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booked, by=sheet.referrer, reason="La personne est malade")
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.SENT
    assert sheet.events.order_by("created_at", "pk").last().note == "La personne est malade"
    # The referrer cancelled it herself: nobody writes to her about it.
    assert mailoutbox == []
    booked.refresh_from_db()
    assert booked.status == BookingStatus.CANCELLED


def test_a_date_cancelled_by_the_antenna_sends_the_referral_back_to_book(
    sheet, booked, django_capture_on_commit_callbacks, mailoutbox
):
    coordinator = UserFactory(coordinator=True, membership__antenna=booked.slot.occurrence.permanence.antenna)
    with django_capture_on_commit_callbacks(execute=True):
        planning_services.occurrence_cancel(
            occurrence=booked.slot.occurrence, reason="Grève des transports", by=coordinator
        )
    message = _assert_told(mailoutbox, sheet, SheetStatus.SENT)
    assert "Grève des transports" in message.body


def _act(client, sheet, action, note="", user=None):
    client.force_login(user or sheet.referrer)
    return client.post(reverse("beneficiaries:sheet_action", args=[sheet.pk]), {"action": action, "note": note})


@pytest.mark.parametrize("start", [SheetStatus.SENT, SheetStatus.SEEN, SheetStatus.NO_SHOW])
def test_the_referrer_closes_a_referral_with_its_outcome(
    client, django_capture_on_commit_callbacks, mailoutbox, start
):
    sheet = LiaisonSheetFactory(referrer=UserFactory(referrer=True, email="assistante@cd13.fr"), status=start)
    with django_capture_on_commit_callbacks(execute=True):
        response = _act(client, sheet, "close", "Dossier CAF déposé, droits ouverts")
    assert response.status_code == 302
    message = _assert_told(mailoutbox, sheet, SheetStatus.CLOSED)
    assert sheet.outcome == "Dossier CAF déposé, droits ouverts"
    assert "Dossier CAF déposé" in message.body
    assert sheet.events.last().created_by == sheet.referrer


def test_the_referrer_redirects_a_person_elsewhere(client, sheet, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        response = _act(client, sheet, "redirect", "Orientée vers France Services de Noailles")
    assert response.status_code == 302
    _assert_told(mailoutbox, sheet, SheetStatus.REDIRECTED)
    assert sheet.outcome == "Orientée vers France Services de Noailles"
    assert sheet.events.last().note == "Orientée vers France Services de Noailles"


def test_the_referrer_cancels_a_referral(client, sheet, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        response = _act(client, sheet, "cancel")
    assert response.status_code == 302
    _assert_told(mailoutbox, sheet, SheetStatus.CANCELLED)


def test_cancelling_a_booked_referral_frees_its_seat(client, sheet, booked, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _act(client, sheet, "cancel", "Déménagement")
    sheet.refresh_from_db()
    booked.refresh_from_db()
    assert sheet.status == SheetStatus.CANCELLED
    assert (booked.status, booked.cancel_reason) == (BookingStatus.CANCELLED, "Déménagement")
    assert not Booking.objects.active().filter(slot=booked.slot).exists()


def test_a_long_reason_is_kept_whole_on_the_sheet_and_cut_on_the_booking(
    client, sheet, booked, django_capture_on_commit_callbacks
):
    reason = "Déménagement à Lyon. " * 20
    with django_capture_on_commit_callbacks(execute=True):
        assert _act(client, sheet, "cancel", reason).status_code == 302
    booked.refresh_from_db()
    assert booked.status == BookingStatus.CANCELLED
    assert reason.startswith(booked.cancel_reason)
    assert sheet.events.last().note == reason.strip()[:500]


def test_an_admin_may_end_a_referral_too(client, sheet, django_capture_on_commit_callbacks, mailoutbox):
    admin = UserFactory(admin=True)
    with django_capture_on_commit_callbacks(execute=True):
        _act(client, sheet, "close", "Fait", user=admin)
    _assert_told(mailoutbox, sheet, SheetStatus.CLOSED)
    assert sheet.events.last().created_by == admin


@pytest.mark.parametrize("action", ["close", "redirect"])
def test_closing_or_redirecting_needs_a_note(client, sheet, django_capture_on_commit_callbacks, mailoutbox, action):
    with django_capture_on_commit_callbacks(execute=True):
        response = _act(client, sheet, action, "   ")
    assert response.status_code == 200
    [form] = [form for form in response.context["action_forms"] if form.is_bound]
    assert form.action_name == action
    assert "note" in form.errors
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.SENT
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("start", "action"),
    [
        (SheetStatus.BOOKED, "close"),
        (SheetStatus.BOOKED, "redirect"),
        (SheetStatus.SEEN, "cancel"),
        (SheetStatus.CLOSED, "cancel"),
        (SheetStatus.CANCELLED, "close"),
        (SheetStatus.REDIRECTED, "redirect"),
    ],
)
def test_a_disallowed_transition_changes_nothing_and_sends_nothing(
    client, django_capture_on_commit_callbacks, mailoutbox, start, action
):
    sheet = LiaisonSheetFactory(status=start)
    with django_capture_on_commit_callbacks(execute=True):
        response = _act(client, sheet, action, "Une note")
    assert response.status_code == 302
    assert [message.level_tag for message in response.wsgi_request._messages] == ["error"]
    sheet.refresh_from_db()
    assert (sheet.status, sheet.outcome) == (start, "")
    assert sheet.events.count() == 1
    assert mailoutbox == []


def test_the_service_refuses_a_transition_its_status_does_not_lead_to(
    sheet, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        assert not liaison_sheet_transition(sheet=sheet, status=SheetStatus.SEEN, by=None, note="x")
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.SENT
    assert mailoutbox == []


def test_an_unknown_action_changes_nothing(client, sheet, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        response = _act(client, sheet, "delete")
    assert response.status_code == 302
    assert LiaisonSheet.objects.get().status == SheetStatus.SENT
    assert mailoutbox == []


def test_only_the_referrer_or_an_admin_acts_on_a_referral(client, sheet, booked, mailoutbox):
    coordinator = UserFactory(coordinator=True, membership__antenna=booked.slot.occurrence.permanence.antenna)
    VolunteerProfileFactory(user=coordinator)
    assert _act(client, sheet, "cancel", user=coordinator).status_code == 403
    assert _act(client, sheet, "cancel", user=UserFactory(referrer=True)).status_code == 404
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.BOOKED
    assert mailoutbox == []
