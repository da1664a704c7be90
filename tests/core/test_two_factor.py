"""Two-step verification: setting it up, the code after the password, backup codes, turning it off,
the admins' obligation, and who may use it."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from inclusion.core import two_factor, two_factor_services
from inclusion.core.middleware import SessionTimeoutMiddleware
from tests.access import check_access, url_names
from tests.core.factories import ReferrerFactory, UserFactory

PASSWORD = "un mot de passe solide"
ROLES = ["anonymous", "admin", "coordinator", "volunteer", "referrer"]


def code_of(device, *, steps_ahead=0) -> str:
    """The code the user's app shows now, or that many 30-second steps later."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def code_of_key(key_hex: str, *, steps_ahead=0) -> str:
    totp = TOTP(bytes.fromhex(key_hex))
    totp.time = time.time() + steps_ahead * 30
    return f"{totp.token():06d}"


def wrong_code(device=None, *, key_hex=None) -> str:
    """Six digits that are none of the codes accepted now, one step either side included."""
    key_hex = key_hex or device.key
    accepted = {code_of_key(key_hex, steps_ahead=step) for step in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(0, 1000000, 111111) if f"{n:06d}" not in accepted)


def enable(user):
    """Turn the second factor on for a user, as the set-up page does; returns the device and backup codes."""
    return two_factor_services.two_factor_enable(user=user, key=random_hex(20), last_t=-1, drift=0)


def log_in_verified(client, user, device):
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def users():
    return {
        "anonymous": None,
        "admin": UserFactory(admin=True),
        "coordinator": UserFactory(coordinator=True),
        "volunteer": UserFactory(volunteer=True),
        "referrer": ReferrerFactory().user,
    }


# Accounts without a second factor. The code page sends them on; the set-up page exists only for
# admins and coordinators; there is nothing to turn off or renew.
ACCESS = [
    ("two_factor:verify", {"admin": 302, "coordinator": 302, "volunteer": 302, "referrer": 302}),
    ("two_factor:setup", {"admin": 200, "coordinator": 200, "volunteer": 404, "referrer": 404}),
    ("two_factor:disable", dict.fromkeys(ROLES[1:], 404)),
    ("two_factor:backup_codes", dict.fromkeys(ROLES[1:], 404)),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("url_name", "expected"), ACCESS, ids=[name for name, _ in ACCESS])
def test_access(client, users, role, url_name, expected):
    check_access(client, users[role], "get", reverse(url_name), expected.get(role))


def test_every_two_factor_url_is_in_the_access_table():
    assert url_names("two_factor") == {url_name for url_name, _ in ACCESS}


@pytest.mark.parametrize("url_name", ["two_factor:setup", "two_factor:disable", "two_factor:backup_codes"])
@pytest.mark.parametrize("role", ["volunteer", "referrer"])
def test_volunteers_and_referrers_cannot_post_to_the_pages(client, users, role, url_name):
    client.force_login(users[role])
    assert client.post(reverse(url_name), {"code": "123456"}).status_code == 404
    assert not TOTPDevice.objects.exists()


@pytest.mark.parametrize(
    ("role", "shown"), [("admin", True), ("coordinator", True), ("volunteer", False), ("referrer", False)]
)
def test_account_page_offers_it_to_admins_and_coordinators_only(client, users, role, shown):
    client.force_login(users[role])
    response = client.get(reverse("inclusion:profile"))
    if shown:
        assertContains(response, reverse("two_factor:setup"))
    else:
        assertNotContains(response, reverse("two_factor:setup"))
        assertNotContains(response, 'id="two-factor-title"')


def test_setup_page_shows_a_qr_code_and_the_secret_and_keeps_them_on_reload(client):
    client.force_login(UserFactory(coordinator=True))
    response = client.get(reverse("two_factor:setup"))
    key = client.session[two_factor.PENDING_KEY_SESSION_KEY]
    assertContains(response, 'src="data:image/svg+xml;charset=utf-8,')
    assertContains(response, two_factor.secret_for_display(key))
    assertContains(response, 'autocomplete="one-time-code"')
    assert client.get(reverse("two_factor:setup")).context["secret"] == two_factor.secret_for_display(key)
    # Nothing is kept before the first code proves the app holds the secret.
    assert not TOTPDevice.objects.exists()


def test_secret_is_shown_in_base_32_as_apps_expect():
    assert two_factor.secret_for_display("48656c6c6f21deadbeef") == "JBSW Y3DP EHPK 3PXP"


def test_setup_with_the_right_code_turns_it_on_and_shows_the_backup_codes_once(client):
    user = UserFactory(coordinator=True)
    client.force_login(user)
    client.get(reverse("two_factor:setup"))
    key = client.session[two_factor.PENDING_KEY_SESSION_KEY]
    response = client.post(reverse("two_factor:setup"), {"code": code_of_key(key)})
    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed and device.key == key
    codes = list(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(codes) == two_factor_services.BACKUP_CODE_COUNT
    for code in codes:
        assertContains(response, code)
    assert two_factor.PENDING_KEY_SESSION_KEY not in client.session
    # The session that set it up is verified: the user is not asked for a code right away.
    assert client.get(reverse("inclusion:home")).status_code == 200
    response = client.get(reverse("inclusion:profile"))
    assertContains(response, reverse("two_factor:disable"))
    for code in codes:
        assertNotContains(response, code)


def test_setup_with_a_wrong_code_keeps_it_off(client):
    user = UserFactory(admin=True)
    client.force_login(user)
    client.get(reverse("two_factor:setup"))
    key = client.session[two_factor.PENDING_KEY_SESSION_KEY]
    response = client.post(reverse("two_factor:setup"), {"code": wrong_code(key_hex=key)})
    assert response.status_code == 200
    assert response.context["form"].has_error("code", "wrong_code")
    response = client.post(reverse("two_factor:setup"), {"code": "abc"})
    assert response.context["form"].has_error("code", "not_six_digits")
    assert not TOTPDevice.objects.exists()
    assert client.session[two_factor.PENDING_KEY_SESSION_KEY] == key


def test_setup_page_sends_a_user_who_has_it_to_the_account_page(client):
    user = UserFactory(admin=True)
    device, _codes = enable(user)
    log_in_verified(client, user, device)
    assertRedirects(client.get(reverse("two_factor:setup")), reverse("inclusion:profile"))


def test_log_in_with_a_device_asks_for_the_code_before_any_page(client):
    user = UserFactory(admin=True, email="admin@example.org")
    device, _codes = enable(user)
    response = client.post(reverse("login"), {"username": "admin@example.org", "password": PASSWORD})
    assertRedirects(response, reverse("inclusion:home"), fetch_redirect_response=False)
    verify_url = f"{reverse('two_factor:verify')}?next=/"
    assertRedirects(client.get(reverse("inclusion:home")), verify_url)
    for url in [reverse("inclusion:antenna_list"), reverse("inclusion:profile"), reverse("password_change")]:
        assertRedirects(client.get(url), f"{reverse('two_factor:verify')}?next={url}")
    assertRedirects(
        client.post(reverse("two_factor:disable"), {"code": code_of(device)}),
        f"{reverse('two_factor:verify')}?next={reverse('two_factor:disable')}",
    )
    assert TOTPDevice.objects.filter(user=user).exists()

    response = client.get(verify_url)
    assertContains(response, 'autocomplete="one-time-code"')
    assertContains(response, "autofocus")
    response = client.post(verify_url, {"code": code_of(device)})
    assertRedirects(response, "/")
    assert client.get(reverse("inclusion:antenna_list")).status_code == 200


def test_verified_user_goes_back_to_the_page_asked_for_and_never_elsewhere(client):
    user = UserFactory(coordinator=True)
    device, _codes = enable(user)
    client.force_login(user)
    url = reverse("two_factor:verify")
    response = client.post(f"{url}?next=https://example.com/", {"code": code_of(device)})
    assertRedirects(response, reverse("inclusion:home"), fetch_redirect_response=False)
    assertRedirects(client.get(f"{url}?next=/antennes/"), "/antennes/", fetch_redirect_response=False)


def test_a_wrong_code_is_refused_then_tries_are_throttled(client):
    user = UserFactory(coordinator=True)
    device, _codes = enable(user)
    client.force_login(user)
    response = client.post(reverse("two_factor:verify"), {"code": wrong_code(device)})
    assert response.status_code == 200
    assertContains(
        response, gettext("This code is not right. Type the code your app shows now: each code works only once.")
    )
    # The next try comes too soon: even the right code waits, and the wait is told.
    response = client.post(reverse("two_factor:verify"), {"code": code_of(device)})
    assert response.context["form"].has_error("code", "throttled")
    assert re.search(r"\d+ second", str(response.context["form"].errors["code"]))
    assertRedirects(client.get(reverse("inclusion:home")), f"{reverse('two_factor:verify')}?next=/")
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    # Once the wait is over, the right code works.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timezone.timedelta(seconds=5)
    )
    assertRedirects(client.post(reverse("two_factor:verify"), {"code": code_of(device)}), reverse("inclusion:home"))


def test_wrong_code_message_is_in_french(client):
    user = UserFactory(coordinator=True)
    enable(user)
    client.force_login(user)
    response = client.post(reverse("two_factor:verify"), {"code": wrong_code(TOTPDevice.objects.get())})
    assertContains(response, '<html lang="fr"')
    assert response.context["form"].has_error("code", "wrong_code")


def test_a_code_cannot_be_used_twice(client):
    user = UserFactory(coordinator=True)
    device, _codes = enable(user)
    code = code_of(device)
    client.force_login(user)
    assertRedirects(client.post(reverse("two_factor:verify"), {"code": code}), reverse("inclusion:home"))
    client.post(reverse("logout"))
    client.force_login(user)
    response = client.post(reverse("two_factor:verify"), {"code": code})
    assert response.context["form"].has_error("code", "wrong_code")


def test_a_backup_code_logs_in_once(client):
    user = UserFactory(admin=True)
    _device, codes = enable(user)
    client.force_login(user)
    # Typed in capitals with a space in the middle, as people copy it from paper.
    typed = f"{codes[0][:4].upper()} {codes[0][4:].upper()}"
    assertRedirects(client.post(reverse("two_factor:verify"), {"code": typed}), reverse("inclusion:home"))
    assert StaticToken.objects.filter(device__user=user).count() == len(codes) - 1
    client.post(reverse("logout"))
    client.force_login(user)
    response = client.post(reverse("two_factor:verify"), {"code": codes[0]})
    assert response.context["form"].has_error("code", "wrong_code")


def test_new_backup_codes_replace_the_old_ones(client):
    user = UserFactory(coordinator=True)
    device, old_codes = enable(user)
    log_in_verified(client, user, device)
    response = client.get(reverse("two_factor:backup_codes"))
    assertContains(response, "10")
    response = client.post(reverse("two_factor:backup_codes"), {"code": wrong_code(device)})
    assert response.context["form"].has_error("code", "wrong_code")
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(old_codes)
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    response = client.post(reverse("two_factor:backup_codes"), {"code": code_of(device)})
    new_codes = set(StaticToken.objects.values_list("token", flat=True))
    assert len(new_codes) == two_factor_services.BACKUP_CODE_COUNT
    assert not new_codes & set(old_codes)
    for code in new_codes:
        assertContains(response, code)


def test_turning_it_off_needs_a_current_code(client):
    user = UserFactory(coordinator=True)
    device, _codes = enable(user)
    log_in_verified(client, user, device)
    assert client.get(reverse("two_factor:disable")).status_code == 200
    response = client.post(reverse("two_factor:disable"), {"code": "abcdefgh"})
    assert response.context["form"].has_error("code", "wrong_code")
    assert TOTPDevice.objects.filter(user=user).exists()
    response = client.post(reverse("two_factor:disable"), {"code": code_of(device)})
    assertRedirects(response, reverse("inclusion:profile"))
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    user.refresh_from_db()
    assert not user.has_second_factor
    assert DEVICE_ID_SESSION_KEY not in client.session
    # Next log-in: the password is enough again.
    client.post(reverse("logout"))
    client.force_login(user)
    assert client.get(reverse("inclusion:home")).status_code == 200


def test_a_coordinator_who_lost_the_role_can_still_turn_it_off(client):
    user = UserFactory(coordinator=True)
    device, _codes = enable(user)
    user.memberships.all().delete()
    log_in_verified(client, UserFactory._meta.model.objects.get(pk=user.pk), device)
    assert client.get(reverse("two_factor:disable")).status_code == 200


def test_required_for_admins_sends_them_to_setup_on_every_page(client, settings):
    settings.OTP_REQUIRED_FOR_ADMINS = True
    admin = UserFactory(admin=True)
    client.force_login(admin)
    for url in [
        reverse("inclusion:home"),
        reverse("inclusion:account_list"),
        reverse("admin:index"),
        reverse("two_factor:verify"),
    ]:
        assertRedirects(client.get(url), reverse("two_factor:setup"), fetch_redirect_response=False)
    response = client.get(reverse("two_factor:setup"))
    assertContains(response, gettext("Admin accounts must use two-step verification: set it up to continue."))
    assert client.get(reverse("public:antenna_list")).status_code == 200
    assertRedirects(client.post(reverse("logout")), reverse("login"))

    client.force_login(admin)
    client.get(reverse("two_factor:setup"))
    key = client.session[two_factor.PENDING_KEY_SESSION_KEY]
    client.post(reverse("two_factor:setup"), {"code": code_of_key(key)})
    assert client.get(reverse("inclusion:home")).status_code == 200


def test_the_obligation_is_read_from_the_environment():
    environment = {**os.environ, "OTP_REQUIRED_FOR_ADMINS": "true", "DJANGO_SETTINGS_MODULE": "inclusion.settings"}
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.OTP_REQUIRED_FOR_ADMINS)"],
        env=environment,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "True"


def test_required_for_admins_leaves_coordinators_free(client, settings):
    settings.OTP_REQUIRED_FOR_ADMINS = True
    client.force_login(UserFactory(coordinator=True))
    assert client.get(reverse("inclusion:home")).status_code == 200


def test_not_required_by_default(client):
    client.force_login(UserFactory(admin=True))
    assert client.get(reverse("inclusion:home")).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_technical_admin_needs_the_code_too(client):
    admin = UserFactory(admin=True)
    device, _codes = enable(admin)
    client.force_login(admin)
    for url in [reverse("admin:index"), reverse("admin:core_user_changelist")]:
        assertRedirects(client.get(url), f"{reverse('two_factor:verify')}?next={url}")
    client.post(reverse("two_factor:verify"), {"code": code_of(device)})
    assert client.get(reverse("admin:index")).status_code == 200


def test_logging_in_on_the_technical_admin_page_asks_for_the_code_too(client):
    admin = UserFactory(admin=True, email="admin@example.org")
    device, _codes = enable(admin)
    response = client.post(
        reverse("admin:login"),
        {"username": "admin@example.org", "password": PASSWORD, "next": reverse("admin:index")},
    )
    assertRedirects(response, reverse("admin:index"), fetch_redirect_response=False)
    url = reverse("admin:index")
    assertRedirects(client.get(url), f"{reverse('two_factor:verify')}?next={url}")
    assertRedirects(client.post(f"{reverse('two_factor:verify')}?next={url}", {"code": code_of(device)}), url)


def test_the_technical_admin_hides_the_devices_secrets(client):
    admin = UserFactory(admin=True)
    device, codes = enable(admin)
    log_in_verified(client, admin, device)
    response = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert response.status_code == 200
    assertNotContains(response, device.key)
    static_device = StaticDevice.objects.get(user=admin)
    response = client.get(reverse("admin:otp_static_staticdevice_change", args=[static_device.pk]))
    assert response.status_code == 200
    for code in codes:
        assertNotContains(response, code)


def test_public_pages_stay_open_before_the_code(client):
    user = UserFactory(coordinator=True)
    enable(user)
    client.force_login(user)
    assert client.get(reverse("public:antenna_list")).status_code == 200
    assert client.get(reverse("login")).status_code == 302


def test_log_out_before_the_code(client):
    user = UserFactory(coordinator=True)
    enable(user)
    client.force_login(user)
    assertRedirects(client.post(reverse("logout")), reverse("login"))
    assert "_auth_user_id" not in client.session
    admin = UserFactory(admin=True)
    enable(admin)
    client.force_login(admin)
    assertRedirects(client.post(reverse("admin:logout")), reverse("login"))
    assert "_auth_user_id" not in client.session


def test_idle_session_still_ends_on_the_code_page(client):
    user = UserFactory(coordinator=True)
    enable(user)
    client.force_login(user)
    session = client.session
    session[SessionTimeoutMiddleware.LAST_SEEN_KEY] = time.time() - 31 * 60
    session.save()
    url = reverse("two_factor:verify")
    assertRedirects(client.get(url), f"{reverse('login')}?next={url}")
    assert "_auth_user_id" not in client.session


def test_turning_it_on_in_one_browser_asks_for_the_code_in_the_others(client, django_user_model):
    user = UserFactory(coordinator=True)
    other_browser = Client()
    other_browser.force_login(user)
    assert other_browser.get(reverse("inclusion:home")).status_code == 200
    client.force_login(user)
    client.get(reverse("two_factor:setup"))
    key = client.session[two_factor.PENDING_KEY_SESSION_KEY]
    client.post(reverse("two_factor:setup"), {"code": code_of_key(key)})
    assert django_user_model.objects.get(pk=user.pk).has_second_factor
    assertRedirects(other_browser.get(reverse("inclusion:home")), f"{reverse('two_factor:verify')}?next=/")


def test_devices_changed_in_the_technical_admin_are_followed(client, django_user_model):
    user = UserFactory(coordinator=True)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=False)
    assert not django_user_model.objects.get(pk=user.pk).has_second_factor
    device.confirmed = True
    device.save()
    assert django_user_model.objects.get(pk=user.pk).has_second_factor
    client.force_login(user)
    assertRedirects(client.get(reverse("inclusion:home")), f"{reverse('two_factor:verify')}?next=/")
    device.delete()
    assert not django_user_model.objects.get(pk=user.pk).has_second_factor
    assert client.get(reverse("inclusion:home")).status_code == 200


def test_a_flag_left_without_device_does_not_lock_the_user_out(client, django_user_model):
    user = UserFactory(coordinator=True)
    django_user_model.objects.filter(pk=user.pk).update(has_second_factor=True)
    client.force_login(user)
    response = client.get(reverse("inclusion:home"), follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert response.status_code == 200
    assert not django_user_model.objects.get(pk=user.pk).has_second_factor


def test_pages_of_users_without_a_device_cost_no_query_more(client, settings):
    client.force_login(UserFactory(volunteer=True))
    client.get(reverse("inclusion:home"))
    with CaptureQueriesContext(connection) as with_second_factor:
        client.get(reverse("inclusion:home"))
    settings.MIDDLEWARE = [
        name
        for name in settings.MIDDLEWARE
        if name not in {"django_otp.middleware.OTPMiddleware", "inclusion.core.middleware.SecondFactorMiddleware"}
    ]
    with CaptureQueriesContext(connection) as without:
        client.get(reverse("inclusion:home"))
    assert len(with_second_factor) == len(without)


def test_account_page_queries_with_the_second_factor_on(client, django_assert_num_queries):
    user = UserFactory(coordinator=True)
    device, _codes = enable(user)
    log_in_verified(client, user, device)
    # Session, user, the verifying device, the user's roles (2), memberships, referrer profile,
    # the app's device and the count of backup codes.
    with django_assert_num_queries(9):
        response = client.get(reverse("inclusion:profile"))
    assertContains(response, "10")
