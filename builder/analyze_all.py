"""Analyze every article, reusing cached analyses.

An article's analysis depends only on its text, the registry and this code's version, so it
is cached under a hash of those three: after editing one article of 10,000, only that one is
analyzed again (the pattern of Pelican's cache.py, keyed by checksum).
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

from .analysis import ArticleAnalysis, analyze_article
from .matcher import EntityMatcher
from .model import Article, Entity

# Bump when analysis output changes for the same input (new rules, new fields).
ANALYSIS_VERSION = "1"


def registry_hash(entities: dict[str, Entity]) -> str:
    digest = hashlib.sha256(ANALYSIS_VERSION.encode())
    for entity in sorted(entities.values(), key=lambda e: e.id):
        fields = (entity.id, entity.type, entity.name, *entity.aliases, "|", *entity.handles)
        digest.update("\x1f".join((*fields, "|", *entity.hashtags, entity.name_en)).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()


def article_key(article: Article, registry: str) -> str:
    digest = hashlib.sha256(registry.encode())
    digest.update(article.published.encode() + b"\x1f" + article.title.encode() + b"\x1f")
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
    if todo:
        matcher = EntityMatcher(entities.values())
        for article, key in todo:
            analysis = analyze_article(article, matcher)
            results[article.slug] = analysis
            _store(cache_dir, key, analysis)
    return results, len(todo)


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
