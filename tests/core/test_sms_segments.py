"""The segments an SMS text is billed in: GSM-7 up to 160 septets (153 per segment beyond),
UCS-2 up to 70 code units (67 per segment beyond); an empty text is 0 segments."""

import pytest

from inclusion.core.sms.segments import SmsSegments, sms_segments


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", SmsSegments("GSM-7", 0, 0)),
        ("a", SmsSegments("GSM-7", 1, 1)),
        ("a" * 160, SmsSegments("GSM-7", 160, 1)),
        ("a" * 161, SmsSegments("GSM-7", 161, 2)),
        ("a" * 153 * 2, SmsSegments("GSM-7", 306, 2)),
        ("a" * (153 * 2 + 1), SmsSegments("GSM-7", 307, 3)),
        ("é à ù è ì ò Ç ñ ü ß £ € @\n", SmsSegments("GSM-7", 27, 1)),
    ],
)
def test_gsm_texts(text, expected):
    assert sms_segments(text) == expected


@pytest.mark.parametrize("character", list("^{}\\[~]|€"))
def test_the_extension_characters_count_two_septets(character):
    assert sms_segments(character) == SmsSegments("GSM-7", 2, 1)
    assert sms_segments("a" * 158 + character) == SmsSegments("GSM-7", 160, 1)
    assert sms_segments("a" * 159 + character) == SmsSegments("GSM-7", 161, 2)


def test_a_euro_sign_in_a_long_text():
    assert sms_segments("€" * 80) == SmsSegments("GSM-7", 160, 1)
    assert sms_segments("€" * 81) == SmsSegments("GSM-7", 162, 2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ă", SmsSegments("UCS-2", 1, 1)),
        ("ă" + "a" * 69, SmsSegments("UCS-2", 70, 1)),
        ("ă" + "a" * 70, SmsSegments("UCS-2", 71, 2)),
        ("ă" * 67 * 2, SmsSegments("UCS-2", 134, 2)),
        ("ă" * (67 * 2 + 1), SmsSegments("UCS-2", 135, 3)),
        ("ب" * 70, SmsSegments("UCS-2", 70, 1)),
        ("ب" * 71, SmsSegments("UCS-2", 71, 2)),
        # The extension characters are one code unit each in UCS-2.
        ("ă€[", SmsSegments("UCS-2", 3, 1)),
    ],
)
def test_ucs2_texts(text, expected):
    assert sms_segments(text) == expected


def test_an_emoji_counts_two_code_units():
    assert sms_segments("🙂") == SmsSegments("UCS-2", 2, 1)
    assert sms_segments("🙂" + "a" * 68) == SmsSegments("UCS-2", 70, 1)
    assert sms_segments("🙂" + "a" * 69) == SmsSegments("UCS-2", 71, 2)


def test_the_result_is_frozen():
    result = sms_segments("Bonjour")
    with pytest.raises(AttributeError):
        result.segments = 2  # type: ignore[misc]
