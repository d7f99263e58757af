"""The light stemmer behind search (builder/stemmer.py): variants of a word meet, function
words go, and the browser's tables describe exactly this algorithm."""

from __future__ import annotations

import pytest

from builder.stemmer import (
    MIN_SUFFIX_REST,
    STOPWORDS,
    index_forms,
    pagefind_value,
    query_tables,
    search_query,
    search_terms,
    stem,
)


@pytest.mark.parametrize(
    "forms",
    [
        ("حكومة", "الحكومة", "والحكومة", "بالحكومة", "للحكومة", "حكومه", "الحُكُومَة"),
        ("ناتو", "الناتو", "والناتو", "بالناتو", "للناتو", "وللناتو"),
        ("أعلن", "اعلن", "إعلن"),
        ("مستشفى", "مستشفي", "المستشفى", "مُسْتَشْفَى"),
        ("غزة", "غزه", "وغزة"),
        ("ستولتنبرغ", "ستولتنـبرغ"),  # tatweel
    ],
)
def test_variants_meet(forms: tuple[str, ...]) -> None:
    assert len({stem(f) for f in forms}) == 1, {f: stem(f) for f in forms}


def test_plural_and_pronoun_suffixes() -> None:
    assert stem("المستشفيات") == stem("مستشفى") == "مستشف"
    assert stem("الصيادين") == stem("الصيادون") == stem("صياد")


def test_guards_keep_short_words() -> None:
    assert stem("بيان") == "بيان"  # ان is not stripped below MIN_SUFFIX_REST letters
    assert all(len(stem(w)) >= min(len(w), MIN_SUFFIX_REST) for w in ("ولد", "وطن", "اله"))
    assert stem("الى") == ""  # a function word, even without hamza


def test_latin_and_numbers_are_left_alone() -> None:
    assert stem("Stoltenberg") == "stoltenberg"
    assert search_query("#NATO") == "nato"  # the tokenizer leaves the # out
    assert search_query("NATO ٢٠٢٢") == "nato 2022"


def test_function_words_are_dropped() -> None:
    assert search_query("في من على أن إلى عن مع التي الذي") == ""
    assert search_query("التضخم في مصر") == f"{stem('التضخم')} مصر"
    assert stem("وفي") == "" and stem("ومن") == ""
    assert {"في", "من", "علي", "ان", "الي", "عن", "مع", "التي", "الذي"} <= STOPWORDS


def test_index_side_adds_the_form_without_waw() -> None:
    # The query وزارة strips و (زار); the page word الوزارة must offer زار too.
    assert stem("وزارة") in index_forms("الوزارة")
    assert stem("واشنطن") in index_forms("وواشنطن")
    assert index_forms("في") == []


def test_search_terms_skip_markup() -> None:
    text = (
        '<blockquote><a href="https://twitter.com/x">@x</a> قالت الحكومة</blockquote> [نص](../a.md)'
    )
    terms = search_terms(text).split()
    assert "حكوم" in terms and "نص" in terms
    assert not any("twitter" in t or "href" in t for t in terms)


@pytest.mark.parametrize(
    "markup",
    [
        '<span class="highlight">',
        "[نص](https://example.org/highlight)",
        "&highlight;",
        "https://example.org/highlight",
    ],
)
def test_search_terms_skip_each_kind_of_markup_alone(markup: str) -> None:
    # Text with none of < ]( & :// skips the markup pattern: each kind must still be seen.
    terms = search_terms(f"قالت الحكومة {markup} أمس").split()
    assert "حكوم" in terms and "امس" in terms
    assert not any(t in terms for t in ("highlight", "example", "org", "amp", "span", "https"))


# Words glued to punctuation, quotes and dashes, numbers with separators, diacritics and
# tatweel inside words, a bidi mark between two words, English, repeats, function words.
_MIXED = (
    "قال «الناتو»، في بيان: إن 1,500 جندي (و١٫٥ مليون) وصلوا — بـ«الحلف» الـ 12؛ "
    "الحُكُومَة\u200fوالحكومة NATO's ستولتنـبرغ؟! والناتو الناتو وزارة/الوزارة"
)


@pytest.mark.parametrize("unique", [False, True])
def test_search_terms_are_the_forms_of_every_word(
    unique: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """search_terms looks whitespace-separated chunks up in a per-process table: the same
    terms as stemming the tokenizer's words one by one, however the table is filled and
    even when it is emptied on the way (a long `serve` session)."""
    from itertools import chain

    from builder import stemmer
    from builder.arabic import words

    forms = list(chain.from_iterable(index_forms(word) for word in words(_MIXED)))
    expected = " ".join(dict.fromkeys(forms) if unique else forms)
    assert "حكوم" in expected.split() and "1,500" in expected.split()
    assert search_terms(_MIXED, unique=unique) == expected
    assert search_terms(_MIXED, unique=unique) == expected  # from the table this time
    monkeypatch.setattr(stemmer, "_chunk_forms", stemmer._ChunkForms())
    monkeypatch.setattr(stemmer, "_MAX_CHUNKS", 3)
    assert search_terms(_MIXED, unique=unique) == expected
    assert len(stemmer._chunk_forms) <= 3


def test_pagefind_value_removes_separators() -> None:
    assert pagefind_value('a, b: "c"') == "a، b  &quot;c&quot;"


def test_query_tables_reproduce_stem() -> None:
    """A Python transcription of the JS shim, fed only by the tables, equals `stem`."""
    import re
    import unicodedata

    t = query_tables()

    def js_stem(raw: str) -> str:
        word = "".join(t["charMap"].get(c, c) for c in unicodedata.normalize("NFKC", raw))
        word = word.lower()
        if not word or word in t["stopwords"]:
            return ""
        if not re.search(t["arabicLetter"], word):
            return word
        if word.startswith(t["conjunction"]) and len(word) - 1 >= t["minConjunctionRest"]:
            word = word[1:]
            if word in t["stopwords"]:
                return ""
        for prefix in t["prefixes"]:
            if word.startswith(prefix) and len(word) - len(prefix) >= t["minPrefixRest"]:
                word = word[len(prefix) :]
                break
        for suffix in t["suffixes"]:
            if word.endswith(suffix) and len(word) - len(suffix) >= t["minSuffixRest"]:
                word = word[: -len(suffix)]
        return word

    words = [
        "والحكومة",
        "بالمستشفيات",
        "إعلان",
        "الفلسطينيين",
        "ﻻ",
        "مُحَمَّد",
        "وفي",
        "Blinken",
        "٣",
        "ـالناتوـ",
    ]
    assert [js_stem(w) for w in words] == [stem(w) for w in words]
