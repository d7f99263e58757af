"""Arabic text normalization: the one normalizer shared by entity matching, date
extraction and search (see ARABIC.md). Based on the rules of Lucene's ArabicNormalizer.

`normalize(text)` returns the normalized string. `normalize_with_map(text)` also returns an
`OffsetMap` that turns offsets in the normalized string back into offsets in the original,
so that editors and pages always see the text as it was written.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

TATWEEL = "\u0640"
# Harakat U+064B–U+0652, maddah/hamza above/below U+0653–U+0655 (combining forms that NFKC
# would otherwise fold into آ أ إ), and superscript alef U+0670.
_REMOVED = [TATWEEL, *(chr(c) for c in range(0x064B, 0x0656)), "\u0670"]
_FOLDED = {
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ى": "ي",
    "ة": "ه",
    "ؤ": "و",
    "ئ": "ي",
    **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
    **{chr(0x06F0 + d): str(d) for d in range(10)},  # Persian digits
}
# One-to-one or one-to-none mappings only: str.translate keeps this fast, and the offset
# map only has to remember where characters were removed.
_TABLE = {ord(c): None for c in _REMOVED} | {ord(k): v for k, v in _FOLDED.items()}
# The same mapping as (old, new) pairs for `_fold`. No `new` is itself an `old`, so replacing
# one pair after the other gives what str.translate(_TABLE) gives.
_PAIRS = tuple((chr(code), new or "") for code, new in _TABLE.items())
assert not any(new and ord(new) in _TABLE for _, new in _PAIRS), "_fold needs a one-step map"


def _fold(text: str) -> str:
    """`text.translate(_TABLE)`, but faster: translate looks every character up in a dict,
    whereas a text holds only a few of these characters and str.replace scans in C."""
    for old, new in _PAIRS:
        if old in text:
            text = text.replace(old, new)
    return text


@dataclass(frozen=True)
class OffsetMap:
    """Maps offsets in a normalized string back to the original string.

    `removed_at[k]` is the normalized offset in front of which the k-th removed original
    character stood; `explicit` is a full table, used only when NFKC changed lengths.
    """

    removed_at: tuple[int, ...] = ()
    explicit: tuple[int, ...] | None = None

    def start(self, index: int) -> int:
        """Original offset of the character at normalized `index`."""
        if self.explicit is not None:
            return self.explicit[index]
        return index + bisect_right(self.removed_at, index)

    def end(self, index: int) -> int:
        """Original end offset (exclusive) of a span ending at normalized `index`.

        Characters removed right after the span (the diacritics of its last letter) belong
        to it, so the original text of a span reads naturally.
        """
        if index == 0:
            return 0
        if self.explicit is not None:
            return self.explicit[index]
        return index + bisect_right(self.removed_at, index)


def normalize(text: str) -> str:
    """Normalize Arabic text for comparison: NFKC, no diacritics or tatweel, folded
    alef/hamza/yeh/teh marbuta forms, ASCII digits. Latin text is left as it is."""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return _fold(text)


def char_positions(text: str, chars: Iterable[str]) -> list[int]:
    """Sorted indexes of every occurrence of any of `chars` in `text`: str.find is much
    faster than a regex scan when the characters are rare (diacritics, digits)."""
    positions: list[int] = []
    for char in chars:
        index = text.find(char)
        while index >= 0:
            positions.append(index)
            index = text.find(char, index + 1)
    positions.sort()
    return positions


def normalize_with_map(text: str) -> tuple[str, OffsetMap]:
    """Normalize `text` and return the offset map back to `text`."""
    if unicodedata.is_normalized("NFKC", text):
        normalized = _fold(text)
        if len(normalized) == len(text):
            return normalized, OffsetMap()
        # The k-th removed character, at original index i, stood in front of normalized
        # offset i - k. str.find keeps this fast on long texts with few diacritics.
        positions = char_positions(text, _REMOVED)
        removed_at = tuple(index - k for k, index in enumerate(positions))
        return normalized, OffsetMap(removed_at=removed_at)
    # Rare slow path (presentation forms, ligatures): normalize character by character
    # and record the origin of every output character.
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = unicodedata.normalize("NFKC", char).translate(_TABLE)
        pieces.append(folded)
        origin.extend([index] * len(folded))
    normalized = "".join(pieces)
    # start(n) is the origin of output character n; end(n) the origin of the next one
    # (or the end of the text), so removed diacritics stay with the letter before them.
    return normalized, OffsetMap(explicit=(*origin, len(text)))


@dataclass(frozen=True)
class Token:
    """One token of the original text: a word (letters, digits, diacritics, tatweel) or one
    punctuation character. `start`/`end` index the ORIGINAL text, `text == original[start:end]`."""

    start: int
    end: int
    text: str

    @property
    def is_word(self) -> bool:
        """True for words and numbers, False for punctuation (، ؛ ؟ « » quotes, dashes …)."""
        return self.text[0].isalnum() or self.text[0] in _WORD_MARKS


# Diacritics and tatweel sit inside (or at the edge of) Arabic words — بـ«الناتو», الـ 12 —
# and must not split them; they are not `\w` for Python's re.
_WORD_MARKS = TATWEEL + "".join(chr(c) for c in range(0x064B, 0x0660)) + "\u0670"
# A word is any run of letters, digits and marks; a number keeps its decimal/thousands
# separators when digits sit on both sides (1,500, و١٫٥); anything else that is not a space
# is a token of its own.
_TOKEN_RE = re.compile(
    rf"(?:\d[.,٫٬](?=\d)|[^\W_]|[{_WORD_MARKS}])+|[^\s{_WORD_MARKS}]",
)


_WORD_RE = re.compile(rf"(?:\d[.,٫٬](?=\d)|[^\W_]|[{_WORD_MARKS}])+")


def words(text: str) -> list[str]:
    """The word tokens of `text` (as `tokenize` finds them), without offsets: the fast
    path for search terms, which need no positions."""
    return _WORD_RE.findall(text)


def tokenize(text: str) -> list[Token]:
    """Split `text` into word and punctuation tokens with offsets into `text` itself.

    Arabic and Latin words, both digit sets, diacritics and tatweel stay inside words;
    Arabic punctuation (، ؛ ؟), guillemets « », ASCII and curly quotes and dashes (- – —) are
    tokens of their own; whitespace (including bidi marks) separates tokens and is dropped.
    No clitic is split off: that is the matcher's business (it works from the aliases)."""
    return [Token(m.start(), m.end(), m.group()) for m in _TOKEN_RE.finditer(text) if _keep(m)]


def _keep(match: re.Match[str]) -> bool:
    # Bidi and zero-width format characters (U+200B–U+200F, U+2066–U+2069, U+061C) are
    # invisible: treat them as whitespace rather than as punctuation tokens.
    return unicodedata.category(match.group()[0]) != "Cf"
