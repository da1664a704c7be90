import sys
import threading

from inclusion.core.sms.backends.base import BaseSmsBackend, SmsMessage


class SmsBackend(BaseSmsBackend):
    """Prints each message on standard output: the default, for trying the application."""

    def __init__(self, *, stream=None, **kwargs):
        super().__init__(**kwargs)
        self.stream = stream or sys.stdout
        self._lock = threading.RLock()

    def send(self, message: SmsMessage) -> str:
        with self._lock:
            self.stream.write(f"SMS to {message.to}")
            if message.sender:
                self.stream.write(f" from {message.sender}")
            self.stream.write(f":\n{message.body}\n{'-' * 79}\n")
            self.stream.flush()
        return ""
