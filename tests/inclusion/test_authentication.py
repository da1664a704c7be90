"""Log in by e-mail, log out, change and reset the password, switch the language."""

import re

from django.core import mail
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from .factories import UserFactory

PASSWORD = "un mot de passe solide"


def test_pages_need_a_log_in(client):
    response = client.get(reverse("inclusion:antenna_list"))
    assertRedirects(response, f"{reverse('login')}?next={reverse('inclusion:antenna_list')}")


def test_log_in_by_e_mail_whatever_its_case(client):
    user = UserFactory(email="antoine@example.org")
    response = client.post(reverse("login"), {"username": "Antoine@Example.org", "password": PASSWORD})
    assertRedirects(response, reverse("inclusion:home"))
    assert int(client.session["_auth_user_id"]) == user.pk


def test_wrong_password_is_told_in_french_and_keeps_the_address(client):
    UserFactory(email="antoine@example.org")
    response = client.post(reverse("login"), {"username": "antoine@example.org", "password": "faux"})
    assert response.status_code == 200
    assertContains(response, "Adresse e-mail ou mot de passe incorrect.")
    assertContains(response, 'value="antoine@example.org"')
    assert "_auth_user_id" not in client.session


def test_unknown_account_gets_the_same_answer_as_a_wrong_password(client):
    UserFactory(email="antoine@example.org")
    known = client.post(reverse("login"), {"username": "antoine@example.org", "password": "faux"})
    unknown = client.post(reverse("login"), {"username": "personne@example.org", "password": "faux"})
    assert known.context["form"].errors == unknown.context["form"].errors


def test_log_out_ends_the_session(log_in):
    client = log_in(UserFactory())
    response = client.post(reverse("logout"))
    assertRedirects(response, reverse("login"))
    assert client.get(reverse("inclusion:home")).status_code == 302


def test_password_change_refuses_a_short_password_then_accepts_a_passphrase(log_in):
    user = UserFactory()
    client = log_in(user)
    url = reverse("password_change")
    response = client.post(url, {"old_password": PASSWORD, "new_password1": "court", "new_password2": "court"})
    assert response.context["form"].has_error("new_password2", "password_too_weak")
    response = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "le chat dort au soleil",
            "new_password2": "le chat dort au soleil",
        },
    )
    assertRedirects(response, reverse("password_change_done"))
    user.refresh_from_db()
    assert user.check_password("le chat dort au soleil")


def test_password_reset_by_e_mail(client):
    user = UserFactory(email="claire@example.org")
    response = client.post(reverse("password_reset"), {"email": "claire@example.org"})
    assertRedirects(response, reverse("password_reset_done"))
    [message] = mail.outbox
    link = re.search(r"http://testserver(/\S+)", message.body).group(1)
    response = client.get(link, follow=True)
    assertContains(response, "Choisir un mot de passe")
    client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "une nouvelle phrase secrète", "new_password2": "une nouvelle phrase secrète"},
    )
    user.refresh_from_db()
    assert user.check_password("une nouvelle phrase secrète")


def test_password_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client):
    response = client.post(reverse("password_reset"), {"email": "inconnu@example.org"})
    assertRedirects(response, reverse("password_reset_done"))
    assert mail.outbox == []


def test_interface_is_french_by_default_and_english_on_request(client):
    response = client.get(reverse("login"))
    assertContains(response, '<html lang="fr"')
    assertContains(response, "Se connecter")
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assertRedirects(response, reverse("login"), fetch_redirect_response=False)
    response = client.get(reverse("login"))
    assertContains(response, '<html lang="en"')
    assertContains(response, "Log in")


def test_the_browser_language_does_not_override_french(client):
    response = client.get(reverse("login"), headers={"accept-language": "en-US,en;q=0.9"})
    assertContains(response, '<html lang="fr"')


def test_an_unknown_language_in_the_cookie_falls_back_to_french(client):
    client.cookies["django_language"] = "xx"
    response = client.get(reverse("login"))
    assertContains(response, '<html lang="fr"')
