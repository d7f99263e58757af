"""Fingerprints of what a generated file is made from, so that an incremental build renders
again only the files whose inputs changed (OutputTree.write_all skips the others).

A file's fingerprint digests everything its job hands to the code that renders it — the
template name, the page path and the template's data: articles, entities, events, counts —
salted with what every file depends on: the builder's own code and templates (`code_salt`)
and site-wide data the templates reach without being handed it (the entity registry, the
site's name and URL). An article stands for what pages that list it can show: its slug
(which may come from its file name), its front matter as written and its lede (the summary,
or the body's first paragraph). Its body is shown on its own page only, which is handed the
article's analysis too: an analysis stands for the article's whole text (its cache key:
builder/site_fingerprints.py), so fixing a typo in a body renders that page again, not
every list the article is in. No page shows where its file is.

A value of a type this module does not know is an error, not a guess: a new kind of template
data must be fingerprinted on purpose, or an edit to it would leave stale pages.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import sys
from collections.abc import Iterable
from pathlib import Path

import jinja2

from .model import Article

BUILDER = Path(__file__).parent


def code_salt(folder: Path = BUILDER) -> str:
    """A digest of the code that writes the site: every Python module and template of the
    builder (any change may change any page), and the versions of what runs them. Read from
    disk on each call: `serve` renders templates edited while it runs."""
    sources = source_files(folder, suffixes={".py", ".j2"})
    return source_digest(sources, folder, f"{sys.version_info[:2]} jinja2 {jinja2.__version__}")


def source_files(folder: Path, suffixes: set[str] | None = None) -> list[Path]:
    """The files under `folder` (those with one of `suffixes`, if given), sorted; not
    Python's compiled caches."""
    return sorted(
        path
        for path in folder.rglob("*")
        if (path.suffix in suffixes if suffixes else path.is_file())
        and "__pycache__" not in path.parts
    )


def source_digest(paths: Iterable[Path], folder: Path = BUILDER, version: str = "") -> str:
    """A digest of source files (their names under `folder` and contents) and a version:
    the caches' keys include the code that made what they keep."""
    digest = hashlib.blake2b(version.encode() + b"\0", digest_size=16)
    for path in paths:
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


class Fingerprinter:
    """Digests of values; one per build (it remembers the digest of every article and frozen
    dataclass it has seen: the same articles and events are listed by many pages)."""

    def __init__(self, salt: str):
        self.salt = salt
        # id → digest of the objects digested so far; `_kept` holds them, so that no other
        # object can get one of these ids while this fingerprinter lives.
        self._memo: dict[int, str] = {}
        self._kept: list[object] = []
        self._fields: dict[type, tuple[str, ...]] = {}  # dataclass → its field names

    def assume(self, value: object, digest: str) -> None:
        """Take `digest` as the fingerprint of `value`: for an object fully determined by a
        key computed elsewhere (an article's analysis by its cache key), cheaper than
        digesting all it holds."""
        self._memo[id(value)] = f"k:{digest}"
        self._kept.append(value)

    def known(self, values: Iterable[object]) -> list[str]:
        """The digests this fingerprinter made or was told of these values, in order (for
        another fingerprinter with the same salt to `adopt`)."""
        return [self._memo[id(value)] for value in values]

    def adopt(self, values: Iterable[object], digests: Iterable[str]) -> None:
        """Take the digests `known` gave (in another process) for these values."""
        for value, digest in zip(values, digests, strict=True):
            self._memo[id(value)] = digest
            self._kept.append(value)

    def of(self, *values: object) -> bytes:
        parts = [self.salt]
        self._add(parts, values)
        return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).digest()

    def _add(self, parts: list[str], value: object) -> None:
        # Every part names its type and, for text and containers, its length: two different
        # values never make the same sequence of parts.
        kind = type(value)
        if kind is list or kind is tuple:
            parts.append(f"{'[' if kind is list else '('}{len(value)}")  # type: ignore[arg-type]
            memo = self._memo
            # A list of objects all digested already (articles) is looked up in C. Others —
            # text, or (entity, count) pairs — go item by item without a KeyError first:
            # an entity page holds dozens of such pairs and raising costs.
            if kind is list and value and id(value[0]) in memo:  # type: ignore[index]
                start = len(parts)
                try:
                    parts.extend(map(memo.__getitem__, map(id, value)))  # type: ignore[call-overload]
                    return
                except KeyError:
                    del parts[start:]
            self._add_items(parts, value)  # type: ignore[arg-type]
        elif kind is dict:
            parts.append(f"{{{len(value)}")  # type: ignore[arg-type]
            for pair in value.items():  # type: ignore[attr-defined]
                self._add_items(parts, pair)
        else:
            self._add_items(parts, (value,))

    def _add_items(self, parts: list[str], items: list[object] | tuple[object, ...]) -> None:
        """The items of a container, in order. The usual cases — text, numbers, an object
        already digested (the article in a list of 200) — are handled inline: a build
        fingerprints 16,000 jobs of ~70 values each."""
        memo = self._memo
        for item in items:
            kind = type(item)
            if kind is str:
                parts.append(f"s{len(item)}:{item}")  # type: ignore[arg-type]
                continue
            if kind in _SCALARS:
                parts.append(f"{kind.__name__}:{item!r}")
                continue
            known = memo.get(id(item))
            if known is not None:
                parts.append(known)
            elif kind is list or kind is tuple or kind is dict:
                self._add(parts, item)
            elif kind in _DATES:
                parts.append(f"d:{item.isoformat()}")  # type: ignore[attr-defined]
            elif kind in self._fields or kind is Article or _is_frozen_dataclass(item):
                parts.append(self._remembered(item))
            elif isinstance(item, Path):
                parts.append(f"p:{item.as_posix()}")
            else:
                raise TypeError(
                    f"no fingerprint for a {kind.__name__}: teach builder/fingerprint.py it"
                )

    def _remembered(self, value: object) -> str:
        known = self._memo.get(id(value))
        if known is not None:
            return known
        if isinstance(value, Article):
            text = f"{value.slug}\0{value.text[: value.body_offset]}\0{value.lede}"
        else:
            kind = type(value)
            names = self._fields.get(kind)
            if names is None:
                # Fields left out of comparisons (where an entity is written) are left out.
                fields = dataclasses.fields(value)  # type: ignore[arg-type]
                names = self._fields[kind] = tuple(f.name for f in fields if f.compare)
            parts: list[str] = [kind.__qualname__]
            self._add_items(parts, [getattr(value, name) for name in names])
            text = "\x1f".join(parts)
        digest = "o:" + hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
        self._memo[id(value)] = digest
        self._kept.append(value)
        return digest


_SCALARS = frozenset({int, float, bool, type(None)})
_DATES = frozenset({dt.date, dt.datetime})


def _is_frozen_dataclass(value: object) -> bool:
    params = getattr(type(value), "__dataclass_params__", None)
    return params is not None and params.frozen
