"""The one Arabic normalizer (offset map included) and the tokenizer."""

from __future__ import annotations

import pytest

from builder.arabic import Token, normalize, normalize_with_map, tokenize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("أإآٱا", "ااااا"),
        ("مستشفى", "مستشفي"),
        ("مدرسة", "مدرسه"),
        ("مؤتمر", "موتمر"),
        ("رئيس", "رييس"),
        ("مُحَمَّدٌ", "محمد"),
        ("الـنـاتـو", "الناتو"),
        ("الرحمٰن", "الرحمن"),  # superscript alef
        ("٢٠٢١ و۱۲", "2021 و12"),
        ("ﻻ", "لا"),  # lam-alef ligature (NFKC)
        ("NATO Council", "NATO Council"),
        ("", ""),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected
    assert normalize_with_map(text)[0] == expected


@pytest.mark.parametrize(
    "text",
    [
        "روسيا",
        "رُوسِيَا والـنـاتـو في الـ 12",
        'قال: «إنَّ» مجلسَ "الناتو – روسيا"ّ',
        "ًبداية بحركة",  # a diacritic before the first letter
    ],
)
def test_offset_map_round_trip(text: str) -> None:
    normalized, offsets = normalize_with_map(text)
    # Every normalized character maps back to an original character that normalizes to it.
    for index, char in enumerate(normalized):
        start = offsets.start(index)
        end = offsets.end(index + 1)
        assert start < end <= len(text)
        assert char in normalize(text[start:end])
    # Spans round-trip: the original slice of a normalized span normalizes back to it.
    for start in range(len(normalized)):
        for end in range(start + 1, len(normalized) + 1):
            original = text[offsets.start(start) : offsets.end(end)]
            assert normalize(original) == normalized[start:end]
    assert offsets.end(len(normalized)) == len(text)


def test_offset_map_slow_path_words() -> None:
    # Ligatures expand under NFKC (ﻻ → لا, ﷲ → الله): spans cannot start inside them, but
    # every word maps back to exactly its original characters.
    text = "ﻻ بُدَّ من ﷲ"
    normalized, offsets = normalize_with_map(text)
    assert normalized == "لا بد من الله"
    originals = []
    position = 0
    for word in normalized.split(" "):
        originals.append(text[offsets.start(position) : offsets.end(position + len(word))])
        position += len(word) + 1
    assert originals == ["ﻻ", "بُدَّ", "من", "ﷲ"]


def test_offset_end_takes_trailing_diacritics() -> None:
    text = "بيروتَ، لبنانُّ"
    normalized, offsets = normalize_with_map(text)
    start = normalized.index("لبنان")
    assert text[offsets.start(start) : offsets.end(start + 5)] == "لبنانُّ"
    assert text[offsets.start(0) : offsets.end(5)] == "بيروتَ"


def test_offsets_fast_path_match_slow_reference() -> None:
    # The regex-based map must agree with a character-by-character reference.
    text = "وقال الرئيسُ الروسيُّ ـ بوتينَ ـ إنَّ روســيا"
    normalized, offsets = normalize_with_map(text)
    reference = []
    kept = 0
    for index, char in enumerate(text):
        if normalize(char):
            reference.append(index)
            kept += 1
    assert [offsets.start(i) for i in range(len(normalized))] == reference


def words(text: str) -> list[str]:
    return [t.text for t in tokenize(text)]


def test_tokenize_offsets_index_the_original() -> None:
    text = 'قال «الناتو»، في الـ 12 من كانون؛ بـ"روسيا" – مَرْحَبًا ١٢٣ NATO-Russia؟'
    tokens = tokenize(text)
    for token in tokens:
        assert text[token.start : token.end] == token.text
    assert [t.text for t in tokens] == [
        "قال",
        "«",
        "الناتو",
        "»",
        "،",
        "في",
        "الـ",
        "12",
        "من",
        "كانون",
        "؛",
        "بـ",
        '"',
        "روسيا",
        '"',
        "–",
        "مَرْحَبًا",
        "١٢٣",
        "NATO",
        "-",
        "Russia",
        "؟",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("روســيا", ["روســيا"]),  # tatweel inside a word
        ("“Hello” ‘world’", ["“", "Hello", "”", "‘", "world", "’"]),
        ("أ—ب — ج", ["أ", "—", "ب", "—", "ج"]),
        ("1,500 و١٫٥ و3.", ["1,500", "و١٫٥", "و3", "."]),
        ("كلمة\u200fأخرى", ["كلمة", "أخرى"]),  # bidi marks separate, are no tokens
        ("؟؟", ["؟", "؟"]),
        ("", []),
    ],
)
def test_tokenize_cases(text: str, expected: list[str]) -> None:
    assert words(text) == expected


def test_token_is_word() -> None:
    assert Token(0, 3, "قال").is_word
    assert Token(0, 2, "12").is_word
    assert not Token(0, 1, "،").is_word
    assert not Token(0, 1, "«").is_word
