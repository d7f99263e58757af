"""The pipeline: read → analyze → write Markdown → MkDocs → search index, timed by stage.

`generate` produces the Markdown docs folder (renderer-agnostic); `build` also renders it
with MkDocs, indexes it for search, and checks that every article reached the site.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import resource
import shutil
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .analyze_all import AnalysisAhead, analyze_articles
from .cache_db import RememberedResults
from .feeds import EMPTY_SITEMAP, FEED_SITEMAPS, SITE_FEED, FeedJob, FeedWriter, entity_feed
from .forked import resolve_jobs
from .indexes import SiteIndex, build_index
from .keeper import Helpers, Keeper, SearchStart, run_apart
from .mkdocs_runner import collected_warnings, run_mkdocs
from .model import Article
from .pages import PageWriter
from .problems import BuildError, ContentError, Problem, display_path
from .reader import read_content
from .render_record import RenderRecord, render_key
from .search import BUNDLE, INDEXED_FOLDERS, indexed_pages, query_tables_js
from .search import TABLES as QUERY_TABLES
from .site_fingerprints import SharedDigests
from .writer import FileJob, FileStamps, OutputTree, folder_size

ASSETS = Path(__file__).parent / "assets"
DEFAULT_CONFIG = Path("mkdocs.yml")
DEFAULT_WORK = Path("build")


# Pagefind indexes the builder's copies of the pages' search blocks (builder/search.py),
# so it needs no rendered page. On a site of up to this many indexed pages it starts before
# MkDocs, whose workers render at the lowest CPU priority meanwhile: Pagefind has the cores
# first, and MkDocs fills the one it leaves idle while it writes its index (the end of its
# run, on one core; 2–3 s of a 3,000-article build). On a larger site Pagefind's memory
# peak, which grows with the articles, must not meet MkDocs' workers: it starts once MkDocs has
# written the indexed pages, while MkDocs renders the others (archives, digests, timelines).
# Pagefind's peak follows the articles' words, not the page count (an entity or tag page's
# block is short), so the limit must hold for a site whose indexed pages are nearly all
# articles. The process tree's peak beside MkDocs, measured with Pagefind's one allocator
# arena (builder/search.py) on corpora of 250 entities (`bench.corpus.generate`): 7,400
# articles (7,952 indexed pages) 2,481 MiB; 8,450 (9,002) 2,805 MiB in 47.1 s (after
# MkDocs' indexed pages: 2,120 MiB in 53.1 s); 9,400 (9,952) 3,166 and 3,104 MiB, over
# 3 GB (after: 2,348 MiB). With 2,000 entities: 7,700 articles (9,983) 2,681 MiB;
# 10,000 (12,296) 3,396 MiB, after 2,528 MiB. So with the default a build of up to
# 10,000 articles stays under 3 GB either way; a machine with more memory may raise it
# (`build --search-beside-mkdocs-up-to`; docs/benchmarks.md).
SEARCH_BESIDE_MKDOCS_MAX_PAGES = 9_000
# ... and the limit holds for pages whose search blocks are as large as those of that worst
# case, 47.2 MB of blocks for its 9,002 indexed pages (5,243 bytes a block; bench articles
# of 300–600 words). A site of longer articles reaches the same memory with fewer pages
# (6,000 articles twice as long, 6,552 pages, 54.2 MB of blocks: 3,351 and 3,421 MiB
# beside MkDocs), so blocks over limit × this many bytes make Pagefind start after MkDocs'
# indexed pages too (the same site: 2,550 and 2,552 MiB).
SEARCH_BLOCK_BYTES_PER_PAGE = 5_250


@dataclass
class BuildOptions:
    content: Path = Path("content")
    site: Path = Path("site")
    work: Path = DEFAULT_WORK  # the generated docs folder is work/docs
    config: Path = DEFAULT_CONFIG
    drafts: bool = False
    search: bool = True
    jobs: int = 0  # analysis and MkDocs worker processes; 0 = one per usable core
    cache: bool = True
    # Write every file through a temporary one renamed into place (writer.OutputTree.atomic):
    # for the preview, whose MkDocs may read the docs folder while it is written.
    atomic_writes: bool = False
    # Keep the SiteIndex in the BuildReport (tests read it). Off, the build lets it go once
    # MkDocs is done, so that the report its forked child sends back stays small.
    keep_index: bool = False
    # Pagefind starts before MkDocs on a site of up to this many indexed pages (above).
    search_beside_mkdocs_max_pages: int = SEARCH_BESIDE_MKDOCS_MAX_PAGES

    @property
    def docs(self) -> Path:
        return self.work / "docs"

    @property
    def cache_dir(self) -> Path | None:
        """Where the build's caches live (None: a build without caches)."""
        return self.work / "cache" if self.cache else None


@dataclass
class StageReport:
    name: str
    seconds: float
    peak_rss_mb: float
    files: int = 0
    bytes: int = 0
    # CPU time (user + system) of this process and of the processes that ended during the
    # stage (its workers; Pagefind in the search stage). Wall time on a shared 2-core VM
    # moves by 10–25 % from run to run; CPU time says what the work costs.
    cpu_seconds: float = 0.0


@dataclass
class BuildReport:
    stages: list[StageReport] = field(default_factory=list)
    articles: int = 0
    analyzed: int = 0  # articles analyzed this run (the others came from the cache)
    pages: int = 0
    files: int = 0  # every file of the docs folder, written or kept
    docs_paths: frozenset[str] = frozenset()  # and their paths in it
    reused: int = 0  # pages and feeds kept from the last build without rendering them
    # MkDocs rendered only the pages whose Markdown changed (builder/render_record.py).
    dirty_render: bool = False
    # The search index was still the pages' and was kept (search.index_is_current).
    search_kept: bool = False
    index: SiteIndex | None = None

    def stage(self, name: str) -> StageReport:
        return next(s for s in self.stages if s.name == name)


def peak_rss_mb() -> float:
    """Peak resident memory of this process and its finished children, in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def cpu_seconds() -> float:
    """User + system CPU time of this process and of its children that have ended (and
    been waited for: a Pool's workers when it closes)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@contextmanager
def timed(report: BuildReport, name: str) -> Iterator[StageReport]:
    stage = StageReport(name, 0.0, 0.0)
    started, cpu_started = time.perf_counter(), cpu_seconds()
    yield stage
    stage.seconds = time.perf_counter() - started
    stage.cpu_seconds = cpu_seconds() - cpu_started
    stage.peak_rss_mb = peak_rss_mb()
    report.stages.append(stage)


def load_mkdocs_config(options: BuildOptions, **overrides: Any) -> Any:
    """mkdocs.yml read for this build: its docs and site folders are the options' (and
    `overrides` replace other settings: the preview's dev_addr)."""
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    options.docs.mkdir(parents=True, exist_ok=True)  # MkDocs refuses a missing docs_dir
    # MkDocs logs what is wrong with each setting, then aborts ("Aborted with 1
    # configuration errors!", a SystemExit): its own words, named after the file.
    with collected_warnings() as said:
        try:
            return load_config(
                config_file=str(options.config),
                docs_dir=str(options.docs.resolve()),
                site_dir=str(options.site.resolve()),
                **overrides,
            )
        except (ConfigurationError, Abort) as error:
            where = display_path(options.config)
            texts = said.messages or [str(error)]
            raise BuildError([f"{where}: {text}" for text in texts]) from None


def site_identity(config: Any, site_url: str = "") -> tuple[str, str, str]:
    """(URL, name, description) of the site, from mkdocs.yml, for `generate`: pages and feeds
    are written with them. `site_url` replaces the configured URL (serve's own address)."""
    url = site_url or config["site_url"] or "http://localhost:8000/"
    return url, config["site_name"], config.get("site_description") or ""


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block (and in workers forked in it).

    The builder's data is millions of long-lived objects (articles, analyses, indexes, page
    data) without reference cycles: reference counting frees what dies, and each full
    collection walked all of them again. At 10,000 articles: 2–3 s of a cold `generate`,
    1.5–2 s of an incremental one, the same peak memory (measured in one run each)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def generate(options: BuildOptions, site_url: str, site_name: str, description: str) -> BuildReport:
    """Read, analyze and write the Markdown docs folder. Raises ContentError on bad input."""
    with collector_paused():
        return _generate(options, site_url, site_name, description)


def _generate(
    options: BuildOptions, site_url: str, site_name: str, description: str
) -> BuildReport:
    report = BuildReport()
    workers = resolve_jobs(options.jobs)
    cache_dir = options.cache_dir
    # Forked helpers (the matcher built while reading, the shared digests made while the
    # site index is built) stop when the build does, however it ends.
    with ExitStack() as helpers:
        ahead = helpers.enter_context(AnalysisAhead(options.jobs))
        with timed(report, "read") as stage:
            content = read_content(
                options.content, cache_dir, options.jobs, ahead.start, ahead.prepare
            )
            stage.files = len(content.articles)
        if content.problems:
            raise ContentError(content.problems)
        articles = [a for a in content.articles if options.drafts or not a.draft]
        report.articles = len(articles)
        with timed(report, "analyze") as stage, RememberedResults(cache_dir) as results:
            analyses = analyze_articles(articles, content.entities, cache_dir, options.jobs, ahead)
            report.analyzed = analyses.analyzed
            # Without a cache every page is rendered: no fingerprints.
            digests = (
                helpers.enter_context(
                    SharedDigests(
                        articles,
                        analyses.by_slug,
                        analyses.keys,
                        content.entities,
                        (site_url, site_name, description),
                        workers,
                    )
                )
                if cache_dir
                else None
            )
            problems: list[Problem] = []
            index = build_index(
                articles, analyses.by_slug, content.entities, problems, workers, results.update
            )
            stage.files = report.analyzed
        if problems:
            raise ContentError(problems)
        report.index = index
        _write_site(report, options, index, digests, (site_url, site_name, description), workers)
    return report


def _write_site(
    report: BuildReport,
    options: BuildOptions,
    index: SiteIndex,
    digests: SharedDigests | None,
    identity: tuple[str, str, str],
    workers: int,
) -> None:
    """The write stage (pages, assets) and the feeds stage, into the docs folder; a page or
    feed whose fingerprint is as the last build left it is kept (none without `digests`:
    a build without a cache renders everything)."""
    site_url, site_name, description = identity
    pages = PageWriter(index, site_name, description)
    with FileStamps(options.cache_dir) as stamps:
        with timed(report, "write") as stage:
            jobs = pages.jobs()
            fingerprinter = digests.fingerprinter(index) if digests else None
            tree = OutputTree(
                options.docs, fingerprinter, stamps.load(), atomic=options.atomic_writes
            )
            tree.write_all(jobs, workers)
            report.pages = tree.files
            for asset in sorted(ASSETS.rglob("*")):
                if asset.is_file():
                    relative = f"assets/{asset.relative_to(ASSETS).as_posix()}"
                    tree.write(relative, asset.read_bytes())
            tree.write(QUERY_TABLES.as_posix(), query_tables_js())
            stage.files, stage.bytes = tree.written, tree.bytes_written
        with timed(report, "feeds") as stage:
            before_files, before_bytes = tree.written, tree.bytes_written
            tree.write_all(feed_jobs(index, site_url, site_name), workers)
            stage.files = tree.written - before_files
            stage.bytes = tree.bytes_written - before_bytes
            tree.remove_stale()  # the last files are written: what is left over is stale
            stamps.save(tree.stamps)
    report.files, report.reused, report.docs_paths = tree.files, tree.reused, tree.paths


def feed_jobs(index: SiteIndex, site_url: str, site_name: str) -> list[FileJob]:
    """The site's feeds and one pair per entity with a page, as OutputTree jobs."""
    feeds = FeedWriter(site_url, site_name)
    jobs: list[FileJob] = [
        FeedJob(feeds, SITE_FEED, site_name, "", index.articles),
        lambda: [(sitemap, EMPTY_SITEMAP) for sitemap in FEED_SITEMAPS],
    ]
    for entity_id, articles in index.by_entity.items():  # entities with a page
        title = f"{index.entities[entity_id].name} — {site_name}"
        jobs.append(
            FeedJob(feeds, entity_feed(entity_id), title, f"entities/{entity_id}/", articles)
        )
    return jobs


def build(options: BuildOptions) -> BuildReport:
    """Full build. Raises ContentError (editor mistakes) or BuildError (site problems).

    MkDocs renders only the pages whose Markdown changed when the site folder holds a
    complete render of this configuration and code with no docs file gone since
    (builder/render_record.py); otherwise every page, into an emptied site folder.

    The reading, writing and rendering run in a forked child that exits before Pagefind's
    memory peak; this process keeps Pagefind and the old site's deletion (builder/keeper.py)."""
    check_site_folder(options)
    config = load_mkdocs_config(options)
    key = render_key(config)
    keeper = Keeper(
        options.site, options.docs, options.work, directory_urls=config["use_directory_urls"]
    )
    try:
        report = run_apart(functools.partial(_rendered, config, options, key), keeper)
        search = keeper.search
        if search is not None:
            # Pagefind holds the whole search index in memory (GBs at 10,000 articles)
            # while this process waits for it: give back what it no longer needs (little,
            # when the work ran apart). The stage is what is left of Pagefind's run.
            release_memory()
            with timed(report, "search") as stage:
                stage.files, stage.bytes = search.finish()
            report.search_kept = search.kept
    finally:
        keeper.close()
    if options.cache:
        RenderRecord(options.work).save(key, options.site, report.docs_paths)
    return report


def _rendered(config: Any, options: BuildOptions, key: str, helpers: Helpers) -> BuildReport:
    """Generate the docs folder and render it, starting the search index on the way; the
    build's report so far."""
    report = generate(options, *site_identity(config))
    record = RenderRecord(options.work)
    report.dirty_render = options.cache and record.permits_dirty(
        key, options.site, report.docs_paths
    )
    record.forget()  # until this render is complete
    if not report.dirty_render:
        # The old site goes only now: after a content error it is still there to look at.
        helpers.empty_site()
    _render(config, options, report, helpers)
    return report


def check_site_folder(options: BuildOptions) -> None:
    """Refuse a `--site` the build cannot empty safely: a build that renders every page
    empties the site folder first (as MkDocs does), which must never take the editors'
    articles with it."""
    site = options.site
    if site.exists() and not site.is_dir():
        raise BuildError([f"{display_path(site)}: this is a file; --site must name a folder"])
    if options.content.resolve().is_relative_to(site.resolve()):
        raise BuildError(
            [
                f"{display_path(site)}: the site folder holds the content folder "
                f"({display_path(options.content)}), and a build may empty the site folder; "
                "write the site somewhere else (--site)"
            ]
        )


def _render(config: Any, options: BuildOptions, report: BuildReport, helpers: Helpers) -> None:
    pages = indexed_pages(report.docs_paths)
    if not options.search:  # a kept site's search index would no longer be this site's
        shutil.rmtree(options.site / BUNDLE, ignore_errors=True)
    limit = options.search_beside_mkdocs_max_pages
    beside = options.search and len(pages) <= limit

    def start_search(max_block_bytes: int | None = None) -> SearchStart:
        return helpers.start_search(pages, report.dirty_render, max_block_bytes)

    when_first_written = start_search if options.search and not beside else None
    with timed(report, "mkdocs") as stage:
        # Copying the blocks counts in MkDocs' stage on a small site (~0.4 s at 3,000).
        # Pagefind's memory follows the blocks' words, not the pages: blocks larger than the
        # limit's pages at the measured worst case make Pagefind wait for MkDocs' indexed
        # pages, as on a larger site (the copies are made already).
        started = start_search(limit * SEARCH_BLOCK_BYTES_PER_PAGE) if beside else None
        if started == "waiting":
            beside, when_first_written = False, helpers.launch_search
        run_mkdocs(  # calls when_first_written in every build it completes
            config,
            options.jobs,
            first=() if beside else INDEXED_FOLDERS,
            when_first_written=when_first_written,
            dirty=report.dirty_render,
            yield_cpu=beside and started != "kept",
        )
        stage.files, stage.bytes = folder_size(options.site, leave_out=BUNDLE)
    articles = report.index.articles if report.index else []
    missing = missing_articles(articles, options.site)
    if missing:
        raise BuildError(
            [f"{display_path(a.path)}: the article is missing from the site" for a in missing]
        )
    if not options.keep_index:
        report.index = None


def release_memory() -> None:
    """Collect garbage and hand freed heap pages back to the system (glibc's malloc_trim;
    elsewhere only the collection)."""
    gc.collect()
    with suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def missing_articles(articles: list[Article], site: Path) -> list[Article]:
    """Articles without a page in the rendered site: publishing would silently lose them."""
    return [a for a in articles if not (site / a.url / "index.html").is_file()]
