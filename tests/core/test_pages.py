"""Each page for each role: who gets it, who is told it does not exist, who may not change it."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from inclusion.core.enums import MembershipRole
from tests.access import check_access, url_names
from tests.core.factories import (
    AntennaFactory,
    AntennaMembershipFactory,
    OrganizationFactory,
    ReferrerFactory,
    UserFactory,
)

ROLES = ["anonymous", "admin", "coordinator", "volunteer", "other_coordinator", "referrer"]


@pytest.fixture
def world():
    """Two antennas of one association, a coordinator and a volunteer at the first, a coordinator
    at the second, a referrer in a department's social services, and an admin."""
    association = OrganizationFactory(name="Secours de quartier")
    antenna = AntennaFactory(organization=association, name="La Blancarde")
    other_antenna = AntennaFactory(organization=association, name="Chemin de Gibbes")
    referrer = ReferrerFactory(organization=OrganizationFactory(social_services=True, name="MDS Mérignac"))
    users = {
        "anonymous": None,
        "admin": UserFactory(admin=True),
        "coordinator": UserFactory(coordinator=True, membership__antenna=antenna),
        "volunteer": UserFactory(volunteer=True, membership__antenna=antenna),
        "other_coordinator": UserFactory(coordinator=True, membership__antenna=other_antenna),
        "referrer": referrer.user,
    }
    volunteer_membership = users["volunteer"].memberships.get()
    return {
        "users": users,
        "antenna": antenna,
        "association": association,
        "social_services": referrer.organization,
        "volunteer_membership": volunteer_membership,
    }


def _kwargs(world, needs):
    return {
        None: {},
        "antenna": {"pk": world["antenna"].pk},
        "association": {"pk": world["association"].pk},
        "social_services": {"pk": world["social_services"].pk},
        "account": {"pk": world["users"]["volunteer"].pk},
        "membership": {"pk": world["users"]["volunteer"].pk, "membership_pk": world["volunteer_membership"].pk},
    }[needs]


ADMIN_ONLY = {"admin": 200, "coordinator": 403, "volunteer": 403, "other_coordinator": 403, "referrer": 403}
EVERYONE = dict.fromkeys(ROLES[1:], 200)
ACCOUNT_PAGE = {"admin": 200, "coordinator": 404, "volunteer": 403, "other_coordinator": 404, "referrer": 404}
ACCOUNT_ACTION = {"admin": 302, "coordinator": 404, "volunteer": 403, "other_coordinator": 404, "referrer": 404}

# (URL name, object it needs, method, expected status per signed-in role). Anonymous visitors are
# always sent to the log-in page.
ACCESS = [
    ("inclusion:home", None, "get", EVERYONE),
    ("inclusion:profile", None, "get", EVERYONE),
    ("inclusion:antenna_list", None, "get", EVERYONE),
    ("inclusion:antenna_create", None, "get", ADMIN_ONLY),
    (
        "inclusion:antenna_detail",
        "antenna",
        "get",
        {"admin": 200, "coordinator": 200, "volunteer": 200, "other_coordinator": 404, "referrer": 404},
    ),
    (
        "inclusion:antenna_update",
        "antenna",
        "get",
        {"admin": 200, "coordinator": 200, "volunteer": 403, "other_coordinator": 404, "referrer": 404},
    ),
    ("inclusion:organization_list", None, "get", EVERYONE),
    ("inclusion:organization_create", None, "get", ADMIN_ONLY),
    (
        "inclusion:organization_detail",
        "association",
        "get",
        {"admin": 200, "coordinator": 200, "volunteer": 200, "other_coordinator": 200, "referrer": 404},
    ),
    (
        "inclusion:organization_detail",
        "social_services",
        "get",
        {"admin": 200, "coordinator": 404, "volunteer": 404, "other_coordinator": 404, "referrer": 200},
    ),
    (
        "inclusion:organization_update",
        "association",
        "get",
        {"admin": 200, "coordinator": 403, "volunteer": 403, "other_coordinator": 403, "referrer": 404},
    ),
    ("inclusion:account_list", None, "get", ADMIN_ONLY),
    ("inclusion:account_create", None, "get", ADMIN_ONLY),
    ("inclusion:account_detail", "account", "get", ACCOUNT_PAGE),
    ("inclusion:account_update", "account", "get", ACCOUNT_PAGE),
    ("inclusion:account_invitation_resend", "account", "post", ACCOUNT_ACTION),
    ("inclusion:account_membership_add", "account", "post", ACCOUNT_PAGE),
    ("inclusion:account_membership_remove", "membership", "post", ACCOUNT_ACTION),
    ("inclusion:account_referrer_set", "account", "post", ACCOUNT_PAGE),
    ("inclusion:account_referrer_remove", "account", "post", {**ACCOUNT_ACTION, "admin": 404}),
    # The personal-data access log: its existence is hidden from everyone but the admins.
    ("inclusion:access_log", None, "get", {**dict.fromkeys(ROLES[1:], 404), "admin": 200}),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("url_name", "needs", "method", "expected"), ACCESS, ids=[f"{a[0]}-{a[1]}" for a in ACCESS])
def test_access(client, world, role, url_name, needs, method, expected):
    url = reverse(url_name, kwargs=_kwargs(world, needs))
    check_access(client, world["users"][role], method, url, expected.get(role))


def test_every_application_url_is_in_the_access_table():
    # The accessibility statement is public: tests/core/test_accessibility_statement.py.
    assert url_names("inclusion") - {"inclusion:accessibility"} == {url_name for url_name, *_rest in ACCESS}


def test_post_only_actions_refuse_get(log_in, world):
    client = log_in(world["users"]["admin"])
    url = reverse("inclusion:account_invitation_resend", kwargs={"pk": world["users"]["volunteer"].pk})
    assert client.get(url).status_code == 405


def test_home_of_each_role_shows_what_it_needs(client, world):
    client.force_login(world["users"]["admin"])
    response = client.get(reverse("inclusion:home"))
    assertContains(response, "Secours de quartier")
    assertContains(response, "MDS Mérignac")

    client.force_login(world["users"]["coordinator"])
    response = client.get(reverse("inclusion:home"))
    assertContains(response, "La Blancarde")
    assertContains(response, reverse("inclusion:antenna_update", args=[world["antenna"].pk]))
    assertNotContains(response, "Chemin de Gibbes")

    client.force_login(world["users"]["volunteer"])
    response = client.get(reverse("inclusion:home"))
    assertContains(response, "La Blancarde")
    assertNotContains(response, reverse("inclusion:antenna_update", args=[world["antenna"].pk]))
    assertNotContains(response, "Chemin de Gibbes")

    client.force_login(world["users"]["referrer"])
    response = client.get(reverse("inclusion:home"))
    assertContains(response, "MDS Mérignac")
    # Referrers see where they can send people: the open antennas' public details.
    assertContains(response, "La Blancarde")
    assertNotContains(response, "Secours de quartier</a>")


def test_home_of_an_account_without_role_says_what_to_do(log_in):
    response = log_in(UserFactory()).get(reverse("inclusion:home"))
    assertContains(response, "n'a pas encore de rôle")


def test_navigation_follows_the_roles(client, world):
    client.force_login(world["users"]["admin"])
    response = client.get(reverse("inclusion:home"))
    assertContains(response, reverse("inclusion:account_list"))
    assertContains(response, reverse("admin:index"))
    client.force_login(world["users"]["volunteer"])
    response = client.get(reverse("inclusion:home"))
    assertContains(response, reverse("inclusion:antenna_list"))
    assertNotContains(response, reverse("inclusion:account_list"))
    assertNotContains(response, reverse("admin:index"))
    client.force_login(world["users"]["referrer"])
    response = client.get(reverse("inclusion:home"))
    assertNotContains(response, reverse("inclusion:antenna_list"))


def test_antenna_list_never_shows_another_antenna(log_in, world):
    response = log_in(world["users"]["coordinator"]).get(reverse("inclusion:antenna_list"))
    assertContains(response, "La Blancarde")
    assertNotContains(response, "Chemin de Gibbes")


def test_organization_detail_links_only_to_antennas_the_user_may_open(log_in, world):
    response = log_in(world["users"]["coordinator"]).get(
        reverse("inclusion:organization_detail", args=[world["association"].pk])
    )
    assertContains(response, f'href="{world["antenna"].get_absolute_url()}"')
    assertContains(response, "Chemin de Gibbes")
    other = world["users"]["other_coordinator"].memberships.get().antenna
    assertNotContains(response, f'href="{other.get_absolute_url()}"')


def test_volunteers_phone_numbers_are_shown_to_the_coordinator_only(client, world):
    volunteer = world["users"]["volunteer"]
    volunteer.phone = "+33465710011"
    volunteer.save()
    url = reverse("inclusion:antenna_detail", args=[world["antenna"].pk])
    client.force_login(world["users"]["coordinator"])
    assertContains(client.get(url), "04 65 71 00 11")
    client.force_login(UserFactory(volunteer=True, membership__antenna=world["antenna"]))
    assertNotContains(client.get(url), "04 65 71 00 11")


def _grow(world, count):
    """Add antennas, volunteers and organizations, to show a page's queries do not grow with them."""
    for _ in range(count):
        antenna = AntennaFactory(organization=OrganizationFactory())
        AntennaMembershipFactory(antenna=antenna, role=MembershipRole.COORDINATOR)
        AntennaMembershipFactory(antenna=antenna)
        AntennaMembershipFactory(antenna=world["antenna"])
        ReferrerFactory(organization=antenna.organization)


# Session, user, roles (2), then the page's own queries.
@pytest.mark.parametrize(
    ("role", "url_name", "needs", "queries"),
    [
        ("admin", "inclusion:home", None, 5),
        ("coordinator", "inclusion:home", None, 5),
        ("referrer", "inclusion:home", None, 6),
        ("admin", "inclusion:antenna_list", None, 6),
        ("admin", "inclusion:organization_list", None, 6),
        ("admin", "inclusion:account_list", None, 8),
        ("coordinator", "inclusion:antenna_detail", "antenna", 7),
        ("admin", "inclusion:organization_detail", "association", 8),
        ("admin", "inclusion:account_detail", "account", 9),
    ],
)
def test_pages_run_a_fixed_number_of_queries(client, world, django_assert_num_queries, role, url_name, needs, queries):
    client.force_login(world["users"][role])
    url = reverse(url_name, kwargs=_kwargs(world, needs))
    _grow(world, 2)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    _grow(world, 5)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "url_name", ["inclusion:antenna_list", "inclusion:organization_list", "inclusion:account_list"]
)
def test_hostile_search_text_never_breaks_a_list(log_in, url_name):
    client = log_in(UserFactory(admin=True))
    # Longer addresses than about 8,000 characters are refused before any view (a 414).
    for text in ["\x00", "a\x00b", "x" * 8_000, "' OR 1=1 --", "%_"]:
        assert client.get(reverse(url_name), {"q": text, "page": "-1"}).status_code == 200


def test_figures_are_in_the_menu_of_admins_and_coordinators(client, world):
    for role, shown in (("admin", True), ("coordinator", True), ("volunteer", False), ("referrer", False)):
        client.force_login(world["users"][role])
        response = client.get(reverse("inclusion:home"))
        assert (f'href="{reverse("figures:home")}"' in response.content.decode()) is shown, role
