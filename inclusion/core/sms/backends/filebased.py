import datetime
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from inclusion.core.sms.backends.base import BaseSmsBackend, SmsMessage


class SmsBackend(BaseSmsBackend):
    """Writes each message to its own file in the SMS_FILE_PATH directory."""

    def __init__(self, *, file_path: str | Path | None = None, **kwargs):
        super().__init__(**kwargs)
        path = file_path or getattr(settings, "SMS_FILE_PATH", None)
        if not path:
            raise ImproperlyConfigured("The file SMS backend needs SMS_FILE_PATH, a directory.")
        self.directory = Path(path)
        if self.directory.exists() and not self.directory.is_dir():
            raise ImproperlyConfigured(f"SMS_FILE_PATH {self.directory} is not a directory.")
        self.directory.mkdir(parents=True, exist_ok=True)

    def send(self, message: SmsMessage) -> str:
        reference = f"{datetime.datetime.now(datetime.UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(4)}"
        headers = f"To: {message.to}\n" + (f"From: {message.sender}\n" if message.sender else "")
        (self.directory / f"{reference}.txt").write_text(f"{headers}\n{message.body}\n", encoding="utf-8")
        return reference
