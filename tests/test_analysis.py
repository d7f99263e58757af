"""The per-article analysis reads text, not markup: a link target or an HTML attribute never
yields an entity or a date, and offsets still index the file's text."""

from __future__ import annotations

import datetime as dt

import pytest

from builder.analysis import analyze_text
from builder.markup import mask_markup
from builder.matcher import EntityMatcher
from builder.model import Entity

MATCHER = EntityMatcher(
    [
        Entity(id="nato", type="organization", name="الناتو", aliases=("حلف شمال الأطلسي",)),
        Entity(id="russia", type="place", name="روسيا"),
    ]
)
PUBLISHED = dt.date(2022, 3, 1)

# Each kind of markup alone in a sentence (builder/markup.py skips its pattern for text
# with none of its characters): what hides behind it is a name and a date that must not be
# found.
MARKUP = [
    '<a href="https://example.org/روسيا/12-يناير-2022">',
    "](https://example.org/روسيا/2022-01-12)",
    "\n[مرجع]: https://example.org/روسيا/2022-01-12 روسيا 12 يناير 2022\n",
    '<blockquote class="tweet"\n data-about="روسيا 12 يناير 2022">',
    "https://example.org/روسيا/2022-01-12",
]


@pytest.mark.parametrize("markup", MARKUP)
def test_markup_yields_no_entity_and_no_date(markup: str) -> None:
    text = f"قال الناتو في 3 مارس 2022 {markup} إن الاجتماع انتهى."
    masked = mask_markup(text)
    assert len(masked) == len(text) and "روسيا" not in masked
    mentions, events, _ = analyze_text(text, PUBLISHED, MATCHER)
    assert [(m.entity_id, m.text) for m in mentions] == [("nato", "الناتو")]
    assert [e.date for e in events] == ["2022-03-03"]
    assert all(text[m.start : m.end] == m.text for m in mentions)


def test_text_without_markup_is_read_as_it_is() -> None:
    text = "زار وفد روسيا مقر حلف شمال الأطلسي في 12 يناير 2022، وقال الناتو إن الزيارة مفيدة."
    assert mask_markup(text) is text
    mentions, events, _ = analyze_text(text, PUBLISHED, MATCHER)
    assert [m.entity_id for m in mentions] == ["russia", "nato", "nato"]
    assert [e.date for e in events] == ["2022-01-12"]
    assert [(m.start, m.end) for m in mentions] == [
        (text.index("روسيا"), text.index("روسيا") + 5),
        (text.index("حلف"), text.index("حلف") + len("حلف شمال الأطلسي")),
        (text.index("الناتو"), text.index("الناتو") + 6),
    ]


def test_a_sentence_starts_after_the_last_sentence_end_before_its_date() -> None:
    # The rule as a forward scan from the floor (how it was written first): the end of the
    # last run of . ! ? ؟ or line breaks between the floor and the date; the sentence's
    # start and end, spaces skipped, must be what analysis._sentence_bounds finds backwards.
    import random
    import re

    from builder.analysis import _sentence_bounds

    ends_re = re.compile(r"[.!?؟\n]+")

    def by_scan(text: str, start: int, end: int, floor: int) -> tuple[int, int]:
        before = [m.end() for m in ends_re.finditer(text, floor, start)]
        begin = before[-1] if before else floor
        after = ends_re.search(text, end)
        if after is None:
            stop = len(text)
        else:
            stop = after.start() + (0 if after.group().startswith("\n") else 1)
        while begin < stop and text[begin].isspace():
            begin += 1
        return begin, stop

    pieces = ["قال", "الوزير", " ", " ", ".", "!", "?", "؟", "\n", "\n\n", "..", "،", "2022"]
    generator = random.Random(7)
    for _ in range(3000):
        text = "".join(generator.choice(pieces) for _ in range(generator.randint(1, 30)))
        start = generator.randint(0, len(text))
        end = generator.randint(start, len(text))
        floor = generator.randint(0, start)
        expected = by_scan(text, start, end, floor)
        assert _sentence_bounds(text, start, end, floor) == expected, (text, start, end, floor)


def test_the_analysis_cache_key_covers_every_module_the_analysis_runs() -> None:
    # An analysis is cached under a digest of the modules that decide it: a module the
    # analysis imports but the key leaves out could change analyses and leave stale ones.
    import ast
    from pathlib import Path

    from builder.analyze_all import _ANALYSIS_MODULES

    folder = Path(__file__).resolve().parent.parent / "builder"
    needed, pending = set(), ["analysis.py"]
    while pending:
        name = pending.pop()
        if name in needed:
            continue
        needed.add(name)
        for node in ast.walk(ast.parse((folder / name).read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                module = node.module.removeprefix("builder.") if node.level == 0 else node.module
                if (node.level or node.module.startswith("builder.")) and (
                    folder / f"{module}.py"
                ).is_file():
                    pending.append(f"{module}.py")
    assert needed <= set(_ANALYSIS_MODULES), needed - set(_ANALYSIS_MODULES)
