"""Typed objects of the content model (DESIGN.md): what the read stage produces and every
later stage consumes. Plain frozen dataclasses and no I/O: beyond derived names, only how a
file's bytes become its text (`file_text`) and that text's digest."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

ENTITY_TYPES = ("person", "organization", "place")
BOM = "\ufeff"  # removed from the start of a file's text before anything reads it


def file_text(data: bytes) -> str:
    """The text an article or registry file stands for: its bytes as UTF-8, without a BOM
    (raises UnicodeDecodeError). The reader parses it; the read cache compares it with the
    text it keeps."""
    return data.decode("utf-8").removeprefix(BOM)


@dataclass(frozen=True)
class Entity:
    """One registry entry (content/entities.yml)."""

    id: str
    type: str  # one of ENTITY_TYPES
    name: str  # Arabic display name
    name_en: str = ""
    aliases: tuple[str, ...] = ()  # Arabic surface forms besides `name`
    wikidata: str = ""
    description: str = ""
    handles: tuple[str, ...] = ()  # Twitter/X handles without "@", for embedded English tweets
    hashtags: tuple[str, ...] = ()  # hashtags without "#"
    # Where it is written, for messages: not part of what the entity is (nor of page
    # fingerprints: builder/fingerprint.py digests compared fields only).
    path: Path | None = field(default=None, compare=False)
    line: int = field(default=0, compare=False)

    @property
    def surface_forms(self) -> tuple[str, ...]:
        """Every Arabic form the entity is written in: the display name first."""
        return (self.name, *(a for a in self.aliases if a != self.name))


@dataclass(frozen=True)
class EditorEvent:
    """An event asserted in front matter: `events: [{date, text}]`."""

    date: str  # ISO: YYYY-MM-DD, YYYY-MM or YYYY
    text: str
    line: int = 0


@dataclass(frozen=True)
class Article:
    """One validated article file."""

    path: Path  # as given to the reader (relative to the working directory when possible)
    slug: str
    title: str
    date: dt.date
    published: str  # the `date` value as written (ISO date or datetime with offset)
    body: str  # Markdown body, as written
    body_offset: int  # index of the body's first character in the file's decoded text
    summary: str = ""
    source: str = ""
    source_url: str = ""
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    exclude_entities: tuple[str, ...] = ()
    events: tuple[EditorEvent, ...] = ()
    draft: bool = False
    text: str = field(default="", repr=False)  # the file's whole decoded text (BOM removed)
    slug_line: int = 0  # line of `slug:` in the file; 0 when the slug is the file name
    # A digest of `text`, made once when the file is parsed and kept with the parse
    # (builder/read_cache.py): the analysis cache's key is made from it, so a rebuild does
    # not hash 60 MB of unchanged articles again (~0.2 s at 10,000). Given "", it is made.
    text_digest: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if not self.text_digest:
            digest = hashlib.blake2b(self.text.encode(), digest_size=16).hexdigest()
            object.__setattr__(self, "text_digest", digest)

    @cached_property  # shown on home, digests, every feed the article is in
    def lede(self) -> str:
        """The summary shown for the article: the editor's, or its first text paragraph."""
        if self.summary:
            return self.summary
        for block in self.body.strip().split("\n\n"):
            text = " ".join(block.split())
            if text and not text.startswith("<"):
                return text
        return ""

    @cached_property
    def url(self) -> str:
        """Site-relative URL of the article page: /articles/YYYY/MM/<slug>/."""
        return f"articles/{self.date:%Y}/{self.date:%m}/{self.slug}/"
