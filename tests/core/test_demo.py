"""The demo data: loaded twice without duplicates, and each demo account sees its own home."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from beneficiaries.people.models import Beneficiary, Consent
from inclusion.core.enums import AntennaStatus, MembershipRole
from inclusion.core.models import Antenna, AntennaMembership, Organization, Referrer, User
from sessions_app.bookings.models import Booking
from sessions_app.desk.models import SessionLog
from sessions_app.scheduling.models import Closure, Occurrence, Permanence, Slot
from volunteers.team.models import Signup, VolunteerProfile

DEMO_PASSWORD = "permanence-demo"


def _counts():
    return [
        model.objects.count()
        for model in (
            Organization,
            Antenna,
            User,
            AntennaMembership,
            Referrer,
            Permanence,
            Closure,
            Occurrence,
            Slot,
            VolunteerProfile,
            Signup,
            Beneficiary,
            Consent,
            SessionLog,
            Booking,
        )
    ]


def test_loading_the_demo_twice_neither_fails_nor_duplicates():
    call_command("load_demo")
    first = _counts()
    call_command("load_demo")
    assert _counts() == first
    assert first[:7] == [6, 9, 10, 8, 1, 8, 1]
    assert first[7] > 0
    assert first[9:] == [8, 4, 7, 7, 5, 5]


def test_loading_the_demo_again_keeps_a_changed_password():
    call_command("load_demo")
    user = User.objects.get(email="benevole@demo.test")
    user.set_password("un autre mot de passe choisi")
    user.save()
    call_command("load_demo")
    user.refresh_from_db()
    assert user.check_password("un autre mot de passe choisi")


def test_demo_matches_the_field():
    call_command("load_demo")
    blancarde = Antenna.objects.get(name="La Blancarde")
    assert blancarde.status == AntennaStatus.ACTIVE
    assert blancarde.workstations == 2
    assert blancarde.memberships.filter(role=MembershipRole.VOLUNTEER).count() == 7
    assert Antenna.objects.get(name="Belle de Mai").status == AntennaStatus.DORMANT
    assert Antenna.objects.get(name="La Bricarde").status == AntennaStatus.PLANNED
    gironde = Organization.objects.get(name="Maison du Département des Solidarités de Mérignac")
    assert set(gironde.antennas.values_list("name", flat=True)) == {
        "Eysines",
        "Mérignac",
        "Le Bouscat",
        "Saint-Médard-en-Jalles",
    }
    assert Antenna.objects.filter(organization__name="Emmaüs Connect Bordeaux").exists()


@pytest.mark.parametrize(
    ("email", "sees", "does_not_see"),
    [
        ("admin@demo.test", ["Emmaüs Connect Bordeaux", "Département de la Gironde"], []),
        ("coordination@demo.test", ["La Blancarde", "Modifier l'antenne"], ["Eysines", "Emmaüs Connect Bordeaux"]),
        ("benevole@demo.test", ["La Blancarde"], ["Modifier l'antenne", "Eysines"]),
        (
            "travailleur.social@demo.test",
            ["Maison du Département des Solidarités de Mérignac", "Eysines", "La Blancarde"],
            ["Belle de Mai", "La Bricarde"],
        ),
    ],
)
def test_each_demo_account_logs_in_and_sees_its_own_home(client, email, sees, does_not_see):
    call_command("load_demo")
    assertRedirects(
        client.post(reverse("login"), {"username": email, "password": DEMO_PASSWORD}), reverse("inclusion:home")
    )
    response = client.get(reverse("inclusion:home"))
    for text in sees:
        assertContains(response, text)
    for text in does_not_see:
        assertNotContains(response, text)


def test_demo_schedules_follow_the_articles():
    call_command("load_demo")
    blancarde = Permanence.objects.get(antenna__name="La Blancarde")
    assert (blancarde.weekday, blancarde.start_time.hour, blancarde.end_time.hour, blancarde.seats) == (1, 9, 10, 2)
    eysines = Permanence.objects.get(antenna__name="Eysines")
    assert (eysines.frequency, eysines.monthly_position, eysines.weekday) == ("monthly", 1, 1)
    assert Permanence.objects.filter(antenna__name="Les Aubiers", kind="workshop", level="beginner").exists()


def test_demo_volunteers_speak_the_languages_of_the_people_they_help():
    call_command("load_demo")
    profile = VolunteerProfile.objects.get(user__email="nadia.benevole@demo.test")
    assert set(profile.languages.values_list("code", flat=True)) == {"fr", "zdj", "ar"}
    assert profile.charter_signed_on is not None
