"""Light Arabic stemming for search: the indexing side of the Arabic search pass.

Every indexed page carries a hidden field of `search_terms(text)`; the browser applies the
same steps to the query before asking Pagefind (assets/javascripts/search/pagefind.js reads
the tables that `query_tables()` exports). One algorithm, one set of tables, two runtimes.

The steps, per word (written for this project after the published description of Larkey,
Ballesteros & Connell's "light10" stemmer; no code was copied):
1. `builder.arabic.normalize` (Lucene's ArabicNormalizer rules) and lower case;
2. frequent function words (STOPWORDS) are dropped: they match nearly every page;
3. one leading conjunction و is removed when at least MIN_CONJUNCTION_REST letters remain;
4. the first matching article prefix (وال بال كال فال لل ال) is removed when at least
   MIN_PREFIX_REST letters remain;
5. each suffix of SUFFIXES, in order, is removed once if the word ends with it and at least
   MIN_SUFFIX_REST letters remain.
Words without Arabic letters (English names in tweets, numbers) skip steps 3–5.

Known limits of any light stemmer, accepted here: a name that starts with و (واشنطن, وليد)
loses that letter in every form, so "وواشنطن" (and Washington) stems to واشنطن while
"واشنطن" stems to اشنطن; broken plurals (دول/دولة) do not meet.
"""

from __future__ import annotations

import html
import re
import unicodedata
from itertools import chain

from .arabic import normalize, tokenize, words
from .markup import mask_markup

# Affixes are written normalized (ة → ه, ى → ي, أ/إ/آ → ا): they are compared with normalized words.
CONJUNCTION = "و"
PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال")
# light10's ية and ة are يه and ه once normalized.
SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")
# Guards: light10 keeps two letters; three keeps short words such as بيان/لبنان/عمان from
# collapsing onto unrelated two-letter stems (بي، لب) and costs little recall.
MIN_CONJUNCTION_REST = 3
MIN_PREFIX_REST = 2
MIN_SUFFIX_REST = 3

# Function words that would match nearly every article: dropped from the hidden field and
# from queries. Written as readers write them; normalized once below.
_STOPWORDS_AS_WRITTEN = """
في من على أن إن إلى الى عن مع التي الذي الذين اللذين اللتين اللواتي التى
هذا هذه ذلك تلك هؤلاء هناك هنا
و أو ثم بل لكن لا لم لن ما لما ماذا إذا اذا إذ كما كي حتى قد لقد
هو هي هم هما نحن أنا أنت انت
كان كانت يكون تكون
بين عند عندما بعد قبل خلال ضد حول منذ دون غير نحو لدى
كل بعض أي أيضا أيضاً
به بها له لها لهم فيه فيها منه منها عليه عليها إليه اليه عنه عنها
أنه أنها إنه إنها بأن وأن فإن
وفي ومن وعلى وإلى وعن ومع وقد ولا ولم وهو وهي وكان وكانت وبين وذلك وهذا وهذه
"""
STOPWORDS = frozenset(
    normalize(w).lower() for w in _STOPWORDS_AS_WRITTEN.split() if normalize(w).lower()
)

_ARABIC_LETTER = re.compile("[\u0621-\u064a]")


def stem(word: str) -> str:
    """The search form of one word: normalized, lower-cased, light-stemmed.

    Returns "" for a function word (it must be dropped)."""
    word = normalize(word).lower()
    if not word or word in STOPWORDS:
        return ""
    if not _ARABIC_LETTER.search(word):
        return word
    if word.startswith(CONJUNCTION) and len(word) - 1 >= MIN_CONJUNCTION_REST:
        word = word[1:]
        # "وفي", "ومن" … are stop words once the conjunction is gone.
        if word in STOPWORDS:
            return ""
    for prefix in PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= MIN_PREFIX_REST:
            word = word[len(prefix) :]
            break
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_SUFFIX_REST:
            word = word[: -len(suffix)]
    return word


def index_forms(word: str) -> list[str]:
    """The forms one page word contributes to the hidden field: its stem and, when the
    stem starts with و, the stem without it.

    Queries strip a leading و (conjunction) whenever they can, so the query وزارة becomes
    زار; a page that only says الوزارة stems to وزار and would be missed. Adding زار on the
    page side (never on the query side, where Pagefind ANDs the terms) lets both meet; it
    also makes وواشنطن (واشنطن) meet the query واشنطن (اشنطن)."""
    base = stem(word)
    if not base:
        return []
    if base.startswith(CONJUNCTION) and len(base) - 1 >= MIN_CONJUNCTION_REST:
        return [base, base[1:]]
    return [base]


class _ChunkForms(dict[str, tuple[str, ...]]):
    """The index forms of each whitespace-separated chunk of text ("«الناتو»،", "وزير"),
    made once per process.

    Words never span whitespace (`arabic.words`), so a chunk's forms are those of its
    words, and `str.split` finds the chunks at a fraction of the regex's cost. News
    vocabulary is Zipf-distributed: a few thousand chunks make most of any text, so looking
    them up in a plain dict (not an lru_cache, whose bookkeeping cost as much as the
    stemming it saved) made the hidden fields of 10,000 articles twice as fast."""

    def __missing__(self, chunk: str) -> tuple[str, ...]:
        if len(self) >= _MAX_CHUNKS:  # a long `serve` session: start again, never grow
            self.clear()
        forms = self[chunk] = tuple(chain.from_iterable(map(index_forms, words(chunk))))
        return forms


_MAX_CHUNKS = 1 << 19
_chunk_forms = _ChunkForms()


def search_terms(text: str, unique: bool = False) -> str:
    """The hidden search field for `text` (plain text, Markdown or HTML): the index forms
    of its words in order, space-separated. Repeats are kept so that Pagefind's term
    frequency still ranks a page that is about a word above one that mentions it once —
    unless `unique`: for article bodies, where every repeat is one more position that every
    reader's first query for a common word downloads (355 KB instead of under 300 KB for a
    word of every article at 10,000 articles); titles and summaries keep the ranking signal."""
    chunks = mask_markup(text).split()  # no tag, URL or entity becomes a search word
    if unique:  # each distinct form once, in order of appearance
        return " ".join(dict.fromkeys(chain.from_iterable(map(_chunk_forms.__getitem__, chunks))))
    return " ".join(chain.from_iterable(map(_chunk_forms.__getitem__, chunks)))


def search_query(query: str) -> str:
    """What the browser sends to Pagefind for `query`: one stem per word, function words
    dropped (assets/javascripts/search/pagefind.js does exactly this with query_tables())."""
    return " ".join(s for s in (stem(t.text) for t in tokenize(query) if t.is_word) if s)


def pagefind_value(text: str) -> str:
    """`text` as a value inside a data-pagefind-meta/-filter attribute: HTML-escaped, and
    without the ASCII comma and colon that Pagefind reads as separators (Arabic ، stays)."""
    return html.escape(text.replace(",", "،").replace(":", " "), quote=True)


def query_tables() -> dict[str, object]:
    """Everything the browser needs to process a query exactly like `stem` does.

    The character map is derived by running the one normalizer on every character that
    NFKC leaves alone (the JS side applies String.prototype.normalize("NFKC") first), so
    the JS holds no hand-written normalization rule of its own."""
    char_map: dict[str, str] = {}
    for code in range(0x0600, 0x0700):
        char = chr(code)
        if unicodedata.normalize("NFKC", char) == char and normalize(char) != char:
            char_map[char] = normalize(char)
    return {
        "charMap": char_map,
        "conjunction": CONJUNCTION,
        "prefixes": list(PREFIXES),
        "suffixes": list(SUFFIXES),
        "minConjunctionRest": MIN_CONJUNCTION_REST,
        "minPrefixRest": MIN_PREFIX_REST,
        "minSuffixRest": MIN_SUFFIX_REST,
        "stopwords": sorted(STOPWORDS),
        "arabicLetter": _ARABIC_LETTER.pattern,
    }
