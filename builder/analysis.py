"""Analyze stage, per article: entity mentions, dated events, warnings.

Analysis reads the article's Markdown body with markup (builder/markup.py: tags, link targets, URLs)
by spaces of the same length, so offsets stay offsets into the file's text and a URL never
yields an entity or a date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from .arabic import normalize_with_map
from .dates import DateWarning, extract_dates
from .markup import masked_region
from .matcher import EntityMatcher, Mention, article_entities
from .model import Article

_SENTENCE_END_CHARS = ".!?؟\n"
_SENTENCE_END = re.compile(f"[{re.escape(_SENTENCE_END_CHARS)}]+")


@dataclass(frozen=True)
class Event:
    """A dated event of an article: a date at its precision and the sentence it is from."""

    date: str  # YYYY-MM-DD, YYYY-MM or YYYY
    precision: str  # day | month | year
    expression: str  # the words that gave the date ("" for an editor's event)
    start: int  # offsets into the file's text (-1 for an editor's event)
    end: int
    sentence: str
    entities: tuple[str, ...]
    from_editor: bool = False


@dataclass(frozen=True)
class ArticleAnalysis:
    mentions: tuple[Mention, ...]  # empty in the build's analyses (analyze_all.site_analysis)
    entities: tuple[str, ...]  # detected ∪ asserted − excluded, sorted
    events: tuple[Event, ...]  # one per date, ordered by date
    warnings: tuple[DateWarning, ...]


def precision_of(iso: str) -> str:
    return {4: "year", 7: "month"}.get(len(iso), "day")


def analyze_text(
    text: str,
    published: dt.date,
    matcher: EntityMatcher,
    region: tuple[int, int] | None = None,
) -> tuple[list[Mention], list[Event], list[DateWarning]]:
    """Mentions, detected events and date warnings of `text` (or of text[region])."""
    start, end = region or (0, len(text))
    masked = masked_region(text, start, end)
    normalized = normalize_with_map(masked)  # once for the matcher and the dates
    mentions = matcher.find(masked, normalized)
    extraction = extract_dates(masked, published, normalized)
    events: list[Event] = []
    for found in extraction.found:
        s_start, s_end = _sentence_bounds(masked, found.start, found.end, start)
        inside = sorted({m.entity_id for m in mentions if s_start <= m.start and m.end <= s_end})
        sentence = " ".join(masked[s_start:s_end].split())
        events.append(
            Event(
                date=found.date,
                precision=found.precision,
                expression=text[found.start : found.end],
                start=found.start,
                end=found.end,
                sentence=sentence,
                entities=tuple(inside),
            )
        )
    return mentions, events, list(extraction.warnings)


def _sentence_bounds(text: str, start: int, end: int, floor: int) -> tuple[int, int]:
    # The sentence starts after the last sentence end before `start` (not before `floor`):
    # found backwards, not by scanning from `floor` for every date of the article.
    last_end = max(text.rfind(char, floor, start) for char in _SENTENCE_END_CHARS)
    sentence_start = last_end + 1 if last_end >= 0 else floor
    after = _SENTENCE_END.search(text, end)
    if after is None:
        sentence_end = len(text)
    else:  # keep the full stop, not the line break
        sentence_end = after.start() + (0 if after.group().startswith("\n") else 1)
    while sentence_start < sentence_end and text[sentence_start].isspace():
        sentence_start += 1
    return sentence_start, sentence_end


def analyze_article(article: Article, matcher: EntityMatcher) -> ArticleAnalysis:
    """Everything the builder extracts from one article; deterministic."""
    region = (article.body_offset, len(article.text))
    # The title is part of what the article says about its entities.
    title_mentions = matcher.find(article.title)
    mentions, detected_events, warnings = analyze_text(article.text, article.date, matcher, region)
    detected = {m.entity_id for m in mentions} | {m.entity_id for m in title_mentions}
    entities = article_entities(detected, article.entities, article.exclude_entities)
    allowed = set(entities)
    events = merge_events(
        [
            replace(e, entities=tuple(i for i in e.entities if i in allowed))
            for e in detected_events
        ],
        [
            Event(
                date=event.date,
                precision=precision_of(event.date),
                expression="",
                start=-1,
                end=-1,
                sentence=event.text,
                entities=tuple(sorted({m.entity_id for m in matcher.find(event.text)} & allowed)),
                from_editor=True,
            )
            for event in article.events
        ],
    )
    return ArticleAnalysis(tuple(mentions), tuple(entities), tuple(events), tuple(warnings))


def merge_events(detected: list[Event], editor: list[Event]) -> list[Event]:
    """One event per date: the editor's event wins, else the first sentence that dates it."""
    by_date: dict[str, Event] = {}
    for event in detected:
        by_date.setdefault(event.date, event)
    for event in editor:
        by_date[event.date] = event
    return sorted(by_date.values(), key=lambda e: (e.date, e.start))
