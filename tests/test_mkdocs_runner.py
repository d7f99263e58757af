"""MkDocs with the pages rendered in worker processes gives exactly the serial site, and
strict mode still stops on the warnings the workers meet (a broken link in a page)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, site_files

from builder import mkdocs_runner
from builder.build import BuildOptions, generate, load_mkdocs_config, site_identity
from builder.mkdocs_runner import run_mkdocs
from builder.problems import BuildError


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's content generated once into a docs folder (search off)."""
    work = tmp_path_factory.mktemp("runner") / "work"
    options = _options(work, work.parent / "unused-site")
    generate(options, *site_identity(load_mkdocs_config(options)))
    return work


def _options(work: Path, site: Path) -> BuildOptions:
    return BuildOptions(
        content=REPO / "content", site=site, work=work, config=REPO / "mkdocs.yml", search=False
    )


def _config(work: Path, site: Path) -> Any:
    return load_mkdocs_config(_options(work, site))


def _pages(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*.html")}


def _spy(monkeypatch: pytest.MonkeyPatch, name: str, note: Callable[..., Any]) -> list[Any]:
    """mkdocs_runner.`name` wrapped: `note(*args)` of each call is kept, in order."""
    notes: list[Any] = []
    real = getattr(mkdocs_runner, name)

    def spy(*args: Any, **named: Any) -> Any:
        notes.append(note(*args))
        return real(*args, **named)

    monkeypatch.setattr(mkdocs_runner, name, spy)
    return notes


def _spy_on_workers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many workers each parallel render asked for."""
    return _spy(monkeypatch, "_render_pages", lambda _state, workers, *_: workers)


def test_parallel_site_is_byte_identical_to_serial(
    work: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _spy_on_workers(monkeypatch)
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    (parallel / "stale").mkdir(parents=True)  # MkDocs cleans site_dir first: so must we
    (parallel / "stale" / "old.html").write_text("old", encoding="utf-8")
    told: list[tuple[str, set[str]]] = []

    told_serial = lambda: told.append(("serial", _pages(serial)))  # noqa: E731
    run_mkdocs(_config(work, serial), jobs=1, when_first_written=told_serial)
    assert calls == []  # jobs=1 is plain mkdocs build
    run_mkdocs(
        _config(work, parallel),
        jobs=2,
        min_pages_for_parallel=0,
        first=("articles", "tags"),
        when_first_written=lambda: told.append(("parallel", _pages(parallel))),
    )
    assert calls == [2]
    serial_files, parallel_files = site_files(serial), site_files(parallel)
    # Told once each: the serial build when done, the parallel one when every article and
    # tag page was written (the search index starts then, beside the other pages).
    assert [name for name, _ in told] == ["serial", "parallel"]
    everything = {name for name in serial_files if name.endswith(".html")}
    assert told[0][1] == everything
    first = {name for name in everything if name.split("/")[0] in ("articles", "tags")}
    assert 0 < len(first) < len(everything) and first <= told[1][1]
    assert len(serial_files) > 100
    assert "sitemap.xml" in serial_files and "404.html" in serial_files
    assert sorted(parallel_files) == sorted(serial_files)
    different = [name for name in serial_files if serial_files[name] != parallel_files[name]]
    assert different == []


def _spy_on_publishing(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each time the static files and templates are published: were workers rendering?
    (`_STATE` is set while the pool runs.)"""
    return _spy(
        monkeypatch, "publish_static_and_templates", lambda *_: mkdocs_runner._STATE is not None
    )


def test_static_files_and_templates_are_published_while_workers_render(
    work: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    while_workers = _spy_on_publishing(monkeypatch)
    run_mkdocs(_config(work, tmp_path / "site"), jobs=2, min_pages_for_parallel=0)
    assert while_workers == [True]
    assert (tmp_path / "site" / "sitemap.xml").is_file()
    assert (tmp_path / "site" / "404.html").is_file()


def test_a_page_where_a_template_goes_is_written_after_it_as_mkdocs_does(
    work: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without directory URLs a docs page 404.md becomes 404.html, where the theme's 404
    # template goes too: MkDocs writes the template first and the page over it.
    copy = tmp_path / "work"
    shutil.copytree(work / "docs", copy / "docs")
    (copy / "docs" / "404.md").write_text("# الصفحة غير موجودة هنا\n", encoding="utf-8")

    def config(site: Path) -> Any:
        return load_mkdocs_config(_options(copy, site), use_directory_urls=False)

    while_workers = _spy_on_publishing(monkeypatch)
    run_mkdocs(config(tmp_path / "parallel"), jobs=2, min_pages_for_parallel=0)
    assert while_workers == [False]  # before the workers started: MkDocs' order
    run_mkdocs(config(tmp_path / "serial"), jobs=1)
    page = (tmp_path / "parallel" / "404.html").read_text(encoding="utf-8")
    assert "الصفحة غير موجودة هنا" in page
    assert page == (tmp_path / "serial" / "404.html").read_text(encoding="utf-8")


def _spy_on_priorities(monkeypatch: pytest.MonkeyPatch, log: Path) -> Callable[[], set[Any]]:
    """The (top folder, niceness) of every page as its worker rendered it: the workers append
    to `log` (they are other processes), read back by the function returned."""
    real = mkdocs_runner.render_pages_here

    def spy(state: Any, indexes: Any, *rest: Any) -> Any:
        niceness = os.getpriority(os.PRIO_PROCESS, 0)
        with log.open("a", encoding="utf-8") as out:
            for index in indexes:
                out.write(f"{state.doc_files[index].dest_uri.split('/')[0]} {niceness}\n")
        return real(state, indexes, *rest)

    monkeypatch.setattr(mkdocs_runner, "render_pages_here", spy)
    return lambda: {(folder, int(n)) for folder, n in map(str.split, log.read_text().splitlines())}


@pytest.mark.parametrize("yield_cpu", [True, False])
def test_workers_yield_the_cpu_when_asked(
    work: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, yield_cpu: bool
) -> None:
    own = os.getpriority(os.PRIO_PROCESS, 0)
    if own == mkdocs_runner.LOWEST_PRIORITY:
        pytest.skip("the tests already run at the lowest priority")
    rendered = _spy_on_priorities(monkeypatch, tmp_path / "priorities.log")
    run_mkdocs(
        _config(work, tmp_path / "site"), jobs=2, min_pages_for_parallel=0, yield_cpu=yield_cpu
    )
    pages = rendered()
    assert {folder for folder, _ in pages} >= {"articles", "tags", "entities", "digest"}
    assert {n for _, n in pages} == {mkdocs_runner.LOWEST_PRIORITY if yield_cpu else own}
    assert os.getpriority(os.PRIO_PROCESS, 0) == own  # this process kept its priority


def test_parallel_strict_build_stops_on_a_broken_link_in_a_page(
    work: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = work / "docs"
    # Two pages that workers render, far apart in MkDocs' page order, and one page of the
    # nav, which the parent renders before forking (its warning is logged first).
    articles = sorted((docs / "articles").rglob("*.md"))
    tags = sorted(p for p in (docs / "tags").rglob("*.md") if p.name != "index.md")
    broken = {
        articles[0]: "no-such-article.md",
        docs / "tags" / "index.md": "../missing/page.md",
        tags[-1]: "../../nowhere.md",
    }
    originals = {path: path.read_bytes() for path in broken}
    try:
        for path, target in broken.items():
            path.write_text(
                path.read_text(encoding="utf-8") + f"\n\n[رابط مكسور]({target})\n",
                encoding="utf-8",
            )
        calls = _spy_on_workers(monkeypatch)
        with pytest.raises(BuildError) as parallel:
            run_mkdocs(_config(work, tmp_path / "parallel"), jobs=2, min_pages_for_parallel=0)
        assert calls == [2]
        with pytest.raises(BuildError) as serial:
            run_mkdocs(_config(work, tmp_path / "serial"), jobs=1)
    finally:
        for path, data in originals.items():
            path.write_bytes(data)
    text = str(parallel.value)
    for path, target in broken.items():
        assert f"'{path.relative_to(docs).as_posix()}' contains a link '{target}'" in text
    assert parallel.value.messages[-1] == "MkDocs stopped: Aborted with 3 warnings in strict mode!"
    # The same messages, in the same order, as MkDocs' own serial build.
    assert parallel.value.messages == serial.value.messages


def test_shared_fragments_are_rendered_once_per_folder_outside_the_nav() -> None:
    class Page:
        def __init__(self, url: str, hide: bool = False) -> None:
            self.url, self.meta = url, {"hide": ["toc"]} if hide else {}

    class Nav:
        def __init__(self, pages: list[Page]) -> None:
            self.pages = pages

        def __bool__(self) -> bool:
            return True

    home = Page("")
    nav = Nav([home])
    renders: list[str] = []

    def render(text: str) -> Callable[[], str]:
        return lambda: renders.append(text) or text

    shared = mkdocs_runner.SharedFragments()
    assert shared("tabs", Page("entities/nato/"), nav, render("a")) == "a"
    assert shared("tabs", Page("entities/iran/"), nav, render("b")) == "a"  # same folder
    assert shared("tabs", Page("tags/x/"), nav, render("c")) == "c"  # another folder
    assert shared("footer", Page("entities/iran/"), nav, render("d")) == "d"  # another part
    assert shared("tabs", home, nav, render("e")) == "e"  # in the nav: its tab is active
    assert shared("tabs", Page("entities/x/", hide=True), nav, render("f")) == "f"
    assert shared("tabs", None, nav, render("g")) == "g"  # 404.html
    assert renders == ["a", "c", "d", "e", "f", "g"]


def test_docs_files_are_linked_into_the_site_and_theme_files_copied(
    work: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    run_mkdocs(_config(work, site), jobs=2, min_pages_for_parallel=0)
    feed = site / "feeds" / "news.xml"
    assert feed.samefile(work / "docs" / "feeds" / "news.xml")  # linked, not copied
    bundle = next((site / "assets" / "javascripts").glob("bundle.*.min.js"))
    assert bundle.stat().st_nlink == 1  # Material's own file: a copy, never a link into it


def test_one_markdown_instance_per_worker_carries_nothing_from_page_to_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first page defines a link reference and a heading; the twenty after it use the
    reference without defining it and have the same heading. A worker that converts them
    after the first with state left over would link them, or number their heading ids."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# الرئيسية\n", encoding="utf-8")
    (docs / "a.md").write_text(
        "# أ\n\n## Events\n\n[المصدر][ref]\n\n[ref]: https://example.org/a\n", encoding="utf-8"
    )
    for number in range(20):
        (docs / f"b{number:02}.md").write_text(
            f"# ب {number}\n\n## Events\n\n[المصدر][ref]\n", encoding="utf-8"
        )
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: t\nsite_url: http://localhost/\ntheme:\n  name: material\n"
        f"  custom_dir: {REPO / 'builder' / 'theme'}\nplugins: []\n"
        "markdown_extensions: [builder.markdown_raw, builder.markdown_inline, attr_list,"
        " md_in_html, toc]\nnav: [index.md]\n"
        "validation: {nav: {omitted_files: ignore}}\n",
        encoding="utf-8",
    )
    from mkdocs.config import load_config

    def config(site: str) -> Any:
        return load_config(str(tmp_path / "mkdocs.yml"), site_dir=str(tmp_path / site))

    calls = _spy_on_workers(monkeypatch)
    run_mkdocs(config("serial"), jobs=1)
    run_mkdocs(config("parallel"), jobs=2, min_pages_for_parallel=0)
    assert calls == [2]
    serial, parallel = site_files(tmp_path / "serial"), site_files(tmp_path / "parallel")
    assert sorted(parallel) == sorted(serial)
    assert [name for name in serial if serial[name] != parallel[name]] == []
    page = parallel["b19/index.html"].decode()
    assert "[المصدر][ref]" in page and 'id="events"' in page and "events_1" not in page
