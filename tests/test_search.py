"""Search: what Pagefind indexes, the generated query tables, the relevance set (in headless
Chromium through Pagefind's JS API and our query shim) and the transfer-bytes measure."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from builder.markdown_raw import SEARCH_ONLY_END, SEARCH_ONLY_START
from builder.problems import BuildError
from builder.search import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SHIM,
    Indexing,
    SearchIndexError,
    copy_indexed_blocks,
    indexed_pages,
    pagefind_binary,
    pagefind_environment,
    query_transfer_bytes,
    remove_abandoned_scratch,
    serve_site,
)
from builder.stemmer import query_tables
from tests.conftest import REPO, BuiltSite

QUERIES = REPO / "tests" / "relevance" / "queries.yml"
TOP = 5
REQUIRED_SHARE = 0.95
SEED = "articles/2021/12/nato-ready-for-meaningful-talks-with-russia/"

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (CI installs Debian's chromium)"
)


def page_url(short: str) -> str:
    """'a/2022/01/slug' → '/articles/2022/01/slug/', 'e/nato' → '/entities/nato/'."""
    kind, _, rest = short.partition("/")
    return {"a": "/articles/", "e": "/entities/"}[kind] + rest + "/"


# --- the index, without a browser ------------------------------------------------------


def test_bundle_written_and_reported(search_site: BuiltSite) -> None:
    stage = search_site.report.stage("search")
    bundle = search_site.root / "pagefind"
    files = [p for p in bundle.rglob("*") if p.is_file()]
    assert (stage.files, stage.bytes) == (len(files), sum(p.stat().st_size for p in files))
    # The Component UI used by the header search ships in the bundle.
    assert (bundle / "pagefind-component-ui.js").is_file()
    # One language, Arabic: Pagefind's Arabic stemming applies to every page.
    assert [p.name.split("_")[0] for p in bundle.glob("*.pf_meta")] == ["pagefind.ar"]


def test_only_articles_entities_and_tags_are_indexed(search_site: BuiltSite) -> None:
    body = re.compile(r"data-pagefind-body")
    indexed = {
        p.parent.relative_to(search_site.root).as_posix()
        for p in search_site.root.rglob("index.html")
        if body.search(p.read_text(encoding="utf-8"))
    }
    assert SEED.rstrip("/") in indexed
    assert "entities/nato" in indexed
    assert any(p.startswith("tags/") for p in indexed)
    for listing in ("", "archive", "timeline", "entities", "tags"):
        assert (listing or ".") not in indexed and listing not in indexed
    assert not any(p.startswith(("digest/", "archive/")) for p in indexed)
    # Only these folders' blocks are indexed (search.INDEXED_FOLDERS): a page type indexed
    # elsewhere would silently be missing from search.
    assert {p.split("/")[0] for p in indexed} == {"articles", "entities", "tags"}


def _indexed_site_pages(root: Path) -> set[str]:
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*.html")
        if "data-pagefind-body" in p.read_text(encoding="utf-8")
    }


_SEARCH_ONLY = re.compile(f"\n{SEARCH_ONLY_START}\n.*?\n{SEARCH_ONLY_END}(?=\n)", re.S)


def _copies(site: BuiltSite, into: Path, only: str = "") -> dict[str, str]:
    """Pagefind's copies of the site's blocks (relative path -> text), as the build makes
    them; `only`: those of the pages whose docs path starts so."""
    pages = [p for p in indexed_pages(site.report.docs_paths) if p.startswith(only)]
    copied = copy_indexed_blocks(site.docs, pages, into, directory_urls=True)
    copies = {
        p.relative_to(into).as_posix(): p.read_text(encoding="utf-8") for p in into.rglob("*.html")
    }
    assert copied.pages == len(copies)
    blocks = [text.split("<body>", 1)[1].rsplit("</body>", 1)[0] for text in copies.values()]
    assert copied.block_bytes == sum(len(block.encode()) for block in blocks)
    return copies


def test_each_block_is_copied_as_its_page_carries_it(
    search_site: BuiltSite, tmp_path: Path
) -> None:
    """Pagefind indexes copies of the pages' blocks taken from the docs folder: one for each
    page with a block, where the page is, and each in its page byte for byte, whole — but
    for its search-only part (stems, meta, filters), which only the copy has."""
    copies = _copies(search_site, tmp_path)
    assert len(copies) > 20
    assert set(copies) == _indexed_site_pages(search_site.root)
    for copy, text in copies.items():
        block = text.split("<body>", 1)[1].rsplit("</body>", 1)[0]
        assert block.startswith('<div class="mj-indexed" data-pagefind-body>')
        assert block.count("<div") == block.count("</div>")  # the element ends in it
        assert block.count(SEARCH_ONLY_START) == 1, copy
        page = search_site.html(copy)
        assert _SEARCH_ONLY.sub("", block) in page
        assert "mj-search-terms" in block and "mj-search-terms" not in page


def test_the_index_is_the_one_pagefind_makes_of_the_pages_and_their_search_fields(
    search_site: BuiltSite, tmp_path: Path
) -> None:
    """Pagefind names each page's fragment by its content (URL, words, meta, filters,
    anchors): run on the rendered pages with each page's search-only part put back where
    the copy has it, it names the fragments as the build's index does."""
    copies = _copies(search_site, tmp_path / "copies")
    pages = tmp_path / "pages"
    for relative, text in copies.items():
        block = text.split("<body>", 1)[1].rsplit("</body>", 1)[0]
        html = search_site.html(relative)
        assert html.count(_SEARCH_ONLY.sub("", block)) == 1
        (pages / relative).parent.mkdir(parents=True, exist_ok=True)
        (pages / relative).write_text(html.replace(_SEARCH_ONLY.sub("", block), block))
    command = [str(pagefind_binary()), "--site", str(pages)]
    command += ["--output-path", str(tmp_path / "bundle"), "--force-language", "ar", "--quiet"]
    subprocess.run(command, check=True)

    def fragments(bundle: Path) -> set[str]:
        return {p.name for p in (bundle / "fragment").iterdir()}

    made = fragments(search_site.root / "pagefind")
    assert len(made) == len(_indexed_site_pages(search_site.root))
    assert made == fragments(tmp_path / "bundle")


def test_article_search_markup(search_site: BuiltSite, tmp_path: Path) -> None:
    """The hidden field, meta and filters reach Pagefind; the reader's page has none of them."""
    (copy,) = _copies(search_site, tmp_path, only=SEED.rstrip("/") + ".md").values()
    hidden = re.search(r'<div[^>]*class="mj-search-terms"[^>]*>(.*?)</div>', copy, re.S)
    assert hidden and "hidden" in hidden.group(0)
    terms = re.sub(r"<[^>]+>", " ", hidden.group(1)).split()
    assert "ناتو" in terms and "stoltenberg" in terms
    assert "في" not in terms and "من" not in terms  # function words stay out
    assert "ستولتنبرج" in terms  # the entity's other spellings are added
    assert 'data-pagefind-filter="السنة:2021"' in copy
    assert 'data-pagefind-filter="الكيان:حلف شمال الأطلسي"' in copy
    assert 'data-pagefind-filter="نوع الكيان:أشخاص"' in copy
    assert 'data-pagefind-meta="summary"' in copy
    html = search_site.html(SEED)
    assert 'data-pagefind-meta="summary"' in html  # the visible summary, as Pagefind reads it
    for search_only in ("mj-search-terms", "data-pagefind-filter", "ستولتنبرج"):
        assert search_only not in html, search_only
    # Navigation, related articles and chips sit outside the indexed block.
    indexed = html.split("data-pagefind-body", 1)[1].split("</div>", 1)[0]
    assert "mj-summary" in indexed
    assert "mj-taxonomy" not in indexed and "mj-related" not in indexed


def test_query_tables_are_generated_from_the_stemmer(search_site: BuiltSite) -> None:
    text = (search_site.root / "assets/javascripts/search/tables.js").read_text("utf-8")
    data = json.loads(text.split("export default", 1)[1].strip().rstrip(";"))
    assert data == json.loads(json.dumps(query_tables()))
    assert data["charMap"]["أ"] == "ا" and data["charMap"]["ة"] == "ه"


def test_no_remote_assets(search_site: BuiltSite) -> None:
    html = search_site.html("")
    assert "pagefind/pagefind-component-ui.js" in html
    # Scripts, styles, fonts and images come from the site (links to other sites are fine).
    assert not re.search(r'src="(?:https?:)?//', html)
    assert not re.search(r'<link rel="(?:stylesheet|preload)" href="(?:https?:)?//', html)


# --- in Chromium -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def search_page(search_site: BuiltSite) -> Iterator[tuple[Any, str]]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent (CI installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with serve_site(search_site.root) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(base + "404.html")
        yield page, base
        browser.close()


# Runs every query through our shim (the module the header search loads instead of
# Pagefind's pagefind.js), exactly as the UI does; returns the top URLs per query.
_RUN_QUERIES = """async ([shim, queries, top]) => {
  const pagefind = await import(shim);
  const out = {};
  for (const q of queries) {
    const search = await pagefind.search(q);
    const data = await Promise.all(search.results.slice(0, top).map((r) => r.data()));
    out[q] = { processed: pagefind.processQuery(q), urls: data.map((d) => d.url) };
  }
  return out;
}"""


@pytest.mark.browser
def test_relevance(search_page: tuple[Any, str]) -> None:
    page, base = search_page
    cases = yaml.safe_load(QUERIES.read_text(encoding="utf-8"))
    assert len(cases) >= 40
    found = page.evaluate(_RUN_QUERIES, [base + SHIM, [c["query"] for c in cases], TOP])
    hits, misses = 0, []
    for case in cases:
        urls = found[case["query"]]["urls"]
        for expected in case["expect"]:
            if page_url(expected) in urls:
                hits += 1
            else:
                misses.append(f"{case['query']} ({case['why']}): {expected} not in {urls}")
    total = hits + len(misses)
    share = hits / total
    print(
        f"\nrelevance: {len(cases)} queries, {hits}/{total} expected pages in top {TOP}"
        f" = {share:.1%}"
    )
    for miss in misses:
        print("  miss:", miss)
    assert share >= REQUIRED_SHARE, "\n".join(misses)


@pytest.mark.browser
def test_js_query_processing_matches_python(search_page: tuple[Any, str]) -> None:
    from builder.stemmer import search_query

    page, base = search_page
    queries = [
        "والحكومة",
        "بالحكومة",
        "إعلان",
        "مُسْتَشْفَى",
        "في",
        "وفي بيروت",
        "Stoltenberg",
        "للناتو",
        "الفلسطينيين",
        "ـالناتوـ",
        "أوكرانيا؟",
        "٢٠٢٢",
        "وواشنطن",
        "ﻻ",
    ]
    js = page.evaluate(
        "async ([shim, qs]) => { const m = await import(shim); return qs.map(m.processQuery); }",
        [base + SHIM, queries],
    )
    assert js == [search_query(q) for q in queries]


@pytest.mark.browser
def test_filters(search_page: tuple[Any, str]) -> None:
    page, base = search_page
    result = page.evaluate(
        """async ([shim]) => {
          const pagefind = await import(shim);
          const filters = await pagefind.filters();
          const search = await pagefind.search("الاقتصاد", { filters: { "السنة": "2023" } });
          const data = await Promise.all(search.results.map((r) => r.data()));
          return { filters, urls: data.map((d) => d.url) };
        }""",
        [base + SHIM],
    )
    assert set(result["filters"]) == {"نوع الكيان", "الكيان", "الوسم", "السنة"}
    assert {"أشخاص", "منظمات", "أماكن"} <= set(result["filters"]["نوع الكيان"])
    assert result["urls"] and all("/articles/2023/" in u for u in result["urls"])


@pytest.mark.browser
def test_function_words_only_give_no_results(search_page: tuple[Any, str]) -> None:
    page, base = search_page
    count = page.evaluate(
        "async ([shim]) => (await (await import(shim)).search('في من على')).results.length",
        [base + SHIM],
    )
    assert count == 0


@needs_chromium
@pytest.mark.browser
def test_query_transfer_bytes(sample_site: BuiltSite) -> None:
    transferred = query_transfer_bytes(sample_site.root, "الناتو")
    bundle = sample_site.root / "pagefind"
    wasm = (bundle / "wasm.ar.pagefind").stat().st_size
    js = (bundle / "pagefind.js").stat().st_size
    print(f"\ncold first query 'الناتو' on the sample site: {transferred} bytes")
    # At least the loader and the WebAssembly; far less than the whole bundle.
    assert transferred > wasm + js
    everything = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file())
    assert transferred < everything


def test_page_url_shorthand() -> None:
    assert page_url("e/nato") == "/entities/nato/"
    assert page_url("a/2021/12/x") == "/articles/2021/12/x/"
    assert Path(QUERIES).is_file()


def test_pagefind_failing_is_an_error_with_its_own_words(tmp_path: Path) -> None:
    """Pagefind runs beside MkDocs with its messages in a file: a failure still reports
    them (here: a site without any page to index), as a build error."""
    docs = tmp_path / "docs"
    (docs / "articles").mkdir(parents=True)
    (docs / "articles" / "x.md").write_text("# x\n\nno block\n", encoding="utf-8")
    indexing = Indexing(tmp_path / "site", docs, ["articles/x.md"], tmp_path / "work")
    with pytest.raises(SearchIndexError, match="not able to build an index") as failed:
        indexing.finish()
    # A BuildError: the command line prints its messages, not a traceback.
    assert isinstance(failed.value, BuildError)
    assert failed.value.messages[0] == "the search index could not be built; Pagefind said:"


@pytest.mark.skipif(sys.platform != "linux", reason="the allocator of Pagefind's Linux binary")
def test_pagefind_runs_with_one_allocator_arena(tmp_path: Path, monkeypatch: Any) -> None:
    """Pagefind's peak at 10,000 articles is ~0.5 GB lower with one jemalloc arena
    (builder/search.py): the build hands Pagefind that setting, and the binary takes it
    (jemalloc prints its options when asked to)."""
    monkeypatch.delenv("_RJEM_MALLOC_CONF", raising=False)
    environments: list[dict[str, str]] = []
    popen = subprocess.Popen

    def recording_popen(*args: Any, **kwargs: Any) -> Any:
        environments.append(kwargs.get("env") or dict(os.environ))
        return popen(*args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", recording_popen)
    docs = tmp_path / "docs"
    (docs / "tags").mkdir(parents=True)
    block = '<div class="mj-indexed" data-pagefind-body>\n<h1>خبر</h1>\n</div>'
    (docs / "tags" / "x.md").write_text(f"# x\n\n<!--raw-->\n{block}\n<!--/raw-->\n")
    indexing = Indexing(tmp_path / "site", docs, ["tags/x.md"], tmp_path / "work")
    indexing.start()
    assert indexing.finish()[0] > 0
    (given,) = environments
    monkeypatch.undo()
    assert given["_RJEM_MALLOC_CONF"] == "narenas:1"
    asked = given | {"_RJEM_MALLOC_CONF": given["_RJEM_MALLOC_CONF"] + ",stats_print:true"}
    shown = subprocess.run(
        [str(pagefind_binary()), "--version"], env=asked, capture_output=True, text=True
    )
    assert "opt.narenas: 1\n" in shown.stderr


def test_an_allocator_setting_of_the_environment_is_kept(monkeypatch: Any) -> None:
    monkeypatch.setenv("_RJEM_MALLOC_CONF", "narenas:2")
    assert pagefind_environment()["_RJEM_MALLOC_CONF"] == "narenas:2"


def test_a_block_outside_a_raw_region_is_an_error_naming_the_page(tmp_path: Path) -> None:
    """The blocks are copied from the docs folder, so a template that stopped closing its
    raw region would index a page cut short: the build stops and names the page."""
    page = tmp_path / "docs" / "tags" / "x.md"
    page.parent.mkdir(parents=True)
    page.write_text('# x\n\n<!--raw-->\n<div class="mj-indexed" data-pagefind-body>\n<h1>x</h1>\n')
    with pytest.raises(SearchIndexError, match=r"tags/x\.md: its search block does not end"):
        copy_indexed_blocks(tmp_path / "docs", ["tags/x.md"], tmp_path / "copies", True)


def test_a_killed_builds_scratch_pages_are_removed_by_the_next_one(tmp_path: Path) -> None:
    """The copies live in memory (/dev/shm) when there is room: a build killed before it
    removed them would leave them there until a restart, so the next build removes them."""
    ended = subprocess.Popen(["true"])
    ended.wait()  # its process id is free now
    dead = tmp_path / f"moujaz-search-{ended.pid}-abc"
    alive = tmp_path / f"moujaz-search-{os.getpid()}-def"
    for folder in (dead, alive):
        (folder / "articles").mkdir(parents=True)
    remove_abandoned_scratch(tmp_path)
    assert not dead.exists()
    assert alive.exists()  # a build still running keeps its own
