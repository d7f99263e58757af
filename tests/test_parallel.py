"""Analysis in worker processes gives exactly the serial output: the same corpus generated
with jobs=1 and jobs=2 yields byte-identical Markdown (ISSUE 6)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import interruptible

from bench.corpus import generate as generate_corpus
from builder import analyze_all, forked, indexes, reader, writer
from builder.build import BuildOptions, generate
from builder.reader import read_content

ARTICLES = 80  # above analyze_all.PARALLEL_MIN, so jobs=2 really uses workers


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _spy_on_workers(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """(items, workers) of every batch that really went to forked workers."""
    calls: list[tuple[int, int]] = []
    real = forked._in_workers

    def spy(
        task: Callable[[int], Any], count: int, workers: int, meanwhile: Any = None
    ) -> list[Any]:
        calls.append((count, workers))
        return real(task, count, workers, meanwhile)

    monkeypatch.setattr(forked, "_in_workers", spy)
    return calls


def test_serial_and_parallel_generate_identical_markdown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert ARTICLES >= analyze_all.PARALLEL_MIN
    generate_corpus(tmp_path / "content", ARTICLES, entities=300)
    in_workers = _spy_on_workers(monkeypatch)
    docs = {}
    for jobs in (1, 2):
        options = BuildOptions(
            content=tmp_path / "content",
            site=tmp_path / f"site-{jobs}",
            work=tmp_path / f"work-{jobs}",
            search=False,
            jobs=jobs,
            cache=False,
        )
        report = generate(options, "http://localhost:8000/", "موجز", "اختبار")
        assert report.analyzed == ARTICLES
        docs[jobs] = _files(options.docs)
    # jobs=1 forked nothing; jobs=2 analyzed the articles, then rendered the pages (and the
    # feeds, when there are enough of them) in two workers.
    assert in_workers[0] == (ARTICLES, 2)
    assert in_workers[1][0] >= writer.PARALLEL_MIN and in_workers[1][1] == 2
    assert docs[1].keys() == docs[2].keys()
    different = [name for name in docs[1] if docs[1][name] != docs[2][name]]
    assert not different, f"serial and parallel output differ: {different[:5]}"


def test_articles_read_in_workers_are_the_serial_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same articles, in the same order, and the same problems, line for line."""
    generate_corpus(tmp_path / "content", ARTICLES, entities=300)
    articles = tmp_path / "content" / "articles"
    (articles / "broken.md").write_text("---\ntitle: [\n---\nنص\n", encoding="utf-8")
    (articles / "undated.md").write_text("---\ntitle: بلا تاريخ\n---\nنص\n", encoding="utf-8")
    monkeypatch.setattr(reader, "PARALLEL_MIN", 0)
    calls = _spy_on_workers(monkeypatch)
    serial = read_content(tmp_path / "content", jobs=1)
    assert calls == []
    parallel = read_content(tmp_path / "content", jobs=2)
    assert calls == [(ARTICLES + 2, 2)]
    assert len(serial.articles) == ARTICLES and len(serial.problems) >= 2
    assert parallel.articles == serial.articles
    assert [a.path for a in parallel.articles] == [a.path for a in serial.articles]
    assert [a.body for a in parallel.articles] == [a.body for a in serial.articles]
    assert parallel.problems == serial.problems


def test_meanwhile_runs_here_while_the_workers_work() -> None:
    """forked_map's `meanwhile` runs once, in this process, while the workers still work
    (not after them), and only when there are workers."""
    here = os.getpid()
    calls: list[tuple[int, float]] = []
    started = time.perf_counter()

    def slow(index: int) -> int:
        time.sleep(0.02)  # 40 items on 2 workers: ~0.4 s
        return index * index

    def meanwhile() -> None:
        calls.append((os.getpid(), time.perf_counter() - started))

    assert forked.forked_map(slow, 40, 2, meanwhile=meanwhile) == [i * i for i in range(40)]
    finished = time.perf_counter() - started
    assert len(calls) == 1 and calls[0][0] == here
    assert calls[0][1] < finished - 0.15  # well before the last result came back
    calls.clear()
    assert forked.forked_map(slow, 3, 1, meanwhile=meanwhile) == [0, 1, 4]
    assert calls == []  # in this process: nothing runs "meanwhile"


def test_a_cold_build_makes_the_matcher_once_while_the_articles_are_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When workers parse the articles, this process builds the entity matcher meanwhile
    and the analysis uses that one: one matcher per build, the same analyses."""
    generate_corpus(tmp_path / "content", ARTICLES, entities=300)
    monkeypatch.setattr(reader, "PARALLEL_MIN", 0)
    built: list[int] = []
    real = analyze_all.EntityMatcher

    class Counted(real):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            built.append(os.getpid())
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(analyze_all, "EntityMatcher", Counted)
    with analyze_all.AnalysisAhead(jobs=2) as ahead:
        content = read_content(tmp_path / "content", jobs=2, while_parsing=ahead.prepare)
        assert built == [os.getpid()], "built here, while the workers parsed"
        assert ahead.matcher(content.entities) is not None
        assert ahead.matcher(dict(content.entities)) is None  # only for those very entities
        ahead_made = analyze_all.analyze_articles(
            content.articles, content.entities, jobs=2, ahead=ahead
        )
    assert len(built) == 1, "the analysis built a second matcher"
    serial = analyze_all.analyze_articles(content.articles, content.entities, jobs=1)
    assert ahead_made.by_slug == serial.by_slug


def test_no_matcher_is_made_beside_a_registry_with_problems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build stops after reading when the registry has a problem: the matcher is not
    built meanwhile from what was readable of it."""
    generate_corpus(tmp_path / "content", ARTICLES, entities=300)
    registry = tmp_path / "content" / "entities.yml"
    registry.write_text(
        registry.read_text(encoding="utf-8") + "\nbroken-entity:\n  type: planet\n", "utf-8"
    )
    monkeypatch.setattr(reader, "PARALLEL_MIN", 0)
    prepared: list[object] = []
    content = read_content(tmp_path / "content", jobs=2, while_parsing=prepared.append)
    assert any("planet" in problem.message for problem in content.problems)
    assert prepared == []
    registry.write_text(registry.read_text(encoding="utf-8").split("\nbroken-entity")[0], "utf-8")
    content = read_content(tmp_path / "content", jobs=2, while_parsing=prepared.append)
    assert not content.problems and prepared == [content.entities]


def test_small_batches_stay_serial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An incremental rebuild (a few edited articles) must not pay for starting workers."""
    generate_corpus(tmp_path / "content", 5, entities=50)
    content = read_content(tmp_path / "content")

    def forbidden(*args: object) -> None:
        raise AssertionError("workers started for a small batch")

    monkeypatch.setattr(forked, "_in_workers", forbidden)
    analyses, analyzed, _ = analyze_all.analyze_articles(content.articles, content.entities, jobs=2)
    assert analyzed == 5
    assert sorted(analyses) == sorted(a.slug for a in content.articles)


def test_resolve_jobs() -> None:
    assert forked.resolve_jobs(3) == 3
    assert forked.resolve_jobs(0) >= 1


def test_related_articles_in_workers_are_the_serial_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate_corpus(tmp_path / "content", ARTICLES, entities=300)
    content = read_content(tmp_path / "content")
    analyses = analyze_all.analyze_articles(content.articles, content.entities, jobs=1).by_slug
    monkeypatch.setattr(indexes, "RELATED_PARALLEL_MIN", 0)
    calls = _spy_on_workers(monkeypatch)
    related = {
        workers: {
            slug: [a.slug for a in listed]
            for slug, listed in indexes.build_index(
                content.articles, analyses, content.entities, [], workers
            ).related.items()
        }
        for workers in (1, 2)
    }
    assert calls == [(ARTICLES, 2)]
    assert sum(map(len, related[1].values())) > ARTICLES  # most articles have some
    assert related[1] == related[2]


def test_no_fork_beside_other_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """serve regenerates from a watcher thread: work there stays in the process."""
    calls = _spy_on_workers(monkeypatch)
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert forked.forked_map(lambda i: i * i, 300, 2) == [i * i for i in range(300)]
    finally:
        release.set()
        other.join()
    assert calls == []
    assert forked.forked_map(lambda i: i * i, 300, 2) == [i * i for i in range(300)]
    assert calls == [(300, 2)]


def test_a_helper_answers_from_another_process_and_gives_way_when_it_cannot() -> None:
    helper = forked.Helper(os.getpid, lambda prepared, request: (prepared, request, os.getpid()))
    prepared, request, answered = helper.ask("question")
    assert prepared == answered != os.getpid() and request == "question"
    assert helper.ask("again") is None, "one request: then it is gone"
    # Its work raising: None, and the caller does the work (and sees the error) itself.
    assert forked.Helper(lambda: 1, lambda prepared, request: 1 / 0).ask("x") is None
    # Stopped while still preparing: at once, not when the preparation would have ended.
    slow = forked.Helper(lambda: time.sleep(30), lambda prepared, request: request)
    started = time.perf_counter()
    slow.close()
    assert time.perf_counter() - started < 5
    # Beside another thread forking is not safe: no process, no answer.
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert forked.Helper(os.getpid, lambda prepared, request: prepared).ask("x") is None
    finally:
        release.set()
        other.join()


def test_edited_articles_analyzed_ahead_are_the_serial_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From AHEAD_MIN articles on, an incremental rebuild builds the entity matcher in a
    forked process while it reads, and that process analyzes the edited articles: the same
    analyses as a serial run."""
    generate_corpus(tmp_path / "content", ARTICLES, entities=300)
    cache = tmp_path / "cache"
    content = read_content(tmp_path / "content", cache)
    analyze_all.analyze_articles(content.articles, content.entities, cache, jobs=2)
    edited = content.articles[7].path
    edited.write_text(edited.read_text(encoding="utf-8") + "\nوزار الرئيس بيروت.\n", "utf-8")
    monkeypatch.setattr(analyze_all, "AHEAD_MIN", ARTICLES)

    def not_here(articles: list[Any], *args: Any) -> list[Any]:
        assert not articles, "the edited article was analyzed in this process"
        return []

    with analyze_all.AnalysisAhead(jobs=2) as ahead:
        content = read_content(tmp_path / "content", cache, when_changes_known=ahead.start)
        assert ahead.helper is not None, "started before the articles were read"
        with monkeypatch.context() as patched:
            patched.setattr(analyze_all, "_analyzed", not_here)
            incremental = analyze_all.analyze_articles(
                content.articles, content.entities, cache, jobs=2, ahead=ahead
            )
    assert incremental.analyzed == 1
    serial = analyze_all.analyze_articles(content.articles, content.entities, jobs=1)
    assert incremental.by_slug == serial.by_slug
    # Nothing changed since: nothing to analyze, no helper.
    with analyze_all.AnalysisAhead(jobs=2) as ahead:
        read_content(tmp_path / "content", cache, when_changes_known=ahead.start)
        assert ahead.helper is None
    # A site smaller than AHEAD_MIN does without.
    edited.write_text(edited.read_text(encoding="utf-8") + "\nوزار الرئيس عمان.\n", "utf-8")
    monkeypatch.setattr(analyze_all, "AHEAD_MIN", ARTICLES + 1)
    with analyze_all.AnalysisAhead(jobs=2) as ahead:
        read_content(tmp_path / "content", cache, when_changes_known=ahead.start)
        assert ahead.helper is None


_SLEEPING_WORKERS = """
import sys, time
from builder.forked import forked_map
try:
    forked_map(lambda item: time.sleep(60), 4, workers=2)
except KeyboardInterrupt:
    sys.exit(130)
"""


@pytest.mark.skipif(not forked.CAN_FORK, reason="no fork here: the work runs in this process")
def test_ctrl_c_stops_forked_workers_without_a_traceback() -> None:
    """The terminal sends Ctrl-C to every process of the build: the workers leave it to the
    process that forked them, which stops them; none prints where it was interrupted."""
    import psutil

    script = subprocess.Popen(
        [sys.executable, "-c", _SLEEPING_WORKERS],
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=interruptible,
    )
    try:
        deadline = time.monotonic() + 30
        while len(psutil.Process(script.pid).children()) < 2:
            assert time.monotonic() < deadline, "the workers never started"
            time.sleep(0.02)
        time.sleep(0.5)  # both are inside a task now
        started = time.monotonic()
        os.killpg(script.pid, signal.SIGINT)
        _, stderr = script.communicate(timeout=30)
        assert script.returncode == 130, stderr
        assert "Traceback" not in stderr, stderr
        assert time.monotonic() - started < 10  # stopped, not waited for
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(script.pid, signal.SIGKILL)
