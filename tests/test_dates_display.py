"""Tests of builder/dates_display.py: Arabic Gregorian and Hijri dates, <time> elements."""

from __future__ import annotations

import datetime as dt

import pytest

from builder.dates_display import (
    format_gregorian_ar,
    format_hijri_ar,
    format_iso_ar,
    time_html,
    weekday_ar,
)


def test_gregorian_uses_levantine_egyptian_pairs() -> None:
    assert format_gregorian_ar(dt.date(2021, 12, 31)) == "31 كانون الأول/ديسمبر 2021"
    assert format_gregorian_ar(dt.date(2022, 1, 2)) == "2 كانون الثاني/يناير 2022"
    assert format_gregorian_ar(dt.date(2022, 8, 15)) == "15 آب/أغسطس 2022"


@pytest.mark.parametrize(
    ("iso", "expected"),
    [
        ("2021-12-31", "31 كانون الأول/ديسمبر 2021"),
        ("2022-01", "كانون الثاني/يناير 2022"),
        ("2022", "2022"),
    ],
)
def test_iso_at_every_precision(iso: str, expected: str) -> None:
    assert format_iso_ar(iso) == expected


@pytest.mark.parametrize("bad", ["", "2022-13", "22-01-01", "2022-02-30", "٢٠٢٢", "2022-1", "x"])
def test_bad_iso_is_rejected(bad: str) -> None:
    with pytest.raises(ValueError):
        format_iso_ar(bad)


def test_hijri() -> None:
    assert format_hijri_ar(dt.date(2021, 12, 31)) == "27 جمادى الأولى 1443 هـ"
    assert format_hijri_ar(dt.date(2022, 4, 2)) == "1 رمضان 1443 هـ"


def test_hijri_outside_range_is_empty() -> None:
    assert format_hijri_ar(dt.date(1900, 1, 1)) == ""
    assert format_hijri_ar(dt.date(2100, 1, 1)) == ""


def test_time_html() -> None:
    assert time_html("2021-12-31") == (
        '<time datetime="2021-12-31">31 كانون الأول/ديسمبر 2021 — 27 جمادى الأولى 1443 هـ</time>'
    )
    assert time_html("2022-01") == '<time datetime="2022-01">كانون الثاني/يناير 2022</time>'
    assert time_html("2022") == '<time datetime="2022">2022</time>'
    # Outside the Hijri table: the Gregorian date alone.
    assert time_html("1900-01-01") == '<time datetime="1900-01-01">1 كانون الثاني/يناير 1900</time>'


def test_weekday() -> None:
    assert weekday_ar(dt.date(2021, 12, 31)) == "الجمعة"
    assert weekday_ar(dt.date(2021, 12, 30)) == "الخميس"
    assert weekday_ar(dt.date(2022, 1, 2)) == "الأحد"
