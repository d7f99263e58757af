"""The live preview's renders after an edit: MkDocs' dirty build, without making its objects
anew each time.

After a save, MkDocs' own dirty build (`mkdocs serve`'s) renders only the pages whose
Markdown is newer than their HTML, but first makes everything again: a File for each of the
docs folder's 18,000 files, a page object for each of its 14,000 pages, the navigation, the
theme's templates compiled, sitemap.xml and 404.html rendered — 3–4 s at 10,000 articles
for the one page an edit changed. `PreviewRenderer` makes them once (`prepare_render`, as
`build` does) and keeps them while they still describe the site: while the docs folder holds
the very same files and mkdocs.yml is as it was. Then a render is the dirty build's own
steps for the changed pages (`_populate_page`, `_build_page`, anchor checks, strict mode)
and the changed static files. A file added or gone, or mkdocs.yml edited, and everything is
made again first. Templates are looked up again when they change (Jinja's auto_reload):
the theme's files are not under the docs folder.

What the kept render shows is what MkDocs' dirty build showed (the preview's documented
limits stay: builder/preview.py). A configured MkDocs plugin (it may keep state across
builds) means MkDocs' own dirty build every time.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from .mkdocs_runner import (
    FINISH,
    TEMPLATES,
    RenderState,
    SharedFragments,
    abort_if_strict,
    collected_warnings,
    prepare_render,
    publish_static_and_templates,
    publish_static_files,
    render_pages_here,
    validate_anchors,
)
from .problems import BuildError

_log = logging.getLogger("mkdocs.moujaz.preview")


def docs_listing(docs: str) -> frozenset[str]:
    """Every file under the docs folder, as paths relative to it."""
    start = len(os.path.join(docs, ""))
    return frozenset(
        os.path.join(root, name)[start:] for root, _, names in os.walk(docs) for name in names
    )


def config_stamp(path: str | None) -> tuple[int, int] | None:
    """mkdocs.yml's size and modification time (None if it cannot be read)."""
    try:
        info = os.stat(path) if path else None
    except OSError:
        return None
    return None if info is None else (info.st_size, info.st_mtime_ns)


class PreviewRenderer:
    """Call it to render the changed pages into the preview's site (the live-reload server's
    `builder`); `prepare()` makes MkDocs' objects ahead of the first edit. One render at a
    time: the server's thread and a preparing thread share the objects."""

    def __init__(self, load_config: Callable[[], Any], config_file: str | None):
        self._load_config = load_config
        self._config_file = config_file
        self._lock = threading.Lock()
        self._state: RenderState | None = None
        self._made_from: tuple[tuple[int, int] | None, frozenset[str]] | None = None
        self.prepared = 0  # how many times the objects were made (tests read it)

    def adopt(self, state: RenderState | None, stamp: tuple[int, int] | None) -> bool:
        """Keep the objects of the render that made the site (`run_mkdocs`' in workers),
        `stamp` being mkdocs.yml's `config_stamp` from before its config was read; whether
        there were any (None: a render in one process, MkDocs' own, leaves them to
        `prepare`). Call it before any other thread changes the docs folder."""
        if state is None:
            return False
        with self._lock:
            state.env.auto_reload = True  # see _current_state
            self._state = state
            self._made_from = (stamp, docs_listing(state.config["docs_dir"]))
        return True

    def prepare(self) -> None:
        """Make the objects now (in a thread of its own). A problem is left for the render
        after the next save, which meets it again and reports it as MkDocs' server does."""
        with self._lock:
            try:
                self._current_state()
            except Exception as error:  # an Abort in strict mode too
                _log.debug("the preview's render objects were not made: %s", error)

    def __call__(self) -> None:
        """Render the changed pages. MkDocs' server prints an Abort's words and keeps
        serving (any other error with a traceback): an mkdocs.yml an editor broke while the
        preview runs is said as `build` says it, and the next save of it renders again."""
        from mkdocs.exceptions import Abort

        try:
            self._render()
        except BuildError as error:
            raise Abort("\n".join(error.messages)) from None

    def _render(self) -> None:
        with self._lock:
            started = time.perf_counter()
            state = self._current_state()
            if state is None:  # plugins: MkDocs' own dirty build
                from mkdocs.commands.build import build as mkdocs_build

                config = self._load_config()
                mkdocs_build(config, serve_url=config.site_url, dirty=True)
                return
            pages = _render_changed(state)
            _log.info(
                "Rendered %d changed page%s in %.2f seconds",
                pages,
                "" if pages == 1 else "s",
                time.perf_counter() - started,
            )

    def _current_state(self) -> RenderState | None:
        """The kept objects, made again if mkdocs.yml or the docs folder's list of files
        changed since they were made (both read before making them: a change made meanwhile
        makes them again next time). None when MkDocs plugins are configured."""
        stamp = config_stamp(self._config_file)
        state = self._state
        if state is not None and self._made_from == (
            stamp,
            docs_listing(state.config["docs_dir"]),
        ):
            return state
        self._state = self._made_from = None
        config = self._load_config()
        if len(config.plugins) > 0:
            return None
        listing = docs_listing(config["docs_dir"])
        with collected_warnings() as collector:
            state = prepare_render(config, collector)
            publish_static_and_templates(state, collector, dirty=True)
            abort_if_strict(config, collector)
        # Unlike a build's, these templates live on: an edited theme file is read again.
        state.env.auto_reload = True
        self._state, self._made_from = state, (stamp, listing)
        self.prepared += 1
        return state


def _render_changed(state: RenderState) -> int:
    """MkDocs' dirty build of the pages whose Markdown is newer than their HTML, and the
    static files newer than the site's, with the kept objects; how many pages it rendered."""
    with collected_warnings() as collector:
        # The shared parts of pages are rendered anew: a nav page's title may have changed.
        state.env.globals["moujaz_fragment"] = SharedFragments()
        changed = [n for n, file in enumerate(state.doc_files) if file.is_modified()]
        collector.step = TEMPLATES
        publish_static_files(state.files, state.config, dirty=True)
        render_pages_here(state, changed, collector, read=changed)
        collector.step, collector.page = FINISH, -1
        validate_anchors(state, [state.doc_files[n] for n in changed])
        abort_if_strict(state.config, collector)
    return len(changed)
