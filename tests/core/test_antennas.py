"""Coordinators and admins edit antennas; bad input gets a clear message and keeps what was typed."""

import pytest
from django.db import IntegrityError
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from inclusion.core.enums import AntennaStatus
from inclusion.core.models import Antenna
from tests.core.factories import AntennaFactory, OrganizationFactory, UserFactory


def _antenna_data(antenna, **changes):
    data = {
        "name": antenna.name,
        "address": antenna.address,
        "postcode": antenna.postcode,
        "city": antenna.city,
        "department_code": antenna.department_code,
        "status": antenna.status,
        "workstations": antenna.workstations,
        "public_phone": "",
        "accessibility_notes": "",
        "public_notes": "",
        "time_zone": "Europe/Paris",
    }
    return {**data, **changes}


@pytest.fixture
def coordinator():
    return UserFactory(coordinator=True)


def test_coordinator_edits_details_and_status_of_their_antenna(log_in, coordinator):
    antenna = coordinator.memberships.get().antenna
    url = reverse("inclusion:antenna_update", args=[antenna.pk])
    response = log_in(coordinator).post(
        url,
        _antenna_data(
            antenna, status=AntennaStatus.DORMANT, workstations=4, public_phone="04 91 00 00 01", city="Marseille 4e"
        ),
    )
    assertRedirects(response, antenna.get_absolute_url())
    antenna.refresh_from_db()
    assert antenna.status == AntennaStatus.DORMANT
    assert antenna.workstations == 4
    assert antenna.public_phone == "+33491000001"
    assert antenna.city == "Marseille 4e"


def test_coordinator_cannot_move_their_antenna_to_another_organization(log_in, coordinator):
    antenna = coordinator.memberships.get().antenna
    original = antenna.organization
    other = OrganizationFactory()
    log_in(coordinator).post(
        reverse("inclusion:antenna_update", args=[antenna.pk]), _antenna_data(antenna, organization=other.pk)
    )
    antenna.refresh_from_db()
    assert antenna.organization == original


def test_admin_moves_an_antenna_to_another_organization(log_in):
    antenna = AntennaFactory()
    other = OrganizationFactory()
    log_in(UserFactory(admin=True)).post(
        reverse("inclusion:antenna_update", args=[antenna.pk]), _antenna_data(antenna, organization=other.pk)
    )
    antenna.refresh_from_db()
    assert antenna.organization == other


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("postcode", "1300", "Saisissez un code postal"),
        ("postcode", "ABCDE", "Saisissez un code postal"),
        ("postcode", "00100", "Saisissez un code postal"),
        ("department_code", "20", "Sélectionnez un choix valide"),
        ("workstations", "-1", "supérieure ou égale à 0"),
        ("workstations", "deux", "Saisissez un nombre entier"),
        ("public_phone", "12", "Saisissez un numéro de téléphone valide"),
        ("name", "", "Ce champ est obligatoire"),
        ("time_zone", "Mars/Olympus", "Sélectionnez un choix valide"),
    ],
)
def test_bad_input_is_refused_in_french_and_what_was_typed_is_kept(log_in, coordinator, field, value, message):
    antenna = coordinator.memberships.get().antenna
    before = Antenna.objects.values().get(pk=antenna.pk)
    response = log_in(coordinator).post(
        reverse("inclusion:antenna_update", args=[antenna.pk]),
        _antenna_data(antenna, city="Nouvelle ville saisie", **{field: value}),
    )
    assert response.status_code == 200
    assertContains(response, message)
    assertContains(response, 'value="Nouvelle ville saisie"')
    assert Antenna.objects.values().get(pk=antenna.pk) == before


def test_department_is_deduced_from_the_postcode_when_left_empty(log_in):
    organization = OrganizationFactory()
    response = log_in(UserFactory(admin=True)).post(
        reverse("inclusion:antenna_create"),
        _antenna_data(
            AntennaFactory.build(organization=organization, name="Les Aubiers"),
            organization=organization.pk,
            postcode="33300",
            city="Bordeaux",
            department_code="",
        ),
    )
    antenna = Antenna.objects.get(name="Les Aubiers")
    assertRedirects(response, antenna.get_absolute_url())
    assert antenna.department_code == "33"


@pytest.mark.parametrize(("postcode", "department"), [("20000", "2A"), ("20200", "2B"), ("97400", "974")])
def test_department_deduction_knows_corsica_and_overseas(postcode, department):
    from inclusion.core.departments import department_from_postcode

    assert department_from_postcode(postcode) == department


def test_an_overseas_antenna_runs_on_its_local_clock(log_in):
    organization = OrganizationFactory()
    log_in(UserFactory(admin=True)).post(
        reverse("inclusion:antenna_create"),
        _antenna_data(
            AntennaFactory.build(organization=organization, name="Saint-Denis"),
            organization=organization.pk,
            postcode="97400",
            city="Saint-Denis",
            department_code="",
        ),
    )
    assert Antenna.objects.get(name="Saint-Denis").time_zone == "Indian/Reunion"


def test_two_antennas_of_one_organization_cannot_share_a_name(log_in):
    antenna = AntennaFactory()
    response = log_in(UserFactory(admin=True)).post(
        reverse("inclusion:antenna_create"),
        _antenna_data(antenna, organization=antenna.organization.pk),
    )
    assert response.status_code == 200
    assertContains(response, "existe déjà")
    assert Antenna.objects.count() == 1


def test_the_database_refuses_a_negative_number_of_workstations():
    antenna = AntennaFactory()
    with pytest.raises(IntegrityError):
        Antenna.objects.filter(pk=antenna.pk).update(workstations=-1)


def test_a_volunteer_cannot_post_changes_to_their_antenna(log_in):
    volunteer = UserFactory(volunteer=True)
    antenna = volunteer.memberships.get().antenna
    response = log_in(volunteer).post(
        reverse("inclusion:antenna_update", args=[antenna.pk]), _antenna_data(antenna, name="Renamed")
    )
    assert response.status_code == 403
    antenna.refresh_from_db()
    assert antenna.name != "Renamed"


def test_a_coordinator_cannot_post_changes_to_another_antenna(log_in, coordinator):
    other = AntennaFactory()
    response = log_in(coordinator).post(
        reverse("inclusion:antenna_update", args=[other.pk]), _antenna_data(other, name="Renamed")
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.name != "Renamed"


def test_antenna_list_filters_by_status_department_and_text(log_in):
    AntennaFactory(name="Belle de Mai", status=AntennaStatus.DORMANT)
    AntennaFactory(name="Mérignac", postcode="33700", city="Mérignac", department_code="33")
    client = log_in(UserFactory(admin=True))
    url = reverse("inclusion:antenna_list")
    response = client.get(url, {"status": "dormant"})
    assert [antenna.name for antenna in response.context["page"]] == ["Belle de Mai"]
    response = client.get(url, {"department": "33"})
    assert [antenna.name for antenna in response.context["page"]] == ["Mérignac"]
    response = client.get(url, {"q": "mérig"})
    assert [antenna.name for antenna in response.context["page"]] == ["Mérignac"]


def test_antenna_list_pages_keep_the_filters(log_in):
    AntennaFactory.create_batch(51, status=AntennaStatus.PLANNED)
    response = log_in(UserFactory(admin=True)).get(reverse("inclusion:antenna_list"), {"status": "planned"})
    assertContains(response, "?status=planned&amp;page=2")


@pytest.mark.parametrize("department", ["\x00", "13\x00", "x" * 5_000])
def test_antenna_list_ignores_a_department_that_does_not_exist(log_in, department):
    AntennaFactory(name="La Blancarde")
    response = log_in(UserFactory(admin=True)).get(reverse("inclusion:antenna_list"), {"department": department})
    assert [antenna.name for antenna in response.context["page"]] == ["La Blancarde"]
