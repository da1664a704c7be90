"""How many segments an SMS text takes, the unit its provider bills.

A text written only with the GSM 03.38 basic character set travels in GSM-7: 160 septets in
one segment, 153 in each segment of a longer text (the rest of each holds the header that
joins them). The characters of the extension table (`^{}\\[~]|€`) are sent as an escape
and a character, two septets. Any other character makes the whole text UCS-2: 70 UTF-16 code
units in one segment, 67 in each of a longer text; a character outside the Basic Multilingual
Plane (most emoji) takes two code units.

An empty text is 0 segments: nothing is sent. The count does not move a segment's boundary
away from the middle of an escape pair or a surrogate pair, as some phones do, so a long text
ending on such a character may in rare cases take one segment more than counted.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from typing import Literal

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("^{}\\[~]|€")

GSM_SINGLE = 160
GSM_CONCATENATED = 153
UCS2_SINGLE = 70
UCS2_CONCATENATED = 67

Encoding = Literal["GSM-7", "UCS-2"]


@dataclasses.dataclass(frozen=True)
class SmsSegments:
    """A text's encoding, its length in that encoding's units (septets or UTF-16 code units)
    and the number of segments it is sent in."""

    encoding: Encoding
    units: int
    segments: int


def _segments(units: int, single: int, concatenated: int) -> int:
    if units == 0:
        return 0
    if units <= single:
        return 1
    return -(-units // concatenated)


def sms_segments(text: str) -> SmsSegments:
    """The encoding, units and segments of an SMS text."""
    septets = 0
    for character in text:
        if character in GSM_BASIC:
            septets += 1
        elif character in GSM_EXTENSION:
            septets += 2
        else:
            break
    else:
        return SmsSegments("GSM-7", septets, _segments(septets, GSM_SINGLE, GSM_CONCATENATED))
    code_units = len(text.encode("utf-16-le")) // 2
    return SmsSegments("UCS-2", code_units, _segments(code_units, UCS2_SINGLE, UCS2_CONCATENATED))


# Latin letters and signs outside GSM 03.38, written as the nearest characters it has.
GSM_NEAREST = {
    "œ": "oe",
    "Œ": "OE",
    "’": "'",
    "‘": "'",
    "“": '"',
    "”": '"',
    "«": '"',
    "»": '"',
    "–": "-",
    "—": "-",
    "…": "...",
    "\u00a0": " ",
    "\u202f": " ",
    "ı": "i",
}


def _nearest(character: str) -> str:
    if character in GSM_BASIC or character in GSM_EXTENSION:
        return character
    if character in GSM_NEAREST:
        return GSM_NEAREST[character]
    # A letter with a diacritic GSM-7 lacks (ê, ç, ă, ş): its base letter, when GSM-7 has it.
    base = unicodedata.normalize("NFD", character)[0]
    return base if base in GSM_BASIC else character


def sms_fold(text: str) -> str:
    """A text in Latin script written with GSM-7's characters only, when that is possible: "août"
    becomes "aout", "Empêchement" "Empechement", so the text costs 160 characters a segment
    rather than 70. A text that holds other characters (Arabic, Cyrillic) is returned as it is:
    it travels in UCS-2 whatever is done, and keeps every letter."""
    folded = "".join(_nearest(character) for character in text)
    return folded if sms_segments(folded).encoding == "GSM-7" else text
