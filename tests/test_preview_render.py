"""The preview's renders after an edit (builder/preview_render.py): MkDocs' objects are made
once and kept while the docs folder holds the same files and mkdocs.yml is unchanged, and
the site is then the one a build from nothing gives."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import REPO, options_in, site_files
from mkdocs.exceptions import Abort

from bench.corpus import generate as generate_corpus
from builder.build import BuildOptions, build, generate, load_mkdocs_config, site_identity
from builder.mkdocs_runner import MIN_PAGES_FOR_PARALLEL, run_mkdocs
from builder.preview_render import PreviewRenderer, config_stamp

ARTICLE = "articles/2022/2022-01-12-nato-russia-council-brussels.md"


def _regenerate(options: BuildOptions) -> None:
    generate(options, *site_identity(load_mkdocs_config(options)))


def _rendered_site(tmp_path: Path) -> tuple[BuildOptions, PreviewRenderer, Path]:
    """A content folder, its docs folder and a first full render, as the preview starts;
    the renderer's own stamp of mkdocs.yml is a copy the test may touch."""
    content = tmp_path / "content"
    shutil.copytree(REPO / "content", content)
    options = options_in(tmp_path / "preview", content, search=False)
    _regenerate(options)
    run_mkdocs(load_mkdocs_config(options), jobs=1)
    stamp = tmp_path / "mkdocs.yml"
    shutil.copy(REPO / "mkdocs.yml", stamp)
    return options, PreviewRenderer(lambda: load_mkdocs_config(options), str(stamp)), stamp


def _fresh_site(content: Path, folder: Path) -> dict[str, bytes]:
    options = options_in(folder, content, search=False)
    build(options)
    return site_files(options.site)


def _times(folder: Path, suffix: str) -> dict[str, int]:
    """Modification times of the files of that suffix, by page: "articles/2022/01/x" for
    both docs/articles/2022/01/x.md and site/articles/2022/01/x/index.html."""
    times = {}
    for path in folder.rglob(f"*{suffix}"):
        page = path.relative_to(folder).as_posix().removesuffix(suffix)
        times[page.removesuffix("/index").removesuffix("index")] = path.stat().st_mtime_ns
    return times


def _edit(path: Path, old: str, new: str) -> None:
    time.sleep(0.02)  # a later mtime than the HTML rendered just before
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_edits_render_their_pages_with_the_kept_objects(tmp_path: Path) -> None:
    options, render, _ = _rendered_site(tmp_path)
    render.prepare()
    assert render.prepared == 1
    article = options.content / ARTICLE
    for number, (old, new) in enumerate(
        [
            ("title: مجلس الناتو", "title: عنوان جديد لمجلس الناتو"),
            ("ستولتنبرغ", "الأمين العام ستولتنبرغ"),
        ]
    ):
        markdown, html = _times(options.docs, ".md"), _times(options.site, ".html")
        _edit(article, old, new)
        _regenerate(options)
        render()
        assert render.prepared == 1  # the same objects: nothing added, nothing gone
        markdown_now, html_now = _times(options.docs, ".md"), _times(options.site, ".html")
        rewritten = {page for page in markdown if markdown_now[page] != markdown[page]}
        rendered = {page for page in html if html_now[page] != html[page]}
        assert "articles/2022/01/nato-russia-council-brussels" in rendered
        assert rendered == rewritten and len(rendered) < len(html)  # those pages only
        fresh = _fresh_site(options.content, tmp_path / f"fresh{number}")
        assert site_files(options.site) == fresh


def test_a_page_added_or_mkdocs_yml_changed_makes_the_objects_again(tmp_path: Path) -> None:
    options, render, stamp = _rendered_site(tmp_path)
    render.prepare()
    source = options.content / ARTICLE
    added = source.with_name("2022-01-14-nato-follow-up.md")
    text = source.read_text(encoding="utf-8")
    added.write_text(
        text.replace("slug: nato-russia-council-brussels", "slug: nato-follow-up").replace(
            "2022-01-12", "2022-01-14"
        ),
        encoding="utf-8",
    )
    _regenerate(options)
    render()
    assert render.prepared == 2
    assert (options.site / "articles/2022/01/nato-follow-up/index.html").is_file()
    assert site_files(options.site) == _fresh_site(options.content, tmp_path / "fresh")
    render()  # nothing changed since
    assert render.prepared == 2
    os.utime(stamp, ns=(time.time_ns(), time.time_ns() + 10**9))
    render()
    assert render.prepared == 3


def test_a_warning_stops_the_render_in_strict_mode_as_mkdocs_does(tmp_path: Path) -> None:
    options, render, _ = _rendered_site(tmp_path)
    render.prepare()
    article = options.content / ARTICLE
    _edit(article, "ينس ستولتنبرغ", "ينس [ستولتنبرغ](no-such-page.md)")
    _regenerate(options)
    with pytest.raises(Abort, match="strict mode"):
        render()
    _edit(article, "ينس [ستولتنبرغ](no-such-page.md)", "ينس ستولتنبرغ")
    _regenerate(options)
    render()  # mended: the next save renders again
    assert render.prepared == 1
    assert site_files(options.site) == _fresh_site(options.content, tmp_path / "fresh")


def test_the_objects_of_the_first_render_in_workers_serve_the_next_ones(tmp_path: Path) -> None:
    """Past MIN_PAGES_FOR_PARALLEL pages the preview's first site is rendered in workers
    (run_mkdocs); the renderer adopts that render's objects instead of making them again."""
    corpus = generate_corpus(tmp_path / "content", 150, entities=60)
    options = options_in(tmp_path / "preview", tmp_path / "content", search=False, jobs=2)
    _regenerate(options)
    stamp = config_stamp(str(options.config))
    state = run_mkdocs(load_mkdocs_config(options), jobs=2)
    assert state is not None and len(state.doc_files) >= MIN_PAGES_FOR_PARALLEL
    render = PreviewRenderer(lambda: load_mkdocs_config(options), str(options.config))
    render.adopt(state, stamp)
    article = max(corpus.articles, key=lambda a: (a.date, a.slug))
    _edit(tmp_path / "content" / article.relative_path, "title: ", "title: 'عنوان جديد' #")
    _regenerate(options)
    render()
    assert render.prepared == 0  # the first render's objects, not new ones
    url = f"articles/{article.date:%Y}/{article.date:%m}/{article.slug}/index.html"
    assert "عنوان جديد" in (options.site / url).read_text(encoding="utf-8")
    assert site_files(options.site) == _fresh_site(options.content, tmp_path / "fresh")


def test_an_mkdocs_yml_broken_while_the_preview_runs_is_said_not_traced(tmp_path: Path) -> None:
    """MkDocs' server prints an Abort's words and a traceback for anything else: a broken
    mkdocs.yml reaches it as an Abort naming the file and the line, and once mended the
    next render works."""
    options, _, _ = _rendered_site(tmp_path)
    config = tmp_path / "edited.yml"
    good = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    good = good.replace("custom_dir: builder/theme", f"custom_dir: {REPO / 'builder' / 'theme'}")
    config.write_text(good + "theme: [\n", encoding="utf-8")
    edited = replace(options, config=config)
    render = PreviewRenderer(lambda: load_mkdocs_config(edited), str(config))
    with pytest.raises(Abort) as stopped:
        render()
    assert str(config) in str(stopped.value) and "line" in str(stopped.value)
    config.write_text(good, encoding="utf-8")
    render()
    assert render.prepared == 1
