"""The conditions that find a person by their names or part of their phone number.

On PostgreSQL every word of a search is looked for in one text per person: their first and last
names without accents, in lower case (Beneficiary.search_name, a column the database computes).
Migration 0003 indexes it with a trigram index, which serves `LIKE '%word%'` for a word of three
characters or more, and the phone with another. The embedded SQLite of the demo has neither index nor
unaccent(): there each name is matched against a regular expression that accepts every accented
form of the letters typed.
"""

import re
import unicodedata
from typing import NamedTuple

from django.db.models import F, Func, Q, TextField, Value
from django.db.models.functions import StrIndex
from django.db.models.lookups import GreaterThan

# A trigram index finds a word from three characters on: a shorter one has no trigram to look up.
INDEXED_LENGTH = 3

# The accented letters names are written with in France (French, Breton, Occitan, and the
# Portuguese, Spanish, Turkish, Polish... names of those who settled here), by the letter typed
# for them. Both cases are listed: SQLite (the demo) only folds ASCII letters' case. PostgreSQL's
# unaccent() maps each of them to the same letters (a test holds them to it).
LETTER_VARIANTS = {
    "a": "àáâãäåāą",
    "c": "çćč",
    "d": "ď",
    "e": "èéêëēęě",
    "g": "ğ",
    "i": "ìíîïīı",
    "l": "ł",
    "n": "ñńň",
    "o": "òóôõöøō",
    "r": "ř",
    "s": "śšş",
    "t": "ť",
    "u": "ùúûüūů",
    "y": "ýÿ",
    "z": "źżž",
}
LIGATURES = {"oe": "œŒ", "ae": "æÆ", "ss": "ß"}
LETTER_BASE = {variant: base for base, variants in LETTER_VARIANTS.items() for variant in variants}
LETTER_BASE |= {variant.upper(): base for variant, base in LETTER_BASE.items() if len(variant.upper()) == 1}
LETTER_BASE |= {ligature: pair for pair, ligatures in LIGATURES.items() for ligature in ligatures} | {"İ": "i"}


def search_words(text: str) -> list[str]:
    """The words of a search without their accents, in lower case.

    NFKC first: a letter and its accent sent apart (as some phones type them) become one
    letter, and full-width or styled letters plain ones.
    """
    composed = unicodedata.normalize("NFKC", text)
    return "".join(LETTER_BASE.get(character, character) for character in composed).lower().split()


class SearchName(Func):
    """A person's first and last names without accents, in lower case: "Hélène Lefèvre" is
    "helene lefevre". Beneficiary.search_name holds it, computed by the database
    (immutable_unaccent() is migration 0003's). SQLite has no unaccent(): there it only lowers
    the case, and the search reads the names themselves (_regex_condition)."""

    template = "lower(immutable_unaccent(%(expressions)s))"
    arg_joiner = " || ' ' || "
    output_field = TextField()

    def __init__(self):
        super().__init__(F("first_name"), F("last_name"))

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="lower(%(expressions)s)", **extra_context)


class Condition(NamedTuple):
    """A condition of a search, and whether an index finds the people who meet it."""

    q: Q
    indexed: bool


def name_condition(words: list[str], *, vendor: str) -> Condition:
    """People whose names hold every word, in any order, whatever the accents and case.

    `words` come from search_words(). On PostgreSQL each word is looked for in search_name: a
    word of three characters or more through the trigram index; a shorter one, which has no
    trigram, only among the people the other conditions leave ("li wei" is found through "wei";
    "li" alone among the people the user may see).
    """
    if vendor != "postgresql":
        return Condition(_regex_condition(words), indexed=False)
    condition = Q()
    for word in words:
        if len(word) >= INDEXED_LENGTH:
            condition &= Q(search_name__contains=word)
        else:
            # strpos() rather than LIKE: PostgreSQL would read the whole index for a LIKE
            # without trigrams, where it now tests only the rows found otherwise.
            condition &= Q(GreaterThan(StrIndex("search_name", Value(word)), 0))
    return Condition(condition, indexed=any(len(word) >= INDEXED_LENGTH for word in words))


def _regex_condition(words: list[str]) -> Q:
    """The names' condition where there is no unaccent(): every word in the first or the last name."""
    condition = Q()
    for word in words:
        pattern = _word_pattern(word)
        condition &= Q(first_name__iregex=pattern) | Q(last_name__iregex=pattern)
    return condition


def _letter_pattern(letter: str) -> str:
    variants = LETTER_VARIANTS.get(letter)
    if not variants:
        return re.escape(letter)
    return "[" + letter + variants + variants.upper() + "]"


def _word_pattern(word: str) -> str:
    """A regular expression finding a word of a search in a name whatever its accents: "benoit"
    finds "Benoît", "coeur" finds "Cœur". Every character typed is escaped or made a class of
    letters, so the pattern has no repetition for anyone to make slow."""
    parts = []
    position = 0
    while position < len(word):
        pair = word[position : position + 2]
        if pair in LIGATURES:
            letters = _letter_pattern(pair[0]) + _letter_pattern(pair[1])
            parts.append(f"(?:{letters}|[{LIGATURES[pair]}])")
            position += 2
        else:
            parts.append(_letter_pattern(word[position]))
            position += 1
    return "".join(parts)


# The French numbering plan's regions with their own country code: 06 92… is +262 692….
_FRENCH_COUNTRY_CODES = ("33", "262", "590", "594", "596")
_PHONE_PUNCTUATION = re.compile(r"[\s.\-/()]")
_PHONE_PART = re.compile(r"(\+|00)?[0-9]{2,15}")


def phone_part_condition(text: str) -> Condition | None:
    """People whose phone holds the digits typed, written any way: "06 12 34", "0612", "34 56"
    and "+33 6 12" all find +33612345678; None when the text is no part of a number.

    Phones are stored in the E.164 form (inclusion.core.phones). Every condition is a LIKE on
    the phone, which the trigram index person_phone_trgm_idx serves from three digits on.
    """
    compact = _PHONE_PUNCTUATION.sub("", text)
    if not _PHONE_PART.fullmatch(compact):
        return None
    if compact.startswith(("+", "00")):
        digits = compact.removeprefix("+").removeprefix("00")
        return Condition(Q(phone__startswith="+" + digits), indexed=len(digits) >= INDEXED_LENGTH)
    # The digits anywhere in the number: its end, "56 78", or its middle, "05 41 62".
    condition = Q(phone__contains=compact)
    if compact.startswith("0"):
        # A leading 0 may also be the French trunk prefix, that E.164 drops: the number's
        # start, after a country code ("06 12" is +33 6 12…).
        national = compact[1:]
        for code in _FRENCH_COUNTRY_CODES:
            condition |= Q(phone__startswith=f"+{code}{national}")
    return Condition(condition, indexed=len(compact) >= INDEXED_LENGTH)
