"""Who may or must use a second factor, and what the account page says of it.

The second factor is an authenticator app (django-otp's TOTP device) with one-time backup codes
(its static device); User.has_second_factor tells, without a query, whether an account has one.
The writes live in two_factor_services.py.
"""

from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

# The secret shown on the set-up page, kept until the user proves their app holds it: the QR code
# stays the same when they mistype a code, and no device row exists before it works.
PENDING_KEY_SESSION_KEY = "two_factor_pending_key"


def may_use_two_factor(user) -> bool:
    """Admins and coordinators, whose accounts reach many people's data, may add a second factor."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.is_staff or user.roles.is_coordinator


def two_factor_required(user) -> bool:
    """With OTP_REQUIRED_FOR_ADMINS, admins and the technical admin's users must have one."""
    return settings.OTP_REQUIRED_FOR_ADMINS and user.is_active and (user.is_superuser or user.is_staff)


def has_device(user) -> bool:
    return user_has_device(user, confirmed=True)


def session_verify(request, device) -> None:
    """Mark the session as verified by this device, which has just accepted a code."""
    # django-otp's login() stores the device's id in the session and marks request.user verified;
    # the session gains a privilege, so it gets a new key, as at log-in.
    otp_login(request, device)
    request.session.cycle_key()


@dataclass(frozen=True)
class TwoFactorStatus:
    """What the account page says of the user's second factor."""

    enabled: bool
    enabled_on: datetime | None = None
    backup_codes_left: int = 0


def two_factor_status(user) -> TwoFactorStatus | None:
    """The second factor of the user's account page; None for accounts that cannot have one."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() if user.has_second_factor else None
    if device is None:
        if not may_use_two_factor(user):
            return None
        return TwoFactorStatus(enabled=False)
    return TwoFactorStatus(
        enabled=True,
        enabled_on=device.created_at,
        backup_codes_left=StaticToken.objects.filter(device__user=user, device__confirmed=True).count(),
    )


def secret_for_display(key_hex: str) -> str:
    """The secret as authenticator apps ask for it by hand: base 32, in groups of four letters."""
    letters = b32encode(bytes.fromhex(key_hex)).decode().rstrip("=")
    return " ".join(letters[i : i + 4] for i in range(0, len(letters), 4))
