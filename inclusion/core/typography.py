"""French typography of what the application writes for a person to read: the first of a month
is « 1er » (« mardi 1er décembre »), and « de » before a name elides or contracts as French does
(« le rendez-vous d'Amina », « les dates du Bouscat »). Other languages are written as they are.

Dates formatted in Python go through date_format() below, and dates in templates through the
built-in `date` filter (inclusion/core/templatetags/dates.py): both apply date_typography().
"""

import datetime
import re
import unicodedata

from django.utils import formats
from django.utils.translation import get_language, pgettext

FRENCH_MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
# A lone "1" before a month's name: not the end of 11, 21 or 31.
FIRST_OF_MONTH = re.compile(rf"(?<![\d])1(?= (?:{FRENCH_MONTHS})\b)", re.IGNORECASE)

VOWELS = frozenset("aeiouæœ")


def _french() -> bool:
    return (get_language() or "").startswith("fr")


def first_of_month(text: str) -> str:
    """« 1 décembre » as French writes it, « 1er décembre »; other days as they are."""
    return FIRST_OF_MONTH.sub("1er", text)


def date_typography(text: str) -> str:
    """A date written out in the active language, with « 1er » for the first of a month in French."""
    return first_of_month(text) if text and _french() else text


def date_format(value: datetime.date | datetime.datetime, format: str | None = None) -> str:
    """Django's formats.date_format in the active language, with French typography: the one
    way to write a date in Python for a person to read (messages, SMS, e-mails, the card)."""
    return date_typography(formats.date_format(value, format))


def _letter(character: str) -> str:
    """The base letter of a character, lower case: "É" gives "e"."""
    return unicodedata.normalize("NFD", character)[0].lower()


def _elides(name: str) -> bool:
    """Whether French writes « d' » rather than « de » before the name.

    Before a vowel, accented or not, and before every h: names with an "h aspiré" are rare (and
    first names such as Hélène, Hugo or Hamid take « d' »), so a few place names such as
    Haguenau read « d'Haguenau » rather than « de Haguenau ». A y elides before a consonant
    (« d'Yves ») but not before a vowel, where it sounds as a consonant (« de Yasmine »).
    """
    if not name:
        return False
    first = _letter(name[0])
    if first == "y":
        return len(name) > 1 and _letter(name[1]).isalpha() and _letter(name[1]) not in VOWELS | {"y"}
    return first in VOWELS or first == "h"


def _french_of(name: str, *, article: bool) -> str:
    if article:
        # « de » and the article of a place or an organization make one word: « du Bouscat »,
        # « des Aubiers » (La and L' stay: « de La Blancarde »).
        for name_article, contracted in (("Le ", "du "), ("Les ", "des ")):
            if name.startswith(name_article):
                return contracted + name[len(name_article) :]
    return ("d'" if _elides(name) else "de ") + name


def _of(name: object, *, article: bool) -> str:
    text = str(name).strip()
    if _french():
        return _french_of(text, article=article)
    # Translators: "of" before a person's or a place's name, as in "the profile of Amina" or "the
    # dates of La Blancarde". French does not use this message: the code chooses « de », « d' »,
    # « du » or « des » by the name's first letters.
    return pgettext("before a name", "of %(name)s") % {"name": text}


def of_name(name: object) -> str:
    """A person's name after "of" in the active language: « de Monique », « d'Amina », "of Amina".

    For the placeholders such as %(of_person)s of sentences that say whose something is."""
    return _of(name, article=False)


def of_place(name: object) -> str:
    """An antenna's or an organization's name after "of" in the active language: « de La
    Blancarde », « d'Eysines », « du Bouscat », « des Aubiers », "of Eysines"."""
    return _of(name, article=True)
