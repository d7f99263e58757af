"""Runs MkDocs on the generated docs folder, rendering the pages in several processes.

MkDocs renders one page after another on one core; at 10,000 articles that is most of the
build. `run_mkdocs(config, jobs)` follows `mkdocs.commands.build.build` (MkDocs 1.6.1) step by
step in this process — plugin events, cleaning `site_dir`, files, theme environment, nav,
static files, theme and extra templates (sitemap.xml, 404.html), anchor validation, strict
mode — and hands the one step that costs, reading + rendering the Markdown pages
(`_populate_page` + `_build_page`), to forked worker processes, in slices of
`files.documentation_pages()` (the pages of the folders the caller wants first, then the
others: the search index may start on the first ones), while this process writes the static
files and templates (unless a page's HTML goes where one of them does: then before the
workers, in MkDocs' order). The site is byte-identical to a serial build:

- every page object exists in the parent before the fork (the sitemap lists them all) and
  the pages of the nav (home, entities, tags, timeline, archive) are read and rendered to
  HTML in the parent, so that every worker renders the nav, the tabs and the prev/next links
  with their real titles — the other pages' templates never look at another page's content;
- a worker reads, renders and writes the pages of its slice exactly as MkDocs does, with the
  same functions; MkDocs' warnings (links to missing files, unrecognized links, template
  problems) are logged in the worker as usual and also collected, tagged with the page and
  the step, and sent back: the parent puts them in the order of a serial build and, in
  strict mode, aborts like MkDocs does ("Aborted with N warnings in strict mode!");
- the anchors each page has and links to come back too, and the parent validates anchor
  links after all pages, as MkDocs does.

Workers also give the theme `moujaz_fragment` (SharedFragments below): the parts of Material's
page that are the same on every page of one folder outside the nav are rendered once per
folder (builder/theme/main.html), the same bytes as rendering them each time. Three more
savings, each with the same output: a worker converts its pages with one Python-Markdown
instance, reset between pages (`_ReusedMarkdown`); the docs folder's own static files are
hard-linked into the site instead of copied (`publish_static_files`); Jinja does not stat
template files on every include (`auto_reload` off: templates do not change mid-build).

`jobs=1`, a small site or any configured MkDocs plugin (a plugin may keep state across pages)
mean exactly `mkdocs.commands.build.build(config)`.

`dirty=True` renders into the site folder as it is, as MkDocs' own dirty build does: only the
pages (and docs files) newer than what the site holds of them; every other file is left as
it is. The caller decides when that gives the site a full build would (builder/render_record.py).
"""

from __future__ import annotations

import functools
import logging
import math
import os
import pickle
import time
import traceback
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from .forked import (
    MAX_CHUNK,
    fork_is_safe,
    frozen_heap,
    resolve_jobs,
    worker_pool,
)
from .problems import BuildError

# Below this many Markdown files forking costs more than it saves: plain MkDocs.
MIN_PAGES_FOR_PARALLEL = 200

LOWEST_PRIORITY = 19  # the niceness of workers that yield the CPU (`yield_cpu`)

# The steps of a build, in MkDocs' order: warnings are sorted by (step, page index, order).
SETUP, POPULATE, TEMPLATES, PAGES, FINISH = range(5)


def run_mkdocs(
    config: Any,
    jobs: int = 0,
    *,
    min_pages_for_parallel: int = MIN_PAGES_FOR_PARALLEL,
    first: tuple[str, ...] = (),
    when_first_written: Callable[[], None] | None = None,
    dirty: bool = False,
    yield_cpu: bool = False,
) -> RenderState | None:
    """Build the site with MkDocs in `jobs` processes (0: one per usable core); with
    `dirty`, only what changed since the site folder's last build (see the module's words).
    Returns MkDocs' objects of a render in workers (the preview keeps them), else None.
    With `yield_cpu` the workers render at the lowest CPU priority: something that must
    finish first (the search index, builder/build.py) runs beside them.

    The pages in the site folders `first` are rendered before the others, and
    `when_first_written()` is called as soon as they are all written, while the others are
    still being rendered; in a serial build, when the build is done.

    Raises BuildError with MkDocs' warnings when the build stops (strict mode, or an error).
    """
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.exceptions import MkDocsException

    workers = resolve_jobs(jobs)
    if dirty:
        quiet_dirty_build_notice()
    with collected_warnings() as collector:
        try:
            if (
                workers <= 1
                # A plugin may keep state across pages (search, blog, tags): workers would
                # split it.
                or len(config.plugins) > 0
                or not fork_is_safe()
                or _markdown_files(config["docs_dir"]) < min_pages_for_parallel
            ):
                mkdocs_build(config, dirty=dirty)
                if when_first_written is not None:
                    when_first_written()
                return None
            return _parallel_build(
                config, workers, collector, first, when_first_written, dirty, yield_cpu
            )
        except MkDocsException as error:
            raise BuildError([*collector.messages, f"MkDocs stopped: {error}"]) from None


def quiet_dirty_build_notice() -> None:
    """Drop MkDocs' warning on every dirty build that the navigation may go stale: a nav
    made of the pages could, ours (fixed pages with their titles in mkdocs.yml) cannot.
    Dropped, it neither alarms editors nor counts as a warning in strict mode, which would
    abort. For the whole process, once (`build`'s dirty renders, the preview's): a filter
    added and removed around each build would remove the other's too, being the same one."""
    logging.getLogger("mkdocs.commands.build").addFilter(_without_dirty_build_notice)


def _without_dirty_build_notice(record: logging.LogRecord) -> bool:
    return not record.getMessage().startswith("A 'dirty' build is being performed")


class WarningCollector(logging.Handler):
    """Keeps MkDocs' warnings (and errors), tagged with where the build was when logged."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[tuple[int, int, int, int, str]] = []  # step, page, seq, level, text
        self.step = SETUP
        self.page = -1

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(
            (self.step, self.page, len(self.records), record.levelno, record.getMessage())
        )

    @property
    def messages(self) -> list[str]:
        """In the order a serial build logs them (workers' warnings merged in)."""
        return [f"MkDocs: {text}" for *_, text in sorted(self.records)]


@contextmanager
def collected_warnings() -> Iterator[WarningCollector]:
    """MkDocs' warnings and errors logged inside the block, kept (tagged by the caller with
    where the build was)."""
    collector = WarningCollector()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(collector)
    try:
        yield collector
    finally:
        logger.removeHandler(collector)


def _markdown_files(docs_dir: str) -> int:
    return sum(1 for _, _, names in os.walk(docs_dir) for name in names if name.endswith(".md"))


@dataclass
class RenderState:
    """MkDocs' objects for one render (`prepare_render`): what the workers inherit through
    fork(), and what the preview keeps between its renders (builder/preview_render.py)."""

    config: Any
    files: Any
    nav: Any
    env: Any
    doc_files: Any
    populated: set[int]  # indexes of the pages already read and rendered (the nav's)


@dataclass
class _Chunk:
    """A worker's answer for one slice of pages."""

    records: list[tuple[int, int, int, int, str]]
    early: bool  # pages asked for first
    # page index, its anchor ids, {src_uri of a linked page: {anchor: original link}}
    anchors: list[tuple[int, set[str] | None, dict[str, dict[str, str]] | None]] = field(
        default_factory=list
    )
    error: BaseException | None = None


_STATE: RenderState | None = None
_WORKER_COLLECTOR: WarningCollector | None = None


def _parallel_build(
    config: Any,
    workers: int,
    collector: WarningCollector,
    first: tuple[str, ...] = (),
    when_first_written: Callable[[], None] | None = None,
    dirty: bool = False,
    yield_cpu: bool = False,
) -> RenderState:
    """`mkdocs.commands.build.build(config, dirty=dirty)` (1.6.1, not serving), pages forked;
    returns its objects."""
    from mkdocs import utils
    from mkdocs.commands import build as mkdocs_build
    from mkdocs.exceptions import Abort
    from mkdocs.exceptions import BuildError as MkDocsBuildError

    log = mkdocs_build.log
    try:
        start = time.monotonic()
        config = config.plugins.on_config(config)
        config.plugins.on_pre_build(config=config)
        if not dirty:
            log.info("Cleaning site directory")
            utils.clean_directory(config.site_dir)
        log.info(f"Building documentation to directory: {config.site_dir}")

        state = prepare_render(config, collector)
        # The static files, sitemap.xml and 404.html are written here while the workers
        # render (1.6 s at 10,000 articles in which a core was idle), unless a page's HTML
        # goes where one of them does: then MkDocs' order (the page last) must hold.
        publish = functools.partial(publish_static_and_templates, state, collector, dirty)
        if _pages_land_on_published(state):
            publish()
            publish = None

        collector.step = PAGES
        doc_files, files = state.doc_files, state.files
        # Dirty: the pages whose Markdown is newer than their HTML (MkDocs' own test).
        todo = [n for n, file in enumerate(doc_files) if not dirty or file.is_modified()]
        early = [n for n in todo if doc_files[n].dest_uri.split("/")[0] in first]
        rendered = _render_pages(
            state,
            workers,
            collector,
            todo,
            early,
            when_first_written,
            meanwhile=publish,
            yield_cpu=yield_cpu,
        )
        for index, present, links in rendered:
            page = doc_files[index].page
            page.present_anchor_ids = present
            page.links_to_anchors = (
                None
                if links is None
                else {files.get_file_from_path(uri): anchors for uri, anchors in links.items()}
            )

        collector.step = FINISH
        validate_anchors(state, doc_files)
        config.plugins.on_post_build(config=config)
        abort_if_strict(config, collector)
        log.info(f"Documentation built in {time.monotonic() - start:.2f} seconds")
        return state

    except Exception as e:
        config.plugins.on_build_error(error=e)
        if isinstance(e, MkDocsBuildError):
            log.error(str(e))
            raise Abort("Aborted with a BuildError!") from None
        raise


def prepare_render(config: Any, collector: WarningCollector) -> RenderState:
    """MkDocs' build (1.6.1) up to its static files: the files, the theme's environment, the
    nav, a page object for every page (the sitemap and the nav need them all) and the nav's
    own pages read and rendered (their titles appear on every page); plugin events included."""
    from mkdocs.commands import build as mkdocs_build
    from mkdocs.structure.files import InclusionLevel, get_files, set_exclusions
    from mkdocs.structure.nav import get_navigation
    from mkdocs.structure.pages import Page

    files = get_files(config)
    env = config.theme.get_env()
    # No template changes during a build: without this Jinja stats the template's file
    # on every include of every page (45,000 stats per 1,500 pages).
    env.auto_reload = False
    env.globals["moujaz_fragment"] = SharedFragments()
    files.add_files_from_theme(env, config)
    files = config.plugins.on_files(files, config=config)
    set_exclusions(files, config)
    nav = get_navigation(files, config)
    nav = config.plugins.on_nav(nav, config=config, files=files)

    collector.step = POPULATE
    in_nav = {page.file.src_uri for page in nav.pages}
    doc_files = files.documentation_pages(inclusion=InclusionLevel.is_included)
    populated: set[int] = set()
    for index, file in enumerate(doc_files):
        if file.page is None and file.inclusion.is_not_in_nav():
            Page(None, file, config)
        assert file.page is not None
        if file.src_uri in in_nav:
            collector.page = index
            mkdocs_build._populate_page(file.page, config, files)
            populated.add(index)
    collector.page = -1
    env = config.plugins.on_env(env, config=config, files=files)
    return RenderState(config, files, nav, env, doc_files, populated)


def publish_static_and_templates(
    state: RenderState, collector: WarningCollector, dirty: bool = False
) -> None:
    """The static files (only those newer than the site's copy when `dirty`), then the
    theme's templates (sitemap.xml, 404.html) and the extra templates, as MkDocs does."""
    from mkdocs.commands import build as mkdocs_build

    config, files, env, nav = state.config, state.files, state.env, state.nav
    collector.step = TEMPLATES
    publish_static_files(files, config, dirty)
    for template in config.theme.static_templates:
        mkdocs_build._build_theme_template(template, env, files, config, nav)
    for template in config.extra_templates:
        mkdocs_build._build_extra_template(template, files, config, nav)


def _pages_land_on_published(state: RenderState) -> bool:
    """Whether a page's HTML has the site path of a static file or of a theme or extra
    template (a docs page 404.md without directory URLs): MkDocs writes the page last."""
    pages = {file.dest_uri for file in state.doc_files}
    published = {
        file.dest_uri
        for file in state.files
        if not file.is_documentation_page() and file.inclusion.is_included()
    }
    published.update(state.config.theme.static_templates, state.config.extra_templates)
    return not pages.isdisjoint(published)


def validate_anchors(state: RenderState, doc_files: Any) -> None:
    """MkDocs' check of the links to anchors of `doc_files`' pages, after all are rendered."""
    log_level = state.config.validation.links.anchors
    for file in doc_files:
        assert file.page is not None
        file.page.validate_anchor_links(files=state.files, log_level=log_level)


def abort_if_strict(config: Any, collector: WarningCollector) -> None:
    """In strict mode, stop as MkDocs does when a warning was logged."""
    from mkdocs.exceptions import Abort

    if config.strict and (counts := _counts(collector)):
        msg = ", ".join(f"{v} {k.lower()}s" for k, v in counts)
        raise Abort(f"Aborted with {msg} in strict mode!")


def publish_static_files(files: Any, config: Any, dirty: bool = False) -> None:
    """`files.copy_static_files(dirty, inclusion)`, with the docs folder's own files
    (feeds, fonts, search tables: 4,000 at 10,000 articles) hard-linked instead of copied,
    where the file system allows it: the same bytes, without writing 54 MB again. Safe
    because the builder never writes a docs file in place (writer.py replaces it with a new
    one), so a linked site file keeps what MkDocs published. The theme's files, from the
    installed packages, are always copied: a later change to a site file must not reach them."""
    docs = os.path.join(config.docs_dir, "")
    for file in files:
        if file.is_documentation_page() or not file.inclusion.is_included():
            continue
        if dirty and not file.is_modified():  # a link is as new as its file: kept
            continue
        source, target = file.abs_src_path, file.abs_dest_path
        # _content: a file a plugin generated in memory (MkDocs writes it out).
        if file._content is None and source is not None and source.startswith(docs):
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with suppress(FileNotFoundError):
                os.unlink(target)  # never copy through an old link into a docs file
            try:
                os.link(source, target)
                continue
            except OSError:
                pass  # another file system, or no hard links there: copy it
        file.copy_file()


class SharedFragments:
    """`moujaz_fragment` in builder/theme/main.html: the parts of Material's page that do
    not depend on the page — tabs, navigation sidebar, footer, config — for pages outside
    the nav, rendered once per URL folder (their links are relative: pages of one folder
    share them) and reused. Nav pages (their tab is active), pages that hide parts of the
    layout and pages without a URL (404.html) are always rendered in full. Material's
    page template is about half of MkDocs' time; these parts are a third of it. The site is
    byte-identical to a plain `mkdocs build` (tests/test_mkdocs_runner.py)."""

    def __init__(self) -> None:
        self.cache: dict[tuple[str, str], Any] = {}  # Jinja's Markup

    def __call__(self, name: str, page: Any, nav: Any, render: Any) -> Any:
        url = getattr(page, "url", None)
        if url is None or not nav or page.meta.get("hide") or page in nav.pages:
            return render()
        key = (name, url.rstrip("/").rpartition("/")[0])
        if key not in self.cache:
            self.cache[key] = render()
        return self.cache[key]


def _counts(collector: WarningCollector) -> list[tuple[str, int]]:
    """utils.CountHandler.get_counts() over the parent's and the workers' records."""
    counts: dict[int, int] = {}
    for _, _, _, level, _ in collector.records:
        counts[level] = counts.get(level, 0) + 1
    return [(logging.getLevelName(k), v) for k, v in sorted(counts.items(), reverse=True)]


def _render_pages(
    state: RenderState,
    workers: int,
    collector: WarningCollector,
    todo: list[int],
    early: list[int],
    when_early_written: Callable[[], None] | None,
    meanwhile: Callable[[], None] | None = None,
    yield_cpu: bool = False,
) -> list[tuple[int, set[str] | None, dict[str, dict[str, str]] | None]]:
    """Read, render and write the pages `todo` (indexes into doc_files) in `workers` forked
    processes (at the lowest priority with `yield_cpu`): those of `early` first, then
    `when_early_written()`, while the others render. `meanwhile()` runs here once the
    workers have started."""
    global _STATE
    if not todo:  # a dirty build with no page changed
        if meanwhile is not None:
            meanwhile()
        if when_early_written is not None:
            when_early_written()
        return []
    size = max(1, min(MAX_CHUNK, math.ceil(len(todo) / (workers * 8))))
    wanted = set(early)
    later = [index for index in todo if index not in wanted]
    chunks = [(True, tuple(early[i : i + size])) for i in range(0, len(early), size)]
    chunks += [(False, tuple(later[i : i + size])) for i in range(0, len(later), size)]
    pending = sum(1 for is_early, _ in chunks if is_early)  # early chunks not back yet
    anchors: list[tuple[int, set[str] | None, dict[str, dict[str, str]] | None]] = []
    _STATE = state
    try:
        with (
            frozen_heap(),
            worker_pool(
                min(workers, len(chunks)), initializer=_worker_init, initargs=(yield_cpu,)
            ) as pool,
        ):
            results = pool.imap_unordered(_render_chunk, chunks)  # the workers start
            if pending == 0 and when_early_written is not None:
                when_early_written()
            if meanwhile is not None:
                meanwhile()
                collector.step = PAGES
            for chunk in results:
                collector.records.extend(chunk.records)
                anchors.extend(chunk.anchors)
                if chunk.error is not None:
                    raise chunk.error  # leaving the `with` terminates the other workers
                if chunk.early:
                    pending -= 1
                    if pending == 0 and when_early_written is not None:
                        when_early_written()
            pool.close()
            pool.join()
    finally:
        _STATE = None
    return anchors


def _worker_init(yield_cpu: bool = False) -> None:
    """In a fresh worker: collect its own warnings instead of the parent's copy; with
    `yield_cpu`, take the lowest CPU priority."""
    global _WORKER_COLLECTOR
    if yield_cpu:
        os.setpriority(os.PRIO_PROCESS, 0, LOWEST_PRIORITY)
    logger = logging.getLogger("mkdocs")
    for handler in list(logger.handlers):
        if isinstance(handler, WarningCollector):
            logger.removeHandler(handler)
    _WORKER_COLLECTOR = WarningCollector()
    logger.addHandler(_WORKER_COLLECTOR)


def _render_chunk(chunk: tuple[bool, tuple[int, ...]]) -> _Chunk:
    """(early, page indexes), in a worker: the pages rendered, their anchors sent back."""
    state, collector = _STATE, _WORKER_COLLECTOR
    assert state is not None and collector is not None
    collector.records = []
    early, indexes = chunk
    result = _Chunk(collector.records, early)

    def anchors_of(index: int, page: Any) -> None:
        links = page.links_to_anchors
        result.anchors.append(
            (
                index,
                page.present_anchor_ids,
                None if links is None else {f.src_uri: a for f, a in links.items()},
            )
        )

    read = {index for index in indexes if index not in state.populated}
    try:
        render_pages_here(state, indexes, collector, read, anchors_of)
    except Exception as error:
        result.error = _portable(error)
    return result


def render_pages_here(
    state: RenderState,
    indexes: Sequence[int],
    collector: WarningCollector,
    read: Collection[int],
    after: Callable[[int, Any], None] | None = None,
) -> None:
    """Render and write the pages `indexes` (into doc_files) in this process, as MkDocs'
    build does: `_populate_page` for those of `read` (read and converted from Markdown,
    with one Python-Markdown instance: `_ReusedMarkdown`), then `_build_page` for each, then
    `after(index, page)`. A page outside the nav lets go of its HTML once written."""
    from mkdocs.commands.build import _build_page, _populate_page

    config, files, doc_files = state.config, state.files, state.doc_files
    renderer = _markdown_renderer(config)
    for index in indexes:
        if index in read:
            collector.step, collector.page = POPULATE, index
            page = doc_files[index].page
            page.render = functools.partial(renderer.render, page)
            _populate_page(page, config, files)
            del page.render
    for index in indexes:
        file = doc_files[index]
        page = file.page
        collector.step, collector.page = PAGES, index
        _build_page(
            page, config, doc_files, state.nav, state.env, excluded=file.inclusion.is_excluded()
        )
        if after is not None:
            after(index, page)
        if index not in state.populated:  # done with it: free its HTML
            page.markdown = page.content = None


class _ReusedMarkdown:
    """`Page.render` (MkDocs 1.6.1) with one Markdown instance per worker, reset between
    pages, instead of a new one per page: building the parser (extensions, processors,
    inline patterns) was a tenth of a worker's time. `Markdown.reset()` is Python-Markdown's
    own way to convert another document with an instance (stash, references and the
    extensions' state emptied); MkDocs' per-page processors are registered again for each
    page, under their names, replacing the last page's."""

    def __init__(self, config: Any) -> None:
        import markdown

        self.markdown = markdown.Markdown(
            extensions=config["markdown_extensions"],
            extension_configs=config["mdx_configs"] or {},
        )

    def render(self, page: Any, config: Any, files: Any) -> None:
        from mkdocs.structure import pages
        from mkdocs.structure.toc import get_toc

        if page.markdown is None:
            raise RuntimeError("`markdown` field hasn't been set (via `read_source`)")
        md = self.markdown.reset()
        raw_html_ext = pages._RawHTMLPreprocessor()
        raw_html_ext._register(md)
        extract_anchors_ext = pages._ExtractAnchorsTreeprocessor(page.file, files, config)
        extract_anchors_ext._register(md)
        relative_path_ext = pages._RelativePathTreeprocessor(page.file, files, config)
        relative_path_ext._register(md)
        extract_title_ext = pages._ExtractTitleTreeprocessor()
        extract_title_ext._register(md)

        page.content = md.convert(page.markdown)
        page.toc = get_toc(getattr(md, "toc_tokens", []))
        page._title_from_render = extract_title_ext.title
        page.present_anchor_ids = (
            extract_anchors_ext.present_anchor_ids | raw_html_ext.present_anchor_ids
        )
        if pages.log.getEffectiveLevel() > logging.DEBUG:
            page.links_to_anchors = relative_path_ext.links_to_anchors


_RENDERER: tuple[Any, _ReusedMarkdown] | None = None  # with the config it was made for


def _markdown_renderer(config: Any) -> _ReusedMarkdown:
    """This process's renderer for `config` (a worker makes it on its first page; the
    preview again when it reads mkdocs.yml again: its extensions may have changed)."""
    global _RENDERER
    if _RENDERER is None or _RENDERER[0] is not config:
        _RENDERER = (config, _ReusedMarkdown(config))
    return _RENDERER[1]


def _portable(error: Exception) -> BaseException:
    """The exception, with the worker's traceback as a note, in a form pickle can send."""
    text = "".join(traceback.format_exception(error))
    try:
        error.add_note(f"in a MkDocs worker process:\n{text}")
        pickle.loads(pickle.dumps(error))
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}\nin a MkDocs worker process:\n{text}")
    return error
