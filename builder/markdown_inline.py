"""A Python-Markdown extension: inline patterns skip text none of them can match.

Python-Markdown searches every paragraph, heading and list item once per inline pattern
(code, escapes, links, images, autolinks, line breaks, HTML, entities, emphasis: fourteen
regular expressions). News text is mostly plain sentences, and each of those patterns needs
one of a few characters to match — `` ` `` `\\` `[` `<` `&` `*` `_` or two spaces before a
line break — so a text with none of them comes out of the loop unchanged: this extension
returns it at once (profiled at 10,000 articles: a tenth of MkDocs' time went to that loop).

The shortcut is taken only while the registered inline patterns are exactly Python-Markdown's
own (same names, classes, expressions and emphasis characters): an extension that adds or
changes one (footnotes, abbreviations, a strikethrough `~`…) turns it off, and every text
goes through every pattern as before. The output is the same either way
(tests/test_markdown_inline.py).
"""

from __future__ import annotations

import re
from typing import Any

from markdown import Extension, Markdown
from markdown.treeprocessors import InlineProcessor

# A character (or the two-space line break) that at least one default pattern needs.
TRIGGERS = re.compile(r"[`\\\[<&*_]|  \n")


def _patterns(md: Markdown) -> list[tuple[str, type, Any]]:
    """What decides what the inline patterns can match: name, class and expression (the
    order they run in does not change whether any of them matches)."""
    registry = md.inlinePatterns
    names = sorted(item.name for item in registry._priority)
    return [(n, type(registry[n]), getattr(registry[n], "pattern", None)) for n in names]


_DEFAULTS: list[tuple[str, type, Any]] | None = None


def _default_patterns() -> list[tuple[str, type, Any]]:
    global _DEFAULTS
    if _DEFAULTS is None:
        _DEFAULTS = _patterns(Markdown())
    return _DEFAULTS


class PlainTextSkippingInlineProcessor(InlineProcessor):
    """Python-Markdown's InlineProcessor, which returns a text without any trigger as it is."""

    skip_plain = False

    def run(self, tree: Any, ancestors: list[str] | None = None) -> Any:
        # Checked per document: extensions register their patterns after this one.
        self.skip_plain = _patterns(self.md) == _default_patterns()
        return super().run(tree, ancestors)

    # InlineProcessor calls its private `__handleInline` for every text and tail; this is
    # that method's mangled name, so the override is what it calls.
    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        if self.skip_plain and patternIndex == 0 and TRIGGERS.search(data) is None:
            return data
        return super()._InlineProcessor__handleInline(data, patternIndex)  # type: ignore[misc]


class PlainTextSkippingExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # Replaces Python-Markdown's "inline" treeprocessor, at its priority.
        md.treeprocessors.register(PlainTextSkippingInlineProcessor(md), "inline", 20)


def makeExtension(**kwargs: object) -> PlainTextSkippingExtension:
    return PlainTextSkippingExtension(**kwargs)
