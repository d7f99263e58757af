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

import hashlib
import pickle
import sqlite3
from dataclasses import replace
from pathlib import Path

from .analysis import ArticleAnalysis, analyze_article
from .forked import forked_map, resolve_jobs
from .matcher import EntityMatcher
from .model import Article, Entity

# Bump when analysis output changes for the same input (new rules, new fields).
ANALYSIS_VERSION = "2"  # 2: the build keeps no mentions (site_analysis)
# Below this many cache misses, starting workers (and building one matcher per worker) costs
# more than it saves: an incremental rebuild analyzes one article in the main process.
PARALLEL_MIN = 50


# The modules whose code decides what an analysis contains. Their source is part of the
# cache key, so a change to the matcher or the date rules (several people edit them) can
# never leave stale analyses behind, even when nobody remembers to bump ANALYSIS_VERSION.
_ANALYSIS_MODULES = (
    "analysis.py",
    "matcher.py",
    "dates.py",
    "arabic.py",
    "model.py",
    "stemmer.py",
)


def code_hash() -> str:
    digest = hashlib.sha256(ANALYSIS_VERSION.encode())
    for name in _ANALYSIS_MODULES:
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()


def registry_hash(entities: dict[str, Entity]) -> str:
    digest = hashlib.sha256(code_hash().encode())
    for entity in sorted(entities.values(), key=lambda e: e.id):
        fields = (entity.id, entity.type, entity.name, *entity.aliases, "|", *entity.handles)
        digest.update("\x1f".join((*fields, "|", *entity.hashtags, entity.name_en)).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()


def article_key(article: Article, registry: str) -> str:
    # The file's text holds its front matter (date, title, entities, events) too.
    digest = hashlib.sha256(registry.encode())
    digest.update(article.text.encode())
    return digest.hexdigest()[:32]


def analyze_articles(
    articles: list[Article],
    entities: dict[str, Entity],
    cache_dir: Path | None = None,
    jobs: int = 0,
) -> tuple[dict[str, ArticleAnalysis], int]:
    """Analyses by article slug, and how many articles had to be analyzed (cache misses)."""
    registry = registry_hash(entities)
    keys = [article_key(article, registry) for article in articles]
    with AnalysisCache(cache_dir) as cache:
        analyses = cache.load(keys)
        missing = [
            article for article, key in zip(articles, keys, strict=True) if key not in analyses
        ]
        fresh: list[ArticleAnalysis] = []
        if missing:
            matcher = EntityMatcher(entities.values())
            # Forked workers share the parent's matcher (built once) and the articles;
            # results come back in input order: byte-identical to a serial run.
            fresh = forked_map(
                lambda i: site_analysis(missing[i], matcher),
                len(missing),
                resolve_jobs(jobs),
                PARALLEL_MIN,
            )
        missing_keys = [key for key in keys if key not in analyses]
        cache.store(list(zip(missing_keys, fresh, strict=True)))
        cache.keep_only(keys)
    analyses.update(zip(missing_keys, fresh, strict=True))
    return {a.slug: analyses[key] for a, key in zip(articles, keys, strict=True)}, len(missing)


def site_analysis(article: Article, matcher: EntityMatcher) -> ArticleAnalysis:
    """What the site is built from: the analysis without its mentions. The offsets of every
    mention are for `analyze`; no page shows them, and at 10,000 articles they are 640,000
    objects to pickle out of the workers, into the cache and out of it again (~3 s)."""
    return replace(analyze_article(article, matcher), mentions=())


# --- the cache ----------------------------------------------------------------------------


class AnalysisCache:
    """Analyses by key in one SQLite file (work/cache/analysis.sqlite3).

    One file and one transaction per build: 10,000 entries load or store in well under a
    second, where a file per entry cost a few milliseconds each. Entries the current build
    did not use are dropped at the end (old code versions, deleted articles), so the cache
    stays the size of the archive. A missing, locked or damaged cache is treated as empty:
    it only ever saves time, it never decides what the site contains."""

    FILE = "analysis.sqlite3"

    def __init__(self, cache_dir: Path | None):
        self.path = None if cache_dir is None else cache_dir / self.FILE
        self.db: sqlite3.Connection | None = None

    def __enter__(self) -> AnalysisCache:
        if self.path is None:
            return self
        for attempt in range(2):
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.db = sqlite3.connect(self.path, timeout=30)
                self.db.execute(
                    "CREATE TABLE IF NOT EXISTS analyses (key TEXT PRIMARY KEY, value BLOB)"
                )
                return self
            except (OSError, sqlite3.OperationalError):  # unwritable, locked: go without
                self._discard()
                break
            except sqlite3.DatabaseError:  # not a database (damaged): start a new one
                self._discard()
                if attempt == 0:
                    self.path.unlink(missing_ok=True)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    def load(self, keys: list[str]) -> dict[str, ArticleAnalysis]:
        found: dict[str, ArticleAnalysis] = {}
        if self.db is None:
            return found
        try:
            for start in range(0, len(keys), 500):  # under SQLite's limit of bound variables
                batch = keys[start : start + 500]
                marks = ",".join("?" * len(batch))
                query = f"SELECT key, value FROM analyses WHERE key IN ({marks})"
                for key, value in self.db.execute(query, batch):
                    analysis = _unpickle(value)
                    if analysis is not None:
                        found[key] = analysis
        except sqlite3.Error:
            self._discard()
            return {}
        return found

    def store(self, entries: list[tuple[str, ArticleAnalysis]]) -> None:
        if self.db is None or not entries:
            return
        rows = [(k, pickle.dumps(a, protocol=pickle.HIGHEST_PROTOCOL)) for k, a in entries]
        try:
            with self.db:
                self.db.executemany("INSERT OR REPLACE INTO analyses VALUES (?, ?)", rows)
        except sqlite3.Error:
            self._discard()

    def keep_only(self, keys: list[str]) -> None:
        if self.db is None:
            return
        try:
            with self.db:
                self.db.execute("CREATE TEMP TABLE IF NOT EXISTS used (key TEXT PRIMARY KEY)")
                self.db.execute("DELETE FROM used")
                self.db.executemany("INSERT OR IGNORE INTO used VALUES (?)", ((k,) for k in keys))
                self.db.execute("DELETE FROM analyses WHERE key NOT IN (SELECT key FROM used)")
        except sqlite3.Error:
            self._discard()

    def _discard(self) -> None:
        """Stop using a cache that cannot be read or written; the build goes on without."""
        if self.db is not None:
            self.db.close()
        self.db = None


def _unpickle(value: bytes) -> ArticleAnalysis | None:
    try:
        analysis = pickle.loads(value)
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        return None  # written by other code: a miss, never an error
    return analysis if isinstance(analysis, ArticleAnalysis) else None
