"""`import`: turn a raw news text (title line, lede line, paragraphs, embedded tweets) into
an article file of the content model.

An embedded tweet in raw text is its English text followed by a line
"— Name (@handle) Month D, YYYY". It becomes a static blockquote (dir="ltr") that links the
handle and the date: no third-party script, no request to another site.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import yaml

from .reader import SLUG_PATTERN

_TWEET_SIGNATURE = re.compile(
    r"^\s*[—–-]{1,2}\s*(?P<name>[^()]+?)\s*\(@(?P<handle>\w{1,30})\)"
    r"\s*(?P<date>[A-Z][a-z]+ \d{1,2}, \d{4})\s*$"
)
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_ARABIC_LETTER = re.compile(r"[\u0600-\u06FF]")
_MENTION_OR_TAG = re.compile(r"(?<![\w@#])([@#])(\w+)")
_MARKDOWN_START = re.compile(r"^(\s*)([#>*+=|-]|\d+[.)])")


class ImportError_(Exception):
    """A raw text that cannot be imported; the message says why."""


@dataclass(frozen=True)
class ImportedArticle:
    slug: str
    text: str  # the whole article file (front matter + body)


def import_raw(
    raw: str,
    date: dt.date,
    slug: str,
    source: str = "",
    source_url: str = "",
    tags: tuple[str, ...] = (),
) -> ImportedArticle:
    """Build an article file from raw text."""
    lines = [line.strip() for line in raw.removeprefix("\ufeff").splitlines()]
    lines = [line for line in lines if line]
    if len(lines) < 3:
        raise ImportError_(
            "the raw text needs a title line, a summary line and at least one paragraph"
        )
    if not SLUG_PATTERN.match(slug):
        raise ImportError_(f"the slug '{slug}' must use small Latin letters, digits and dashes")
    title, summary, paragraphs = lines[0], lines[1], lines[2:]
    front: dict[str, object] = {"title": title, "date": date.isoformat(), "slug": slug}
    front["summary"] = summary
    if source:
        front["source"] = source
    if source_url:
        front["source_url"] = source_url
    if tags:
        front["tags"] = list(tags)
    return ImportedArticle(slug, article_text(front, "\n\n".join(_body_blocks(paragraphs))))


def article_text(front: dict[str, object], body: str) -> str:
    """An article file: YAML front matter (quoted as YAML needs: a title may hold a colon or
    quotes) and the Markdown body. Used by `import` and `new`."""
    header = yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=10_000)
    return f"---\n{header}---\n\n{body}\n"


def _body_blocks(paragraphs: list[str]) -> list[str]:
    """Paragraphs as Markdown blocks, embedded tweets folded into blockquotes."""
    blocks: list[str] = []
    pending_english: list[str] = []
    for line in paragraphs:
        signature = _TWEET_SIGNATURE.match(line)
        if signature:
            blocks.append(_tweet_html(pending_english, signature))
            pending_english = []
        elif _is_english(line):
            pending_english.append(line)
        else:
            blocks.extend(_escape_markdown(p) for p in pending_english)
            pending_english = []
            blocks.append(_escape_markdown(line))
    blocks.extend(_escape_markdown(p) for p in pending_english)
    return blocks


def _is_english(line: str) -> bool:
    return len(_LATIN_LETTER.findall(line)) > 3 * len(_ARABIC_LETTER.findall(line))


def _escape_markdown(line: str) -> str:
    """Keep a paragraph a paragraph: a leading '-', '#', '1.' … would start a list or heading."""
    return _MARKDOWN_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", line, count=1)


def _tweet_html(text_lines: list[str], signature: re.Match[str]) -> str:
    handle = signature["handle"]
    profile = f"https://twitter.com/{handle}"
    when = dt.datetime.strptime(signature["date"], "%B %d, %Y").date()
    # No status id in raw text: link the date to that account's posts of that day.
    query = (
        f"from:{handle} since:{when.isoformat()} until:{(when + dt.timedelta(days=1)).isoformat()}"
    )
    day_url = f"https://twitter.com/search?q={quote(query)}"

    def link_mentions(text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            sign, word = match.groups()
            target = f"https://twitter.com/{'hashtag/' if sign == '#' else ''}{word}"
            return f'<a href="{target}">{sign}{word}</a>'

        return _MENTION_OR_TAG.sub(replace, html.escape(text, quote=False))

    paragraphs = "\n".join(f"<p>{link_mentions(t)}</p>" for t in text_lines)
    name = html.escape(signature["name"])
    return (
        '<blockquote class="tweet" dir="ltr" lang="en">\n'
        f"{paragraphs}\n"
        f'<footer>— {name} (<a href="{profile}">@{handle}</a>) '
        f'<a href="{html.escape(day_url)}"><time datetime="{when.isoformat()}">'
        f"{signature['date']}</time></a></footer>\n"
        "</blockquote>"
    )


def default_slug(path: Path) -> str:
    """A slug from the raw file's name when it is usable as a web address."""
    slug = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")
    return slug or "article"


def article_path(content_dir: Path, date: dt.date, slug: str) -> Path:
    """Where an imported or new article goes: content/articles/YYYY/YYYY-MM-DD-<slug>.md."""
    return content_dir / "articles" / f"{date:%Y}" / f"{date.isoformat()}-{slug}.md"
