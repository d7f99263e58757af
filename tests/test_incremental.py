"""Incremental rebuilds: after editing one article only that article is analyzed again and
only the Markdown files whose content changed are rewritten (ISSUE 6).

Runs the builder's `generate` (no MkDocs, no search) on a small corpus made by
bench/corpus.py, so it stays fast."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from bench.corpus import generate as generate_corpus
from builder.analyze_all import AnalysisCache
from builder.build import BuildOptions, BuildReport, generate
from builder.pages import article_page
from builder.reader import read_content

ARTICLES = 30
ENTITIES = 120  # enough for mentions and co-occurrence; small so the matcher builds fast


def _generate(options: BuildOptions) -> BuildReport:
    return generate(options, "http://localhost:8000/", "موجز", "اختبار")


def _mtimes(docs: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in docs.rglob("*") if p.is_file()}


@pytest.fixture
def corpus(tmp_path: Path) -> BuildOptions:
    generate_corpus(tmp_path / "content", ARTICLES, entities=ENTITIES)
    return BuildOptions(
        content=tmp_path / "content",
        site=tmp_path / "site",
        work=tmp_path / "work",
        search=False,
        jobs=1,
    )


def _edit_body(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.rstrip("\n") + " وأضاف المصدر تفاصيل جديدة.\n", encoding="utf-8")


def test_first_build_analyzes_everything_then_nothing(corpus: BuildOptions) -> None:
    first = _generate(corpus)
    assert first.articles == ARTICLES
    assert first.analyzed == ARTICLES
    before = _mtimes(corpus.docs)
    time.sleep(0.02)  # mtimes are coarse (a clock tick): a rewrite must be able to show
    again = _generate(corpus)
    assert again.analyzed == 0
    assert again.stage("write").files == 0
    assert again.stage("feeds").files == 0
    assert _mtimes(corpus.docs) == before


def test_editing_one_article_reanalyzes_and_rewrites_only_it(corpus: BuildOptions) -> None:
    _generate(corpus)
    articles = read_content(corpus.content).articles
    edited = articles[len(articles) // 2]
    page = corpus.docs / article_page(edited)
    before = _mtimes(corpus.docs)
    old_page = page.read_bytes()
    time.sleep(0.02)

    _edit_body(edited.path)
    report = _generate(corpus)

    assert report.analyzed == 1
    after = _mtimes(corpus.docs)
    assert set(after) == set(before)
    changed = {p for p in after if after[p] != before[p]}
    assert page in changed
    assert page.read_bytes() != old_page
    assert "تفاصيل جديدة" in page.read_text(encoding="utf-8")
    untouched_pages = {corpus.docs / article_page(a) for a in articles if a.slug != edited.slug}
    assert not changed & untouched_pages, "pages of untouched articles keep their mtime"
    # The edit adds no entity, date or summary: nothing else on the site depends on it.
    assert changed == {page}
    assert report.stage("write").files == 1


def test_registry_change_reanalyzes_every_article(corpus: BuildOptions) -> None:
    _generate(corpus)
    registry = corpus.content / "entities.yml"
    registry.write_text(
        registry.read_text(encoding="utf-8")
        + "\nnew-entity:\n  type: place\n  name: 'مدينة اختبارية'\n",
        encoding="utf-8",
    )
    assert _generate(corpus).analyzed == ARTICLES


def _cached_keys(options: BuildOptions) -> set[str]:
    with sqlite3.connect(options.work / "cache" / AnalysisCache.FILE) as db:
        return {key for (key,) in db.execute("SELECT key FROM analyses")}


def test_cache_keeps_only_what_the_build_used(corpus: BuildOptions) -> None:
    _generate(corpus)
    assert len(_cached_keys(corpus)) == ARTICLES
    removed = read_content(corpus.content).articles[0]
    removed.path.unlink()
    _edit_body(read_content(corpus.content).articles[0].path)
    report = _generate(corpus)
    assert (report.articles, report.analyzed) == (ARTICLES - 1, 1)
    # The deleted article's entry and the edited article's old one are gone.
    assert len(_cached_keys(corpus)) == ARTICLES - 1


def test_damaged_cache_is_a_miss_not_an_error(corpus: BuildOptions) -> None:
    first = _generate(corpus)
    docs = {p: p.read_bytes() for p in corpus.docs.rglob("*") if p.is_file()}
    (corpus.work / "cache" / AnalysisCache.FILE).write_bytes(b"not a database" * 100)
    again = _generate(corpus)
    assert again.analyzed == ARTICLES == first.analyzed
    assert {p: p.read_bytes() for p in corpus.docs.rglob("*") if p.is_file()} == docs
    assert _generate(corpus).analyzed == 0, "the damaged file was replaced by a working cache"
