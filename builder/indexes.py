"""Analyze stage, site-wide: the indexes every page is drawn from (by entity, tag, date,
co-occurrence, related articles, events). Pure: articles and analyses in, index out."""

from __future__ import annotations

import hashlib
import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter
from typing import Any

from .analysis import ArticleAnalysis, Event
from .fingerprint import code_salt
from .forked import forked_map
from .model import Article, Entity
from .problems import Problem, display_path
from .slugs import slugify

RELATED_LIMIT = 5
ENTITY_WEIGHT = 2.0  # a shared entity counts twice a shared tag (cf. Hugo's related content)
TAG_WEIGHT = 1.0
# Related articles are looked for among the articles nearest in time on each shared entity
# or tag: it bounds the work per article, and news relates mostly to nearby news.
RELATED_WINDOW = 20
# Below this many articles the related search takes well under a second: no workers.
RELATED_PARALLEL_MIN = 2000
COOCCURRENCE_LIMIT = 10

# (name, compute) → compute(the result kept under that name last time, or None), kept for
# the next build (RememberedResults.update).
Remember = Callable[[str, Callable[[Any], Any]], Any]


@dataclass(frozen=True)
class DatedEvent:
    """An event with the article it comes from."""

    event: Event
    article: Article

    @property
    def date(self) -> str:
        return self.event.date

    @property
    def sentence(self) -> str:
        return self.event.sentence


@dataclass
class SiteIndex:
    articles: list[Article]  # published, newest first
    entities: dict[str, Entity]
    analyses: dict[str, ArticleAnalysis]  # by article slug
    by_entity: dict[str, list[Article]] = field(default_factory=dict)
    by_tag: dict[str, list[Article]] = field(default_factory=dict)
    tag_slugs: dict[str, str] = field(default_factory=dict)
    cooccurrence: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    related: dict[str, list[Article]] = field(default_factory=dict)
    events: list[DatedEvent] = field(default_factory=list)  # by date, then article date
    events_by_entity: dict[str, list[DatedEvent]] = field(default_factory=dict)
    by_month: dict[tuple[int, int], list[Article]] = field(default_factory=dict)
    by_day: dict[str, list[Article]] = field(default_factory=dict)
    events_by_day: dict[str, list[DatedEvent]] = field(default_factory=dict)

    def entities_of(self, analysis: ArticleAnalysis) -> list[Entity]:
        """An article's entities (from its analysis), for display: by type, then name."""
        ids = sorted(analysis.entities, key=self._display_rank.__getitem__)
        return [self.entities[i] for i in ids]

    @cached_property
    def _display_rank(self) -> dict[str, int]:
        """Every entity's place in display order (by type, then name), ranked once: 10,000
        articles are sorted by it."""
        ordered = sorted(self.entities.values(), key=lambda e: (_TYPE_ORDER[e.type], e.name, e.id))
        return {entity.id: rank for rank, entity in enumerate(ordered)}

    @property
    def newest_date(self) -> str:
        return self.articles[0].date.isoformat() if self.articles else ""

    @cached_property
    def upcoming(self) -> list[DatedEvent]:
        """Events dated after the newest article: what is coming. Computed once: the home
        page and the timeline show them, out of tens of thousands of events."""
        newest = self.newest_date
        return [
            dated
            for dated in self.events
            if dated.event.date[: len(newest)] > newest[: len(dated.event.date)]
        ]


_TYPE_ORDER = {"person": 0, "organization": 1, "place": 2}


def build_index(
    articles: list[Article],
    analyses: dict[str, ArticleAnalysis],
    entities: dict[str, Entity],
    problems: list[Problem],
    workers: int = 1,
    remember: Remember | None = None,
) -> SiteIndex:
    """Build every site-wide index. URL clashes are appended to `problems`. The related
    articles, the costly part, are computed in `workers` forked processes (same result);
    with `remember` (RememberedResults.update), only those whose inputs changed since the
    last build."""
    index = SiteIndex(articles=articles, entities=entities, analyses=analyses)
    by_entity: dict[str, list[Article]] = defaultdict(list)
    by_tag: dict[str, list[Article]] = defaultdict(list)
    pairs: dict[str, Counter[str]] = defaultdict(Counter)
    for article in articles:
        ids = analyses[article.slug].entities
        for entity_id in ids:
            by_entity[entity_id].append(article)
            pairs[entity_id].update(ids)  # itself too (removed below): a loop in C
        for tag in article.tags:
            by_tag[tag].append(article)
        index.by_month.setdefault((article.date.year, article.date.month), []).append(article)
        index.by_day.setdefault(article.date.isoformat(), []).append(article)
    index.by_entity = dict(sorted(by_entity.items()))
    index.by_tag = dict(sorted(by_tag.items()))
    index.tag_slugs = _tag_slugs(index.by_tag, entities, problems)
    for entity_id, counter in pairs.items():
        del counter[entity_id]
    # Most shared first, then by id: sorted by id, then stably by count (both in C).
    index.cooccurrence = {
        entity_id: sorted(sorted(counter.items()), key=itemgetter(1), reverse=True)[
            :COOCCURRENCE_LIMIT
        ]
        for entity_id, counter in sorted(pairs.items())
    }

    postings = _postings(index.by_entity, index.by_tag)
    if remember is None:
        found = _related(articles, analyses, postings, range(len(articles)), workers)
    else:
        state = remember(
            "related", lambda kept: _related_updated(kept, articles, analyses, postings, workers)
        )
        found = [state["related"][article.slug] for article in articles]
    by_slug = {article.slug: article for article in articles}
    index.related = {
        article.slug: [by_slug[slug] for slug in slugs]
        for article, slugs in zip(articles, found, strict=True)
    }
    _index_events(index)
    return index


def _tag_slugs(
    by_tag: dict[str, list[Article]], entities: dict[str, Entity], problems: list[Problem]
) -> dict[str, str]:
    """ASCII slug of every tag; two tags sharing a URL is an error, never a silent merge."""
    slugs: dict[str, str] = {}
    owner: dict[str, str] = {}
    for tag, tagged in by_tag.items():
        slug = slugify(tag) or "tag"
        if slug in owner:
            first = tagged[-1]
            problems.append(
                Problem(
                    display_path(first.path),
                    0,
                    f"the tags '{owner[slug]}' and '{tag}' would share the address /tags/{slug}/; "
                    "write them the same way or make them differ in letters",
                )
            )
            continue
        owner[slug] = tag
        slugs[tag] = slug
    return slugs


Feature = tuple[str, str]  # ("e", entity id) or ("t", tag)


def _postings(
    by_entity: dict[str, list[Article]], by_tag: dict[str, list[Article]]
) -> dict[Feature, list[Article]]:
    """The articles of every entity and tag, newest first: what related articles are
    looked for in."""
    postings: dict[Feature, list[Article]] = {}
    for entity_id, listed in by_entity.items():
        postings[("e", entity_id)] = listed
    for tag, listed in by_tag.items():
        postings[("t", tag)] = listed
    return postings


def _features(article: Article, analyses: dict[str, ArticleAnalysis]) -> list[Feature]:
    return [("e", i) for i in analyses[article.slug].entities] + [("t", t) for t in article.tags]


def _related(
    articles: list[Article],
    analyses: dict[str, ArticleAnalysis],
    postings: dict[Feature, list[Article]],
    numbers: Sequence[int],
    workers: int = 1,
) -> list[list[str]]:
    """The slugs of up to RELATED_LIMIT related articles of each article `numbers` names,
    scored by shared entities (weighted above shared tags; rarer features weigh more:
    inverse document frequency).

    What one article's list depends on — the article's date and features, and the order,
    dates and number of the articles of each of its features, with the number of articles —
    is what `_related_updated` compares to tell which lists can be kept."""
    if not numbers:
        return []
    total = max(len(articles), 1)
    # Where each article sits in the lists of the features these articles have (all of
    # them in a cold build; a handful after an edit, out of 2,300 lists at 10,000 articles).
    wanted = {feature for n in numbers for feature in _features(articles[n], analyses)}
    # Slugs, not articles, in the scoring loop (3 million additions at 10,000 articles):
    # no attribute read per candidate; dates are looked up for the few finalists only.
    listed_slugs = {key: [a.slug for a in postings[key]] for key in wanted}
    position = {
        key: {slug: i for i, slug in enumerate(listed)} for key, listed in listed_slugs.items()
    }
    date_of = {a.slug: a.date for a in articles}

    def related_slugs(article: Article) -> list[str]:
        # Integer scores (millionths): sums are exact whatever the order, so ties are ties
        # without rounding every candidate's score.
        scores: dict[str, int] = defaultdict(int)
        for feature in _features(article, analyses):
            listed = listed_slugs[feature]
            weight = round(
                (ENTITY_WEIGHT if feature[0] == "e" else TAG_WEIGHT)
                * (1.0 + math.log(total / len(listed)))
                * 1_000_000
            )
            here = position[feature][article.slug]
            for slug in listed[max(0, here - RELATED_WINDOW) : here + RELATED_WINDOW + 1]:
                scores[slug] += weight
        scores.pop(article.slug, None)
        # Only candidates scoring at least the RELATED_LIMIT-th best can make the list: sorting
        # those few instead of all ~500 candidates makes this 10× faster at 10,000 articles.
        if len(scores) > RELATED_LIMIT:
            cutoff = heapq.nlargest(RELATED_LIMIT, scores.values())[-1]
            candidates = [slug for slug, score in scores.items() if score >= cutoff]
        else:
            candidates = list(scores)
        ranked = sorted(
            candidates,
            key=lambda slug: (
                -scores[slug],
                abs((date_of[slug] - article.date).days),
                slug,
            ),
        )
        return ranked[:RELATED_LIMIT]

    return forked_map(
        lambda i: related_slugs(articles[numbers[i]]), len(numbers), workers, RELATED_PARALLEL_MIN
    )


def _related_updated(
    kept: Any,
    articles: list[Article],
    analyses: dict[str, ArticleAnalysis],
    postings: dict[Feature, list[Article]],
    workers: int,
) -> dict[str, Any]:
    """The related articles of every article, as JSON for the next build, computed again
    only for the articles whose inputs changed since `kept` (the last build's) was made.

    Editing a body changes none; adding a tag to one article changes the lists of that
    tag's articles (its weight and order changed) and of the article itself. Every list
    kept is the one `_related` would compute now: it depends only on what the digests
    below compare (and on this code and the number of articles, which must be the same)."""

    def digest(text: str) -> str:
        return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()

    names = {feature: f"{feature[0]}:{feature[1]}" for feature in postings}  # JSON keys
    # Each article's slug and date once, looked up by id in C: the lists hold 80,000
    # entries at 10,000 articles.
    dated = {id(a): f"{a.slug}@{a.date.toordinal()}" for a in articles}
    lists = {
        names[feature]: digest(" ".join(map(dated.__getitem__, map(id, listed))))
        for feature, listed in postings.items()
    }

    def features(a: Article) -> str:  # separated by control characters: no id or tag has one
        entities, tags = "\x1f".join(analyses[a.slug].entities), "\x1f".join(a.tags)
        return f"{a.date.toordinal()}\x1e{entities}\x1e{tags}"

    own = {a.slug: digest(features(a)) for a in articles}
    state: dict[str, Any] = {"salt": code_salt(), "total": len(articles)}
    state.update(lists=lists, own=own)
    usable = (
        isinstance(kept, dict)
        and kept.get("salt") == state["salt"]
        and kept.get("total") == state["total"]
        and all(isinstance(kept.get(part), dict) for part in ("lists", "own", "related"))
    )
    again = set(own)
    if usable:
        changed = [f for f, name in names.items() if kept["lists"].get(name) != lists[name]]
        again = {a.slug for feature in changed for a in postings[feature]}
        again.update(slug for slug, value in own.items() if kept["own"].get(slug) != value)
        again.update(slug for slug in own if slug not in kept["related"])
    numbers = [n for n, article in enumerate(articles) if article.slug in again]
    fresh = _related(articles, analyses, postings, numbers, workers)
    related = {slug: kept["related"][slug] for slug in own if slug not in again}
    related.update((articles[n].slug, slugs) for n, slugs in zip(numbers, fresh, strict=True))
    state["related"] = related
    return state


def dated_events(articles: list[Article], analyses: dict[str, ArticleAnalysis]) -> list[DatedEvent]:
    """Every event of these articles with its article, by date, then the article's date and
    slug: the timeline's order (SiteIndex.events)."""
    events: list[DatedEvent] = []
    for article in articles:
        events.extend(DatedEvent(e, article) for e in analyses[article.slug].events)
    events.sort(key=lambda d: (d.event.date, d.article.date, d.article.slug))
    return events


def _index_events(index: SiteIndex) -> None:
    index.events = events = dated_events(index.articles, index.analyses)
    by_entity: dict[str, list[DatedEvent]] = defaultdict(list)
    for dated in events:
        for entity_id in dated.event.entities:
            by_entity[entity_id].append(dated)
        if dated.event.precision == "day":
            index.events_by_day.setdefault(dated.event.date, []).append(dated)
    index.events_by_entity = dict(by_entity)
