"""The live preview (`python -m builder serve`): the site served from work/preview/, rebuilt
after every change to the content.

Three parts, in one process:
- a watcher thread looks at the content folder when the operating system says something
  in it changed (ContentChanges) and regenerates the docs folder when a file did; when
  `generate` is done it touches work/preview.generated;
- MkDocs' live-reload server (mkdocs.livereload.LiveReloadServer, the one `mkdocs serve`
  uses) watches that one file and mkdocs.yml, and renders again as MkDocs' own dirty
  build does: only the pages whose Markdown is newer than their HTML, with the MkDocs
  objects of the last render kept while the docs folder holds the same files
  (builder/preview_render.py). The builder rewrites exactly the pages an edit changes and
  leaves the others' files alone, and the nav is the five fixed pages, so the preview is
  the site a full build gives;
- the first site is rendered by `run_mkdocs` in worker processes, like `build` renders it,
  before any thread starts (a forked worker must not inherit another thread's locks).

`mkdocs serve` itself renders its first site in one process and watches the whole docs
folder with watchdog's PollingObserver twice a second: at 10,000 articles the first page
took 143–164 s, and the idle server stat'ed 18,000 files twice a second. Watching one file
that is touched once `generate` has finished also means MkDocs starts rendering only when
a regeneration is complete; a save made while MkDocs renders the last one is regenerated
through temporary files renamed into place, so MkDocs never reads half a page.

What a dirty build cannot do (README says so): after a change to mkdocs.yml or the theme,
pages an edit did not touch keep their old rendering, and a deleted article's page stays
reachable, until the preview is restarted (which renders everything again).
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from watchdog import events
from watchdog.observers import Observer

from .build import BuildOptions, generate, load_mkdocs_config, site_identity
from .kept import keep_between_generations
from .mkdocs_runner import quiet_dirty_build_notice, run_mkdocs
from .preview_render import PreviewRenderer, config_stamp
from .problems import BuildError, ContentError, Problem, display_path
from .search import BUNDLE

# The file the watcher touches when a regeneration is done: MkDocs renders after it changes.
GENERATED = "preview.generated"
SITE = "preview"  # the served site, under the work folder
LOOK_EVERY = 1.0  # seconds between two looks at the content folder without notifications
SETTLE = 0.2  # seconds to let a save's events arrive (a temporary file renamed, a folder…)
SAFETY_LOOK = 30.0  # seconds: a look even without a notice (a content folder replaced whole)
# What says a content file or folder changed; not a file opened, read or closed unchanged
# (the preview reads the content itself when it regenerates).
_CHANGE_EVENTS: list[type[events.FileSystemEvent]] = [
    events.FileCreatedEvent,
    events.FileDeletedEvent,
    events.FileModifiedEvent,
    events.FileMovedEvent,
    events.FileClosedEvent,
    events.FileAttribEvent,
    events.DirCreatedEvent,
    events.DirDeletedEvent,
    events.DirMovedEvent,
]

# Under "mkdocs": the preview's lines go where MkDocs' own go, in the same format.
_log = logging.getLogger("mkdocs.moujaz.preview")

ContentState = list[tuple[str, int, int]]


def content_state(content: Path) -> ContentState:
    """Every content file's path, modification time and size: os.walk and os.stat take a
    quarter of what pathlib's rglob, is_file and stat took (0.09 instead of 0.36 s of CPU
    per look at 10,000 articles)."""
    found = []
    for folder, folders, names in os.walk(content):
        folders.sort()
        for name in sorted(names):
            path = os.path.join(folder, name)
            with suppress(OSError):  # gone meanwhile: the next look sees it gone
                status = os.stat(path)
                found.append((path, status.st_mtime_ns, status.st_size))
    return found


class ContentChanges:
    """Wakes the preview's watcher when the content folder may have changed.

    The operating system says when (inotify on Linux, through watchdog, which MkDocs
    depends on), so an idle preview does nothing: looking at every file once a second took
    a tenth of a core at 10,000 articles, all day on an editor's laptop. Where notices
    cannot be had (the limit of watched folders reached, a file system without them) it
    falls back to a look every LOOK_EVERY seconds, and even with them it lets the watcher
    look every SAFETY_LOOK seconds: a notice is lost when the content folder itself is
    replaced. Start it after the last fork: it runs a thread."""

    def __init__(self, content: Path) -> None:
        self._changed = threading.Event()
        self._observer: Any = Observer()
        handler = events.FileSystemEventHandler()
        handler.on_any_event = lambda _event: self._changed.set()  # type: ignore[method-assign]
        try:
            self._observer.schedule(
                handler, str(content), recursive=True, event_filter=_CHANGE_EVENTS
            )
            self._observer.start()
        except OSError as error:
            _log.info("Looking at %s once a second (%s)", display_path(content), error)
            self.close()

    @property
    def notified(self) -> bool:
        """Whether the operating system's notices are used (else: a look every second)."""
        return self._observer is not None

    def wait(self, timeout: float = SAFETY_LOOK) -> bool:
        """Return once it is time to look at the content again: True after a notice, False
        after `timeout` seconds without one (LOOK_EVERY without notices)."""
        if self._observer is None:
            time.sleep(LOOK_EVERY)
            return False
        noticed = self._changed.wait(timeout)
        if noticed:
            time.sleep(SETTLE)
        self._changed.clear()  # what comes later, during the look, wakes the next wait
        return noticed

    def close(self) -> None:
        if self._observer is not None:
            with suppress(RuntimeError):  # never started
                self._observer.stop()
                self._observer.join()
            self._observer = None


def without_missing_search_notice(mount_path: str) -> Callable[[logging.LogRecord], bool]:
    """The preview has no search index (Pagefind runs in `build` only), so the search box's
    requests for its files fail, and MkDocs' server warned of each: two warnings per page
    viewed, which read as if the preview were broken. Other missing files are still said."""
    missing = f'"GET {mount_path}{BUNDLE}/'

    def keep(record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (missing in message and "code 404" in message)

    return keep


def serve_url(config: Any) -> tuple[str, int, str, str]:
    """(host, port, mount path, URL) of the preview, as `mkdocs serve` makes them: the
    address from --address, the path from the configured site_url (a site published under
    /news/ is previewed under /news/ too)."""
    host, port = config.dev_addr
    mount_path = "/" + urlsplit(config.site_url or "/").path.strip("/")
    mount_path = mount_path.rstrip("/") + "/"
    return host, port, mount_path, f"http://{host}:{port}{mount_path}"


def run_preview(
    options: BuildOptions, address: str, on_problems: Callable[[list[Problem]], None]
) -> None:
    """Serve the live preview until interrupted. Content problems are shown with
    `on_problems` and the preview keeps the last good site; a port already in use or a
    first site MkDocs refuses (strict mode) raises BuildError."""
    from mkdocs.livereload import LiveReloadServer

    options = replace(options, site=options.work / SITE)
    stamp = options.work / GENERATED
    keep_between_generations()  # parses, analyses and the matcher, from save to save
    _show_progress()
    config_seen = config_stamp(str(options.config))  # before it is read: see PreviewRenderer
    config = load_mkdocs_config(options, dev_addr=address)
    host, port, mount_path, url = serve_url(config)
    config.site_url = url  # pages and feeds link to the preview (see `rebuild` too)
    _check_address(host, port)  # before minutes of a first build at 10,000 articles
    # Pages and feeds link to the preview's own address (with the published site's path).
    identity = site_identity(config, site_url=url)

    def regenerate(options: BuildOptions) -> bool:
        """Whether the docs folder is this content's now (problems are shown, not raised)."""
        started = time.perf_counter()
        try:
            report = generate(options, *identity)
        except ContentError as error:
            on_problems(error.problems)
            return False
        _log.info(
            "Generated %d articles (%d analyzed, %d pages kept as they were) in %.1f s",
            report.articles,
            report.analyzed,
            report.reused,
            time.perf_counter() - started,
        )
        stamp.write_text(str(time.time_ns()), encoding="utf-8")
        return True

    def load_config() -> Any:
        # Read again (as `mkdocs serve` does) whenever the renderer makes MkDocs' objects anew.
        config = load_mkdocs_config(options, dev_addr=address)
        config.site_url = url
        return config

    # MkDocs' server calls it after the stamp or mkdocs.yml changed: the pages newer than
    # their HTML are rendered (builder/preview_render.py).
    rebuild = PreviewRenderer(load_config, str(options.config))

    # Taken before the first generation: an edit saved while the first site renders is
    # seen at the watcher's first look.
    seen = content_state(options.content)
    # In worker processes: no other thread runs yet. With problems the preview shows the
    # last good docs folder and waits for the fix; without one, there is nothing to show.
    if not regenerate(options) and not (options.docs / "index.md").is_file():
        raise BuildError(["nothing to preview yet: mend the problems above and start again"])
    config.plugins.on_startup(command="serve", dirty=True)
    try:
        _log.info("Rendering the preview into %s", display_path(options.site))
        # Before any thread starts: it forks workers. Its objects serve the renders after
        # each save (made in a thread of their own when MkDocs rendered in one process).
        adopted = rebuild.adopt(run_mkdocs(config, options.jobs), config_seen)
        stamp.touch()
        quiet_dirty_build_notice()
        logging.getLogger("mkdocs.livereload").addFilter(without_missing_search_notice(mount_path))
        server = LiveReloadServer(
            builder=rebuild, host=host, port=port, root=str(options.site), mount_path=mount_path
        )
        server.error_handler = lambda code: _error_page(options.site, code)
        server.watch(str(stamp))
        if config.config_file_path:
            server.watch(config.config_file_path)
        server = config.plugins.on_serve(server, config=config, builder=rebuild)
        for item in config.watch:
            server.watch(item)

        changes = ContentChanges(options.content)  # a thread: after the forks above
        if not adopted:
            threading.Thread(target=rebuild.prepare, daemon=True).start()

        def watch() -> None:
            nonlocal seen
            while True:  # the first look at once: for edits saved while the site rendered
                current = content_state(options.content)
                if current != seen:
                    seen = current
                    # In this process (the server's threads run now), and every file through
                    # a temporary one: MkDocs may be rendering the last edit meanwhile.
                    regenerate(replace(options, atomic_writes=True))
                changes.wait()

        threading.Thread(target=watch, daemon=True).start()
        try:
            server.serve()
        except OSError as error:  # taken meanwhile
            raise BuildError([_cannot_listen(host, port, error)]) from None
        finally:
            server.shutdown()
            changes.close()
    finally:
        config.plugins.on_shutdown()


def _check_address(host: str, port: int) -> None:
    """Raise BuildError if the server could not listen at host:port (a port in use, an
    address that is not this machine's), as the server binds: with SO_REUSEADDR."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise BuildError([_cannot_listen(host, port, error)]) from None


def _cannot_listen(host: str, port: int, error: OSError) -> str:
    if error.errno == errno.EADDRINUSE:
        hint = "is another preview running? Choose another port with --address"
    else:  # an address that is not this machine's, a port only root may use, …
        hint = "choose another address with --address, such as 127.0.0.1:8000"
    return f"the preview cannot listen on {host}:{port} ({error.strerror or error}): {hint}"


def _show_progress() -> None:
    """MkDocs' and the preview's progress on the terminal, as `mkdocs serve` shows it
    ("Serving on …", "Detected file changes", "Documentation built in …")."""
    logger = logging.getLogger("mkdocs")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def _error_page(site: Path, code: int) -> bytes | None:
    """The site's own 404 page for a missing page, as `mkdocs serve` answers."""
    page = site / f"{code}.html"
    with suppress(OSError):
        return page.read_bytes()
    return None
