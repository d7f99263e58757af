"""Analyze every article, reusing cached analyses.

An article's analysis depends only on its text, the registry and this code's version, so it
is cached under a hash of those three: after editing one article of 10,000, only that one is
analyzed again (the pattern of Pelican's cache.py, keyed by checksum).

Cache misses are analyzed in forked worker processes when there are enough of them: analysis
is pure Python (GIL-bound), so threads would not help, and a cold build of 10,000 articles is
otherwise the builder's longest stage. Workers share the parent's EntityMatcher; results come
back in input order, so serial and parallel runs give the same analyses (and byte-identical
pages).
"""

from __future__ import annotations

import dataclasses
import hashlib
import marshal
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

from .analysis import ArticleAnalysis, Event, analyze_article
from .cache_db import CacheFile
from .dates import DateWarning
from .fingerprint import BUILDER, source_digest
from .forked import Helper, forked_map, resolve_jobs
from .kept import kept
from .matcher import EntityMatcher, Mention
from .model import Article, Entity

# Bump when analysis output changes for the same input (new rules, new fields).
ANALYSIS_VERSION = "4"  # 2: the build keeps no mentions (site_analysis); 3: marshal, not pickle;
# 4: no search terms (the article page makes them when it is rendered)
# Below this many cache misses, starting workers costs more than it saves: an incremental
# rebuild analyzes its edited articles in one process (the one AnalysisAhead started).
PARALLEL_MIN = 50
# From this many articles, when only a few files changed, the entity matcher is built in a
# forked process while the articles are read: AnalysisAhead.
AHEAD_MIN = 1000


# The modules whose code decides what an analysis contains. Their source is part of the
# cache key, so a change to the matcher or the date rules (several people edit them) can
# never leave stale analyses behind, even when nobody remembers to bump ANALYSIS_VERSION.
_ANALYSIS_MODULES = (
    "analysis.py",
    "markup.py",
    "matcher.py",
    "dates.py",
    "arabic.py",
    "model.py",
)


def code_hash() -> str:
    return source_digest([BUILDER / name for name in _ANALYSIS_MODULES], version=ANALYSIS_VERSION)


def registry_hash(entities: dict[str, Entity]) -> str:
    digest = hashlib.sha256(code_hash().encode())
    for entity in sorted(entities.values(), key=lambda e: e.id):
        fields = (entity.id, entity.type, entity.name, *entity.aliases, "|", *entity.handles)
        digest.update("\x1f".join((*fields, "|", *entity.hashtags, entity.name_en)).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()


def article_key(article: Article, registry: str) -> str:
    # The file's text holds its front matter (date, title, entities, events) too; its
    # digest was made when the file was parsed.
    return hashlib.sha256(f"{registry}:{article.text_digest}".encode()).hexdigest()[:32]


class Analyses(NamedTuple):
    by_slug: dict[str, ArticleAnalysis]
    analyzed: int  # how many articles had to be analyzed (cache misses)
    keys: dict[str, str]  # cache key by slug: an analysis is a function of its key


class AnalysisAhead:
    """The entity matcher (0.5–0.85 s for 2,000 entities) built while the articles are
    read, instead of after: `with AnalysisAhead(jobs) as ahead:` read with
    `when_changes_known=ahead.start` and `while_parsing=ahead.prepare`, then
    `analyze_articles(…, ahead=ahead)`. Analyses are the same with it or without it.

    - A few files changed on a large site (an incremental rebuild): a forked process builds
      the matcher while this one loads the 10,000 cached articles (~1 s), and analyzes the
      edited ones at once.
    - Many files changed (a cold build): this process builds it while its workers parse the
      files, instead of waiting for them with one core idle and then building it with the
      other core idle."""

    def __init__(self, jobs: int = 0) -> None:
        self.workers = resolve_jobs(jobs)
        self.helper: Helper | None = None
        self._matcher: tuple[dict[str, Entity], EntityMatcher] | None = None

    def prepare(self, entities: dict[str, Entity]) -> None:
        """Build the matcher for these entities (called while workers parse articles)."""
        self._matcher = (entities, EntityMatcher(entities.values()))

    def matcher(self, entities: dict[str, Entity]) -> EntityMatcher | None:
        """The matcher `prepare` built, if it was for these very entities."""
        if self._matcher is not None and self._matcher[0] is entities:
            return self._matcher[1]
        return None

    def start(self, entities: dict[str, Entity], files: int, changed: int) -> None:
        """Start building the matcher if the site is large enough, a few of its files
        changed (none: nothing to analyze; many: workers will) and there is a second core:
        a process working beside this one slows it down a little on this machine's cores."""
        if files >= AHEAD_MIN and 0 < changed < PARALLEL_MIN and self.workers > 1:
            self.helper = Helper(
                lambda: EntityMatcher(entities.values()),
                lambda matcher, articles: [site_analysis(a, matcher) for a in articles],
            )

    def analyzed(self, articles: list[Article]) -> list[ArticleAnalysis] | None:
        """The analyses of a few articles, made there; None when it was not started or is
        gone, and (stopping it) for none or many: workers analyze many sooner."""
        helper, self.helper = self.helper, None
        if helper is None:
            return None
        if not 0 < len(articles) < PARALLEL_MIN:
            helper.close()
            return None
        return helper.ask(articles)

    def __enter__(self) -> AnalysisAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.helper is not None:
            self.helper.close()


def analyze_articles(
    articles: list[Article],
    entities: dict[str, Entity],
    cache_dir: Path | None = None,
    jobs: int = 0,
    ahead: AnalysisAhead | None = None,
) -> Analyses:
    """Every article's analysis, from the cache or analyzed now (a few edited articles by
    `ahead`, when it was started for these entities)."""
    registry = registry_hash(entities)
    keys = [article_key(article, registry) for article in articles]
    with AnalysisCache(cache_dir) as cache:
        stored = cache.keys()
        missing = {key: a for a, key in zip(articles, keys, strict=True) if key not in stored}
        workers = resolve_jobs(jobs)
        to_analyze = list(missing.values())
        memo = kept()
        remembered = {} if memo is None else memo.analyses
        analyses = cache.load([key for key in keys if key not in remembered])
        analyses.update((key, remembered[key]) for key in keys if key in remembered)
        made = ahead.analyzed(to_analyze) if ahead is not None else None
        prepared = ahead.matcher(entities) if ahead is not None else None
        if made is None:
            made = _analyzed(to_analyze, entities, registry, workers, prepared)
        fresh = dict(zip(missing, made, strict=True))
        # A kept row that does not load (damaged, written by other code) is analyzed now.
        unloaded = {
            key: a
            for a, key in zip(articles, keys, strict=True)
            if key not in analyses and key not in fresh
        }
        late = _analyzed(list(unloaded.values()), entities, registry, workers, prepared)
        fresh.update(zip(unloaded, late, strict=True))
        cache.store(list(fresh.items()))
        cache.drop(stored.difference(keys))  # old versions of edited articles, deleted ones
    analyses.update(fresh)
    if memo is not None and cache_dir is not None:  # what it used, for the next generation
        memo.analyses = {key: analyses[key] for key in keys}
    return Analyses(
        {a.slug: analyses[key] for a, key in zip(articles, keys, strict=True)},
        len(fresh),
        {a.slug: key for a, key in zip(articles, keys, strict=True)},
    )


def _analyzed(
    articles: list[Article],
    entities: dict[str, Entity],
    registry: str,
    workers: int,
    matcher: EntityMatcher | None = None,
) -> list[ArticleAnalysis]:
    """The analyses of `articles` (in order), made now with one matcher for all (`matcher`,
    when one was built for these entities already)."""
    if not articles:
        return []
    if matcher is None:
        matcher = matcher_for(entities, registry)
    # Forked workers share the parent's matcher (built once) and the articles; results
    # come back in input order: byte-identical to a serial run.
    return forked_map(
        lambda i: site_analysis(articles[i], matcher), len(articles), workers, PARALLEL_MIN
    )


def matcher_for(entities: dict[str, Entity], registry: str) -> EntityMatcher:
    """The entity matcher for `entities`, whose `registry_hash` is `registry` (it covers
    every field the matcher reads, and the matcher's code): in a process that keeps what it
    built (builder/kept.py: the preview, which regenerates without a forked helper, and
    built it again on every save), the one it built last for the same registry."""
    memo = kept()
    if memo is None:
        return EntityMatcher(entities.values())
    if memo.matcher is None or memo.matcher[0] != registry:
        memo.matcher = (registry, EntityMatcher(entities.values()))
    return memo.matcher[1]


def site_analysis(article: Article, matcher: EntityMatcher) -> ArticleAnalysis:
    """What the site is built from: the analysis without its mentions. The offsets of every
    mention are for `analyze`; no page shows them, and at 10,000 articles they are 640,000
    objects to send back from the workers, store in the cache and load again (~3 s)."""
    return replace(analyze_article(article, matcher), mentions=())


# --- the cache ----------------------------------------------------------------------------


class AnalysisCache(CacheFile):
    """Analyses by key in one SQLite file (work/cache/analysis.sqlite3).

    One file and one transaction per build: 10,000 entries load or store in well under a
    second, where a file per entry cost a few milliseconds each. Entries the current build
    did not use are dropped at the end (old code versions, deleted articles), so the cache
    stays the size of the archive. Missing, locked or damaged: see builder/cache_db.py."""

    FILE = "analysis.sqlite3"
    SCHEMA = "CREATE TABLE IF NOT EXISTS analyses (key TEXT PRIMARY KEY, value BLOB);"

    def keys(self) -> set[str]:
        """The keys of every analysis kept (without loading them)."""
        return {key for (key,) in self.db.query("SELECT key FROM analyses")}

    def load(self, keys: list[str]) -> dict[str, ArticleAnalysis]:
        found: dict[str, ArticleAnalysis] = {}
        for start in range(0, len(keys), 500):  # under SQLite's limit of bound variables
            batch = keys[start : start + 500]
            marks = ",".join("?" * len(batch))
            rows = self.db.query(f"SELECT key, value FROM analyses WHERE key IN ({marks})", batch)
            for key, value in rows:
                analysis = _loaded(value)
                if analysis is not None:
                    found[key] = analysis
        return found if self.db.usable else {}

    def store(self, entries: list[tuple[str, ArticleAnalysis]]) -> None:
        if not self.db.usable or not entries:
            return
        rows = [(key, _stored(analysis)) for key, analysis in entries]
        self.db.write(("INSERT OR REPLACE INTO analyses VALUES (?, ?)", rows))

    def drop(self, keys: set[str]) -> None:
        """Drop these entries (the ones this build did not use): the cache stays the size
        of the archive."""
        if keys:
            self.db.write(("DELETE FROM analyses WHERE key = ?", [(key,) for key in keys]))


def _stored(analysis: ArticleAnalysis) -> bytes:
    """An analysis as a marshal'ed tuple of flat tuples (no pickle: loading a cache restored
    from elsewhere, as the deploy workflow does, must run no code)."""
    return marshal.dumps(
        (
            tuple(map(_fields, analysis.mentions)),
            analysis.entities,
            tuple(map(_fields, analysis.events)),
            tuple(map(_fields, analysis.warnings)),
        )
    )


def _loaded(value: bytes) -> ArticleAnalysis | None:
    try:
        mentions, entities, events, warnings = marshal.loads(value)
        return ArticleAnalysis(
            tuple(Mention(*fields) for fields in mentions),
            entities,
            tuple(Event(*fields) for fields in events),
            tuple(DateWarning(*fields) for fields in warnings),
        )
    except (ValueError, EOFError, TypeError):
        return None  # written by other code: a miss, never an error


def _fields(value: object) -> tuple[object, ...]:
    """A flat dataclass's field values, in order (what its constructor takes back)."""
    return tuple(getattr(value, field.name) for field in dataclasses.fields(value))  # type: ignore[arg-type]
