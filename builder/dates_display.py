"""Dates as Arabic readers expect them (ARABIC.md): Gregorian with both the Levantine and the
Egyptian month name ("31 كانون الأول/ديسمبر 2021"), so that readers of every region recognise
the month, and the Umm al-Qura Hijri date ("27 جمادى الأولى 1443 هـ") via hijridate.

ASCII digits on purpose: most Arab news sites use them, and they survive search and copy.
"""

from __future__ import annotations

import datetime as dt
import functools
import html

from hijridate import Gregorian

__all__ = [
    "HIJRI_MONTHS",
    "MONTHS_AR",
    "format_gregorian_ar",
    "format_hijri_ar",
    "format_iso_ar",
    "time_html",
    "weekday_ar",
]

# Levantine/Egyptian pairs, the form most pan-Arab outlets print.
MONTHS_AR = (
    "كانون الثاني/يناير",
    "شباط/فبراير",
    "آذار/مارس",
    "نيسان/أبريل",
    "أيار/مايو",
    "حزيران/يونيو",
    "تموز/يوليو",
    "آب/أغسطس",
    "أيلول/سبتمبر",
    "تشرين الأول/أكتوبر",
    "تشرين الثاني/نوفمبر",
    "كانون الأول/ديسمبر",
)
HIJRI_MONTHS = (
    "محرم",
    "صفر",
    "ربيع الأول",
    "ربيع الآخر",
    "جمادى الأولى",
    "جمادى الآخرة",
    "رجب",
    "شعبان",
    "رمضان",
    "شوال",
    "ذو القعدة",
    "ذو الحجة",
)
# Indexed by Python's weekday(): Monday is 0.
WEEKDAYS_AR = ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")


def weekday_ar(d: dt.date) -> str:
    """The Arabic weekday name of `d` ("الجمعة")."""
    return WEEKDAYS_AR[d.weekday()]


def format_gregorian_ar(d: dt.date) -> str:
    """ "31 كانون الأول/ديسمبر 2021"."""
    return f"{d.day} {MONTHS_AR[d.month - 1]} {d.year}"


def _parse_iso(iso: str) -> tuple[int, int | None, int | None]:
    """(year, month, day) of an ISO date at any precision: YYYY, YYYY-MM or YYYY-MM-DD.

    Raises ValueError for anything else, so that a bad value never reaches a page."""
    parts = iso.strip().split("-")
    if not 1 <= len(parts) <= 3 or len(parts[0]) != 4 or not all(p.isascii() for p in parts):
        raise ValueError(f"not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD): {iso!r}")
    if len(parts) == 3:
        d = dt.date.fromisoformat(iso.strip())
        return d.year, d.month, d.day
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        raise ValueError(f"not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD): {iso!r}") from None
    if len(numbers) == 2:
        if len(parts[1]) != 2 or not 1 <= numbers[1] <= 12:
            raise ValueError(f"not an ISO month (YYYY-MM): {iso!r}")
        return numbers[0], numbers[1], None
    return numbers[0], None, None


@functools.lru_cache(maxsize=1 << 16)
def format_iso_ar(iso: str) -> str:
    """An ISO date at its precision: "31 كانون الأول/ديسمبر 2021", "كانون الثاني/يناير 2022",
    "2022"."""
    year, month, day = _parse_iso(iso)
    if day is not None and month is not None:
        return format_gregorian_ar(dt.date(year, month, day))
    if month is not None:
        return f"{MONTHS_AR[month - 1]} {year}"
    return str(year)


def format_hijri_ar(d: dt.date) -> str:
    """ "27 جمادى الأولى 1443 هـ" (Umm al-Qura); "" outside hijridate's range (1343–1500 AH),
    where no reliable conversion exists."""
    try:
        hijri = Gregorian(d.year, d.month, d.day).to_hijri()
    except (OverflowError, ValueError):
        return ""
    return f"{hijri.day} {HIJRI_MONTHS[hijri.month - 1]} {hijri.year} هـ"


@functools.lru_cache(maxsize=1 << 16)  # pages repeat the same dates thousands of times
def time_html(iso: str, hijri: bool = True) -> str:
    """A `<time>` element for an ISO date at any precision; a day also gets its Hijri date
    (unless `hijri` is false, for long lists):
    `<time datetime="2021-12-31">31 كانون الأول/ديسمبر 2021 — 27 جمادى الأولى 1443 هـ</time>`."""
    year, month, day = _parse_iso(iso)
    label = format_iso_ar(iso)
    if hijri and day is not None and month is not None:
        hijri = format_hijri_ar(dt.date(year, month, day))
        if hijri:
            label = f"{label} — {hijri}"
    return f'<time datetime="{html.escape(iso.strip())}">{html.escape(label)}</time>'
