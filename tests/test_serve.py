"""`python -m builder serve`: the live preview serves the site, and an edit to an article
reaches its page without restarting (the watcher regenerates, MkDocs rebuilds)."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, run_builder

from bench.corpus import generate
from bench.serve_preview import free_port, page, wait_for
from builder import preview
from builder.mkdocs_runner import MIN_PAGES_FOR_PARALLEL
from builder.preview import ContentChanges, content_state, without_missing_search_notice

ARTICLE = "articles/2022/2022-01-12-nato-russia-council-brussels.md"
URL = "articles/2022/01/nato-russia-council-brussels/"
NEW_TITLE = "عنوان جديد كتبه المحرر أثناء المعاينة"


def _pages(docs: Path, site: Path) -> dict[Path, tuple[int, int]]:
    """Every page: (its Markdown's mtime, its HTML's mtime), by Markdown file."""
    pages = {}
    for md in sorted(docs.rglob("*.md")):
        relative = md.relative_to(docs).with_suffix("")
        folder = relative.parent if relative.name == "index" else relative  # directory URLs
        html = site / folder / "index.html"
        pages[md] = (md.stat().st_mtime_ns, html.stat().st_mtime_ns)
    return pages


def test_serve_shows_an_edit_without_a_restart(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(REPO / "content", content)
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "builder", "serve", "--content", str(content),
         "--work", str(tmp_path / "build"), "--address", f"127.0.0.1:{port}"],
        cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_for(lambda: "مجلس الناتو" in page(base + URL), server, 120)
        assert NEW_TITLE not in page(base + URL)
        site = tmp_path / "build" / "preview"  # the served site
        docs = tmp_path / "build" / "docs"
        before = _pages(docs, site)
        time.sleep(0.05)  # a new mtime is a later one, even on a coarse clock
        article = content / ARTICLE
        text = article.read_text(encoding="utf-8")
        title = next(line for line in text.splitlines() if line.startswith("title: "))
        article.write_text(text.replace(title, f"title: {NEW_TITLE}"), encoding="utf-8")
        wait_for(lambda: NEW_TITLE in page(base + URL), server, 90)
        assert NEW_TITLE in page(base)  # the home page lists it under its new title
        # Only the pages the builder rewrote are rendered again: not every page per save.
        after = _pages(docs, site)
        kept = [md for md in before if after[md][0] == before[md][0]]
        rewritten = [md for md in before if after[md][0] != before[md][0]]
        assert kept and rewritten
        assert all(after[md][1] == before[md][1] for md in kept)
        assert all(after[md][1] != before[md][1] for md in rewritten)
        # Strict, as the site's config says, and without MkDocs' notice on dirty builds.
        log.flush()
        said = (tmp_path / "serve.log").read_text(encoding="utf-8")
        assert "dirty" not in said and "Aborted" not in said, said
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_serve_on_a_taken_port_says_so_before_building(tmp_path: Path) -> None:
    """An editor who starts a second preview is told at once, in words, not after a first
    build (minutes at 10,000 articles) and not with a traceback."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "builder", "serve", "--work", str(tmp_path / "build"),
             "--address", f"127.0.0.1:{port}"],
            cwd=REPO, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "another preview" in done.stderr and "Traceback" not in done.stderr
    assert not list((tmp_path / "build").rglob("*.md"))  # nothing was generated
    assert time.perf_counter() - started < 30


def test_serve_renders_a_large_site_in_workers_and_keeps_it_current(tmp_path: Path) -> None:
    """Past MIN_PAGES_FOR_PARALLEL pages the preview's first site is rendered like `build`
    renders it (run_mkdocs: worker processes, static files hard-linked); MkDocs' dirty
    rebuilds must then still bring an edit to its page and to the feeds, which are static
    files to MkDocs."""
    corpus = generate(tmp_path / "content", 150, entities=60)
    article = max(corpus.articles, key=lambda a: (a.date, a.slug))  # in the site's feed
    url = f"articles/{article.date:%Y}/{article.date:%m}/{article.slug}/"
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "builder", "serve", "--content", str(tmp_path / "content"),
         "--work", str(tmp_path / "build"), "--address", f"127.0.0.1:{port}"],
        cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_for(lambda: article.slug in page(base + url), server, 240)
        docs = tmp_path / "build" / "docs"
        assert sum(1 for _ in docs.rglob("*.md")) >= MIN_PAGES_FOR_PARALLEL
        path = tmp_path / "content" / article.relative_path
        text = path.read_text(encoding="utf-8")
        title = next(line for line in text.splitlines() if line.startswith("title: "))
        feed = page(base + "feeds/news.xml")
        assert article.slug in feed and NEW_TITLE not in feed
        path.write_text(text.replace(title, f"title: {NEW_TITLE}"), encoding="utf-8")
        wait_for(lambda: NEW_TITLE in page(base + url), server, 120)
        assert NEW_TITLE in page(base + "feeds/news.xml")  # a static file, copied again
        assert NEW_TITLE in page(base)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_a_site_published_under_a_path_is_previewed_under_it(tmp_path: Path) -> None:
    """With SITE_URL https://…/akhbar/ (a GitHub Pages project site) the preview serves
    the site under /akhbar/ as MkDocs does, and its feeds link there too."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/akhbar/"
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "builder", "serve", "--work", str(tmp_path / "build"),
         "--address", f"127.0.0.1:{port}"],
        cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "SITE_URL": "https://newsroom.example/akhbar/"},
    )  # fmt: skip
    try:
        wait_for(lambda: "مجلس الناتو" in page(base + URL), server, 120)
        feed = page(base + "feeds/news.xml")
        assert f"{base}{URL}" in feed  # the article's address in the preview
        assert "newsroom.example" not in feed
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.mark.parametrize("address", ["nonsense", "127.0.0.1:99999", "127.0.0.1:", ":8000"])
def test_a_bad_address_is_a_clear_error(tmp_path: Path, address: str) -> None:
    result = run_builder("serve", "--work", str(tmp_path / "build"), "--address", address)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"'{address}' is not an address and port like 127.0.0.1:8000" in result.stderr


def test_an_address_that_is_not_this_machines_is_not_called_a_busy_port(tmp_path: Path) -> None:
    """192.0.2.1 is kept for documentation (RFC 5737): no machine has it. The preview says
    it cannot listen there and suggests another address, not another preview on the port
    (the test of a taken port is above), before generating anything."""
    result = run_builder("serve", "--work", str(tmp_path / "build"), "--address", "192.0.2.1:8000")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "the preview cannot listen on 192.0.2.1:8000" in result.stderr
    assert "choose another address with --address" in result.stderr
    assert "another preview" not in result.stderr
    assert not list((tmp_path / "build" / "docs").iterdir())  # nothing generated


def test_nothing_to_preview_says_so_and_stops(tmp_path: Path) -> None:
    """Content that does not generate, and no earlier docs folder to show meanwhile: the
    problems, a word on what to do, exit 1; no MkDocs run over an empty folder."""
    content = tmp_path / "content"
    shutil.copytree(REPO / "content", content)
    article = next((content / "articles").rglob("*.md"))
    article.write_text(article.read_text(encoding="utf-8").replace("date: ", "date: x"), "utf-8")
    result = run_builder(
        "serve", "--content", str(content), "--work", str(tmp_path / "build"),
        "--address", f"127.0.0.1:{free_port()}",
    )  # fmt: skip
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{article.name}:" in result.stderr
    assert "nothing to preview yet: mend the problems above" in result.stderr
    assert "Aborted" not in result.stderr


def test_the_missing_search_index_is_not_a_warning_per_page() -> None:
    """The preview has no Pagefind index: the search box's 404s are not logged, others are."""
    keep = without_missing_search_notice("/akhbar/")

    def said(message: str) -> bool:
        record = logging.LogRecord("mkdocs.livereload", logging.WARNING, "", 0, message, (), None)
        return keep(record)

    assert not said('[09:24:09] "GET /akhbar/pagefind/pagefind-component-ui.js HTTP/1.1" code 404')
    assert said('[09:24:09] "GET /akhbar/articles/2022/01/gone/ HTTP/1.1" code 404')
    assert said('[09:24:09] "GET /akhbar/pagefind/pagefind-component-ui.js HTTP/1.1" code 500')


def _timed_wait(changes: ContentChanges, timeout: float) -> tuple[bool, float]:
    started = time.perf_counter()
    noticed = changes.wait(timeout)
    return noticed, time.perf_counter() - started


def test_the_watcher_wakes_on_a_save_and_sleeps_through_reads(tmp_path: Path) -> None:
    """An idle preview does nothing until the operating system says the content changed:
    reading the content (as every regeneration does) is no change; a save is, in a folder
    made after the watcher started too."""
    content = tmp_path / "content"
    (content / "articles" / "2022").mkdir(parents=True)
    article = content / "articles" / "2022" / "a.md"
    article.write_text("---\ntitle: خبر\n---\n", encoding="utf-8")
    time.sleep(0.3)  # the events of the writes above are over before the watcher starts
    changes = ContentChanges(content)
    try:
        assert changes.notified
        assert article.read_text(encoding="utf-8")
        assert content_state(content)
        assert _timed_wait(changes, 1.0) == (False, pytest.approx(1.0, abs=0.3))
        article.write_text("---\ntitle: خبر جديد\n---\n", encoding="utf-8")
        noticed, waited = _timed_wait(changes, 10.0)
        assert noticed and waited < 2.0
        (content / "articles" / "2023").mkdir()
        assert _timed_wait(changes, 10.0)[0]  # the new folder itself
        (content / "articles" / "2023" / "b.md").write_text("---\n---\n", encoding="utf-8")
        noticed, waited = _timed_wait(changes, 10.0)
        assert noticed and waited < 2.0  # a file in it
    finally:
        changes.close()


def test_without_notices_the_watcher_looks_every_second(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the operating system gives no notices (the limit of watched folders reached),
    the preview still sees edits: it looks once a second, as it did before notices."""

    class NoNotices(preview.Observer):  # type: ignore[misc,valid-type]
        def start(self) -> None:
            raise OSError(28, "inotify watch limit reached")

    monkeypatch.setattr(preview, "Observer", NoNotices)
    changes = ContentChanges(tmp_path)
    assert not changes.notified
    noticed, waited = _timed_wait(changes, 30.0)
    assert not noticed and waited == pytest.approx(preview.LOOK_EVERY, abs=0.5)
    changes.close()
