"""Incremental rebuilds: after editing one article only that article is analyzed again and
only the Markdown files whose content changed are rewritten (ISSUE 6).

Runs the builder's `generate` (no MkDocs, no search) on a small corpus made by
bench/corpus.py, so it stays fast."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bench.corpus import generate as generate_corpus
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
