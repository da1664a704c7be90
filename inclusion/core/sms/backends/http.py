"""A French SMS provider's REST API, reached with the standard library only.

The request is what such providers expect for transactional messages: a JSON POST carrying a
bearer token, the recipients in E.164, the text and the sender name:

    POST {SMS_API_URL}
    Authorization: Bearer {SMS_API_KEY}
    {"recipients": ["+33612345678"], "message": "…", "sender": "Permanence"}

A 2xx answer means the provider took the message (its JSON may name it by "id" or
"message_id"); 4xx means it never will (bad number, bad key, no credit), except 408 and 429
which ask to come back later; 5xx, a timeout or an unreachable host are worth another try.
"""

import json
import urllib.error
import urllib.request

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from inclusion.core.sms.backends.base import BaseSmsBackend, SmsMessage, SmsPermanentError, SmsTemporaryError

RETRYABLE_CLIENT_STATUSES = {408, 429}


class SmsBackend(BaseSmsBackend):
    def __init__(self, *, url: str = "", api_key: str = "", timeout: float | None = None, **kwargs):
        super().__init__(**kwargs)
        self.url = url or settings.SMS_API_URL
        self.api_key = api_key or settings.SMS_API_KEY
        self.timeout = timeout if timeout is not None else settings.SMS_API_TIMEOUT
        if not self.url or not self.api_key:
            raise ImproperlyConfigured("The HTTP SMS backend needs SMS_API_URL and SMS_API_KEY.")
        if not self.url.startswith(("https://", "http://")):
            raise ImproperlyConfigured("SMS_API_URL must be an http(s):// address.")

    def send(self, message: SmsMessage) -> str:
        payload = {"recipients": [message.to], "message": message.body}
        if message.sender:
            payload["sender"] = message.sender
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked in __init__)
            self.url,
            data=json.dumps(payload).encode(),
            method="POST",
            headers={
                "Authorization": f"Bearer {self.api_key}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = response.read(65536)
        except urllib.error.HTTPError as error:
            detail = _error_detail(error)
            if 400 <= error.code < 500 and error.code not in RETRYABLE_CLIENT_STATUSES:
                raise SmsPermanentError(f"HTTP {error.code}: {detail}") from error
            raise SmsTemporaryError(f"HTTP {error.code}: {detail}") from error
        except TimeoutError as error:
            raise SmsTemporaryError(f"No answer within {self.timeout:g} s") from error
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                raise SmsTemporaryError(f"No answer within {self.timeout:g} s") from error
            raise SmsTemporaryError(f"Provider unreachable: {error.reason}") from error
        except OSError as error:
            raise SmsTemporaryError(f"Provider unreachable: {error}") from error
        return _reference(body)


def _error_detail(error: urllib.error.HTTPError) -> str:
    try:
        text = error.read(2000).decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    finally:
        error.close()
    return text[:300] or str(error.reason)


def _reference(body: bytes) -> str:
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return ""
    if isinstance(data, dict):
        return str(data.get("id") or data.get("message_id") or "")[:100]
    return ""
