"""Log in by e-mail, log out, change and reset the password, switch the language."""

import re

from django.core import mail
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from tests.core.factories import UserFactory

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


# The log-in throttle: per account, and per address only at a much higher threshold, as the
# computers of a drop-in share one public address.

ROOM = "192.0.2.10"
ELSEWHERE = "198.51.100.7"


def _attempt(client, username, password, address=ROOM):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def _logs_in(client, username, address=ROOM) -> bool:
    response = _attempt(client, username, PASSWORD, address)
    logged_in = response.status_code == 302 and "_auth_user_id" in client.session
    client.logout()
    return logged_in


def _without_csrf_tokens(response):
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", response.content)


def test_five_wrong_passwords_pause_that_account_everywhere_but_not_the_others_of_the_room(client):
    UserFactory(email="antoine@example.org")
    UserFactory(email="claire@example.org")
    for _ in range(5):
        _attempt(client, "antoine@example.org", "faux")

    assert _attempt(client, "antoine@example.org", PASSWORD).status_code == 429
    assert _attempt(client, "antoine@example.org", PASSWORD, address=ELSEWHERE).status_code == 429
    assert _logs_in(client, "claire@example.org")


def test_an_address_is_paused_only_at_its_own_much_higher_threshold(client, settings):
    assert settings.AXES_ADDRESS_FAILURE_LIMIT == 50
    UserFactory(email="claire@example.org")
    for number in range(49):
        assert _attempt(client, f"personne{number}@example.org", "faux").status_code == 200
    # A right password does not clear the room's count: one valid account must not buy guesses.
    assert _logs_in(client, "claire@example.org")

    assert _attempt(client, "personne49@example.org", "faux").status_code == 429
    assert _attempt(client, "claire@example.org", PASSWORD).status_code == 429
    assert _logs_in(client, "claire@example.org", address=ELSEWHERE)


def test_an_unknown_account_is_counted_and_paused_like_a_known_one(client):
    UserFactory(email="antoine@example.org")
    UserFactory(email="claire@example.org")
    answers = {}
    for email in ("antoine@example.org", "personne@example.org"):
        answers[email] = [_attempt(client, email, "faux") for _ in range(5)] + [_attempt(client, email, PASSWORD)]
    known, unknown = answers["antoine@example.org"], answers["personne@example.org"]

    assert [response.status_code for response in known] == [200, 200, 200, 200, 429, 429]
    assert [response.status_code for response in unknown] == [200, 200, 200, 200, 429, 429]
    for known_answer, unknown_answer in zip(known, unknown, strict=True):
        if known_answer.status_code == 200:
            assert known_answer.context["form"].errors == unknown_answer.context["form"].errors
        else:
            assert _without_csrf_tokens(known_answer) == _without_csrf_tokens(unknown_answer)
            assert b"@example.org" not in known_answer.content
    assert _logs_in(client, "claire@example.org")


def test_the_address_threshold_is_a_setting_and_resetting_the_address_lifts_its_pause(client, settings):
    from axes.handlers.proxy import AxesProxyHandler

    settings.AXES_ADDRESS_FAILURE_LIMIT = 3
    UserFactory(email="claire@example.org")
    for number in range(3):
        _attempt(client, f"personne{number}@example.org", "faux")
    assert _attempt(client, "claire@example.org", PASSWORD).status_code == 429

    AxesProxyHandler.reset_attempts(ip_address=ROOM)

    assert _logs_in(client, "claire@example.org")


def test_a_throttle_cache_that_each_process_keeps_apart_is_warned_about_outside_debug(settings):
    from inclusion.core.checks import login_throttle_cache_check

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [warning.id for warning in login_throttle_cache_check(None)] == ["inclusion.W030"]
    settings.DEBUG = True
    assert login_throttle_cache_check(None) == []
    settings.DEBUG = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://x"}}
    assert login_throttle_cache_check(None) == []
