"""Who may or must use a second factor, and what a session knows of it (reads only).

The second factor is an authenticator app (django-otp's TOTP device) with one-time backup codes
(its static device). The writes live in two_factor_services.py.
"""

from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

# Whether the signed-in account has a confirmed device, written at log-in. Reading it from the
# session spares every page of every user a query on the device tables.
HAS_DEVICE_SESSION_KEY = "two_factor_has_device"
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


def session_has_device(request) -> bool:
    """Whether the signed-in user has a second factor, as recorded in the session at log-in.

    A session opened before the second factor existed has no answer yet: it is asked once. A device
    removed meanwhile in the technical admin is noticed on the code page, which clears the flag.
    """
    known = request.session.get(HAS_DEVICE_SESSION_KEY)
    if known is None:
        known = has_device(request.user)
        request.session[HAS_DEVICE_SESSION_KEY] = known
    return known


def session_remember_device(request, *, has: bool, device=None) -> None:
    """Record in the session that the user has (or no longer has) a second factor, and, with the
    device that has just checked a code, that this session is verified."""
    request.session[HAS_DEVICE_SESSION_KEY] = has
    if device is not None:
        # django-otp's login() stores the device's id in the session and marks request.user verified.
        otp_login(request, device)
    elif not has:
        request.session.pop(DEVICE_ID_SESSION_KEY, None)


def remember_device_at_log_in(sender, request, user, **kwargs) -> None:
    """Receiver of user_logged_in: the one query that tells whether this account has a second factor."""
    if request is not None and hasattr(request, "session"):
        request.session[HAS_DEVICE_SESSION_KEY] = has_device(user)


@dataclass(frozen=True)
class TwoFactorStatus:
    """What the account page says of the user's second factor."""

    enabled: bool
    enabled_on: datetime | None = None
    backup_codes_left: int = 0


def two_factor_status(user) -> TwoFactorStatus | None:
    """The second factor of the user's account page; None for accounts that cannot have one."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
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
