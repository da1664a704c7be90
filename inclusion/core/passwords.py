"""The password rule recommended by the CNIL (deliberation 2022-100), for accounts without a second factor."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# A word of a passphrase is a run of letters, accented ones included: "1111 2222 3333 4444 5555"
# is long but is not a phrase.
WORD = re.compile(r"[^\W\d_]+")


class PasswordStrengthValidator:
    """At least 12 characters mixing three of the four kinds (lower case, upper case, digit, other),
    or a passphrase of at least 20 characters and 4 words.

    Both reach the entropy the CNIL asks for; the passphrase is the one people remember, which
    matters for volunteers who log in once a week.
    """

    def __init__(self, min_length=12, min_kinds=3, passphrase_min_length=20, passphrase_min_words=4):
        self.min_length = min_length
        self.min_kinds = min_kinds
        self.passphrase_min_length = passphrase_min_length
        self.passphrase_min_words = passphrase_min_words

    def validate(self, password, user=None):
        if self._is_passphrase(password) or self._is_mixed(password):
            return
        raise ValidationError(self._rule(), code="password_too_weak")

    def get_help_text(self):
        return self._rule()

    def _is_passphrase(self, password):
        return len(password) >= self.passphrase_min_length and len(WORD.findall(password)) >= self.passphrase_min_words

    def _is_mixed(self, password):
        kinds = (
            any(character.islower() for character in password),
            any(character.isupper() for character in password),
            any(character.isdigit() for character in password),
            any(not character.isalnum() for character in password),
        )
        return len(password) >= self.min_length and sum(kinds) >= self.min_kinds

    def _rule(self):
        return _(
            "Your password must have at least %(min_length)d characters mixing at least %(min_kinds)d of "
            "lower case letters, upper case letters, digits and other characters, or be a phrase of at least "
            "%(passphrase_min_length)d characters and %(passphrase_min_words)d words."
        ) % {
            "min_length": self.min_length,
            "min_kinds": self.min_kinds,
            "passphrase_min_length": self.passphrase_min_length,
            "passphrase_min_words": self.passphrase_min_words,
        }


def login_attempt_username(request, credentials: dict | None = None) -> str:
    """The address a log-in attempt is counted against, written the way accounts store it:
    "Marie@X.fr" and "marie@x.fr" share one failure count, so changing the case of the address
    does not buy more attempts."""
    source = credentials if credentials is not None else request.POST
    return str(source.get("username", "")).strip().lower()
