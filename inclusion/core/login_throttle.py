"""The log-in throttle: django-axes pauses an account after AXES_FAILURE_LIMIT wrong passwords,
and an address only after AXES_ADDRESS_FAILURE_LIMIT.

The computers of a drop-in reach the site through one public address: with a single limit for
both, one person's typos would pause logging in for the whole room. django-axes compares every
count it keeps with one limit, so the address is counted here, apart, at its own threshold.
"""

from hashlib import sha256

from axes.conf import settings
from axes.handlers.cache import AxesCacheHandler
from axes.helpers import get_cache_timeout, get_client_username
from axes.signals import user_locked_out


class LoginThrottleHandler(AxesCacheHandler):
    """Axes' cache handler, plus a failure count per address with its own, higher, limit.

    An unknown account is counted and paused exactly as a known one: the counts are keyed by what
    was typed, never by a looked-up account. A successful log-in does not clear the address's
    count, or one valid account would reset it for whoever keeps guessing from that address.
    """

    def is_locked(self, request, credentials=None) -> bool:
        return super().is_locked(request, credentials) or (
            settings.AXES_LOCK_OUT_AT_FAILURE
            and self._address_failures(request.axes_ip_address) >= settings.AXES_ADDRESS_FAILURE_LIMIT
        )

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        # A try refused during a pause is not counted, as axes does for the account: counting it
        # would stretch the pause for ever.
        counted = (
            request is not None
            and not (request.axes_locked_out and not settings.AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT)
            and not self.is_whitelisted(request, credentials)
        )
        super().user_login_failed(sender, credentials, request, **kwargs)
        if not counted or not request.axes_ip_address:
            return
        failures = self._address_failure_add(request)
        if (
            settings.AXES_LOCK_OUT_AT_FAILURE
            and failures >= settings.AXES_ADDRESS_FAILURE_LIMIT
            and not request.axes_locked_out
        ):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )

    def reset_attempts(self, *, ip_address=None, username=None, ip_or_username=False) -> int:
        count = super().reset_attempts(ip_address=ip_address, username=username, ip_or_username=ip_or_username)
        if ip_address:
            count += int(bool(self.cache.delete(_address_key(ip_address))))
        return count

    def _address_failures(self, ip_address: str | None) -> int:
        return self.cache.get(_address_key(ip_address), default=0) if ip_address else 0

    def _address_failure_add(self, request) -> int:
        key = _address_key(request.axes_ip_address)
        timeout = get_cache_timeout(request)
        if self.cache.add(key, 1, timeout=timeout):
            return 1
        try:
            failures = self.cache.incr(key)
        except ValueError:
            # The count expired between the two calls: this failure starts a new one.
            self.cache.set(key, 1, timeout=timeout)
            return 1
        # As for the account: the pause runs from the last failure.
        self.cache.touch(key, timeout=timeout)
        return failures


def _address_key(ip_address: str) -> str:
    # A prefix of its own: axes keys a count by the hash of its values alone, so an account named
    # "192.0.2.1" would otherwise share the count of that address.
    return "axes-address-" + sha256(ip_address.encode()).hexdigest()
