"""`python -m builder serve`: the live preview serves the site, and an edit to an article
reaches its page without restarting (the watcher regenerates, MkDocs rebuilds)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from conftest import REPO

ARTICLE = "articles/2022/2022-01-12-nato-russia-council-brussels.md"
URL = "articles/2022/01/nato-russia-council-brussels/"
NEW_TITLE = "عنوان جديد كتبه المحرر أثناء المعاينة"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _page(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode("utf-8"))
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def _wait_for(check: Callable[[], bool], seconds: float, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        assert server.poll() is None, "serve stopped"
        time.sleep(0.5)
    raise AssertionError(f"not within {seconds} s")


def test_serve_shows_an_edit_without_a_restart(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(REPO / "content", content)
    port = _free_port()
    base = f"http://127.0.0.1:{port}/"
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "builder", "serve", "--content", str(content),
         "--work", str(tmp_path / "build"), "--address", f"127.0.0.1:{port}"],
        cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait_for(lambda: "مجلس الناتو" in (_page(base + URL) or ""), 120, server)
        assert NEW_TITLE not in (_page(base + URL) or "")
        article = content / ARTICLE
        text = article.read_text(encoding="utf-8")
        title = next(line for line in text.splitlines() if line.startswith("title: "))
        article.write_text(text.replace(title, f"title: {NEW_TITLE}"), encoding="utf-8")
        _wait_for(lambda: NEW_TITLE in (_page(base + URL) or ""), 90, server)
        assert NEW_TITLE in (_page(base) or "")  # the home page lists it under its new title
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
