from .base import BaseSmsBackend, SmsMessage


class SmsBackend(BaseSmsBackend):
    """Keeps each message in `inclusion.sms.outbox`, for the tests."""

    def send(self, message: SmsMessage) -> str:
        from inclusion import sms

        sms.outbox.append(message)
        return f"locmem-{len(sms.outbox)}"
