"""`python -m builder serve`: the live preview serves the site, and an edit to an article
reaches its page without restarting (the watcher regenerates, MkDocs rebuilds)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from conftest import REPO

from bench.serve_preview import free_port, page, wait_for

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
    # MkDocs serves from a folder it makes under TMPDIR: here, to look at its files.
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    server = subprocess.Popen(
        [sys.executable, "-m", "builder", "serve", "--content", str(content),
         "--work", str(tmp_path / "build"), "--address", f"127.0.0.1:{port}"],
        cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "TMPDIR": str(temporary)},
    )  # fmt: skip
    try:
        wait_for(lambda: "مجلس الناتو" in page(base + URL), server, 120)
        assert NEW_TITLE not in page(base + URL)
        (site,) = temporary.glob("mkdocs_*")
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
