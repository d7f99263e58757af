"""What in an article's Markdown is markup, not text: the one definition the analysis (no
entity or date is found in a URL or a tag) and the search terms (no tag or URL becomes a
search word) both read a body through.
"""

from __future__ import annotations

import re

# HTML tags (an embedded tweet's may span lines), Markdown link and image targets "](…)",
# reference definitions "[1]: https://…", HTML entities (&amp;) and bare URLs.
_MARKUP = re.compile(
    r"<[^<>]*>|\]\([^)\n]*\)|^\s*\[[^\]\n]+\]:\s*\S+.*$|&[a-zA-Z#0-9]+;|https?://\S+",
    re.MULTILINE,
)
# Every piece of markup holds one of these: most news bodies hold none, and then the
# pattern's scan of them (~8 % of an article's analysis) is skipped.
_MARKUP_CHARS = ("<", "[", "]", "&", "://")


def mask_markup(text: str) -> str:
    """`text` with its markup replaced by spaces, every other character where it was (so
    offsets into it are offsets into `text`)."""
    if not any(char in text for char in _MARKUP_CHARS):
        return text
    return _MARKUP.sub(lambda m: " " * len(m.group()), text)


def masked_region(text: str, start: int, end: int | None = None) -> str:
    """text[start:end] with its markup masked and spaces in front: offsets into the result
    are offsets into `text` (an article body read within its file's text)."""
    return " " * start + mask_markup(text[start:end])
