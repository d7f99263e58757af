"""The build's heavy work in a forked child; what outlives it kept by a parent that stays small.

Pagefind's memory peak (2.7–2.95 GB at 10,000 articles) is most of a build's, and comes
after MkDocs has finished; whatever the process that waits for Pagefind holds is added to
it. After reading 10,000 articles and rendering 14,000 pages that process held ~120 MiB,
~85 MiB of it CPython's allocator keeping freed memory (arenas that a few survivors keep
from being given back; `gc.collect` and `malloc_trim` do not help) — against a 3 GB target
with ~70 MiB to spare. So `build` does the work (generate, MkDocs) in a forked child, which
exits when MkDocs is done, and the parent, which has done nothing but read mkdocs.yml
(~35 MiB), keeps the processes that outlive that work: Pagefind and the deletion of the old
site. The child asks for them through a pipe (`KeeperProxy`, one message per call, each
answered); without fork, the work runs here and calls the `Keeper` itself — the same calls
in the same order.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import traceback
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

from .forked import fork_is_safe
from .old_site import old_site_deleted_meanwhile
from .problems import BuildError, ContentError
from .search import Indexing

Result = TypeVar("Result")
SearchStart = Literal["kept", "started", "waiting"]


class Helpers(Protocol):
    """What the heavy work asks of the process that waits for the build."""

    def empty_site(self) -> None:
        """Empty the site folder now (a full render) and delete what it held meanwhile."""

    def start_search(
        self, pages: list[str], keep_current: bool, max_block_bytes: int | None = None
    ) -> SearchStart:
        """Start Pagefind on the docs folder's `pages` (search.Indexing.start): "kept" (the
        current index is kept), "started", or "waiting" (the blocks are over
        `max_block_bytes`: copied, Pagefind not yet running)."""

    def launch_search(self) -> None:
        """Run the Pagefind that `start_search` left waiting."""


class Keeper:
    """The build's long-running helpers: the old site's deletion and Pagefind (`search`,
    None until started). `close()` waits for the deletion and stops a Pagefind still
    running (the build failed; `search.finish()` is the build's to call)."""

    def __init__(self, site: Path, docs: Path, work: Path, *, directory_urls: bool) -> None:
        self.site, self.docs, self.work = site, docs, work
        self.directory_urls = directory_urls
        self.search: Indexing | None = None
        self._running = ExitStack()

    def empty_site(self) -> None:
        self._running.enter_context(old_site_deleted_meanwhile(self.site, self.work))

    def start_search(
        self, pages: list[str], keep_current: bool, max_block_bytes: int | None = None
    ) -> SearchStart:
        self.search = Indexing(
            self.site,
            self.docs,
            pages,
            self.work,
            directory_urls=self.directory_urls,
            keep_current=keep_current,
        )
        self._running.callback(self.search.stop)
        self.search.start(max_block_bytes)
        if self.search.kept:
            return "kept"
        return "waiting" if self.search.waiting else "started"

    def launch_search(self) -> None:
        assert self.search is not None
        self.search.launch()

    def close(self) -> None:
        self._running.close()


class KeeperProxy:
    """`Helpers` for the forked child: each call goes to the parent's Keeper and waits for
    its answer (starting Pagefind takes ~1 s at 10,000 articles: copying the blocks)."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def empty_site(self) -> None:
        self._call("empty_site")

    def start_search(
        self, pages: list[str], keep_current: bool, max_block_bytes: int | None = None
    ) -> SearchStart:
        started: SearchStart = self._call("start_search", pages, keep_current, max_block_bytes)
        return started

    def launch_search(self) -> None:
        self._call("launch_search")

    def _call(self, name: str, *args: Any) -> Any:
        self._connection.send(("call", name, args))
        return self._connection.recv()


def run_apart(work: Callable[[Helpers], Result], keeper: Keeper) -> Result:
    """`work(helpers)` in a forked child that talks to `keeper` here, and its result;
    where forking is not safe (no fork, other threads), `work(keeper)` in this process.

    The child's ContentError or BuildError is raised here as it was raised there; any other
    error prints its traceback there and stops the build here with a BuildError."""
    if not fork_is_safe():
        return work(keeper)
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    # Not a daemon: the child forks its own workers (analysis, MkDocs).
    child = context.Process(target=_work_in_child, args=(theirs, work), name="moujaz-build")
    child.start()
    theirs.close()
    interrupted = False
    try:
        while True:
            try:
                kind, *said = ours.recv()
            except EOFError:  # it ended without a word: killed, or os._exit
                child.join()
                code = child.exitcode
                raise BuildError(
                    [f"the build's worker process stopped unexpectedly (exit code {code})"]
                ) from None
            if kind == "call":
                name, args = said
                ours.send(getattr(keeper, name)(*args))
            elif kind == "failed":
                child.join()  # it exits once it has said so
                raise said[0]
            else:  # "done"
                child.join()  # its CPU counts before the search stage, not in it
                return said[0]  # type: ignore[no-any-return]
    except KeyboardInterrupt:  # Ctrl-C: the child has had it too
        interrupted = True
        raise
    finally:
        if child.is_alive():  # this process failed first: the child stops as on Ctrl-C,
            if not interrupted:  # its workers with it
                os.kill(child.pid, signal.SIGINT)
            child.join(_STOPPING_SECONDS)
            if child.is_alive():
                child.terminate()
        child.join()
        ours.close()


# How long a child stopped by Ctrl-C may take to stop its workers.
_STOPPING_SECONDS = 10


def _work_in_child(connection: Any, work: Callable[[Helpers], Any]) -> None:
    try:
        result = work(KeeperProxy(connection))
    except (ContentError, BuildError) as error:
        connection.send(("failed", error))
    except KeyboardInterrupt:  # Ctrl-C reaches both processes: the parent says it, quietly
        pass
    except Exception:
        traceback.print_exc()
        connection.send(
            ("failed", BuildError(["the build stopped on an error in the builder (above)"]))
        )
    else:
        connection.send(("done", result))
    finally:
        connection.close()
