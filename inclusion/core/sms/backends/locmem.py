from inclusion.core import sms
from inclusion.core.sms.backends.base import BaseSmsBackend, SmsMessage


class SmsBackend(BaseSmsBackend):
    """Keeps each message in `inclusion.core.sms.outbox`, for the tests."""

    def send(self, message: SmsMessage) -> str:
        sms.outbox.append(message)
        return f"locmem-{len(sms.outbox)}"
