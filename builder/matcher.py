"""Registry-based entity matching in Arabic (and embedded English) news text — ARABIC.md.

How a match is found
--------------------
1. The text is normalized once (`normalize_with_map`: no diacritics or tatweel, folded
   alef/hamza/yeh/teh marbuta, ASCII digits).
2. A *skeleton* view of it collapses every run of separator characters — whitespace, bidi
   marks, ASCII/curly quotes, guillemets « », dashes - – — — into one space, so that
   مجلس "الناتو – روسيا" and an alias مجلس الناتو - روسيا meet as `مجلس الناتو روسيا`.
   Other punctuation (، . : ؟ …) is kept: a name never spans it.
3. Every alias gets the same treatment, and its clitic-prefixed forms are generated FROM THE
   ALIAS at build time — و ف ب ل ك and their combinations; for an alias that starts with ال
   also ل+ال → لل (للناتو), ولل, فلل, and وال بال فال كال وبال فبال … . Letters are never
   stripped from the text, so names that begin with those letters (واشنطن، بيروت، لبنان،
   فلسطين، وليد) are safe.
4. One Aho–Corasick automaton (pyahocorasick) over all forms finds candidates; a candidate
   counts only if it starts and ends at a word boundary (روسيا is not found in روسياتنا, and
   the nisba الروسي/الروسية never contains روسيا). Candidates are then chosen longest first,
   without overlap (مجلس الناتو وروسيا wins over الناتو and روسيا; منظمة الأمن والتعاون في
   أوروبا wins over أوروبا), ties broken by position.

What a mention covers
---------------------
`Mention.start`/`end` index the ORIGINAL text and `Mention.text == text[start:end]`. The span
covers the NAME PART only, without the proclitics: in وروسيا the mention is روسيا, in
والناتو it is الناتو. When ل+ال has fused into لل (للناتو, وللناتو) the name's article cannot
be cut off from the preposition, so the span starts at لل: the mention is للناتو. The span
ends after the diacritics of the name's last letter; quotes around a name are not part of it.

English: `@handle` and `#hashtag` tokens (case-insensitive) map to entities through their
`handles`/`hashtags`, and the English name (`name_en`, case-sensitive) is found word-bounded
in Latin text (the NATO-Russia Council, Jens Stoltenberg).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import ahocorasick

from builder.arabic import OffsetMap, normalize, normalize_with_map
from builder.model import Entity

# Characters that may sit between the words of a multi-word name without changing it.
# Tatweel is already gone after normalization. Bidi/zero-width marks (U+200B–U+200F,
# U+202A–U+202E, U+2066–U+2069, U+061C, U+FEFF) are invisible and count as space.
_QUOTES = "\"'“”„‟«»‘’‚‛‹›"
_DASHES = "\\-‐‑‒–—―−"
_INVISIBLE = "\u200b-\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff"
_OTHER_SPACES = "\t-\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_NON_SPACE_SEPS = f"{_OTHER_SPACES}{_QUOTES}{_DASHES}{_INVISIBLE}"
_SEP_CLASS = f" {_NON_SPACE_SEPS}"
# Rewrites that make the skeleton: a run of separators becomes one space, and punctuation
# glued to the next word (،روسيا — a common typo) gets a space after it. Afterwards every word
# of the skeleton starts after a space, so keys can carry that space and the automaton only
# reports matches that start at a word boundary. A lone ASCII space is left alone: typical
# text needs few rewrites (and few offset segments). Written for the regex engine, which
# tries the pattern at every position of the text: every match starts at a non-word
# character, so `(?=\W)` turns most positions away at once, and a run of separators is
# "a space and more" or "a non-space separator and any more" (the same runs as "two or
# more separators, or one non-space separator"): half the time of the plain form on news
# text, the same matches (tests/test_matcher.py).
_REWRITE = re.compile(
    f"(?=\\W)(?:(?P<sep> [{_SEP_CLASS}]+|[{_NON_SPACE_SEPS}][{_SEP_CLASS}]*)"
    f"|(?P<punct>[^\\w{_SEP_CLASS}])(?=[^\\W_]))"
)
_SEP_STRIP = re.compile(f"^[{_SEP_CLASS}]+|[{_SEP_CLASS}]+$")

# Proclitic sequences. An indefinite alias takes conjunctions and prepositions; a definite
# one (starting with ال) takes the same except bare ل, which fuses with the article (لل).
_PREFIXES = ("و", "ف", "ب", "ل", "ك", "وب", "فب", "ول", "فل", "وك", "فك")
_DEFINITE_PREFIXES = ("و", "ف", "ب", "ك", "وب", "فب", "وك", "فك")
_LIL_PREFIXES = ("", "و", "ف")  # before the fused لل

# English tokens: a handle or hashtag may not follow a Latin word character (e-mail addresses,
# C#) but may follow an Arabic proclitic (و#Ukraine). Handles are at most 15 characters on X;
# the limit is looser so a longer token is not cut into a wrong handle.
_HANDLE_RE = re.compile(r"(?<![A-Za-z0-9_@#&.])@(\w{1,30})(?![\w@])")
_HASHTAG_RE = re.compile(r"(?<![A-Za-z0-9_@#&])#(\w+)")


@dataclass(frozen=True)
class Mention:
    """One occurrence of a registry entity; offsets index the original text and
    `text == original[start:end]`."""

    entity_id: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class _Form:
    """What an automaton key stands for: `prefix` skeleton characters of proclitics, then
    the name. `exact` forms (the alias itself, not a generated variant) win key collisions."""

    entity_id: str
    length: int
    prefix: int
    exact: bool


def skeleton(normalized: str) -> str:
    """The separator-insensitive view of normalized text, as aliases are keyed (no leading
    or trailing separators, no padding space)."""
    return _skeleton_with_segments(_SEP_STRIP.sub("", normalized))[0][1:]


def form_key(name: str) -> str:
    """The key a name is matched by (what `collisions` is keyed by): two names with one key
    are the same name to the matcher."""
    return skeleton(normalize(name))


def _skeleton_with_segments(normalized: str) -> tuple[str, list[int], list[int]]:
    """Skeleton of `normalized` (with one space in front) plus a map back to it.

    Skeleton offset i maps to `norm[k] + (i - skel[k])` for the last segment k with
    `skel[k] <= i`; every rewrite starts a new segment right after its replacement.
    """
    skel_starts = [0]
    norm_starts = [-1]  # the padding space stands "before" normalized offset 0
    pieces = [" "]
    last = 0
    out = 1
    for match in _REWRITE.finditer(normalized):
        start, end = match.span()
        replacement = " " if match.group("sep") else match.group("punct") + " "
        pieces.append(normalized[last:start])
        pieces.append(replacement)
        out += start - last + len(replacement)
        skel_starts.append(out)
        norm_starts.append(end)
        last = end
    pieces.append(normalized[last:])
    return "".join(pieces), skel_starts, norm_starts


def _alias_forms(alias_skeleton: str) -> list[tuple[str, int]]:
    """Every (form, proclitic length) of an Arabic alias, the alias itself first. The fused
    لل forms count the لل as part of the name (see the module docstring)."""
    forms = [(alias_skeleton, 0)]
    if alias_skeleton.startswith("ال") and len(alias_skeleton) > 2:
        forms += [(p + alias_skeleton, len(p)) for p in _DEFINITE_PREFIXES]
        rest = alias_skeleton[2:]
        # ل + ال → لل; ل + الل… → لل… (لليل, للاذقية): the article's lam merges.
        lil = "ل" + rest if rest.startswith("ل") else "لل" + rest
        forms += [(p + lil, len(p)) for p in _LIL_PREFIXES]
    else:
        forms += [(p + alias_skeleton, len(p)) for p in _PREFIXES]
    return forms


def _is_arabic(text: str) -> bool:
    return any("\u0600" <= c <= "\u06ff" for c in text)


class EntityMatcher:
    """Finds registry entities in text. Build once per registry (the automaton of all clitic
    forms takes about a second per 5,000 entities); `find` never modifies it.

    `collisions` maps a normalized form written as an alias of several entities (or an
    alias equal to another's clitic form) to their ids, for the registry check to report;
    matching gives such a form to the alias as written, then to the first id."""

    def __init__(self, entities: Iterable[Entity], *, match_name_en: bool = True) -> None:
        # key -> _Form; collisions are resolved deterministically and recorded.
        forms: dict[str, _Form] = {}
        self.collisions: dict[str, list[str]] = {}
        self._handles: dict[str, str] = {}
        self._hashtags: dict[str, str] = {}
        for entity in sorted(entities, key=lambda e: e.id):
            surfaces: list[tuple[str, bool]] = [(s, True) for s in entity.surface_forms]
            if match_name_en and entity.name_en:
                surfaces.append((entity.name_en, False))
            for surface, arabic in surfaces:
                alias = form_key(surface)
                if not alias:
                    continue
                variants = _alias_forms(alias) if arabic and _is_arabic(alias) else [(alias, 0)]
                for index, (key, prefix) in enumerate(variants):
                    self._add(forms, key, _Form(entity.id, len(key), prefix, index == 0))
            for handle in entity.handles:
                self._handles.setdefault(handle.lstrip("@").casefold(), entity.id)
            for tag in entity.hashtags:
                self._hashtags.setdefault(normalize(tag.lstrip("#")).casefold(), entity.id)
        self._automaton = ahocorasick.Automaton()
        for key, form in forms.items():
            # The leading space anchors every key at a word start (see _REWRITE).
            self._automaton.add_word(" " + key, (form.entity_id, form.length + 1, form.prefix + 1))
        self._empty = not forms
        if not self._empty:
            self._automaton.make_automaton()

    def _add(self, forms: dict[str, _Form], key: str, form: _Form) -> None:
        current = forms.get(key)
        if current is None:
            forms[key] = form
            return
        # Record collisions involving an alias as written; the clitic forms of two equal
        # aliases collide too, but that would only repeat the same news.
        if current.entity_id != form.entity_id and (current.exact or form.exact):
            self.collisions.setdefault(key, [current.entity_id])
            if form.entity_id not in self.collisions[key]:
                self.collisions[key].append(form.entity_id)
        # The alias as written beats a generated form (a name that begins with و/ب/ل/ف wins
        # over و/ب/ل/ف + another name); otherwise the first entity by id keeps the key.
        if form.exact and not current.exact:
            forms[key] = form

    def find(self, text: str, normalized: tuple[str, OffsetMap] | None = None) -> list[Mention]:
        """All mentions in `text`, sorted by start; non-overlapping, longest first.
        `normalized` is `normalize_with_map(text)` when the caller has it already."""
        normalized, offsets = normalized or normalize_with_map(text)
        skel, skel_starts, norm_starts = _skeleton_with_segments(normalized)

        def to_norm(index: int) -> int:
            k = bisect_right(skel_starts, index) - 1
            return norm_starts[k] + index - skel_starts[k]

        # Candidates as (length, start, end, entity_id) in skeleton offsets.
        candidates: list[tuple[int, int, int, str]] = []
        if not self._empty:
            size = len(skel)
            for last, (entity_id, length, prefix) in self._automaton.iter(skel):
                end = last + 1
                # Starts are word-bounded by construction; the end must not be inside a word.
                if end < size and skel[end].isalnum():
                    continue
                start = end - length
                candidates.append((length - prefix, start + prefix, end, entity_id))
        tags = self._english_tokens(normalized)
        chosen = _choose(candidates, tags, to_norm)
        mentions = []
        for norm_start, norm_end, entity_id in chosen:
            start, end = offsets.start(norm_start), offsets.end(norm_end)
            end = _close_quote(text, start, end)
            mentions.append(Mention(entity_id, start, end, text[start:end]))
        mentions.sort(key=lambda m: (m.start, m.end, m.entity_id))
        return mentions

    def _english_tokens(self, normalized: str) -> list[tuple[int, int, str]]:
        """@handles and #hashtags as (start, end, entity_id) in normalized offsets."""
        found = []
        if self._handles and "@" in normalized:
            for match in _HANDLE_RE.finditer(normalized):
                entity_id = self._handles.get(match.group(1).casefold())
                if entity_id:
                    found.append((match.start(), match.end(), entity_id))
        if self._hashtags and "#" in normalized:
            for match in _HASHTAG_RE.finditer(normalized):
                entity_id = self._hashtags.get(match.group(1).casefold())
                if entity_id:
                    found.append((match.start(), match.end(), entity_id))
        return found

    def __len__(self) -> int:
        """Number of surface forms (aliases and their generated clitic forms) in the automaton."""
        return len(self._automaton)

    def entity_ids(self, text: str) -> set[str]:
        """The ids of the entities mentioned in `text`."""
        return {m.entity_id for m in self.find(text)}


_PAIRS = (("«", "»"), ("“", "”"), ("‹", "›"))
_CLOSING = "\"'" + "".join(closing for _, closing in _PAIRS)


def _close_quote(text: str, start: int, end: int) -> int:
    """Take in the closing quote of a quote opened inside the name: حلف "الناتو" reads
    better than حلف "الناتو (the name itself ends before the quote)."""
    if end >= len(text) or text[end] not in _CLOSING:  # most names: nothing to take in
        return end
    span = text[start:end]
    following = text[end]
    if following in "\"'" and span.count(following) % 2 == 1:
        return end + 1
    for opening, closing in _PAIRS:
        if following == closing and span.count(opening) > span.count(closing):
            return end + 1
    return end


def _choose(
    candidates: list[tuple[int, int, int, str]],
    tags: list[tuple[int, int, str]],
    to_norm: Callable[[int], int],
) -> list[tuple[int, int, str]]:
    """Longest first, then leftmost, then by entity id; drop anything overlapping a chosen
    span. Returns (start, end, entity_id) in normalized offsets."""
    spans: list[tuple[int, int, int, str]] = []
    for _length, start, end, entity_id in candidates:
        norm_start = to_norm(start)
        norm_end = to_norm(end - 1) + 1
        spans.append((norm_end - norm_start, norm_start, norm_end, entity_id))
    spans.extend((end - start, start, end, entity_id) for start, end, entity_id in tags)
    spans.sort(key=lambda s: (-s[0], s[1], s[3]))
    starts: list[int] = []  # chosen spans, sorted by start (they never overlap)
    ends: list[int] = []
    chosen: list[tuple[int, int, str]] = []
    for _length, start, end, entity_id in spans:
        k = bisect_right(starts, start)
        if k and ends[k - 1] > start:
            continue
        if k < len(starts) and starts[k] < end:
            continue
        starts.insert(k, start)
        ends.insert(k, end)
        chosen.append((start, end, entity_id))
    return chosen


def article_entities(
    detected: Iterable[str], asserted: Iterable[str], excluded: Iterable[str]
) -> list[str]:
    """An article's entity ids: detected ∪ asserted (front matter `entities`) minus excluded
    (`exclude_entities`), sorted. An editor's exclusion beats their own assertion: it is the
    only way to silence a wrong automatic match."""
    return sorted((set(detected) | set(asserted)) - set(excluded))


__all__ = ["EntityMatcher", "Mention", "article_entities", "skeleton"]
