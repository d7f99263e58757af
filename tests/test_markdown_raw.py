"""builder/markdown_raw.py: the builder's generated HTML regions reach the page untouched,
without going through Python-Markdown's HTML parser (ISSUE 6: half of MkDocs' time)."""

from __future__ import annotations

import markdown
import pytest
from markdown import htmlparser

from builder.markdown_raw import (
    RAW_END,
    RAW_START,
    SEARCH_ONLY_END,
    SEARCH_ONLY_START,
    RawHtmlExtension,
)

EXTENSIONS = ["attr_list", "md_in_html", "toc"]  # mkdocs.yml's others


def _convert(text: str, raw: bool = True) -> str:
    extensions: list[object] = [*EXTENSIONS, RawHtmlExtension()] if raw else list(EXTENSIONS)
    return markdown.markdown(text, extensions=extensions)


def test_region_passes_through_verbatim() -> None:
    region = '<ul class="mj-events">\n<li><a href="../x/">*not emphasis*</a></li>\n</ul>'
    page = f"# عنوان\n\n{RAW_START}\n{region}\n{RAW_END}\n\nنص **مهم**.\n"
    html = _convert(page)
    assert region in html
    assert "<strong>مهم</strong>" in html  # the Markdown around it is still Markdown
    assert RAW_START not in html and RAW_END not in html


def test_inline_start_is_kept_as_written() -> None:
    # Without the extension, Markdown would read this line as a paragraph with emphasis.
    page = f"{RAW_START}\n<span>*x*</span>\n{RAW_END}\n"
    assert "*x*" in _convert(page)
    assert "<em>x</em>" in _convert(page, raw=False)


def test_regions_skip_the_html_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    fed: list[str] = []
    real_feed = htmlparser.HTMLExtractor.feed

    def spy(self: htmlparser.HTMLExtractor, data: str) -> None:
        fed.append(data)
        real_feed(self, data)

    monkeypatch.setattr(htmlparser.HTMLExtractor, "feed", spy)
    region = "<div>\n" + "<p><a href='a/'>x</a></p>\n" * 50 + "</div>"
    _convert(f"{RAW_START}\n{region}\n{RAW_END}\n")
    assert not any("<a href" in data for data in fed)
    _convert(f"{region}\n", raw=False)
    assert any("<a href" in data for data in fed), "the spy sees what the parser reads"


def test_unterminated_region_is_markdown() -> None:
    html = _convert(f"{RAW_START}\n*x*\n")
    assert "<em>x</em>" in html


def test_search_only_parts_stay_out_of_the_page() -> None:
    """What only Pagefind reads (the hidden stems, meta, filters) is not published: the
    region keeps everything around it, in order, and the markers go too."""
    region = [
        '<div class="mj-indexed">',
        "<h1>عنوان</h1>",
        SEARCH_ONLY_START,
        "<div hidden><p>stem-one</p></div>",
        SEARCH_ONLY_END,
        "<p>بين</p>",
        SEARCH_ONLY_START,
        "<p>stem-two</p>",
        SEARCH_ONLY_END,
        "</div>",
    ]
    html = _convert(f"{RAW_START}\n" + "\n".join(region) + f"\n{RAW_END}\n")
    assert "stem-one" not in html and "stem-two" not in html
    assert SEARCH_ONLY_START not in html and SEARCH_ONLY_END not in html
    assert '<div class="mj-indexed">\n<h1>عنوان</h1>\n<p>بين</p>\n</div>' in html


def test_unclosed_search_only_part_is_kept() -> None:
    """A missing end marker drops nothing: the page is never missing what was written."""
    html = _convert(f"{RAW_START}\n<p>a</p>\n{SEARCH_ONLY_START}\n<p>b</p>\n{RAW_END}\n")
    assert "<p>a</p>" in html and "<p>b</p>" in html
