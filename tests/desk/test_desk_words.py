"""The words the desk and the referrals use for people: not assuming a gender, and « Complet »
for a slot with no seat left."""

from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from beneficiaries.people.enums import SheetStatus
from sessions_app.bookings.enums import Attendance, BookingChannel
from tests.bookings.factories import BookingFactory
from tests.core.factories import UserFactory
from tests.people.factories import BeneficiaryFactory
from tests.scheduling.factories import occurrence_today
from tests.team.factories import VolunteerProfileFactory


def test_a_full_slot_says_complet_and_attendance_words_fit_everyone(client):
    volunteer = UserFactory(volunteer=True)
    VolunteerProfileFactory(user=volunteer)
    antenna = volunteer.memberships.get().antenna
    occurrence = occurrence_today(antenna=antenna, seats=1)
    for slot in occurrence.slots.all():
        BookingFactory(slot=slot, beneficiary=BeneficiaryFactory(), channel=BookingChannel.PHONE)
    client.force_login(volunteer)
    response = client.get(reverse("desk:today", args=[antenna.pk]))
    assertContains(response, "Complet")
    assertNotContains(response, "0 place")
    assertContains(response, ">Attendu·e<")
    assertContains(response, ">Venu·e</button>")
    assertContains(response, ">Pas venu·e</button>")
    assertNotContains(response, "Est venu")


def test_the_referral_statuses_name_the_person_not_a_gender():
    assert str(SheetStatus.SEEN.label) == "Personne reçue"
    assert str(SheetStatus.NO_SHOW.label) == "Personne absente"
    assert [str(label) for label in (Attendance.EXPECTED.label, Attendance.ATTENDED.label)] == ["Attendu·e", "Venu·e"]


def test_cancelling_a_date_undoing_a_check_in_and_closing_are_three_words():
    from django.utils.translation import gettext

    words = {gettext("Cancel this date"), gettext("Undo"), gettext("Close")}
    assert words == {"Annuler cette date", "Effacer le pointage", "Fermer"}
