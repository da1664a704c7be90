"""Every write of the second factor: turning it on and off, checking a code, renewing backup codes."""

import re
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django_otp import device_classes
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from inclusion.core.models import User

BACKUP_CODE_COUNT = 10
# Device names are shown in the technical admin only.
APP_DEVICE_NAME = "authenticator app"
BACKUP_DEVICE_NAME = "backup codes"
APP_CODE = re.compile(r"\d{6}")


@dataclass(frozen=True)
class CodeCheck:
    """The answer to a code: the device that accepted it, or when the next try is allowed."""

    device: TOTPDevice | StaticDevice | None
    retry_at: datetime | None = None


def code_normalize(code: str) -> str:
    """Codes are typed by hand, often with the spaces the app shows and in capitals: drop both."""
    return "".join(code.split()).lower()


def user_second_factor_sync(*, user_id: int) -> bool:
    """Bring User.has_second_factor in step with the device tables; returns the new value."""
    has = any(model.objects.filter(user_id=user_id, confirmed=True).exists() for model in device_classes())
    User.objects.filter(pk=user_id).exclude(has_second_factor=has).update(has_second_factor=has)
    return has


def device_saved(sender, instance, **kwargs) -> None:
    """Receiver of post_save on the device models, including saves made in the technical admin."""
    if instance.confirmed:
        # Each code checked saves its device (throttle, last use): one cheap update that changes nothing.
        User.objects.filter(pk=instance.user_id, has_second_factor=False).update(has_second_factor=True)
    else:
        user_second_factor_sync(user_id=instance.user_id)


def device_deleted(sender, instance, **kwargs) -> None:
    """Receiver of post_delete on the device models: the last one gone, the password is enough again."""
    user_second_factor_sync(user_id=instance.user_id)


def two_factor_enable(*, user: User, key: str, last_t: int, drift: int) -> tuple[TOTPDevice, list[str]]:
    """Turn the second factor on with the secret the user's app has just proved to hold.

    last_t is the time step of that proof, so the same code cannot be replayed to log in. Any older
    device is replaced. Returns the device and the new backup codes, to be shown once.
    """
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(
            user=user, name=APP_DEVICE_NAME, key=key, confirmed=True, last_t=last_t, drift=drift
        )
        codes = _backup_codes_replace(user)
    # The saves above updated the row through device_saved; the instance in hand follows.
    user.has_second_factor = True
    return device, codes


def two_factor_disable(*, user: User) -> None:
    """Turn the second factor off: the app's secret and the backup codes are deleted."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
    user.has_second_factor = False


def backup_codes_renew(*, user: User) -> list[str]:
    """Replace the user's backup codes with new ones, returned to be shown once."""
    with transaction.atomic():
        return _backup_codes_replace(user)


def two_factor_check(*, user: User, code: str) -> CodeCheck:
    """Check a code from the app (six digits) or a backup code against the user's devices.

    The device row is locked so two requests cannot both use one code. A wrong code counts towards
    django-otp's throttle on the device, which then refuses every code until retry_at.
    """
    code = code_normalize(code)
    model = TOTPDevice if APP_CODE.fullmatch(code) else StaticDevice
    with transaction.atomic():
        device = model.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is None:
            return CodeCheck(device=None)
        allowed, details = device.verify_is_allowed()
        if not allowed:
            return CodeCheck(device=None, retry_at=(details or {}).get("locked_until"))
        if device.verify_token(code):
            return CodeCheck(device=device)
    return CodeCheck(device=None)


def _backup_codes_replace(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes
