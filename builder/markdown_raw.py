"""A Python-Markdown extension: the builder's generated HTML goes to the page untouched.

The pages the builder writes are mostly generated HTML (lists of articles, chips, events,
the hidden search fields) around the editor's Markdown. Python-Markdown would run every raw
HTML block through its HTML parser (`html.parser`, pure Python) to find where the block ends,
and MkDocs runs the page through it once more to collect anchor ids — profiled at 1,000
articles, a third of MkDocs' time, to learn what the builder already knows. Templates mark
such a region with a line `<!--raw-->` before it and a line `<!--/raw-->` after it; this
preprocessor, which runs before both, stores the region in Markdown's HTML stash as it is.
The markers are HTML comments, so a page rendered without the extension is the same page,
only parsed the slow way.

Inside a region, lines between `<!--search-only-->` and `<!--/search-only-->` are left out
of the page: the hidden search field of stems, Pagefind's meta and filters. Pagefind indexes
copies of the pages' blocks taken from the Markdown (builder/search.py), where they stay; a
reader's page would only carry them hidden (a third of an article page's Markdown).

Only the builder writes these markers (templates in builder/templates); an editor who types
them into an article gets what they asked for: raw HTML, as Markdown allows anyway.
"""

from __future__ import annotations

from collections.abc import Iterator

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

RAW_START = "<!--raw-->"
RAW_END = "<!--/raw-->"
SEARCH_ONLY_START = "<!--search-only-->"
SEARCH_ONLY_END = "<!--/search-only-->"


class RawRegions(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        if RAW_START not in lines:
            return lines
        output: list[str] = []
        for markdown, region in _split(lines, RAW_START, RAW_END):
            output.extend(markdown)
            if region is None:  # no (complete) region left: the rest is Markdown
                continue
            if SEARCH_ONLY_START in region:  # what only Pagefind's copy keeps
                region = [line for kept, _ in _split(region, *_SEARCH_ONLY) for line in kept]
            # Blank lines around the placeholder make it a block of its own, which the
            # stash's postprocessor replaces by the HTML (not wrapped in a paragraph).
            output.extend(["", self.md.htmlStash.store("\n".join(region)), ""])
        return output


_SEARCH_ONLY = (SEARCH_ONLY_START, SEARCH_ONLY_END)


def _split(
    lines: list[str], start_marker: str, end_marker: str
) -> Iterator[tuple[list[str], list[str] | None]]:
    """`lines` as (the lines before a marked region, the region's lines without its marker
    lines) for each complete region in turn, then (the rest, None). A start marker never
    closed marks nothing: its lines are in the rest."""
    position = 0
    while True:
        try:
            start = lines.index(start_marker, position)
            end = lines.index(end_marker, start + 1)
        except ValueError:
            yield lines[position:], None
            return
        yield lines[position:start], lines[start + 1 : end]
        position = end + 1


class RawHtmlExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # After whitespace normalization (30); before MkDocs' anchor collector (21) and the
        # HTML block preprocessor (20). So MkDocs does not know the ids inside a region: a
        # link to one (page.md#id) would be reported as a missing anchor. None is linked.
        md.preprocessors.register(RawRegions(md), "moujaz_raw", 25)


def makeExtension(**kwargs: object) -> RawHtmlExtension:
    return RawHtmlExtension(**kwargs)
