"""Admins create accounts and give roles; the owner of an account chooses its password."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from inclusion.core.enums import MembershipRole
from inclusion.core.models import AntennaMembership, Referrer, User
from tests.core.factories import (
    AntennaFactory,
    AntennaMembershipFactory,
    OrganizationFactory,
    ReferrerFactory,
    UserFactory,
)


@pytest.fixture
def admin_client(log_in):
    return log_in(UserFactory(admin=True, email="admin@example.org"))


def test_admin_creates_an_account_and_its_owner_chooses_a_password(
    admin_client, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("inclusion:account_create"),
            {"email": " Nadia.Benali@Example.org ", "display_name": "Nadia Benali", "phone": "06 12 34 56 78"},
        )
    user = User.objects.get(email="nadia.benali@example.org")
    assertRedirects(response, user.get_absolute_url())
    assert user.phone == "+33612345678"
    assert not user.has_usable_password()
    assert not user.is_superuser
    [message] = mail.outbox
    assert message.to == ["nadia.benali@example.org"]
    assert "Nadia Benali" in message.body
    link = re.search(r"http://testserver(/\S+)", message.body).group(1)

    client.logout()
    response = client.get(link, follow=True)
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "trois petits chats gris", "new_password2": "trois petits chats gris"},
    )
    assertRedirects(response, reverse("password_reset_complete"))
    response = client.post(
        reverse("login"), {"username": "NADIA.BENALI@example.org", "password": "trois petits chats gris"}
    )
    assertRedirects(response, reverse("inclusion:home"))


def test_an_e_mail_address_cannot_be_used_twice_whatever_its_case(admin_client):
    UserFactory(email="monique@example.org")
    response = admin_client.post(
        reverse("inclusion:account_create"), {"email": "Monique@Example.org", "display_name": "Monique bis"}
    )
    assertContains(response, "Un compte existe déjà avec cette adresse e-mail.")
    assertContains(response, 'value="Monique bis"')
    assert User.objects.filter(email__iexact="monique@example.org").count() == 1


def test_admin_gives_and_removes_a_role_at_an_antenna(admin_client):
    account = UserFactory()
    antenna = AntennaFactory(name="La Blancarde")
    response = admin_client.post(
        reverse("inclusion:account_membership_add", args=[account.pk]),
        {"antenna": antenna.pk, "role": MembershipRole.VOLUNTEER},
    )
    assertRedirects(response, account.get_absolute_url())
    membership = AntennaMembership.objects.get(user=account, antenna=antenna)
    assert membership.role == MembershipRole.VOLUNTEER

    # Giving another role at the same antenna replaces the first one.
    admin_client.post(
        reverse("inclusion:account_membership_add", args=[account.pk]),
        {"antenna": antenna.pk, "role": MembershipRole.COORDINATOR},
    )
    membership = AntennaMembership.objects.get(user=account, antenna=antenna)
    assert membership.role == MembershipRole.COORDINATOR

    admin_client.post(reverse("inclusion:account_membership_remove", args=[account.pk, membership.pk]))
    assert not AntennaMembership.objects.filter(user=account).exists()


def test_a_role_form_with_an_unknown_antenna_shows_its_error(admin_client):
    account = UserFactory()
    response = admin_client.post(
        reverse("inclusion:account_membership_add", args=[account.pk]), {"antenna": 999999, "role": "volunteer"}
    )
    assert response.status_code == 200
    assertContains(response, "Sélectionnez un choix valide")
    assert not AntennaMembership.objects.exists()


def test_a_membership_of_another_account_cannot_be_removed_through_this_one(admin_client):
    account = UserFactory()
    other = AntennaMembershipFactory()
    response = admin_client.post(reverse("inclusion:account_membership_remove", args=[account.pk, other.pk]))
    assert response.status_code == 404
    assert AntennaMembership.objects.filter(pk=other.pk).exists()


def test_admin_makes_an_account_a_referrer_and_stops_it(admin_client):
    account = UserFactory()
    organization = OrganizationFactory(social_services=True)
    admin_client.post(
        reverse("inclusion:account_referrer_set", args=[account.pk]),
        {"organization": organization.pk, "job_title": "Conseillère en économie sociale et familiale"},
    )
    referrer = Referrer.objects.get(user=account)
    assert referrer.organization == organization
    assert referrer.is_active
    admin_client.post(reverse("inclusion:account_referrer_remove", args=[account.pk]))
    referrer.refresh_from_db()
    assert not referrer.is_active


def test_admin_deactivates_an_account_which_can_no_longer_log_in(admin_client, client):
    account = UserFactory(email="partie@example.org")
    response = admin_client.post(
        reverse("inclusion:account_update", args=[account.pk]),
        {"email": account.email, "display_name": account.display_name, "phone": "", "is_active": ""},
    )
    assertRedirects(response, account.get_absolute_url())
    account.refresh_from_db()
    assert not account.is_active
    client.logout()  # the same test client as admin_client
    response = client.post(reverse("login"), {"username": "partie@example.org", "password": "un mot de passe solide"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_an_admin_cannot_remove_their_own_rights(admin_client):
    admin = User.objects.get(email="admin@example.org")
    response = admin_client.post(
        reverse("inclusion:account_update", args=[admin.pk]),
        {"email": admin.email, "display_name": admin.display_name, "phone": "", "is_active": "on"},
    )
    assertContains(response, "Vous ne pouvez pas retirer vos propres droits")
    admin.refresh_from_db()
    assert admin.is_superuser


def test_admin_grants_admin_rights(admin_client):
    account = UserFactory()
    admin_client.post(
        reverse("inclusion:account_update", args=[account.pk]),
        {"email": account.email, "display_name": account.display_name, "is_active": "on", "is_admin": "on"},
    )
    account.refresh_from_db()
    assert account.is_superuser and account.is_staff


def test_invitation_can_be_sent_again(admin_client, django_capture_on_commit_callbacks):
    account = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("inclusion:account_invitation_resend", args=[account.pk]))
    [message] = mail.outbox
    assert message.to == [account.email]


def test_account_list_filters_by_role_and_text(admin_client):
    coordinator = UserFactory(coordinator=True, display_name="Monique Coordination")
    referrer = ReferrerFactory(user__display_name="Claire Prescriptrice").user
    url = reverse("inclusion:account_list")
    assert list(admin_client.get(url, {"role": "coordinator"}).context["page"]) == [coordinator]
    assert list(admin_client.get(url, {"role": "referrer"}).context["page"]) == [referrer]
    assert list(admin_client.get(url, {"q": "prescri"}).context["page"]) == [referrer]


def test_users_edit_their_own_name_and_phone(log_in):
    user = UserFactory(volunteer=True)
    client = log_in(user)
    response = client.post(reverse("inclusion:profile"), {"display_name": "Antoine", "phone": "+32 470 12 34 56"})
    assertRedirects(response, reverse("inclusion:profile"))
    user.refresh_from_db()
    assert user.display_name == "Antoine"
    assert user.phone == "+32470123456"
    response = client.post(reverse("inclusion:profile"), {"display_name": "Antoine", "phone": "pas un numéro"})
    assertContains(response, "Saisissez un numéro de téléphone valide")
    assertContains(response, 'value="pas un numéro"')
    user.refresh_from_db()
    assert user.phone == "+32470123456"


def test_phone_numbers_are_shown_in_forms_as_people_write_them(log_in):
    user = UserFactory(phone="+33612345678")
    response = log_in(user).get(reverse("inclusion:profile"))
    assertContains(response, 'value="06 12 34 56 78"')
