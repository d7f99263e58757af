"""Candidate names for the registry: likely proper names that no registry entity covered.

The registry stays the only source of published entities (ARABIC.md: no offline NER model
is good enough); these suggestions are shown to editors by `analyze`, never published.
Three conservative patterns:

- a title followed by a name: الرئيس الروسي فلاديمير بوتين, وزير الخارجية الأميركي، أنتوني
  بلينكن, المتحدث باسم وزارة الخارجية، نيد برايس — descriptors after the title (words with
  ال/لل: الروسي، للحلف) and one appositive comma are skipped, then 1–3 name words are taken,
  stopping at punctuation, function words and common verbs; a dual title (الرئيسان الروسي
  فلاديمير بوتين والأميركي جو بايدن) yields both names;
- a short quoted phrase («تويتر», "Hamas") whose words look like a name;
- a run of capitalized words in English text (Jens Stoltenberg), not a lone sentence-initial
  word, month or weekday.

Suggestions overlapping a mention are dropped; the rest are sorted by start and deduplicated
by text (the first occurrence is kept).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from builder.arabic import Token, normalize, tokenize
from builder.matcher import Mention


@dataclass(frozen=True)
class Suggestion:
    """A likely name: `text == original[start:end]`; `reason` says which pattern found it."""

    text: str
    start: int
    end: int
    reason: str


def _words(text: str) -> list[str]:
    return text.split()


def _n(words: str | Iterable[str]) -> frozenset[str]:
    """Normalized word set; a string is a space-separated list."""
    return frozenset(normalize(w) for w in (_words(words) if isinstance(words, str) else words))


# Titles as normalized token sequences. "*" stands for any one word (the ministry of وزير).
_TITLES: tuple[tuple[str, ...], ...] = tuple(
    tuple(normalize(w) for w in title.split())
    for title in (
        "الرئيس",
        "الرئيسان",
        "الرئيسين",
        "رئيس الوزراء",
        "رئيس الحكومة",
        "رئيسة الوزراء",
        "رئيسة الحكومة",
        "وزير *",
        "وزيرة *",
        "الوزير",
        "الوزيرة",
        "الأمين العام",
        "المتحدث باسم",
        "المتحدثة باسم",
        "الناطق باسم",
        "الناطقة باسم",
        "السفير",
        "السفيرة",
        "المبعوث",
        "المبعوثة",
        "الملك",
        "الأمير",
        "الشيخ",
        "الزعيم",
        "المستشار",
        "المستشارة",
        "الجنرال",
        "النائب",
    )
)
_FUNCTION_WORDS = _n(
    "في من على إلى الى عن مع أن إن أنه إنه أنها إنها لأن كما التي الذي الذين اللذين ما لا "
    "لم لن قد كان كانت يكون هو هي هم هذا هذه ذلك تلك هناك بين بعد قبل عند حول ضد خلال منذ "
    "حتى أو ثم بل لكن غير حيث عبر وفق لدى نحو إذ إذا أي كل بعض اليوم أمس غدا مساء صباح "
    "أيضا"
)
_VERBS = _n(
    "قال أكد أعلن أضاف أوضح دعا أشار شدد اعتبر رأى التقى استقبل بحث زار وصل غادر وقع طالب "
    "حذر أبلغ اتهم نفى كشف تحدث ناقش أجرى تلقى بعث هنأ يقول يؤكد يرى يزور يلتقي سيزور "
    "سيلتقي أجرى عقد أبدى رحب ندد نظيره نظيرها نظيريه"
)
_STOP = _FUNCTION_WORDS | _VERBS
# Names do not take the article, except as the second part of a compound (عبد الله, أبو الغيط).
_COMPOUND_HEADS = _n(["عبد", "أبو", "أبي", "ابن", "بن", "بنت", "أم"])
_TANWEEN = re.compile("[\u064b-\u064d]")

_QUOTED = re.compile(r"«([^«»\n]{1,60})»|\"([^\"\n]{1,60})\"|“([^“”\n]{1,60})”")
_LATIN_RUN = re.compile(
    r"(?<![\w@#])(?:[A-Z][A-Za-z]+|[A-Z]{2,})(?:[ -](?:[A-Z][A-Za-z]+|[A-Z]{2,}))*(?![\w])"
)
_DEMONYM_ENDINGS = ("ian", "ese", "ish", "ean")
_ENGLISH_COMMON = frozenset(
    _words(
        "The A An And But Or We I It Its This That These Those On In At Of To For With From "
        "By Our My He She They You Today Tomorrow Yesterday Spoke Thanks Thank Glad Great "
        "Good Read More Breaking Update Watch Live Jan Feb Mar Apr May Jun Jul Aug Sep Sept "
        "Oct Nov Dec January February March April June July August September October November "
        "December Monday Tuesday Wednesday Thursday Friday Saturday Sunday"
    )
)


def suggest_names(text: str, mentions: Sequence[Mention]) -> list[Suggestion]:
    """Likely names in `text` that none of `mentions` covers, sorted by start."""
    tokens = tokenize(text)
    found = [*_after_titles(text, tokens), *_quoted(text), *_english(text)]
    covered = sorted((m.start, m.end) for m in mentions)
    result: list[Suggestion] = []
    seen: set[str] = set()
    for suggestion in sorted(found, key=lambda s: (s.start, -s.end, s.reason)):
        if suggestion.text in seen or _overlaps(covered, suggestion.start, suggestion.end):
            continue
        seen.add(suggestion.text)
        result.append(suggestion)
    return result


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(a < end and start < b for a, b in spans)


def _strip_conjunction(word: str) -> str:
    """والرئيس → الرئيس, فالرئيس → الرئيس (titles often follow a conjunction)."""
    if len(word) > 3 and word[0] in "وف" and word[1:3] == "ال":
        return word[1:]
    return word


def _title_length(words: list[str], index: int) -> int:
    """Number of tokens of a title starting at `index`, or 0."""
    for title in _TITLES:
        end = index + len(title)
        if end > len(words):
            continue
        parts = [_strip_conjunction(words[index]), *words[index + 1 : end]]
        if all(p == "*" or p == w for p, w in zip(title, parts, strict=True)):
            return len(title)
    return 0


def _is_name_word(token: Token, word: str, previous: str) -> bool:
    if not token.is_word or word in _STOP or word.isdigit() or not _is_arabic(word):
        return False
    if _TANWEEN.search(token.text) or (word.endswith("ا") and token.text.endswith("اً")):
        return False  # adverbs and indefinite adjectives (موحداً، قائلاً) are not names
    if word.startswith(("وال", "فال", "بال", "كال", "لل")):
        return False  # والأميركي: the next descriptor of a dual title, not part of the name
    return not word.startswith("ال") or previous in _COMPOUND_HEADS


def _is_arabic(word: str) -> bool:
    return all("\u0621" <= c <= "\u064a" for c in word)


def _after_titles(text: str, tokens: list[Token]) -> list[Suggestion]:
    words = [normalize(t.text) for t in tokens]
    found = []
    index = 0
    while index < len(tokens):
        length = _title_length(words, index)
        if not length:
            index += 1
            continue
        position = index + length
        if words[position - 1] == "باسم" or (
            words[position - 1] == "العام" and position < len(words) and words[position][0] == "ل"
        ):
            # المتحدث باسم <organization>، <name> / الأمين العام لـ<organization>، <name>:
            # the organization has no reliable end, so only the appositive form is trusted.
            comma = next(
                (k for k in range(position, min(position + 7, len(words))) if words[k] == "،"), None
            )
            if comma is None:
                index = position
                continue
            position = comma
        for _ in range(2):  # a dual title names two people: الرئيسان X … والأميركي Y
            position, span = _name_after(tokens, words, position)
            if span is None:
                break
            start, end = tokens[span[0]].start, tokens[span[1] - 1].end
            found.append(Suggestion(text[start:end], start, end, "title"))
            if position >= len(words) or not words[position].startswith("وال"):
                break
        index = max(position, index + 1)
    return found


def _name_after(
    tokens: list[Token], words: list[str], position: int
) -> tuple[int, tuple[int, int] | None]:
    """Skip descriptors and one appositive comma after a title, then take 1–3 name words.
    Returns the position after them and their token range (or None)."""
    limit = min(len(words), position + 6)
    while position < limit and (words[position].startswith(("ال", "لل", "وال", "باسم"))):
        position += 1
    appositive = position < len(words) and words[position] == "،"
    if appositive:
        position += 1
    start = position
    previous = ""
    while position < len(words) and position - start < 3:
        if not _is_name_word(tokens[position], words[position], previous):
            break
        if previous and tokens[position].text.endswith("ة"):
            break  # جو بايدن مكالمة: ة ends first names (أسامة، فاطمة), rarely later parts
        previous = words[position]
        position += 1
    if position == start:
        return position, None
    if appositive and position < len(words) and tokens[position].is_word:
        # An appositive name is closed by punctuation (، ينس ستولتنبرغ،); without it the
        # words after the comma are the next clause (، وناقشا الأوضاع).
        return position, None
    return position, (start, position)


def _quoted(text: str) -> list[Suggestion]:
    found = []
    for match in _QUOTED.finditer(text):
        group = next(g for g in range(1, 4) if match.group(g) is not None)
        inner, offset = match.group(group), match.start(group)
        tokens = tokenize(inner)
        if not 1 <= len(tokens) <= 4 or not all(t.is_word for t in tokens):
            continue
        if _latin_name(inner) or _arabic_name(tokens):
            start, end = offset + tokens[0].start, offset + tokens[-1].end
            found.append(Suggestion(text[start:end], start, end, "quoted"))
    return found


def _latin_name(inner: str) -> bool:
    words = inner.split()
    return all(w[0].isupper() and w.isalpha() for w in words) and words[0] not in _ENGLISH_COMMON


def _arabic_name(tokens: list[Token]) -> bool:
    """Conservative: Arabic quotes mostly carry speech and scare quotes ("حوار صريح",
    "التصعيد"), so only a single word without the article, tanween or a function word
    counts: «تويتر», "حماس"."""
    if len(tokens) != 1:
        return False
    word = normalize(tokens[0].text)
    if word in _STOP or not _is_arabic(word) or word.startswith("ال") or len(word) < 3:
        return False
    return not (_TANWEEN.search(tokens[0].text) or tokens[0].text.endswith("اً"))


def _sentence_initial(text: str, start: int) -> bool:
    """True when only quotes, brackets and spaces separate `start` from a sentence end."""
    index = start - 1
    while index >= 0 and text[index] in " \t\"'“”«»()-–—":
        index -= 1
    return index < 0 or text[index] in ".!?:؟\n"


def _english(text: str) -> list[Suggestion]:
    found = []
    for match in _LATIN_RUN.finditer(text):
        start, end = match.span()
        words = re.split(r"[ -]", match.group())
        initial = _sentence_initial(text, start)
        if initial and words[0] in _ENGLISH_COMMON:
            # Drop a sentence-initial common word ("Spoke", "The"), keep the rest.
            if len(words) == 1:
                continue
            start += len(words[0]) + 1
            words = words[1:]
        elif len(words) == 1 and initial:
            continue  # a lone capitalized first word of a sentence says nothing
        if all(w in _ENGLISH_COMMON for w in words):
            continue
        if len(words) == 1 and words[0].endswith(_DEMONYM_ENDINGS):
            continue  # Ukrainian, Lebanese, British: adjectives of a place
        found.append(Suggestion(text[start:end], start, end, "capitalized"))
    return found


__all__ = ["Suggestion", "suggest_names"]
