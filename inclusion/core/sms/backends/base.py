import abc
import dataclasses


@dataclasses.dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str
    sender: str = ""


class SmsError(Exception):
    """A text message that did not leave."""


class SmsTemporaryError(SmsError):
    """Worth trying again later: the provider was unreachable, slow or failing."""


class SmsPermanentError(SmsError):
    """Never worth trying again as is: the provider refused the number or the message."""


class BaseSmsBackend(abc.ABC):
    """What every SMS backend does: send one message and return the provider's reference."""

    @abc.abstractmethod
    def send(self, message: SmsMessage) -> str:
        """Send the message; raise SmsTemporaryError or SmsPermanentError when it does not leave."""
