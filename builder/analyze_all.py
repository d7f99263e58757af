"""Analyze every article, reusing cached analyses.

An article's analysis depends only on its text, the registry and this code's version, so it
is cached under a hash of those three: after editing one article of 10,000, only that one is
analyzed again (the pattern of Pelican's cache.py, keyed by checksum).

Cache misses are analyzed in worker processes when there are enough of them: analysis is
pure Python (GIL-bound), so threads would not help, and a cold build of 10,000 articles is
otherwise the builder's longest stage. Each worker builds the EntityMatcher once; results come
back in input order, so serial and parallel runs give the same analyses (and byte-identical
pages).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import pickle
import sys
from collections.abc import Iterable
from pathlib import Path

from .analysis import ArticleAnalysis, analyze_article
from .matcher import EntityMatcher
from .model import Article, Entity

# Bump when analysis output changes for the same input (new rules, new fields).
ANALYSIS_VERSION = "1"
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
    results: dict[str, ArticleAnalysis] = {}
    todo: list[tuple[Article, str]] = []
    for article in articles:
        key = article_key(article, registry)
        cached = _load(cache_dir, key)
        if cached is None:
            todo.append((article, key))
        else:
            results[article.slug] = cached
    workers = min(resolve_jobs(jobs), len(todo))
    if workers > 1 and len(todo) >= PARALLEL_MIN:
        analyses = _analyze_parallel([a for a, _ in todo], list(entities.values()), workers)
    elif todo:
        matcher = EntityMatcher(entities.values())
        analyses = (analyze_article(article, matcher) for article, _ in todo)
    else:
        analyses = iter(())
    for (article, key), analysis in zip(todo, analyses, strict=True):
        results[article.slug] = analysis
        _store(cache_dir, key, analysis)
    return results, len(todo)


def resolve_jobs(jobs: int) -> int:
    """Worker processes for `jobs` (0 = one per core this process may run on); the one rule
    for analysis and MkDocs workers."""
    if jobs > 0:
        return jobs
    try:
        return len(os.sched_getaffinity(0))  # respects taskset/cgroup cpusets, unlike cpu_count
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# --- worker processes ---------------------------------------------------------------------

_worker_matcher: EntityMatcher | None = None


def _init_worker(entities: list[Entity]) -> None:
    global _worker_matcher
    _worker_matcher = EntityMatcher(entities)


def _analyze_in_worker(article: Article) -> ArticleAnalysis:
    assert _worker_matcher is not None, "the pool initializer builds the matcher"
    return analyze_article(article, _worker_matcher)


def _analyze_parallel(
    articles: list[Article], entities: list[Entity], workers: int
) -> Iterable[ArticleAnalysis]:
    # fork: workers start in milliseconds and inherit the imported modules and the entities
    # (no pickling of the registry); elsewhere the platform's default (spawn) still works.
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else None)
    # Chunks amortize inter-process messages (an article is ~10 KB of text) while leaving
    # enough chunks for both workers to stay busy until the end.
    chunksize = max(1, min(64, len(articles) // (workers * 8)))
    with context.Pool(workers, initializer=_init_worker, initargs=(entities,)) as pool:
        # imap keeps input order; the list is built before the pool is torn down.
        return list(pool.imap(_analyze_in_worker, articles, chunksize=chunksize))


def _load(cache_dir: Path | None, key: str) -> ArticleAnalysis | None:
    if cache_dir is None:
        return None
    try:
        with open(cache_dir / key[:2] / f"{key}.pickle", "rb") as handle:
            value = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
        return None  # a missing or unreadable entry is a miss, never an error
    return value if isinstance(value, ArticleAnalysis) else None


def _store(cache_dir: Path | None, key: str, analysis: ArticleAnalysis) -> None:
    if cache_dir is None:
        return
    folder = cache_dir / key[:2]
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{key}.tmp"
    temporary.write_bytes(pickle.dumps(analysis, protocol=pickle.HIGHEST_PROTOCOL))
    temporary.replace(folder / f"{key}.pickle")
