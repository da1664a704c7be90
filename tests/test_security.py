"""Security headers, session limits, the password rule, log-in throttling and the deployment check."""

import os
import re
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertRedirects

from inclusion.core.middleware import SessionTimeoutMiddleware
from tests.core.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "un mot de passe solide"


def _directives(response):
    return {
        name: values
        for name, *values in (part.split() for part in response["Content-Security-Policy"].split(";") if part.strip())
    }


@pytest.mark.parametrize("signed_in", [False, True])
def test_pages_carry_a_strict_content_security_policy(client, log_in, signed_in):
    if signed_in:
        client = log_in(UserFactory())
    response = client.get(reverse("inclusion:home") if signed_in else reverse("public:antenna_list"))
    assert response.status_code == 200
    assert _directives(response) == {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_log_in_page_carries_the_policy_too(client):
    response = client.get(reverse("login"))
    assert "Content-Security-Policy" in response


def test_pages_for_a_signed_in_user_are_never_stored(log_in):
    response = log_in(UserFactory()).get(reverse("inclusion:home"))
    assert "no-store" in response["Cache-Control"]


def test_public_pages_for_anonymous_visitors_may_be_stored(client):
    response = client.get(reverse("public:antenna_list"))
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def _shift_session(client, **ago):
    session = client.session
    for key, delta in ago.items():
        session[key] = (timezone.now() - delta).timestamp()
    session.save()


def _assert_logged_out_to_log_in(client):
    home = reverse("inclusion:home")
    response = client.get(home)
    assertRedirects(response, f"{reverse('login')}?next={home}", fetch_redirect_response=False)
    assert "_auth_user_id" not in client.session
    assertRedirects(client.get(home), f"{reverse('login')}?next={home}", fetch_redirect_response=False)


def test_session_ends_after_thirty_idle_minutes(log_in):
    client = log_in(UserFactory())
    assert client.get(reverse("inclusion:home")).status_code == 200
    _shift_session(client, **{SessionTimeoutMiddleware.LAST_SEEN_KEY: timedelta(minutes=31)})
    _assert_logged_out_to_log_in(client)


def test_session_ends_twelve_hours_after_the_log_in_whatever_the_activity(log_in):
    client = log_in(UserFactory())
    _shift_session(
        client,
        **{
            SessionTimeoutMiddleware.STARTED_KEY: timedelta(hours=12, minutes=1),
            SessionTimeoutMiddleware.LAST_SEEN_KEY: timedelta(minutes=1),
        },
    )
    _assert_logged_out_to_log_in(client)


def test_activity_within_thirty_minutes_keeps_the_session(log_in):
    client = log_in(UserFactory())
    _shift_session(client, **{SessionTimeoutMiddleware.LAST_SEEN_KEY: timedelta(minutes=29)})
    assert client.get(reverse("inclusion:home")).status_code == 200
    # The request counted as activity: another 29 minutes later, the session is still there.
    _shift_session(client, **{SessionTimeoutMiddleware.LAST_SEEN_KEY: timedelta(minutes=29)})
    assert client.get(reverse("inclusion:home")).status_code == 200
    assert "_auth_user_id" in client.session


def test_log_in_through_the_page_starts_both_clocks(client):
    UserFactory(email="antoine@example.org")
    client.post(reverse("login"), {"username": "antoine@example.org", "password": PASSWORD})
    session = client.session
    now = timezone.now().timestamp()
    assert now - session[SessionTimeoutMiddleware.STARTED_KEY] < 60
    assert now - session[SessionTimeoutMiddleware.LAST_SEEN_KEY] < 60


def test_a_deactivated_account_is_refused_on_its_next_request(log_in):
    user = UserFactory()
    client = log_in(user)
    assert client.get(reverse("inclusion:home")).status_code == 200
    user.is_active = False
    user.save(update_fields=["is_active"])
    home = reverse("inclusion:home")
    assertRedirects(client.get(home), f"{reverse('login')}?next={home}", fetch_redirect_response=False)


def _password_errors(password):
    try:
        validate_password(password, user=UserFactory.build(email="claire@example.org", display_name="Claire"))
    except ValidationError as error:
        return {e.code for e in error.error_list}
    return set()


@pytest.mark.parametrize(
    ("password", "refused_because"),
    [
        ("court", "password_too_weak"),
        ("abcdefghijkl", "password_too_weak"),  # long enough, but a single kind of character
        ("password1234", "password_too_common"),
        ("Password1234", "password_too_common"),  # three kinds, but in every attacker's list
        ("123456789012345678901234", "password_entirely_numeric"),
    ],
)
def test_password_rule_refuses(password, refused_because):
    assert refused_because in _password_errors(password)


@pytest.mark.parametrize(
    "password",
    [
        "Abcdefgh1234",  # 12 characters, three kinds
        "le chat dort au soleil",  # a passphrase: 20 characters and more, 4 words and more
        "trois petits chats gris",
        "une nouvelle phrase secrète",
    ],
)
def test_password_rule_accepts(password):
    assert _password_errors(password) == set()


def test_password_rule_refuses_a_long_string_of_numbers_split_like_words():
    assert "password_too_weak" in _password_errors("1111 2222 3333 4444 5555")


def _log_in_attempt(client, username, password, address="192.0.2.10"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_an_account_is_locked_after_five_wrong_passwords_even_from_other_addresses(client):
    UserFactory(email="antoine@example.org")
    for attempt in range(5):
        _log_in_attempt(client, "antoine@example.org", "faux", address=f"192.0.2.{attempt + 1}")
    response = _log_in_attempt(client, "antoine@example.org", PASSWORD, address="198.51.100.7")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_changing_the_case_of_the_address_does_not_buy_more_attempts(client):
    UserFactory(email="antoine@example.org")
    for attempt, spelling in enumerate(
        [
            "antoine@example.org",
            "Antoine@example.org",
            "ANTOINE@EXAMPLE.ORG",
            "antoine@Example.org",
            " antoine@example.org",
        ]
    ):
        _log_in_attempt(client, spelling, "faux", address=f"192.0.2.{attempt + 1}")
    response = _log_in_attempt(client, "antoine@example.org", PASSWORD, address="198.51.100.7")
    assert response.status_code == 429


def _without_csrf_tokens(response):
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", response.content)


def test_the_lockout_does_not_tell_whether_the_account_exists(client):
    UserFactory(email="antoine@example.org")
    answers = []
    for email, last_password in [("antoine@example.org", PASSWORD), ("personne@example.org", "faux")]:
        cache.clear()
        for _ in range(5):
            _log_in_attempt(client, email, "faux")
        answers.append(_log_in_attempt(client, email, last_password))
    known, unknown = answers
    assert known.status_code == unknown.status_code == 429
    assert _without_csrf_tokens(known) == _without_csrf_tokens(unknown)
    assert b"antoine@example.org" not in known.content
    assert b"personne@example.org" not in unknown.content


def test_failures_below_the_limit_do_not_lock(client):
    UserFactory(email="antoine@example.org")
    for _ in range(4):
        _log_in_attempt(client, "antoine@example.org", "faux")
    response = _log_in_attempt(client, "antoine@example.org", PASSWORD)
    assertRedirects(response, reverse("inclusion:home"))


def test_deployment_check_passes_with_production_settings():
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SECRET_KEY", "DEBUG") and not key.startswith("SECURE_")
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="inclusion.settings",
        SECRET_KEY=secrets.token_urlsafe(50)[:50],
        ALLOWED_HOSTS="permanences.example.org",
        DATABASE_URL=os.environ["DATABASE_URL"],
        REDIS_URL="redis://127.0.0.1:6379/1",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
