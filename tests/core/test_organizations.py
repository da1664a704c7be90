"""Admins create and edit organizations; others may only read their own."""

from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from inclusion.core.enums import OrganizationKind
from inclusion.core.models import Organization
from tests.core.factories import OrganizationFactory, UserFactory


def test_admin_creates_a_departmental_federation_under_the_national_one(log_in):
    national = OrganizationFactory(federation=True, name="Secours populaire français")
    response = log_in(UserFactory(admin=True)).post(
        reverse("inclusion:organization_create"),
        {
            "name": "Fédération des Bouches-du-Rhône",
            "kind": OrganizationKind.FEDERATION,
            "parent": national.pk,
            "department_code": "13",
            "email": "contact@example.org",
            "phone": "04 65 71 00 01",
        },
    )
    created = Organization.objects.get(name="Fédération des Bouches-du-Rhône")
    assertRedirects(response, created.get_absolute_url())
    assert created.parent == national
    assert created.phone == "+33465710001"


def test_an_organization_cannot_become_its_own_ancestor(log_in):
    parent = OrganizationFactory()
    child = OrganizationFactory(parent=parent)
    response = log_in(UserFactory(admin=True)).post(
        reverse("inclusion:organization_update", args=[parent.pk]),
        {"name": parent.name, "kind": parent.kind, "parent": child.pk, "department_code": "13"},
    )
    assert response.status_code == 200
    assertContains(response, "ne peut pas être rattachée à elle-même")
    parent.refresh_from_db()
    assert parent.parent is None


def test_organization_names_are_unique(log_in):
    existing = OrganizationFactory()
    response = log_in(UserFactory(admin=True)).post(
        reverse("inclusion:organization_create"), {"name": existing.name, "kind": OrganizationKind.CCAS}
    )
    assertContains(response, "existe déjà")
    assert Organization.objects.count() == 1


def test_a_coordinator_cannot_edit_their_organization(log_in):
    coordinator = UserFactory(coordinator=True)
    organization = coordinator.memberships.get().antenna.organization
    response = log_in(coordinator).post(
        reverse("inclusion:organization_update", args=[organization.pk]),
        {"name": "Renamed", "kind": organization.kind},
    )
    assert response.status_code == 403
    organization.refresh_from_db()
    assert organization.name != "Renamed"
