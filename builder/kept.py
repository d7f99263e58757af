"""What a long-lived process keeps between its generations.

The live preview regenerates the docs folder after every save, in one process that runs for
hours (builder/preview.py); each regeneration loaded the 10,000 parsed articles and their
analyses from the caches' SQLite files again (~0.8 s) and built the entity matcher again
(~0.85 s), to change one article. Once the preview calls `keep_between_generations()`, the
read stage keeps the article objects it handed out, by file and stamp (the read cache's own
test of "unchanged"), the analysis stage its analyses by their content key, and the entity
matcher with its registry's digest; each generation keeps only what it used. The objects
are frozen: a later generation gets exactly what loading them again would give.

`build` runs once per process and keeps nothing: its memory goes to Pagefind next.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .analysis import ArticleAnalysis
    from .matcher import EntityMatcher
    from .model import Article


@dataclass
class Kept:
    # (the path as the reader was given it, the read cache's stamp of the file) → article
    articles: dict[tuple[str, str], Article] = field(default_factory=dict)
    analyses: dict[str, ArticleAnalysis] = field(default_factory=dict)  # by analysis key
    matcher: tuple[str, EntityMatcher] | None = None  # with its `registry_hash`


_kept: Kept | None = None


def keep_between_generations() -> None:
    """From now on this process keeps what a later generation can reuse (the preview)."""
    global _kept
    if _kept is None:
        _kept = Kept()


def stop_keeping() -> None:
    """Keep nothing from now on, and let go of what was kept."""
    global _kept
    _kept = None


def kept() -> Kept | None:
    """What this process keeps, or None when it keeps nothing (`build`)."""
    return _kept
