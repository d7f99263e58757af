"""The build refuses to publish a site that lost an article; the docs folder is rewritten
only where it changed and keeps no page of a deleted article."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

import psutil
import pytest
from conftest import REPO, interruptible, options_in, run_builder

from bench.corpus import generate as generate_corpus
from builder import build as build_module
from builder import cli
from builder import keeper as keeper_module
from builder import search as search_module
from builder.forked import CAN_FORK
from builder.problems import BuildError, ContentError, Problem
from builder.search import _SCRATCH, _SCRATCH_PARENTS


def copy_content(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(REPO / "content", content)
    return content


def test_build_fails_when_an_article_does_not_reach_the_site(tmp_path: Path) -> None:
    # A configuration that makes MkDocs skip the 2022 articles (and not stop on the links
    # to them): the builder's own check must catch the loss.
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    replacements = {
        "strict: true": "strict: false",
        "docs_dir: build/docs": f"docs_dir: {tmp_path / 'work' / 'docs'}",
        "custom_dir: builder/theme": f"custom_dir: {REPO / 'builder' / 'theme'}",
    }
    for old, new in replacements.items():
        assert old in config
        config = config.replace(old, new)
    config += "\nexclude_docs: |\n  articles/2022/\n"
    (tmp_path / "mkdocs.yml").write_text(config, encoding="utf-8")
    result = run_builder(
        *["build", "--no-search", "--content", str(REPO / "content")],
        *["--site", str(tmp_path / "site"), "--work", str(tmp_path / "work")],
        *["--config", str(tmp_path / "mkdocs.yml")],
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    missing = [line for line in result.stderr.splitlines() if "missing from the site" in line]
    assert len(missing) == 3
    assert all("articles/2022/" in line for line in missing)
    assert "the site was not published" in result.stderr


def test_deleted_article_leaves_the_docs_folder(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    work = tmp_path / "work"

    def generate() -> None:
        result = run_builder(
            *["build", "--no-search", "--content", str(content)],
            *["--work", str(work), "--site", str(tmp_path / "site")],
        )
        assert result.returncode == 0, result.stderr

    generate()
    page = work / "docs/articles/2022/01/osce-vienna-meeting.md"
    assert page.is_file()
    next(content.glob("articles/2022/*osce*.md")).unlink()
    generate()
    assert not page.exists()
    assert not (tmp_path / "site/articles/2022/01/osce-vienna-meeting").exists()


def test_a_missing_mkdocs_config_is_a_clear_error(tmp_path: Path) -> None:
    result = run_builder(
        *["build", "--config", str(tmp_path / "none.yml")],
        *["--work", str(tmp_path / "work"), "--site", str(tmp_path / "site")],
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "none.yml" in result.stderr


def test_a_setting_mkdocs_refuses_is_a_clear_error_naming_the_file(tmp_path: Path) -> None:
    """MkDocs logs what is wrong with a setting and exits ("Aborted with 1 configuration
    errors!"): the editor sees its words after the file's name, and the build's verdict."""
    config = tmp_path / "site.yml"
    config.write_text("site_name: موجز\ntheme:\n  name: no-such-theme\n", encoding="utf-8")
    result = run_builder(
        *["build", "--config", str(config)],
        *["--work", str(tmp_path / "work"), "--site", str(tmp_path / "site")],
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{config}: MkDocs: Config value 'theme'" in result.stderr
    assert "no-such-theme" in result.stderr and "the build failed" in result.stderr


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--jobs", "-2", "'-2' is not a number of processes"),
        ("--search-beside-mkdocs-up-to", "many", "'many' is not a number of pages"),
    ],
)
def test_a_bad_count_is_a_clear_error(tmp_path: Path, option: str, value: str, said: str) -> None:
    result = run_builder(
        *["build", option, value],
        *["--work", str(tmp_path / "work"), "--site", str(tmp_path / "site")],
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert said in result.stderr
    assert not (tmp_path / "site").exists()


def test_a_build_that_fails_after_the_search_index_started_stops_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pagefind starts while MkDocs still renders pages: if MkDocs then fails, the build
    stops Pagefind rather than leave it running on a site that will not be published."""
    events: list[str] = []

    class Indexing:
        kept = waiting = False

        def __init__(self, site: Path, *args: Any, **named: Any) -> None:
            pass

        def start(self, max_block_bytes: int | None = None) -> None:
            events.append("started")

        def finish(self) -> tuple[int, int]:
            events.append("finished")
            return 0, 0

        def stop(self) -> None:
            events.append("stopped")

    def failing_mkdocs(config: object, jobs: int, **hooks: Any) -> None:
        if hooks["when_first_written"]:  # a large site: the index starts meanwhile
            hooks["when_first_written"]()
        raise BuildError(["MkDocs stopped: a page failed"])

    monkeypatch.setattr(keeper_module, "Indexing", Indexing)  # kept by the build's parent
    monkeypatch.setattr(build_module, "run_mkdocs", failing_mkdocs)  # in its forked child
    options = options_in(tmp_path, copy_content(tmp_path))
    with pytest.raises(BuildError, match="a page failed"):
        build_module.build(options)
    assert events == ["started", "stopped"]


@pytest.mark.parametrize("site", ["small", "many pages", "long pages"])
def test_the_search_index_starts_before_mkdocs_on_a_small_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, site: str
) -> None:
    """Pagefind indexes the docs folder's blocks: on a small site it starts before MkDocs,
    whose workers yield it the CPU; on a large one (its memory peak must not meet MkDocs'
    workers) once MkDocs has written the indexed pages, and MkDocs does not yield. A site
    of few pages whose blocks are larger than that many pages' at the measured worst case
    (long articles) counts as large: its blocks are copied first, and Pagefind waits."""
    # MkDocs runs in the build's forked child, Pagefind starts in its parent: each notes
    # what happened in one file, in order.
    log = tmp_path / "events"
    real_mkdocs, real_launch = build_module.run_mkdocs, keeper_module.Indexing.launch
    real_copy = search_module.copy_indexed_blocks

    def note(event: object) -> None:
        with log.open("a", encoding="utf-8") as file:
            file.write(json.dumps([os.getpid(), event]) + "\n")

    def mkdocs(config: object, jobs: int, **hooks: Any) -> Any:
        note(["mkdocs", list(hooks["first"]), hooks["yield_cpu"]])
        return real_mkdocs(config, jobs, **hooks)

    def launch(self: Any) -> None:
        note("search")
        real_launch(self)

    def copy(*args: Any) -> Any:
        note("copy")
        return real_copy(*args)

    monkeypatch.setattr(build_module, "run_mkdocs", mkdocs)
    monkeypatch.setattr(keeper_module.Indexing, "launch", launch)
    monkeypatch.setattr(search_module, "copy_indexed_blocks", copy)
    if site == "long pages":  # no block is short enough for the page limit
        monkeypatch.setattr(build_module, "SEARCH_BLOCK_BYTES_PER_PAGE", 0)
    options = options_in(tmp_path, copy_content(tmp_path), jobs=1)
    if site == "many pages":  # more than the limit the command line sets
        argv = ["build", "--content", str(options.content), "--jobs", "1"]
        argv += ["--site", str(options.site), "--work", str(options.work)]
        argv += ["--config", str(options.config), "--search-beside-mkdocs-up-to", "1"]
        assert cli.main(argv) == 0
    else:
        build_module.build(options)
    notes = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    events = [event for _pid, event in notes]
    where = {event if isinstance(event, str) else "mkdocs": pid for pid, event in notes}
    assert where["search"] == where["copy"] == os.getpid()  # Pagefind is the build's own
    assert where["mkdocs"] != os.getpid() or not CAN_FORK  # MkDocs its forked child's
    after_indexed_pages = ["mkdocs", list(build_module.INDEXED_FOLDERS), False]
    if site == "many pages":
        assert events == [after_indexed_pages, "copy", "search"]
    elif site == "long pages":
        assert events == ["copy", after_indexed_pages, "search"]
    else:
        assert events == ["copy", "search", ["mkdocs", [], True]]
    assert (options.site / "pagefind" / "pagefind-entry.json").is_file()
    assert not (options.work / "pagefind.new").exists()


def test_the_work_runs_in_a_child_that_is_gone_before_the_search_is_awaited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pagefind's memory peak comes after MkDocs: the process that generated and rendered
    the site (and holds what its allocator kept) has exited by then, and the build's own
    process, which waits for Pagefind, did none of that work."""
    if not CAN_FORK:
        pytest.skip("no fork here: the work runs in the build's process")
    log = tmp_path / "events"
    real_generate, real_finish = build_module.generate, keeper_module.Indexing.finish

    def generate(*args: Any) -> Any:
        log.write_text(str(os.getpid()), encoding="utf-8")
        return real_generate(*args)

    def finish(self: Any) -> tuple[int, int]:
        worker = int(log.read_text(encoding="utf-8"))
        with log.open("a", encoding="utf-8") as file:
            file.write(f" {os.getpid()} {'alive' if psutil.pid_exists(worker) else 'gone'}")
        return real_finish(self)  # type: ignore[no-any-return]

    monkeypatch.setattr(build_module, "generate", generate)
    monkeypatch.setattr(keeper_module.Indexing, "finish", finish)
    report = build_module.build(options_in(tmp_path, copy_content(tmp_path)))
    worker, waiter, state = log.read_text(encoding="utf-8").split()
    assert int(waiter) == os.getpid() != int(worker)
    assert state == "gone"
    assert report.stage("search").files > 0 and report.stage("write").files > 0


@pytest.mark.parametrize("how", ["raises", "dies"])
def test_a_child_that_fails_unexpectedly_stops_the_build_with_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], how: str
) -> None:
    """A bug in the builder (its traceback printed, for a report) or a child killed midway
    stops the build with a BuildError, which the command line says in words."""
    if not CAN_FORK:
        pytest.skip("no fork here: the work runs in the build's process")

    def broken_generate(*args: Any) -> Any:
        if how == "dies":
            os._exit(3)
        raise RuntimeError("a bug")

    monkeypatch.setattr(build_module, "generate", broken_generate)
    with pytest.raises(BuildError) as raised:
        build_module.build(options_in(tmp_path, copy_content(tmp_path)))
    if how == "dies":
        assert raised.value.messages == [
            "the build's worker process stopped unexpectedly (exit code 3)"
        ]
    else:
        assert "an error in the builder" in raised.value.messages[0]
        assert "RuntimeError: a bug" in capfd.readouterr().err  # the child's traceback
    assert not (tmp_path / "site").exists()


def test_an_editor_mistake_found_in_the_child_reaches_the_command_line(tmp_path: Path) -> None:
    """The child's ContentError arrives whole: every problem, with file and line."""
    content = copy_content(tmp_path)
    article = next((content / "articles").rglob("*.md"))
    text = article.read_text(encoding="utf-8")
    article.write_text(text.replace("date:", "date: 31-02-2021\nold_date:", 1), encoding="utf-8")
    with pytest.raises(ContentError) as raised:
        build_module.build(options_in(tmp_path, content))
    problems = raised.value.problems
    assert problems and all(isinstance(p, Problem) for p in problems)
    assert str(raised.value) == "\n".join(map(str, problems))
    assert any(p.path.endswith(article.name) and p.line > 0 for p in problems)
    assert not (tmp_path / "site").exists()


def _busy(seconds: float) -> float:
    """Spin for `seconds` of this process's CPU time; return the CPU time it took."""
    started = time.process_time()
    while time.process_time() - started < seconds:
        pass
    return time.process_time() - started


def test_a_stage_counts_the_cpu_of_its_workers() -> None:
    # The workers' CPU is what a parallel stage costs: the parent only waits for them.
    from builder.forked import CAN_FORK, forked_map

    if not CAN_FORK:
        pytest.skip("no fork here: the work would run in this process")
    report = build_module.BuildReport()
    with build_module.timed(report, "busy"):
        spent = forked_map(lambda _: _busy(0.3), 4, workers=2)
    stage = report.stage("busy")
    assert sum(spent) >= 1.2
    assert stage.cpu_seconds >= 0.9 * sum(spent)
    # A stage of its own, after: none of that CPU is counted twice.
    with build_module.timed(report, "idle"):
        pass
    assert report.stage("idle").cpu_seconds < 0.1


def _first(paths: Callable[[], list[Path]], process: subprocess.Popen[str]) -> bool:
    """Wait until `paths()` finds something (True) or the process has ended (False)."""
    while process.poll() is None:
        if paths():
            return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize("during", ["workers", "mkdocs", "search"])
def test_ctrl_c_stops_the_build_quietly_and_leaves_nothing_running(
    tmp_path: Path, during: str
) -> None:
    """Ctrl-C reaches every process of the build (the terminal's process group): the build
    stops with exit code 130, no traceback from it or any worker, no process left behind
    (workers, the forked child, Pagefind) and no scratch copy of the search blocks."""
    content, work, site = tmp_path / "content", tmp_path / "work", tmp_path / "site"
    generate_corpus(content, 400, entities=300)
    command = [sys.executable, "-m", "builder", "build", "--content", str(content)]
    command += ["--work", str(work), "--site", str(site)]
    build = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=interruptible,
    )

    def scratch() -> list[Path]:  # the copies of the search blocks Pagefind reads
        pattern = f"{_SCRATCH}{build.pid}-*"
        return [path for folder in (*_SCRATCH_PARENTS, work) for path in folder.glob(pattern)]

    def workers() -> list[psutil.Process]:  # the child's workers (reading, analysis, writing)
        with suppress(psutil.Error):
            if not site.exists():
                return psutil.Process(build.pid).children(recursive=True)[1:]
        return []

    moment = {
        "workers": workers,
        "mkdocs": lambda: list(site.glob("articles/*")),
        "search": scratch,
    }[during]
    try:
        assert _first(moment, build), "the build ended before the moment came"
        os.killpg(build.pid, signal.SIGINT)
        _, stderr = build.communicate(timeout=60)
        assert build.returncode == 130, stderr
        assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
        for _ in range(250):  # what the build stopped may take a moment to go
            try:
                os.killpg(build.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.02)
        else:
            pytest.fail("a process of the build is still running")
        assert not scratch()
    finally:
        with suppress(ProcessLookupError):
            os.killpg(build.pid, signal.SIGKILL)
