"""Date extraction from Arabic news text (ARABIC.md, "Dates in news text").

`extract_dates(text, published)` finds the dates an article mentions and resolves them
against its publication date:

- day + month (+ year): "الـ 12 من كانون الثاني/يناير المقبل", "31 ديسمبر 2021",
  "العاشر من شهر أيار", the three regional month-name families and their "X/Y" pairs;
- month (+ year): "كانون الثاني/يناير 2022", "شهر آذار المقبل", "يناير من العام الماضي";
- year: "عام 2022", "العام المقبل" (a year followed by هـ is Hijri and is skipped);
- relative days: اليوم، أمس، أول أمس، غداً، بعد غد, optionally with a weekday that must
  agree with the resolved date (otherwise a `DateWarning` and no date);
- a weekday with a qualifier ("الخميس الماضي") or with a day number ("الجمعة 31 كانون الأول");
- English dates of embedded tweets ("December 31, 2021", "Jan 12") and numeric dates.

Matching runs on the text normalized by `builder.arabic` (the project's one normalizer), so
أيار/ايار or ٢٠٢٢/2022 need no variants here; the offset map turns every match back into
offsets in the original text, and `expression == text[start:end]` always holds.

Every pattern is compiled once at import: the builder analyses thousands of articles.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import ahocorasick

from builder.arabic import OffsetMap, char_positions, normalize_with_map

__all__ = ["DateExtraction", "DateMention", "DateWarning", "extract_dates"]


@dataclass(frozen=True)
class DateMention:
    """One date found in the text, resolved to ISO form at its precision."""

    date: str  # YYYY-MM-DD, YYYY-MM or YYYY
    precision: str  # 'day' | 'month' | 'year'
    expression: str  # == text[start:end]
    start: int
    end: int


@dataclass(frozen=True)
class DateWarning:
    """A date expression that cannot be trusted (e.g. its weekday contradicts its date)."""

    expression: str
    start: int
    end: int
    message: str


@dataclass(frozen=True)
class DateExtraction:
    """What `extract_dates` returns: dates sorted by start, and the problems it met."""

    found: list[DateMention]
    warnings: list[DateWarning]


# ---------------------------------------------------------------------------------------------
# Tables (normalized spellings: ة→ه, ى→ي, أإآ→ا, no diacritics or tatweel)
# ---------------------------------------------------------------------------------------------

# Month name → (month number, risky). A risky name is also a common word (مارس "he
# practised", ماي, آب "father", نيسان the car maker, جوان the first name…): it counts as a
# month only next to a day number, a year, a qualifier, "شهر", or its pair partner.
MONTHS: dict[str, tuple[int, bool]] = {
    # Levantine / Iraqi
    "كانون الثاني": (1, False),
    "كانون ثاني": (1, False),
    "شباط": (2, False),
    "اذار": (3, False),
    "نيسان": (4, True),
    "ايار": (5, False),
    "حزيران": (6, False),
    "تموز": (7, False),
    "اب": (8, True),
    "ايلول": (9, False),
    "تشرين الاول": (10, False),
    "تشرين اول": (10, False),
    "تشرين الثاني": (11, False),
    "تشرين ثاني": (11, False),
    "كانون الاول": (12, False),
    "كانون اول": (12, False),
    # Egyptian / Gulf
    "يناير": (1, False),
    "فبراير": (2, False),
    "مارس": (3, True),
    "ابريل": (4, False),
    "مايو": (5, False),
    "يونيو": (6, False),
    "يونيه": (6, False),
    "يوليو": (7, False),
    "يوليه": (7, False),
    "اغسطس": (8, False),
    "سبتمبر": (9, False),
    "اكتوبر": (10, False),
    "نوفمبر": (11, False),
    "ديسمبر": (12, False),
    # Maghrebi (Algeria, Tunisia)
    "جانفي": (1, False),
    "فيفري": (2, False),
    "افريل": (4, False),
    "ماي": (5, True),
    "جوان": (6, True),
    "جويليه": (7, False),
    "اوت": (8, True),
    # Moroccan
    "يوليوز": (7, False),
    "غشت": (8, False),
    "شتنبر": (9, False),
    "نونبر": (11, False),
    "دجنبر": (12, False),
}

# Python's weekday(): Monday is 0.
WEEKDAYS: dict[str, int] = {
    "الاثنين": 0,
    "الثلاثاء": 1,
    "الاربعاء": 2,
    "الخميس": 3,
    "الجمعه": 4,
    "السبت": 5,
    "الاحد": 6,
}
WEEKDAY_NAMES = ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")

_UNITS = ("الاول", "الثاني", "الثالث", "الرابع", "الخامس", "السادس", "السابع", "الثامن", "التاسع")


def _ordinals() -> dict[str, int]:
    """Ordinal day words, 1–31 (masculine, as days are): الاول … الحادي والثلاثين."""
    table = {word: n for n, word in enumerate(_UNITS, 1)}
    table["العاشر"] = 10
    table["الحادي عشر"] = 11
    for n, word in enumerate(_UNITS[1:], 2):
        table[f"{word} عشر"] = 10 + n
    for tens, tens_word in ((20, "العشرين"), (30, "الثلاثين")):
        table[tens_word] = tens
        for first in ("الحادي", "الواحد"):
            table[f"{first} و{tens_word}"] = tens + 1
        if tens == 20:
            for n, word in enumerate(_UNITS[1:], 2):
                table[f"{word} و{tens_word}"] = tens + n
    table["العشرون"] = 20
    table["الثلاثون"] = 30
    return table


ORDINALS: dict[str, int] = _ordinals()

# Qualifier → direction. Feminine forms serve السنة and the (sometimes feminine) الجمعة.
QUALIFIERS: dict[str, str] = {
    **dict.fromkeys(("المقبل", "القادم", "المقبله", "القادمه"), "next"),
    **dict.fromkeys(("الجاري", "الحالي", "الجاريه", "الحاليه"), "current"),
    **dict.fromkeys(
        ("الماضي", "المنصرم", "الفائت", "الماضيه", "المنصرمه", "الفائته"),
        "previous",
    ),
}

# Relative-day words → offset in days from the publication date.
RELATIVE_DAYS: dict[str, int] = {
    "اليوم": 0,
    "امس": -1,
    "الامس": -1,
    "البارحه": -1,
    "اول امس": -2,
    "اول من امس": -2,
    "اول الامس": -2,
    "غدا": 1,
    "يوم غد": 1,
    "يوم الغد": 1,
    "بعد غد": 2,
    "بعد غدا": 2,
    "بعد الغد": 2,
}

# Words after "اليوم" that make it "the (fifth…) day" or "the national day", not "today".
_NOT_TODAY_AFTER = set(ORDINALS) | {
    "التالي",
    "السابق",
    "الموالي",
    "الاخير",
    "الذي",
    "الوطني",
    "العالمي",
    "الدولي",
    "الموعود",
    "نفسه",
    "ذاته",
}
# "ذلك اليوم" is a day in the story, not today.
_NOT_TODAY_BEFORE = {"ذلك", "تلك", "ذات"}
# "بين الامس واليوم", "الامس القريب": the past, not yesterday.
_NOT_YESTERDAY_AFTER = {"القريب", "البعيد"}
# Nouns that "العام" qualifies as "general": الأمين العام المقبل is a person, not a year.
_GENERAL_NOUNS = {
    "الامين",
    "امين",
    "المدعي",
    "النائب",
    "المدير",
    "الراي",
    "القطاع",
    "المؤتمر",
    "الموتمر",
    "الاضراب",
    "المرشد",
    "القائد",
    "المفتش",
    "المنسق",
    "الوكيل",
    "الامن",
    "النظام",
    "الصالح",
    "المال",
    "الشان",
    "الاتجاه",
    "المراقب",
    "الحاكم",
}
# A lone month name (no day, year or qualifier) is a date only after one of these.
_MONTH_CONTEXT_BEFORE = {
    "في",
    "خلال",
    "منذ",
    "حتي",
    "مطلع",
    "اوائل",
    "اواخر",
    "اواسط",
    "منتصف",
    "نهايه",
    "بدايه",
    "اول",
    "اخر",
    "قبل",
    "بعد",
}

_EN_FULL = ("January", "February", "March", "April", "May", "June", "July", "August")
_EN_FULL += ("September", "October", "November", "December")
EN_MONTHS: dict[str, int] = {name: n for n, name in enumerate(_EN_FULL, 1)} | {
    "Jan": 1,
    "Feb": 2,
    "Mar": 3,
    "Apr": 4,
    "Jun": 6,
    "Jul": 7,
    "Aug": 8,
    "Sep": 9,
    "Sept": 9,
    "Oct": 10,
    "Nov": 11,
    "Dec": 12,
}

# ---------------------------------------------------------------------------------------------
# Patterns (on normalized text)
# ---------------------------------------------------------------------------------------------

_SP = r"[^\S\n]+"  # spaces, never a line break: a date does not run across paragraphs
_SP0 = r"[^\S\n]*"
_B = r"(?<!\w)"  # word start (Arabic letters and digits are \w)
_E = r"(?!\w)"  # word end
_PROCLITIC = r"(?:و|ف|ب|ل|وب|ول|فب|لل|ولل)?"  # و ف ب ل, alone or combined


def _alternation(words: Iterable[str]) -> str:
    """Regex matching any of the phrases (the longest when several match), spaces matching
    any run of spaces.

    Built as a trie ("ال(?:اول|ثاني…)") rather than a flat list of branches: Python's regex
    engine tries branches one by one, and these tables have dozens of phrases sharing
    prefixes, tried at every word of every article."""
    trie: dict[str, Any] = {}
    for phrase in words:
        node = trie
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}  # end of a phrase

    def emit(node: dict[str, Any]) -> str:
        branches = [
            (_SP if char == " " else re.escape(char)) + emit(child)
            for char, child in sorted(node.items())
            if char
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        # A phrase ending here: the longer continuations are tried first (greedy "?").
        return f"(?:{body})?" if "" in node else body

    return "(?:" + emit(trie) + ")"


@functools.lru_cache(maxsize=1024)
def _key(phrase: str) -> str:
    """Table key for a matched phrase: runs of spaces collapsed to one."""
    return " ".join(phrase.split())


_MONTH = _alternation(MONTHS)
_WEEKDAY = _alternation(WEEKDAYS)
_ORDINAL = _alternation(ORDINALS)
_QUAL = _alternation(QUALIFIERS)
_ERA = r"(?P<era>م|ميلادي|ميلاديه|للميلاد|ه|هجري|هجريه|للهجره)"
_HIJRI_ERAS = {"ه", "هجري", "هجريه", "للهجره"}

# Day + month (+ pair, + year or qualifier), or month alone. Optional leading weekday.
_CALENDAR_RE = re.compile(
    rf"""{_B}{_PROCLITIC}
    (?P<expr>
      (?:(?P<wd>{_WEEKDAY}){_SP0}[،,]?{_SP0}(?:الموافق{_SP})?(?=(?:ال)?{_SP0}\d|{_ORDINAL}))?
      (?:
        (?:ال{_SP0})?(?P<dnum>\d{{1,2}})(?!\d)(?:{_SP}من)?{_SP0}
       |(?P<dord>{_ORDINAL}){_SP}من{_SP}
      )?
      (?:
        (?P<shahr>شهر{_SP})?(?P<m1>{_MONTH}){_E}
        (?P<pair>{_SP0}[/\\|(\-–]{_SP0}(?P<m2>{_MONTH}){_E}\)?)?
        (?:
          {_SP0}[،,]?{_SP0}(?:من{_SP})?(?:(?:عام|العام|سنه|السنه){_SP})?
            (?P<year>\d{{4}})(?!\d)(?:{_SP0}{_ERA}{_E})?
         |{_SP}(?:من{_SP})?(?P<yearword>العام|السنه){_SP}(?P<yq>{_QUAL}){_E}
         |{_SP}(?:من{_SP})?هذا{_SP}(?P<thisyear>العام){_E}
         |{_SP}(?P<mq>{_QUAL}){_E}
        )?
       |(?(dnum)|(?(dord)|(?!)))  # only after a day: "الـ 17 من الشهر الجاري", "17 الجاري"
        (?<=\s)(?:من{_SP})?(?:(?P<relmonth>الشهر){_SP})?(?P<dq>{_QUAL}){_E}
      )
    )""",
    re.VERBOSE,
)

# Relative days, optionally followed by a weekday ("مساء أمس الخميس", "يوم غد السبت").
_RELATIVE_RE = re.compile(
    rf"""{_B}(?:و|ف|ب|وب|فب)?
    (?P<expr>
      (?P<rel>{_alternation(RELATIVE_DAYS)}){_E}
      (?:{_SP0}[،,]?{_SP0}(?:يوم{_SP})?(?P<wd>{_WEEKDAY}){_E})?
    )""",
    re.VERBOSE,
)

# A weekday with a direction: "الخميس الماضي", "يوم الجمعة المقبل".
_WEEKDAY_RE = re.compile(
    rf"{_B}{_PROCLITIC}(?P<expr>(?P<wd>{_WEEKDAY}){_SP}(?P<q>{_QUAL}){_E})",
)

# Years: "عام 2022", "سنة 2022م", "2022م"; a year followed by هـ is Hijri.
_YEAR_RE = re.compile(
    rf"""{_B}{_PROCLITIC}
    (?P<expr>
      (?:(?:عام|العام|سنه|السنه){_SP})(?P<year>\d{{4}})(?!\d)(?:{_SP0}{_ERA}{_E})?
     |(?P<year2>\d{{4}}){_SP0}(?P<era2>م|ه){_E}
    )""",
    re.VERBOSE,
)

# "العام المقبل", "السنة الماضية", "الشهر الجاري", "هذا العام".
_PERIOD_RE = re.compile(
    rf"""{_B}{_PROCLITIC}
    (?P<expr>
      (?P<unit>العام|السنه|الشهر){_SP}(?P<q>{_QUAL}){_E}
     |(?:هذا|هذه){_SP}(?P<unit2>العام|السنه|الشهر){_E}
    )""",
    re.VERBOSE,
)

_EN_MONTH = "(?:" + "|".join(sorted(EN_MONTHS, key=len, reverse=True)) + ")"
_EN_B = r"(?<![A-Za-z0-9])"
_EN_E = r"(?![A-Za-z0-9])"
_EN_RES = (
    # December 31, 2021 / Dec 31 / Jan 12th
    re.compile(
        rf"{_EN_B}(?P<expr>(?P<mon>{_EN_MONTH})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?!\d)"
        rf"(?:,?\s+(?P<year>\d{{4}}))?){_EN_E}"
    ),
    # 31 December 2021 / 31st of Dec
    re.compile(
        rf"{_EN_B}(?P<expr>(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{_EN_MONTH})\.?"
        rf"(?:,?\s+(?P<year>\d{{4}}))?){_EN_E}"
    ),
    # December 2021 (month precision)
    re.compile(rf"{_EN_B}(?P<expr>(?P<mon>{_EN_MONTH})\.?,?\s+(?P<year>\d{{4}})){_EN_E}"),
)

# 31/12/2021, 31-12-2021, 2021/12/31, 2021-12-31
_NUMERIC_RE = re.compile(
    r"(?<![\w/.\-])(?P<expr>"
    r"(?P<d>\d{1,2})(?P<s>[/.\-])(?P<m>\d{1,2})(?P=s)(?P<y>\d{4})"
    r"|(?P<y2>\d{4})(?P<s2>[/.\-])(?P<m2>\d{1,2})(?P=s2)(?P<d2>\d{1,2})"
    r")(?![\w/\-]|\.\d)"
)

_WORD_RE = re.compile(r"\w+")


# ---------------------------------------------------------------------------------------------
# Resolution against the publication date
# ---------------------------------------------------------------------------------------------


def _make_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


@functools.lru_cache(maxsize=4096)  # news repeats dates; each costs nine dt.date
def _resolve_day(month: int, day: int, direction: str | None, pub: dt.date) -> dt.date | None:
    """The year of a day and month written without a year.

    next: first occurrence after `pub`; previous: last one before it; current: the
    publication year; none: the occurrence nearest `pub` (ties go to the past)."""
    if direction == "current":
        return _make_date(pub.year, month, day)
    years = range(pub.year - 4, pub.year + 5)  # 4 years span a 29 February
    candidates = [d for y in years if (d := _make_date(y, month, day)) is not None]
    if direction == "next":
        return min((d for d in candidates if d > pub), default=None)
    if direction == "previous":
        return max((d for d in candidates if d < pub), default=None)
    return min(candidates, key=lambda d: (abs((d - pub).days), d), default=None)


@functools.lru_cache(maxsize=4096)
def _resolve_month(month: int, direction: str | None, pub: dt.date) -> int:
    """The year of a month written without a year (same rules as `_resolve_day`)."""
    here = pub.year * 12 + pub.month - 1
    options = [y * 12 + month - 1 for y in (pub.year - 1, pub.year, pub.year + 1)]
    if direction == "current":
        return pub.year
    if direction == "next":
        chosen = min(o for o in options if o > here)
    elif direction == "previous":
        chosen = max(o for o in options if o < here)
    else:
        chosen = min(options, key=lambda o: (abs(o - here), o))
    return chosen // 12


def _shift_month(pub: dt.date, delta: int) -> tuple[int, int]:
    index = pub.year * 12 + pub.month - 1 + delta
    return index // 12, index % 12 + 1


_STEP = {"next": 1, "current": 0, "previous": -1}


def _weekday_warning(day: dt.date, weekday: int) -> str:
    """What is wrong, in Arabic; the expression is prepended once offsets are known."""
    return (
        f"{WEEKDAY_NAMES[weekday]} لا يوافق {day.isoformat()} ({WEEKDAY_NAMES[day.weekday()]}): "
        "تاريخ غير مؤكد، لم يُستخرج"
    )


# ---------------------------------------------------------------------------------------------
# Candidates
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    """A match on the normalized text: a date (iso + precision) or a warning message."""

    start: int
    end: int
    iso: str = ""
    precision: str = ""
    warning: str = ""


def _previous_word(norm: str, index: int) -> str:
    """The word ending before `index`, for context checks."""
    words = _WORD_RE.findall(norm, max(0, index - 40), index)
    return words[-1] if words else ""


def _word_in(word: str, words: set[str]) -> bool:
    """Whether `word`, or `word` without a و/ف/ب/ل proclitic (للامين → الامين), is in `words`."""
    if word in words:
        return True
    if word.startswith("لل") and "ال" + word[2:] in words:
        return True
    return len(word) > 2 and word[0] in "وفبل" and word[1:] in words


def _next_word(norm: str, index: int) -> str:
    match = _WORD_RE.search(norm, index, index + 40)
    return match.group() if match and not norm[index : match.start()].strip(" \t") else ""


def _day_candidate(
    start: int, end: int, day: dt.date | None, weekday: int | None
) -> _Candidate | None:
    """A day, or a warning when the weekday written next to it contradicts it."""
    if day is None:
        return None
    if weekday is not None and day.weekday() != weekday:
        return _Candidate(start, end, warning=_weekday_warning(day, weekday))
    return _Candidate(start, end, day.isoformat(), "day")


def _calendar(m: re.Match[str], norm: str, pub: dt.date) -> _Candidate | None:
    start, end = m.span("expr")
    if m.group("dq"):  # "الـ 17 من الشهر الجاري", "17 الجاري"
        dnum, dord = m.group("dnum"), m.group("dord")
        if not (dnum or dord):
            return None
        direction = QUALIFIERS[m.group("dq")]
        if not m.group("relmonth") and direction != "current":
            return None  # "17 الماضي" is not a way to write a date
        day = int(dnum) if dnum else ORDINALS[_key(dord)]
        year, month = _shift_month(pub, _STEP[direction])
        weekday = WEEKDAYS[m.group("wd")] if m.group("wd") else None
        return _day_candidate(start, end, _make_date(year, month, day), weekday)

    month, risky = MONTHS[_key(m.group("m1"))]
    if m.group("m2"):
        if _two_months(m):
            # Two different months side by side: keep the first alone, the second is
            # matched on its own.
            end = m.end("m1")
            return _calendar_parts(m, norm, pub, start, end, month, risky, with_tail=False)
        risky = False
    return _calendar_parts(m, norm, pub, start, end, month, risky, with_tail=True)


def _two_months(m: re.Match[str]) -> bool:
    """Whether a calendar match pairs two different months ("آذار/نيسان"): its date is
    then the first month alone, and its expression ends with it."""
    m2 = m.group("m2")
    return m2 is not None and MONTHS[_key(m2)][0] != MONTHS[_key(m.group("m1"))][0]


def _calendar_parts(
    m: re.Match[str],
    norm: str,
    pub: dt.date,
    start: int,
    end: int,
    month: int,
    risky: bool,
    with_tail: bool,
) -> _Candidate | None:
    get = m.group if with_tail else (lambda name: None if name in _TAIL_GROUPS else m.group(name))
    dnum, dord = get("dnum"), get("dord")
    day_number = int(dnum) if dnum else ORDINALS[_key(dord)] if dord else None
    if get("era") in _HIJRI_ERAS:
        return None  # a Hijri year next to a Gregorian month: do not guess
    year = int(get("year")) if get("year") else None
    direction = None
    if get("yq"):
        year = pub.year + _STEP[QUALIFIERS[get("yq")]]
    elif get("thisyear"):
        year = pub.year
    elif get("mq"):
        direction = QUALIFIERS[get("mq")]
    weekday = WEEKDAYS[get("wd")] if get("wd") else None
    has_context = day_number is not None or year is not None or direction is not None
    # A lone month name: "شهر" or its pair partner make it a month; a plain one needs a
    # preposition-like word before it ("في نيسان"), a risky one never suffices alone.
    lone = not has_context and not get("shahr") and not m.group("m2")
    if lone and (
        risky or not _word_in(_previous_word(norm, m.start("expr")), _MONTH_CONTEXT_BEFORE)
    ):
        return None
    if day_number is not None:
        if not 1 <= day_number <= 31:
            return None
        if year is not None:
            day = _make_date(year, month, day_number)
        else:
            day = _resolve_day(month, day_number, direction, pub)
        return _day_candidate(start, end, day, weekday)
    if year is None:
        year = _resolve_month(month, direction, pub)
    return _Candidate(start, end, f"{year:04d}-{month:02d}", "month")


_TAIL_GROUPS = {"year", "era", "yearword", "yq", "thisyear", "mq"}


def _relative(m: re.Match[str], norm: str, pub: dt.date) -> _Candidate | None:
    rel = _key(m.group("rel"))
    start, end = m.span("expr")
    if m.group("wd") is None:
        after = _next_word(norm, m.end("rel"))
        if rel == "اليوم" and (
            after in _NOT_TODAY_AFTER
            or _word_in(_previous_word(norm, m.start("expr")), _NOT_TODAY_BEFORE)
            or after == "يوم"  # "اليوم يوم ..." describes a day
        ):
            return None
        if rel in ("امس", "الامس") and after in _NOT_YESTERDAY_AFTER:
            return None
    day = pub + dt.timedelta(days=RELATIVE_DAYS[rel])
    weekday = WEEKDAYS[m.group("wd")] if m.group("wd") else None
    return _day_candidate(start, end, day, weekday)


def _weekday(m: re.Match[str], norm: str, pub: dt.date) -> _Candidate | None:
    weekday = WEEKDAYS[m.group("wd")]
    direction = QUALIFIERS[m.group("q")]
    if direction == "current":
        return None
    step = 1 if direction == "next" else -1
    day = pub + dt.timedelta(days=step)
    while day.weekday() != weekday:
        day += dt.timedelta(days=step)
    return _Candidate(*m.span("expr"), day.isoformat(), "day")


def _year(m: re.Match[str], norm: str, pub: dt.date) -> _Candidate | None:
    era = m.group("era") or m.group("era2")
    if era in _HIJRI_ERAS:
        return None  # Hijri year: not a Gregorian date
    year = int(m.group("year") or m.group("year2"))
    if not 1000 <= year <= 2999:
        return None
    return _Candidate(*m.span("expr"), f"{year:04d}", "year")


def _period(m: re.Match[str], norm: str, pub: dt.date) -> _Candidate | None:
    unit = m.group("unit") or m.group("unit2")
    step = _STEP[QUALIFIERS[m.group("q")]] if m.group("q") else 0
    if unit == "العام" and _word_in(_previous_word(norm, m.start("expr")), _GENERAL_NOUNS):
        return None  # الأمين العام المقبل: "general", not "year"
    start, end = m.span("expr")
    if unit == "الشهر":
        year, month = _shift_month(pub, step)
        return _Candidate(start, end, f"{year:04d}-{month:02d}", "month")
    return _Candidate(start, end, f"{pub.year + step:04d}", "year")


def _english(m: re.Match[str], norm: str, pub: dt.date) -> _Candidate | None:
    month = EN_MONTHS[m.group("mon")]
    year = int(m.group("year")) if m.group("year") else None
    day_text = m.groupdict().get("day")
    start, end = m.span("expr")
    if day_text is None:
        return _Candidate(start, end, f"{year:04d}-{month:02d}", "month")
    day_number = int(day_text)
    day = (
        _make_date(year, month, day_number)
        if year is not None
        else _resolve_day(month, day_number, None, pub)
    )
    return _day_candidate(start, end, day, None)


def _numeric(m: re.Match[str], norm: str, pub: dt.date) -> _Candidate | None:
    if m.group("y"):
        parts = int(m.group("y")), int(m.group("m")), int(m.group("d"))
    else:
        parts = int(m.group("y2")), int(m.group("m2")), int(m.group("d2"))
    day = _make_date(*parts)
    return _Candidate(*m.span("expr"), day.isoformat(), "day") if day else None


_Handler = Callable[[re.Match[str], str, dt.date], "_Candidate | None"]

# ---------------------------------------------------------------------------------------------
# Where matches can start
# ---------------------------------------------------------------------------------------------
#
# Searching the whole text with each pattern is slow: they open with a look-behind (word
# start), so the regex engine tries them at every character. Instead, one pass of an
# Aho-Corasick automaton finds the words a match must open with (after its proclitic), and
# digit runs are found with str.find; each pattern is then tried with `match` only at the few
# positions that can start a match. That gives exactly the matches a search from every
# position would give: every match starts at one of those positions, and `match` at a
# position is what a search finds there.

# The rules in priority order (of overlapping expressions of the same length, the first
# rule wins).
_CAL, _REL, _WD, _YEAR, _PERIOD, _EN_MDY, _EN_DMY, _EN_MY, _NUM = range(9)
_RULES: tuple[tuple[re.Pattern[str], _Handler], ...] = (
    (_CALENDAR_RE, _calendar),
    (_RELATIVE_RE, _relative),
    (_WEEKDAY_RE, _weekday),
    (_YEAR_RE, _year),
    (_PERIOD_RE, _period),
    (_EN_RES[0], _english),
    (_EN_RES[1], _english),
    (_EN_RES[2], _english),
    (_NUMERIC_RE, _numeric),
)

# The proclitics each pattern allows before its expression ("" needs no entry).
_PROCLITICS = frozenset(("و", "ف", "ب", "ل", "وب", "ول", "فب", "لل", "ولل"))
_REL_PROCLITICS = frozenset(("و", "ف", "ب", "وب", "فب"))
_EN_ONLY: frozenset[str] = frozenset()  # English patterns start right at the month name
_PROCLITIC_ENDS = "وفبل"  # the last letter of every proclitic


def _first_words(phrases: Iterable[str]) -> set[str]:
    return {phrase.split()[0] for phrase in phrases}


# An opening word: (rule, whether the word must end at a word end, allowed proclitics).
# A word must end at a word end when the pattern has a space or a word end right after it,
# whichever phrase of its table matched; a weekday of _CALENDAR_RE may be glued to what
# follows it ("الجمعه12 يناير"), so it has no such check.
_Opener = tuple[int, bool, frozenset[str]]


def _openers() -> dict[str, list[_Opener]]:
    table: dict[str, list[_Opener]] = {}

    def add(words: Iterable[str], rule: int, word_end: bool, proclitics: frozenset[str]) -> None:
        for word in words:
            table.setdefault(word, []).append((rule, word_end, proclitics))

    add(WEEKDAYS, _CAL, False, _PROCLITICS)
    add(_first_words(ORDINALS) | _first_words(MONTHS) | {"شهر"}, _CAL, True, _PROCLITICS)
    add(_first_words(RELATIVE_DAYS), _REL, True, _REL_PROCLITICS)
    add(WEEKDAYS, _WD, True, _PROCLITICS)
    add(("عام", "العام", "سنه", "السنه"), _YEAR, True, _PROCLITICS)
    add(("العام", "السنه", "الشهر", "هذا", "هذه"), _PERIOD, True, _PROCLITICS)
    add(EN_MONTHS, _EN_MDY, False, _EN_ONLY)
    add(EN_MONTHS, _EN_MY, False, _EN_ONLY)
    return table


def _automaton() -> ahocorasick.Automaton:
    """An automaton finding every opening word, with (its length, its openers)."""
    automaton = ahocorasick.Automaton()
    for word, openers in _openers().items():
        if word in EN_MONTHS and len(word) > 3:
            continue  # every English month name starts with its 3-letter abbreviation
        automaton.add_word(word, (len(word), tuple(openers)))
    automaton.make_automaton()
    return automaton


_OPENERS = _automaton()
_DIGITS = "0123456789"
_DIGIT_RE = re.compile(r"\d")
# After normalization (Arabic-Indic and Persian digits become ASCII) the only `\d` below
# U+07C0 are ASCII digits, and U+2000–U+2FFF (punctuation and symbols: ’ – … and the bidi
# marks) hold none. In UTF-8, characters below U+07C0 use only bytes below 0xDF, and those of
# U+2000–U+2FFF 0xE2 and continuation bytes: once these bytes are deleted, an empty result
# means that str.find over the ten ASCII digits finds every digit.
_BELOW_OTHER_DIGITS = bytes(range(0xDF)) + b"\xe2"


def _is_word_char(char: str) -> bool:
    """What `\\w` matches."""
    return char.isalnum() or char == "_"


def _add_starts(norm: str, word: int, proclitics: frozenset[str], out: list[int]) -> None:
    """Positions where a match whose expression opens at `word` can start: right there at a
    word start, or earlier by one of `proclitics` that starts a word."""
    before = norm[word - 1] if word else ""
    if not before or not _is_word_char(before):
        out.append(word)
    elif before in _PROCLITIC_ENDS and proclitics:
        for length in (1, 2, 3):
            start = word - length
            if start < 0:
                break
            if norm[start:word] in proclitics and (
                start == 0 or not _is_word_char(norm[start - 1])
            ):
                out.append(start)


def _digits(norm: str) -> list[int]:
    """Where the digits (`\\d`) of `norm` are, in order."""
    if norm.encode("utf-8").translate(None, _BELOW_OTHER_DIGITS):
        return [m.start() for m in _DIGIT_RE.finditer(norm)]  # maybe other digits
    return char_positions(norm, _DIGITS)


def _starts(norm: str) -> list[list[int]]:
    """For each rule, the positions (unsorted, maybe repeated) where a match can start."""
    starts: list[list[int]] = [[] for _ in _RULES]
    english = False
    for last, (length, openers) in _OPENERS.iter(norm):
        word = last - length + 1
        after = norm[last + 1 : last + 2]
        ends_word = not after or not (after.isalnum() or after == "_")  # not \w
        before = norm[word - 1 : word] if word else ""
        word_start = not before or not (before.isalnum() or before == "_")
        for rule, word_end, proclitics in openers:
            if word_end and not ends_word:
                continue
            if proclitics is _EN_ONLY:
                english = True
                starts[rule].append(word)
            elif word_start:
                starts[rule].append(word)
            elif before in _PROCLITIC_ENDS:
                _add_starts(norm, word, proclitics, starts[rule])
    for digit in _digits(norm):
        before = norm[digit - 1 : digit] if digit else ""
        if english and not (before.isascii() and before.isalnum()):
            starts[_EN_DMY].append(digit)  # its look-behind only bars [A-Za-z0-9]
        if before.isdecimal():
            continue  # the other patterns start a number at its first digit
        ahead = norm[digit : digit + 5]
        if not (len(ahead) >= 3 and ahead[:3].isdecimal()):  # a day has one or two digits
            # "12 يناير", "بـ12 يناير", "الـ 12 من".
            _add_starts(norm, digit, _PROCLITICS, starts[_CAL])
            space = digit
            while space and norm[space - 1] != "\n" and norm[space - 1].isspace():
                space -= 1
            if space >= 2 and norm.startswith("ال", space - 2):
                _add_starts(norm, space - 2, _PROCLITICS, starts[_CAL])
        if len(ahead) >= 4 and ahead[:4].isdecimal():  # "2022م" ("عام 2022" opens at عام)
            _add_starts(norm, digit, _PROCLITICS, starts[_YEAR])
        if "/" in ahead or "." in ahead or "-" in ahead:  # 31/12/2021, 2021-12-31
            starts[_NUM].append(digit)
    return starts


def _span(rule: int, m: re.Match[str]) -> tuple[int, int]:
    """The span of the candidate the rule's handler makes of `m`, if it makes one."""
    if rule == _CAL and m.group("m2") is not None and _two_months(m):
        return m.start("expr"), m.end("m1")
    return m.span("expr")


def extract_dates(
    text: str, published: dt.date, normalized: tuple[str, OffsetMap] | None = None
) -> DateExtraction:
    """Find the dates `text` mentions, resolved against the publication date `published`
    (`normalized`: `normalize_with_map(text)`, when the caller has it already).

    Found dates are sorted by start and never overlap: of overlapping expressions the
    longest wins (a warning wins too, so that "أمس الخميس" with a wrong weekday gives no
    date at all rather than a bare "أمس")."""
    if isinstance(published, dt.datetime):
        published = published.date()
    norm, offsets = normalized or normalize_with_map(text)
    # Every match, keyed by the order in which its candidate is considered: longest first;
    # then earliest; then the first rule (its order is its priority), then the first match.
    matches: list[tuple[int, int, int, int, re.Match[str]]] = []
    for rule, starts in enumerate(_starts(norm)):
        pattern = _RULES[rule][0]
        for position in set(starts):
            m = pattern.match(norm, position)
            if m is not None:
                start, end = _span(rule, m)
                if end > start:
                    matches.append((start - end, start, rule, position, m))
    if not matches:
        return DateExtraction([], [])
    matches.sort(key=lambda item: item[:4])
    # A match is resolved (by its handler, which may reject it) only when no longer or
    # earlier candidate has taken its place: what is overlapped would be dropped anyway.
    taken: list[_Candidate] = []
    for negative_length, start, rule, _, m in matches:
        end = start - negative_length
        if any(start < t.end and t.start < end for t in taken):
            continue
        candidate = _RULES[rule][1](m, norm, published)
        if candidate is not None:
            taken.append(candidate)
    taken.sort(key=lambda c: c.start)
    found: list[DateMention] = []
    warnings: list[DateWarning] = []
    for c in taken:
        start, end = offsets.start(c.start), offsets.end(c.end)
        expression = text[start:end]
        if c.warning:
            warnings.append(DateWarning(expression, start, end, f"«{expression}»: {c.warning}"))
        else:
            found.append(DateMention(c.iso, c.precision, expression, start, end))
    return DateExtraction(found, warnings)
