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
        position = 0
        while True:
            try:
                start = lines.index(RAW_START, position)
                end = lines.index(RAW_END, start + 1)
            except ValueError:  # no (complete) region left: the rest is Markdown
                output.extend(lines[position:])
                return output
            output.extend(lines[position:start])
            # Blank lines around the placeholder make it a block of its own, which the
            # stash's postprocessor replaces by the HTML (not wrapped in a paragraph).
            region_lines = lines[start + 1 : end]
            if SEARCH_ONLY_START in region_lines:
                region_lines = _without_search_only(region_lines)
            region = "\n".join(region_lines)
            output.extend(["", self.md.htmlStash.store(region), ""])
            position = end + 1


def _without_search_only(lines: list[str]) -> list[str]:
    """`lines` without their search-only parts, marker lines included. A part never closed
    stays: nothing an author wrote is dropped on a missing marker."""
    kept: list[str] = []
    position = 0
    while True:
        try:
            start = lines.index(SEARCH_ONLY_START, position)
            end = lines.index(SEARCH_ONLY_END, start + 1)
        except ValueError:
            kept.extend(lines[position:])
            return kept
        kept.extend(lines[position:start])
        position = end + 1


class RawHtmlExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # After whitespace normalization (30); before MkDocs' anchor collector (21) and the
        # HTML block preprocessor (20). So MkDocs does not know the ids inside a region: a
        # link to one (page.md#id) would be reported as a missing anchor. None is linked.
        md.preprocessors.register(RawRegions(md), "moujaz_raw", 25)


def makeExtension(**kwargs: object) -> RawHtmlExtension:
    return RawHtmlExtension(**kwargs)
