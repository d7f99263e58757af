"""Work split over forked worker processes, results in input order.

The builder's CPU-bound stages (analysis, rendering pages and feeds) are pure Python, so
threads would not help. Forked workers inherit everything the parent built (articles, the
entity matcher, the site index, compiled templates) instead of receiving it through pickles:
only item numbers go out and results come back. Where fork is missing (macOS and Windows
default to spawn), or beside other threads, the work runs in the calling process; results
are the same either way.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

Result = TypeVar("Result")

CAN_FORK = "fork" in multiprocessing.get_all_start_methods()
# Items per task: small enough to balance two workers on a shared machine, large enough
# that the messages (a pair of ints out, a list of results back) stay negligible.
MAX_CHUNK = 64

_task: Callable[[int], Any] | None = None


def forked_map(
    task: Callable[[int], Result],
    count: int,
    workers: int,
    minimum: int = 0,
    meanwhile: Callable[[], None] | None = None,
) -> list[Result]:
    """[task(0), …, task(count - 1)], in `workers` forked processes when there are at least
    `minimum` items (fewer cost more to fork than they save) and forking is safe here
    (`fork_is_safe`); otherwise in this process. The result is the same either way.

    `meanwhile()` is called in this process while the workers work, which leaves it little
    to do but wait: the caller's own next step can start there. It is not called when the
    work runs in this process."""
    if workers > 1 and count >= max(minimum, 1) and fork_is_safe():
        return _in_workers(task, count, workers, meanwhile)
    return [task(index) for index in range(count)]


class Helper:
    """A forked process that runs prepare() at once, then answers one request:
    `helper.ask(request)` returns answer(prepared, request) from there. It talks through a
    pipe, without the threads a Pool runs here, so this process may go on forking workers
    meanwhile. Where forking is not safe, or if the process dies, `ask` returns None: the
    caller does the work itself."""

    def __init__(self, prepare: Callable[[], Any], answer: Callable[[Any, Any], Any]) -> None:
        self._process: Any = None
        self._pipe: Any = None
        if not fork_is_safe():
            return
        context = multiprocessing.get_context("fork")
        self._pipe, theirs = context.Pipe()
        self._process = context.Process(target=_help, args=(theirs, prepare, answer), daemon=True)
        with _interrupts_held():  # until it ignores them (`worker_pool` says why)
            self._process.start()
        theirs.close()

    def ask(self, request: Any) -> Any:
        if self._process is None:
            return None
        try:
            self._pipe.send(request)
            return self._pipe.recv()
        except (EOFError, OSError):  # it died (its work raised): the caller does the work
            return None
        finally:
            self.close()

    def close(self) -> None:
        """Stop the process (at once: what it prepares may no longer be wanted)."""
        if self._process is not None:
            self._pipe.close()
            self._process.terminate()
            self._process.join()
            self._process = None


def _help(pipe: Any, prepare: Callable[[], Any], answer: Callable[[Any, Any], Any]) -> None:
    ignore_interrupts()
    try:
        prepared = prepare()
        pipe.send(answer(prepared, pipe.recv()))
    except Exception:
        pass  # the asker sees the pipe close and does the work itself (and meets the error)
    finally:
        pipe.close()


def ignore_interrupts() -> None:
    """In a forked worker: leave Ctrl-C to the process that forked it. The terminal sends
    it to every process of the build; each worker would print a traceback of where it was
    stopped, where the command line promises none. Its parent stops it (a Pool terminates
    its workers on the way out of its `with`). Forked with Ctrl-C held (`worker_pool`,
    `Helper`), the worker lets it through only now that it ignores it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def worker_pool(
    workers: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
) -> Any:
    """A Pool of `workers` forked processes that leave Ctrl-C to this one
    (`ignore_interrupts`), each then running `initializer(*initargs)`.

    Ctrl-C is held (blocked, not lost) while the Pool forks them: one that came between a
    worker's fork and its ignoring it would kill that worker, the Pool's thread would fork
    a replacement while this process stops, and the replacement would wait for work
    forever, holding the terminal's output open (seen: a build that never returned). The
    Pool's threads, which fork any replacement, keep it held; this thread gets it back
    once the workers exist."""
    with _interrupts_held():
        return multiprocessing.get_context("fork").Pool(
            workers, initializer=_start_worker, initargs=(initializer, initargs)
        )


def _start_worker(initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    ignore_interrupts()
    if initializer is not None:
        initializer(*initargs)


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def fork_is_safe() -> bool:
    """Whether this process may fork workers: the platform has fork, and no other thread
    runs here. A forked child gets only the forking thread, with every lock the others
    held at that moment (logging, imports…): `serve` regenerates from a watcher thread
    beside MkDocs' server threads, and there the work stays in the process."""
    return CAN_FORK and threading.active_count() == 1


def _in_workers(
    task: Callable[[int], Result],
    count: int,
    workers: int,
    meanwhile: Callable[[], None] | None = None,
) -> list[Result]:
    global _task
    size = max(1, min(MAX_CHUNK, count // (workers * 8)))
    ranges = [(start, min(start + size, count)) for start in range(0, count, size)]
    _task = task
    try:
        with frozen_heap(), worker_pool(workers) as pool:
            chunks = pool.imap(_run_range, ranges)  # the workers start on them at once
            if meanwhile is not None:
                meanwhile()
            return [result for chunk in chunks for result in chunk]
    finally:
        _task = None


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Fork with the parent's objects out of the garbage collector's sight (gc.freeze).

    A worker inherits every object of the parent (at 10,000 articles, millions: articles,
    analyses, MkDocs' pages). Each full collection in the worker would walk all of them —
    work that grows with the site, for objects the worker never frees — and writing the
    collector's marks into them copies their memory pages out of the shared fork."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _run_range(bounds: tuple[int, int]) -> list[Any]:
    assert _task is not None, "set by forked_map before the fork"
    return [_task(index) for index in range(*bounds)]


def resolve_jobs(jobs: int) -> int:
    """Worker processes for `jobs` (0 = one per core this process may run on); the one rule
    for analysis and MkDocs workers."""
    if jobs > 0:
        return jobs
    try:
        return len(os.sched_getaffinity(0))  # respects taskset/cgroup cpusets, unlike cpu_count
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
