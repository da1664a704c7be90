"""The volunteer's own profile, and what coordinators see and record about their team."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from inclusion.core.enums import MembershipRole
from inclusion.core.models import Language, Topic
from tests.core.factories import AntennaFactory, AntennaMembershipFactory, UserFactory
from tests.team.factories import SignupFactory, VolunteerProfileFactory, permanence_dates
from volunteers.team.models import VolunteerProfile

TODAY = timezone.localdate()


@pytest.fixture
def antenna():
    return AntennaFactory(name="La Blancarde")


@pytest.fixture
def volunteer(antenna):
    return UserFactory(volunteer=True, membership__antenna=antenna, display_name="Antoine Bénévole")


@pytest.fixture
def coordinator(antenna):
    return UserFactory(coordinator=True, membership__antenna=antenna, display_name="Monique Coordo")


def _ids(model, codes):
    return list(model.objects.filter(code__in=codes).values_list("pk", flat=True))


# The volunteer's own profile


def test_a_volunteer_saves_their_languages_skills_and_availability(client, volunteer):
    client.force_login(volunteer)
    response = client.get(reverse("volunteers:profile"))
    assertContains(response, "Arabe")
    assertContains(response, "Aide aux démarches administratives – Logement")

    response = client.post(
        reverse("volunteers:profile"),
        {
            "languages": _ids(Language, ["ar", "es"]),
            "skills": _ids(Topic, ["email", "logement"]),
            "availability_notes": "Le mardi matin",
        },
    )

    assertRedirects(response, reverse("volunteers:profile"))
    profile = VolunteerProfile.objects.get(user=volunteer)
    assert {language.code for language in profile.languages.all()} == {"ar", "es"}
    assert {topic.code for topic in profile.skills.all()} == {"email", "logement"}
    assert profile.availability_notes == "Le mardi matin"
    assert profile.charter_signed_on is None


def test_a_volunteer_cannot_set_their_own_charter_date(client, volunteer):
    client.force_login(volunteer)

    client.post(
        reverse("volunteers:profile"),
        {
            "languages": _ids(Language, ["fr"]),
            "availability_notes": "",
            "charter_signed_on": TODAY.isoformat(),
            "is_active": "",
        },
    )

    profile = VolunteerProfile.objects.get(user=volunteer)
    assert profile.charter_signed_on is None
    assert profile.is_active
    assert [language.code for language in profile.languages.all()] == ["fr"]


def test_the_profile_shows_the_charter_date_without_a_field_for_it(client, volunteer):
    VolunteerProfileFactory(user=volunteer, charter_signed_on=datetime.date(2026, 1, 15))
    client.force_login(volunteer)

    response = client.get(reverse("volunteers:profile"))

    assertContains(response, "15 janvier 2026")
    assertNotContains(response, 'name="charter_signed_on"')


def test_a_profile_with_an_unknown_choice_comes_back_with_what_was_typed(client, volunteer):
    client.force_login(volunteer)

    response = client.post(
        reverse("volunteers:profile"), {"languages": ["999999"], "availability_notes": "Le jeudi après-midi"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["languages"]
    assertContains(response, "Le jeudi après-midi")
    assert not VolunteerProfile.objects.get(user=volunteer).availability_notes


def test_inactive_topics_are_not_offered_as_skills(client, volunteer):
    Topic.objects.filter(code="email").update(is_active=False)
    client.force_login(volunteer)

    response = client.post(reverse("volunteers:profile"), {"skills": _ids(Topic, ["email"])})

    assert response.status_code == 200
    assert response.context["form"].errors["skills"]


# The coordinator's page about a member


def test_a_coordinator_records_the_charter_and_active_flag_of_a_member(client, antenna, volunteer, coordinator):
    VolunteerProfileFactory(
        user=volunteer, charter_signed_on=None, languages=["ar"], availability_notes="Le mardi matin"
    )
    client.force_login(coordinator)
    url = reverse("volunteers:member", args=[antenna.pk, volunteer.pk])
    response = client.get(url)
    assertContains(response, "Antoine Bénévole")
    assertContains(response, "Arabe")
    assertContains(response, "Le mardi matin")
    assertContains(response, volunteer.email)

    response = client.post(url, {"charter_signed_on": "2026-11-20", "is_active": ""})

    assertRedirects(response, reverse("volunteers:team", args=[antenna.pk]))
    profile = VolunteerProfile.objects.get(user=volunteer)
    assert profile.charter_signed_on == datetime.date(2026, 11, 20)
    assert not profile.is_active
    # What the volunteer said about themselves stays.
    assert profile.availability_notes == "Le mardi matin"
    assert [language.code for language in profile.languages.all()] == ["ar"]


def test_a_charter_signed_in_the_future_is_refused(client, antenna, volunteer, coordinator):
    client.force_login(coordinator)
    tomorrow = TODAY + datetime.timedelta(days=1)

    response = client.post(
        reverse("volunteers:member", args=[antenna.pk, volunteer.pk]),
        {"charter_signed_on": tomorrow.isoformat(), "is_active": "on"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["charter_signed_on"]
    assertContains(response, f'value="{tomorrow.isoformat()}"')
    assert VolunteerProfile.objects.get(user=volunteer).charter_signed_on is None


def test_a_coordinator_cannot_record_their_own_charter(client, antenna, coordinator):
    client.force_login(coordinator)

    client.post(
        reverse("volunteers:member", args=[antenna.pk, coordinator.pk]),
        {"charter_signed_on": TODAY.isoformat(), "is_active": "on"},
    )

    assert VolunteerProfile.objects.get(user=coordinator).charter_signed_on is None


def test_an_admin_records_a_coordinators_charter(client, antenna, coordinator):
    client.force_login(UserFactory(admin=True))

    client.post(
        reverse("volunteers:member", args=[antenna.pk, coordinator.pk]),
        {"charter_signed_on": TODAY.isoformat(), "is_active": "on"},
    )

    assert VolunteerProfile.objects.get(user=coordinator).charter_signed_on == TODAY


def test_the_member_page_is_not_found_for_someone_outside_the_antenna(client, antenna, coordinator):
    outsider = UserFactory(volunteer=True)
    client.force_login(coordinator)

    response = client.get(reverse("volunteers:member", args=[antenna.pk, outsider.pk]))

    assert response.status_code == 404
    assert not VolunteerProfile.objects.filter(user=outsider).exists()


def test_a_volunteer_cannot_record_a_colleagues_charter(client, antenna, volunteer):
    colleague = UserFactory(volunteer=True, membership__antenna=antenna)
    client.force_login(volunteer)

    response = client.post(
        reverse("volunteers:member", args=[antenna.pk, colleague.pk]),
        {"charter_signed_on": TODAY.isoformat(), "is_active": "on"},
    )

    assert response.status_code == 403
    assert not VolunteerProfile.objects.filter(user=colleague, charter_signed_on__isnull=False).exists()


# The team page


def test_the_team_shows_languages_charter_activity_and_dates_ahead(client, antenna, volunteer, coordinator):
    VolunteerProfileFactory(user=volunteer, charter_signed_on=datetime.date(2026, 1, 15), languages=["ar", "es"])
    VolunteerProfileFactory(user=coordinator, charter_signed_on=None, is_active=False)
    occurrences = permanence_dates(antenna=antenna)
    for occurrence in occurrences[:3]:
        SignupFactory(occurrence=occurrence, volunteer=volunteer)
    # Dates at another antenna do not count here.
    elsewhere = AntennaFactory()
    AntennaMembershipFactory(antenna=elsewhere, user=volunteer, role=MembershipRole.VOLUNTEER)
    SignupFactory(
        occurrence=permanence_dates(antenna=elsewhere, start_time=datetime.time(14), end_time=datetime.time(15))[0],
        volunteer=volunteer,
    )
    client.force_login(volunteer)

    response = client.get(reverse("volunteers:team", args=[antenna.pk]))

    members = {membership.user: membership for membership in response.context["members"]}
    assert set(members) == {volunteer, coordinator}
    assert members[volunteer].upcoming_signups == 3
    assert members[coordinator].upcoming_signups == 0
    assertContains(response, "Arabe, Espagnol")
    assertContains(response, "15 janvier 2026")
    assert not members[coordinator].profile.is_active
    # Only coordinators get to the member pages.
    assertNotContains(response, reverse("volunteers:member", args=[antenna.pk, coordinator.pk]))
    client.force_login(coordinator)
    response = client.get(reverse("volunteers:team", args=[antenna.pk]))
    assertContains(response, reverse("volunteers:member", args=[antenna.pk, volunteer.pk]))
