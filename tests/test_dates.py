"""Tests of builder/dates.py: precision/recall on the project's gold set, the tricky cases one
by one, and the seed article."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import SEED, SEED_DATES

from builder.dates import DateMention, extract_dates

GOLD = Path(__file__).parent / "gold" / "dates_gold.yml"
PUBLISHED = dt.date(2021, 12, 31)


def _as_date(value: Any) -> dt.date:
    """YAML reads an unquoted 2022-03-15 as a date already; accept strings too."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _locate(text: str, expressions: list[str]) -> list[tuple[int, int]]:
    """Spans of the gold expressions in `text`; a repeated expression takes the next occurrence."""
    spans = []
    next_from: dict[str, int] = {}
    for expression in expressions:
        start = text.find(expression, next_from.get(expression, 0))
        assert start >= 0, f"gold expression {expression!r} not in {text!r}"
        next_from[expression] = start + 1
        spans.append((start, start + len(expression)))
    return spans


def _score(items: list[dict[str, Any]]) -> tuple[int, int, int, int, list[str]]:
    """(true positives, exact-span true positives, found, gold, error descriptions).

    A found date is correct when its date equals a gold date whose span overlaps its own
    (each gold date matches once)."""
    tp = exact = found_total = gold_total = 0
    errors: list[str] = []
    for item in items:
        text = item["text"]
        gold = item["dates"]
        spans = _locate(text, [g["expression"] for g in gold])
        result = extract_dates(text, _as_date(item["published"]))
        found_total += len(result.found)
        gold_total += len(gold)
        unmatched = list(range(len(gold)))
        for mention in result.found:
            assert text[mention.start : mention.end] == mention.expression
            hit = next(
                (
                    i
                    for i in unmatched
                    if str(gold[i]["date"]) == mention.date
                    and mention.start < spans[i][1]
                    and spans[i][0] < mention.end
                ),
                None,
            )
            if hit is None:
                errors.append(f"FP {mention.expression!r} → {mention.date} in {text!r}")
                continue
            unmatched.remove(hit)
            tp += 1
            exact += (mention.start, mention.end) == spans[hit]
            if (mention.start, mention.end) != spans[hit]:
                errors.append(f"span {mention.expression!r} ≠ {gold[hit]['expression']!r}")
        errors += [
            f"FN {gold[i]['expression']!r} → {gold[i]['date']} in {text!r}" for i in unmatched
        ]
        expected_warnings = sorted(item.get("warnings", []))
        if sorted(w.expression for w in result.warnings) != expected_warnings:
            errors.append(f"warnings {[w.expression for w in result.warnings]} in {text!r}")
    return tp, exact, found_total, gold_total, errors


def test_gold_precision_and_recall() -> None:
    items = yaml.safe_load(GOLD.read_text(encoding="utf-8"))
    assert len(items) >= 60
    tp, exact, found, gold, errors = _score(items)
    precision = tp / found if found else 1.0
    recall = tp / gold if gold else 1.0
    print(
        f"\ndates gold: {len(items)} items, {gold} dates; found {found}; "
        f"precision {precision:.3f}, recall {recall:.3f}, exact spans {exact}/{tp}"
    )
    for error in errors:
        print("  ", error)
    assert precision >= 0.97
    assert recall >= 0.95
    assert not [e for e in errors if e.startswith("warnings")], errors


# ---------------------------------------------------------------------------------------------
# Tricky cases
# ---------------------------------------------------------------------------------------------


def _found(text: str, published: dt.date = PUBLISHED) -> list[tuple[str, str]]:
    return [(m.expression, m.date) for m in extract_dates(text, published).found]


@pytest.mark.parametrize(
    "text",
    [
        "وقع الانفجار في بغداد",
        "احتل المركز الخامس",
        "في اليوم الخامس من الإضراب",
        "في اليوم العاشر",
        "مارس ضغوطا على الحكومة",
        "مارس الرياضة منذ صغره",
        "في يوم من الأيام",
        "الأمين العام المقبل",
        "تناول الغداء",
        "عام 1443 هـ",
        "في ذلك اليوم",
        "في الأمس القريب",
    ],
)
def test_traps_give_no_date(text: str) -> None:
    assert _found(text) == []


def test_relative_day_with_contradicting_weekday_warns_and_gives_no_date() -> None:
    result = extract_dates("قال أمس الأربعاء إن", PUBLISHED)  # 2021-12-30 is a Thursday
    assert result.found == []
    [warning] = result.warnings
    assert warning.expression == "أمس الأربعاء"
    assert "2021-12-30" in warning.message and "الخميس" in warning.message


def test_weekday_with_day_number_is_checked() -> None:
    assert _found("الجمعة 31 كانون الأول") == [("الجمعة 31 كانون الأول", "2021-12-31")]
    result = extract_dates("السبت 31 كانون الأول", PUBLISHED)
    assert result.found == [] and len(result.warnings) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("غداً", "2022-01-01"),
        ("غدا السبت", "2022-01-01"),
        ("بعد غد", "2022-01-02"),
        ("أول أمس", "2021-12-29"),
        ("أول من أمس", "2021-12-29"),
        ("وأمس", "2021-12-30"),
        ("حتى اليوم", "2021-12-31"),
        ("يوم الغد", "2022-01-01"),
    ],
)
def test_relative_days(text: str, expected: str) -> None:
    assert [date for _, date in _found(text)] == [expected]


@pytest.mark.parametrize(
    ("text", "expression", "date"),
    [
        ("في كانون الثاني/يناير 2022", "كانون الثاني/يناير 2022", "2022-01"),
        ("في شهر آذار المقبل", "شهر آذار المقبل", "2022-03"),
        ("في اذار المقبل", "اذار المقبل", "2022-03"),
        ("ابريل الماضي", "ابريل الماضي", "2021-04"),
        ("العام الجاري", "العام الجاري", "2021"),
        ("مارس 2022", "مارس 2022", "2022-03"),
        ("12 مارس", "12 مارس", "2022-03-12"),
        ("العاشر من كانون الثاني", "العاشر من كانون الثاني", "2022-01-10"),
        ("ال12 من يناير", "ال12 من يناير", "2022-01-12"),
        ("١٢ يناير", "١٢ يناير", "2022-01-12"),
        ("Jan 12", "Jan 12", "2022-01-12"),
        ("December 2021", "December 2021", "2021-12"),
        ("2021-12-25", "2021-12-25", "2021-12-25"),
    ],
)
def test_forms(text: str, expression: str, date: str) -> None:
    assert _found(text) == [(expression, date)]


def test_precision_field() -> None:
    mentions = extract_dates("في 12 يناير وفي مارس 2022 ثم عام 2023", PUBLISHED).found
    assert [(m.date, m.precision) for m in mentions] == [
        ("2022-01-12", "day"),
        ("2022-03", "month"),
        ("2023", "year"),
    ]


def test_qualifiers_resolve_against_publication_date() -> None:
    published = dt.date(2022, 6, 15)
    assert _found("12 حزيران المقبل", published) == [("12 حزيران المقبل", "2023-06-12")]
    assert _found("20 حزيران الماضي", published) == [("20 حزيران الماضي", "2021-06-20")]
    assert _found("20 حزيران الجاري", published) == [("20 حزيران الجاري", "2022-06-20")]
    assert _found("في 20 حزيران", published) == [("20 حزيران", "2022-06-20")]
    assert _found("في 20 كانون الأول", published) == [("20 كانون الأول", "2021-12-20")]


def test_offsets_point_into_the_original_text_with_diacritics_and_tatweel() -> None:
    text = "وَصَلَ الوفدُ غَداً، وفي الـــ 12 مِنْ كانُونَ الثّاني المُقْبِل"
    result = extract_dates(text, PUBLISHED)
    for mention in result.found:
        assert text[mention.start : mention.end] == mention.expression
    assert [m.expression for m in result.found] == ["غَداً", "الـــ 12 مِنْ كانُونَ الثّاني المُقْبِل"]
    assert [m.date for m in result.found] == ["2022-01-01", "2022-01-12"]


def test_found_is_sorted_and_non_overlapping() -> None:
    text = "اليوم الجمعة 31 كانون الأول/ديسمبر 2021، وأمس الخميس، و December 31, 2021"
    found = extract_dates(text, PUBLISHED).found
    assert [m.start for m in found] == sorted(m.start for m in found)
    assert all(a.end <= b.start for a, b in pairwise(found))
    assert {m.date for m in found} == {"2021-12-31", "2021-12-30"}


def test_mentions_are_frozen() -> None:
    mention = extract_dates("اليوم", PUBLISHED).found[0]
    assert isinstance(mention, DateMention)
    with pytest.raises(AttributeError):
        mention.date = "x"  # type: ignore[misc]


def test_seed_article() -> None:
    text = SEED.read_text(encoding="utf-8")
    result = extract_dates(text, PUBLISHED)
    assert {m.date for m in result.found} == set(SEED_DATES)
    assert result.warnings == []
    expressions = {m.expression for m in result.found}
    assert {"اليوم الجمعة", "December 31, 2021", "Jan 12", "أمس الخميس"} <= expressions
    for mention in result.found:
        assert text[mention.start : mention.end] == mention.expression
