"""Work split over forked worker processes, results in input order.

The builder's CPU-bound stages (analysis, rendering pages and feeds) are pure Python, so
threads would not help. Forked workers inherit everything the parent built (articles, the
entity matcher, the site index, compiled templates) instead of receiving it through pickles:
only item numbers go out and results come back. Where fork is missing (macOS and Windows
default to spawn) callers run serially; results are the same either way.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from typing import Any, TypeVar

Result = TypeVar("Result")

CAN_FORK = "fork" in multiprocessing.get_all_start_methods()
# Items per task: small enough to balance two workers on a shared machine, large enough
# that the messages (a pair of ints out, a list of results back) stay negligible.
MAX_CHUNK = 64

_task: Callable[[int], Any] | None = None


def forked_map(task: Callable[[int], Result], count: int, workers: int) -> list[Result]:
    """[task(0), …, task(count - 1)] computed in `workers` forked processes."""
    global _task
    size = max(1, min(MAX_CHUNK, count // (workers * 8)))
    ranges = [(start, min(start + size, count)) for start in range(0, count, size)]
    _task = task
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return [result for chunk in pool.imap(_run_range, ranges) for result in chunk]
    finally:
        _task = None


def _run_range(bounds: tuple[int, int]) -> list[Any]:
    assert _task is not None, "set by forked_map before the fork"
    return [_task(index) for index in range(*bounds)]
