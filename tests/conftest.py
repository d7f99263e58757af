"""Shared fixtures: real sites built once per test session with the real MkDocs."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from builder.build import BuildOptions, BuildReport, build

REPO = Path(__file__).resolve().parent.parent
SEED = REPO.parent / "shared" / "seed" / "000_1e528b2148f74f7f.txt"
# The six dated events of the seed article, read off its text by hand (ISSUE 4).
SEED_DATES = ["2021-12-17", "2021-12-30", "2021-12-31", "2022-01-10", "2022-01-12", "2022-01-13"]
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", REPO / "test-artifacts"))


def options_in(folder: Path, content: Path = REPO / "content", **settings: Any) -> BuildOptions:
    """Build options for a site of `content` built inside `folder` (folder/site, folder/work)
    with the repository's mkdocs.yml; `settings` are any other BuildOptions fields."""
    return BuildOptions(
        content=content,
        site=folder / "site",
        work=folder / "work",
        config=REPO / "mkdocs.yml",
        **settings,
    )


def site_files(root: Path, leave_out: str = "") -> dict[str, bytes]:
    """Every file under `root` by relative path (none under the folder `leave_out`); a gzip
    file by what it holds (its header has the second it was written)."""
    files = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_file() and not (leave_out and relative.startswith(f"{leave_out}/")):
            data = path.read_bytes()
            files[relative] = gzip.decompress(data) if path.suffix == ".gz" else data
    return files


def run_builder(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m builder ARGS…` as an editor runs it: exit code and output, never raising."""
    return subprocess.run(
        [sys.executable, "-m", "builder", *args], capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="session", autouse=True)
def _run_from_repo_root() -> None:
    """The CLI contract is `python -m builder …` from the repo root."""
    os.chdir(REPO)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


class BuiltSite:
    def __init__(self, options: BuildOptions, report: BuildReport):
        self.options = options
        self.report = report
        self.root = options.site
        self.docs = options.docs

    def html(self, url: str) -> str:
        """The HTML of a site-relative URL like 'articles/2021/12/x/'."""
        path = self.root / url
        if url.endswith("/") or not url:
            path = path / "index.html"
        return path.read_text(encoding="utf-8")

    def content(self, url: str) -> str:
        """The page's own content (Material's <article>), without nav, TOC or footer."""
        html = self.html(url)
        start = html.index('<article class="md-content__inner')
        return html[start : html.index("</article>", start)]


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The repository's own content/, built like `make site` does (search included)."""
    options = options_in(tmp_path_factory.mktemp("sample"), keep_index=True)
    return BuiltSite(options, build(options))


SEARCH_CONTENT = REPO / "tests" / "search_content"


@pytest.fixture(scope="session")
def search_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The repository's content plus the search test articles (tests/search_content/),
    built once per session with MkDocs and Pagefind: the site the relevance set and the
    browser tests search."""
    import shutil

    work = tmp_path_factory.mktemp("search")
    content = work / "content"
    shutil.copytree(REPO / "content", content)
    (content / "entities").mkdir(exist_ok=True)
    shutil.copy(SEARCH_CONTENT / "entities.yml", content / "entities" / "search.yml")
    shutil.copytree(SEARCH_CONTENT / "articles", content / "articles" / "search")
    options = options_in(work, content, jobs=1, keep_index=True)
    return BuiltSite(options, build(options))


def interruptible() -> None:
    """For a process the tests start and then interrupt (`preexec_fn`): Ctrl-C handled as
    in a terminal, even when these tests run in the background, whose processes start with
    it ignored (a non-interactive shell's `&`) and would pass that on."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
