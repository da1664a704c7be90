"""The second factor's pages: the code asked after the password, setting it up, turning it off,
renewing the backup codes."""

import segno
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from inclusion.core import two_factor, two_factor_services
from inclusion.core.two_factor_forms import TwoFactorCodeForm, TwoFactorSetupForm


def _next_url(request) -> str:
    """Where to go once verified: the page asked for before the code, if it is on this site."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def verify(request):
    """The code page: a signed-in user with a second factor sees nothing else until a code is right."""
    user = request.user
    if not user.has_second_factor or user.is_verified():
        return redirect(_next_url(request))
    if not two_factor.has_device(user):
        # The flag outlived the devices (removed by hand in the database): nothing to ask.
        two_factor_services.user_second_factor_sync(user_id=user.pk)
        return redirect(_next_url(request))
    form = TwoFactorCodeForm(request.POST or None, user=user)
    # The only thing to do on this page: the cursor is in the field, as on the log-in page.
    form.fields["code"].widget.attrs["autofocus"] = True
    if form.is_valid():
        two_factor.session_verify(request, form.device)
        return redirect(_next_url(request))
    return render(request, "registration/two_factor_verify.html", {"form": form})


def setup(request):
    """Scan a QR code (or type the secret) into an authenticator app, then confirm with its first code."""
    user = request.user
    if user.has_second_factor:
        messages.info(request, _("Two-step verification is already on for your account."))
        return redirect("inclusion:profile")
    if not two_factor.may_use_two_factor(user):
        raise Http404
    key = request.session.get(two_factor.PENDING_KEY_SESSION_KEY)
    if not key:
        key = random_hex(20)
        request.session[two_factor.PENDING_KEY_SESSION_KEY] = key
    form = TwoFactorSetupForm(request.POST or None, key=key)
    if form.is_valid():
        device, codes = two_factor_services.two_factor_enable(user=user, key=key, last_t=form.last_t, drift=form.drift)
        del request.session[two_factor.PENDING_KEY_SESSION_KEY]
        two_factor.session_verify(request, device)
        messages.success(request, _("Two-step verification is on."))
        # Rendered in this answer rather than after a redirect, so the codes are never stored in the session.
        return render(request, "registration/two_factor_backup_codes.html", {"codes": codes, "just_enabled": True})
    # The address apps read from the QR code: issuer, account and secret, never typed by anyone else.
    config_url = TOTPDevice(user=user, key=key).config_url
    qr_code = segno.make(config_url, error="m").svg_data_uri(scale=5, light="white")
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "qr_code": qr_code,
            "secret": two_factor.secret_for_display(key),
            "required": two_factor.two_factor_required(user),
        },
    )


def disable(request):
    """Turn the second factor off, after a current code."""
    if not request.user.has_second_factor:
        raise Http404
    form = TwoFactorCodeForm(request.POST or None, user=request.user, submit_label=_("Turn off"))
    if form.is_valid():
        two_factor_services.two_factor_disable(user=request.user)
        request.session.pop(DEVICE_ID_SESSION_KEY, None)
        messages.success(request, _("Two-step verification is off."))
        return redirect("inclusion:profile")
    return render(request, "registration/two_factor_disable.html", {"form": form})


def backup_codes(request):
    """New backup codes, after a current code; the old ones stop working."""
    if not request.user.has_second_factor:
        raise Http404
    form = TwoFactorCodeForm(request.POST or None, user=request.user, submit_label=_("Get new codes"))
    if form.is_valid():
        codes = two_factor_services.backup_codes_renew(user=request.user)
        return render(request, "registration/two_factor_backup_codes.html", {"codes": codes, "just_enabled": False})
    status = two_factor.two_factor_status(request.user)
    return render(
        request,
        "registration/two_factor_backup_codes_renew.html",
        {"form": form, "backup_codes_left": status.backup_codes_left if status else 0},
    )
