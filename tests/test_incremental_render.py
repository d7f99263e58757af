"""A build after an edit renders with MkDocs only the pages whose Markdown changed (its dirty
build, in worker processes past MIN_PAGES_FOR_PARALLEL pages as a full render is) and
publishes the very site a build from nothing gives; where that could not hold — a docs file
gone, another configuration, a render that stopped midway — it renders every page again
(builder/render_record.py)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, options_in, site_files

import builder.build as build_module
from bench.corpus import Corpus, generate
from builder.build import BuildReport, build
from builder.mkdocs_runner import MIN_PAGES_FOR_PARALLEL
from builder.problems import BuildError
from builder.search import BUNDLE


def _build(
    content: Path, folder: Path, jobs: int = 2, cache: bool = True, search: bool = False
) -> BuildReport:
    return build(options_in(folder, content, search=search, jobs=jobs, cache=cache))


def _site(folder: Path) -> dict[str, bytes]:
    """Every file of a built site by path, without its search index."""
    return site_files(folder / "site", leave_out=BUNDLE)


def _html_times(folder: Path) -> dict[str, int]:
    site = folder / "site"
    return {p.relative_to(site).as_posix(): p.stat().st_mtime_ns for p in site.rglob("*.html")}


def _page(article: Any) -> str:
    return f"articles/{article.date:%Y}/{article.date:%m}/{article.slug}/index.html"


def _rewrite(path: Path, change: Callable[[str], str]) -> None:
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")


@dataclass(frozen=True)
class _Listed:
    """An article as _page reads it (the one an edit adds)."""

    date: dt.date
    slug: str


def _edits(content: Path, corpus: Corpus) -> list[tuple[str, Callable[[], None], str]]:
    """(what, the edit, a page that must be among those rendered again)."""
    articles = sorted(corpus.articles, key=lambda a: (a.date, a.slug))
    first, middle, last = articles[3], articles[len(articles) // 2], articles[-1]
    added = _Listed(dt.date(2099, 1, 1), "a-new-article")

    def add_to_body() -> None:
        _rewrite(content / middle.relative_path, lambda t: t + "\nجملة أضافها المحرر.\n")

    def change_title() -> None:
        _rewrite(
            content / first.relative_path,
            lambda t: t.replace("title: ", "title: 'عنوان جديد' #", 1),
        )

    def add_article() -> None:
        path = content / "articles" / "2099" / "2099-01-01-a-new-article.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = (content / last.relative_path).read_text(encoding="utf-8")
        text = text.replace(f"slug: {last.slug}", f"slug: {added.slug}")
        path.write_text(text.replace(f"date: '{last.date}'", f"date: '{added.date}'"), "utf-8")

    bodies = "\n".join(article.body for article in corpus.articles)
    named = min((e for e in corpus.entities if e.name in bodies), key=lambda e: e.id)  # a page

    def rename_entity() -> None:
        registry = content / "entities.yml"
        _rewrite(registry, lambda t: t.replace(f"name_en: '{named.name_en}'", "name_en: 'Renamed'"))

    return [
        ("a sentence added to a body", add_to_body, _page(middle)),
        ("a title changed", change_title, _page(first)),
        ("an article added", add_article, _page(added)),
        ("an entity's English name changed", rename_entity, f"entities/{named.id}/index.html"),
    ]


@pytest.mark.parametrize("jobs", [2, 1])
def test_a_rebuild_renders_only_changed_pages_and_publishes_a_full_builds_site(
    tmp_path: Path, jobs: int
) -> None:
    content = tmp_path / "content"
    corpus = generate(content, 150, entities=60)
    work = tmp_path / "incremental"
    assert not _build(content, work, jobs).dirty_render  # nothing to keep yet
    assert sum(1 for _ in (work / "work" / "docs").rglob("*.md")) >= MIN_PAGES_FOR_PARALLEL
    for number, (what, edit, page) in enumerate(_edits(content, corpus)):
        before = _html_times(work)
        edit()
        report = _build(content, work, jobs)
        assert report.dirty_render, what
        after = _html_times(work)
        rendered = {path for path, time in after.items() if before.get(path) != time}
        assert page in rendered, what
        assert len(rendered) < len(after) // 4, (what, len(rendered))  # most pages kept
        fresh = tmp_path / f"fresh-{number}"
        assert not _build(content, fresh, jobs, cache=False).dirty_render
        assert _site(work) == _site(fresh), what


def test_a_docs_file_gone_means_every_page_rendered_again(tmp_path: Path) -> None:
    """A dirty build never deletes: the page of a deleted article would stay published."""
    content = tmp_path / "content"
    corpus = generate(content, 150, entities=60)
    work = tmp_path / "incremental"
    _build(content, work)
    gone = corpus.articles[10]
    assert (work / "site" / _page(gone)).is_file()
    (content / gone.relative_path).unlink()
    report = _build(content, work)
    assert not report.dirty_render
    assert not (work / "site" / _page(gone)).exists()
    _build(content, tmp_path / "fresh", cache=False)
    assert _site(work) == _site(tmp_path / "fresh")


def test_another_configuration_means_every_page_rendered_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """mkdocs.yml reads SITE_URL: another address changes every page's links."""
    content = tmp_path / "content"
    shutil.copytree(REPO / "content", content)
    work = tmp_path / "incremental"
    monkeypatch.setenv("SITE_URL", "https://newsroom.example/")
    _build(content, work)
    assert _build(content, work).dirty_render  # nothing changed: the same site, kept
    monkeypatch.setenv("SITE_URL", "https://newsroom.example/akhbar/")
    assert not _build(content, work).dirty_render
    _build(content, tmp_path / "fresh", cache=False)
    assert _site(work) == _site(tmp_path / "fresh")
    assert b"newsroom.example/akhbar/" in _site(work)["index.html"]


def test_a_render_that_stopped_is_followed_by_a_full_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MkDocs stopped midway (a page failed, the machine was stopped): the site folder holds
    a part of a render, so the next build renders every page."""
    content = tmp_path / "content"
    shutil.copytree(REPO / "content", content)
    work = tmp_path / "incremental"
    _build(content, work)
    real = build_module.run_mkdocs

    def stopping_mkdocs(config: Any, jobs: int, **hooks: Any) -> None:
        real(config, jobs, **hooks)
        raise BuildError(["MkDocs stopped: a page failed"])

    monkeypatch.setattr(build_module, "run_mkdocs", stopping_mkdocs)
    with pytest.raises(BuildError, match="a page failed"):
        _build(content, work)
    monkeypatch.setattr(build_module, "run_mkdocs", real)
    assert not _build(content, work).dirty_render
    assert _build(content, work).dirty_render


def test_a_kept_site_keeps_its_search_index_only_while_it_is_the_pages(tmp_path: Path) -> None:
    """Nothing changed: Pagefind does not run. An article edited: it indexes every page
    again. A build without search leaves no search index of an earlier build behind."""
    content = tmp_path / "content"
    shutil.copytree(REPO / "content", content)
    work = tmp_path / "incremental"
    bundle = work / "site" / BUNDLE
    entry = bundle / "pagefind-entry.json"
    assert not _build(content, work, search=True).search_kept
    made = entry.stat().st_mtime_ns
    again = _build(content, work, search=True)
    assert again.dirty_render and again.search_kept
    assert entry.stat().st_mtime_ns == made
    article = next((content / "articles").rglob("*.md"))
    _rewrite(article, lambda text: text + "\nجملة أضافها المحرر.\n")
    edited = _build(content, work, search=True)
    assert edited.dirty_render and not edited.search_kept
    assert entry.stat().st_mtime_ns != made  # made anew
    assert _build(content, work, search=False).dirty_render
    assert not bundle.exists()


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # cut short
        lambda text: "[1, 2]",
        lambda text: text.replace('"key"', '"kee"'),
        lambda text: json.dumps({**json.loads(text), "files": [[1]]}),  # key and site right
    ],
)
def test_a_damaged_render_record_means_every_page_rendered_again(
    tmp_path: Path, damage: Callable[[str], str]
) -> None:
    """build/render.json edited by hand or cut short: no error, a full render."""
    content = tmp_path / "content"
    shutil.copytree(REPO / "content", content)
    work = tmp_path / "incremental"
    _build(content, work)
    _rewrite(work / "work" / "render.json", damage)
    assert not _build(content, work).dirty_render
    assert _build(content, work).dirty_render  # written again, whole
