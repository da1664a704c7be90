"""Text messages (SMS), sent through a pluggable backend as Django sends e-mails.

The backend is named by the SMS_BACKEND setting (a dotted path): the console by default, a
directory of files, the memory of the process for tests, or a provider's HTTP API. Numbers
are given in E.164 ("+33612345678"), as the project stores them.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from inclusion.core.sms.backends.base import BaseSmsBackend, SmsError, SmsMessage, SmsPermanentError, SmsTemporaryError

__all__ = [
    "BaseSmsBackend",
    "SmsError",
    "SmsMessage",
    "SmsPermanentError",
    "SmsTemporaryError",
    "get_sms_backend",
    "send_sms",
]

# Filled by the locmem backend, emptied by the tests (like django.core.mail.outbox).
outbox: list[SmsMessage] = []


def get_sms_backend(backend: str | None = None, **kwargs) -> BaseSmsBackend:
    """An instance of the configured SMS backend, or of the one named."""
    return import_string(backend or settings.SMS_BACKEND)(**kwargs)


def send_sms(*, to: str, body: str, backend: str | None = None) -> str:
    """Send one text message; returns the provider's reference of the message ("" when none).

    Raises SmsTemporaryError when trying again later may succeed (the provider is down or slow)
    and SmsPermanentError when it never will (a refused number, a rejected message).
    """
    message = SmsMessage(to=to, body=body, sender=settings.SMS_SENDER)
    return get_sms_backend(backend).send(message)
