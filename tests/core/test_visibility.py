"""Who may see and change which organizations and antennas: the rules every view relies on."""

from django.contrib.auth.models import AnonymousUser

from inclusion.core.enums import MembershipRole
from inclusion.core.models import Antenna, Organization, User
from tests.core.factories import (
    AntennaFactory,
    AntennaMembershipFactory,
    OrganizationFactory,
    ReferrerFactory,
    UserFactory,
)


def test_admin_sees_and_manages_every_antenna_and_organization():
    antennas = AntennaFactory.create_batch(3)
    admin = UserFactory(admin=True)
    assert set(Antenna.objects.visible_to(admin)) == set(antennas)
    assert set(Antenna.objects.managed_by(admin)) == set(antennas)
    assert set(Organization.objects.visible_to(admin)) == {antenna.organization for antenna in antennas}
    assert set(Organization.objects.manageable_by(admin)) == {antenna.organization for antenna in antennas}


def test_coordinator_sees_and_manages_only_their_antenna():
    coordinator = UserFactory(coordinator=True)
    own = coordinator.memberships.get().antenna
    sibling = AntennaFactory(organization=own.organization)
    AntennaFactory()
    assert list(Antenna.objects.visible_to(coordinator)) == [own]
    assert list(Antenna.objects.managed_by(coordinator)) == [own]
    assert sibling not in Antenna.objects.visible_to(coordinator)
    assert list(Organization.objects.visible_to(coordinator)) == [own.organization]
    assert not Organization.objects.manageable_by(coordinator).exists()


def test_volunteer_sees_their_antennas_but_manages_none():
    volunteer = UserFactory(volunteer=True)
    first = volunteer.memberships.get().antenna
    second = AntennaMembershipFactory(user=volunteer).antenna
    AntennaFactory()
    assert set(Antenna.objects.visible_to(volunteer)) == {first, second}
    assert not Antenna.objects.managed_by(volunteer).exists()
    assert set(Organization.objects.visible_to(volunteer)) == {first.organization, second.organization}


def test_coordinator_of_one_antenna_and_volunteer_of_another_manages_only_the_first():
    user = UserFactory(coordinator=True)
    coordinated = user.memberships.get().antenna
    helped = AntennaMembershipFactory(user=user, role=MembershipRole.VOLUNTEER).antenna
    assert set(Antenna.objects.visible_to(user)) == {coordinated, helped}
    assert list(Antenna.objects.managed_by(user)) == [coordinated]


def test_referrer_sees_their_organization_and_no_antenna_inner_page():
    referrer = ReferrerFactory()
    AntennaFactory(organization=referrer.organization)
    OrganizationFactory()
    assert list(Organization.objects.visible_to(referrer.user)) == [referrer.organization]
    assert not Antenna.objects.visible_to(referrer.user).exists()


def test_former_referrer_no_longer_sees_their_organization():
    referrer = ReferrerFactory(is_active=False)
    assert not Organization.objects.visible_to(referrer.user).exists()


def test_deactivated_and_anonymous_users_see_nothing():
    coordinator = UserFactory(coordinator=True, is_active=False)
    admin = UserFactory(admin=True, is_active=False)
    for user in (coordinator, admin, AnonymousUser()):
        assert not Antenna.objects.visible_to(user).exists()
        assert not Antenna.objects.managed_by(user).exists()
        assert not Organization.objects.visible_to(user).exists()


def test_only_admins_see_other_accounts():
    admin = UserFactory(admin=True)
    volunteer = UserFactory(volunteer=True)
    assert set(User.objects.visible_to(admin)) == {admin, volunteer}
    assert list(User.objects.visible_to(volunteer)) == [volunteer]


def test_roles_are_read_in_two_queries(django_assert_num_queries):
    user = UserFactory(coordinator=True)
    AntennaMembershipFactory(user=user)
    ReferrerFactory(user=user)
    user = User.objects.get(pk=user.pk)
    with django_assert_num_queries(2):
        roles = user.roles
        assert roles.is_coordinator and roles.is_volunteer and roles.is_referrer and not roles.is_admin
