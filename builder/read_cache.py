"""What the read stage parsed, kept between builds (work/cache/read.sqlite3): the entity
registry and each article.

Reading 10,000 articles and a registry of 2,000 entities — YAML, validation — takes
seconds; files that have not changed since the last build give the same objects. "Not
changed" is judged as Python judges its .pyc files: the same size and modification time as
when they were parsed, and the same builder code (plus, for an article, the same registry
ids, against which its `entities:` are checked). An article whose modification time moved
(a fresh clone, `touch`) is read and compared with the text it was parsed from: the same
text keeps its parse. Only what parsed without a problem is
kept: a file with a problem is read again, so its problems are reported on every build
until it is mended.

Objects are stored as marshal'ed tuples of their fields (not pickles: loading runs no code,
and 10,000 articles load 5× faster); an article without its path (the key) and body (a
slice of its text). A missing, locked or damaged cache is an empty one (cache_db.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import marshal
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .cache_db import CacheFile
from .fingerprint import code_salt
from .kept import kept
from .model import Article, EditorEvent, Entity, file_text
from .problems import Problem

# Every field but the ones rebuilt on loading: a field added to a class is stored too.
_ARTICLE_FIELDS = tuple(
    f.name for f in dataclasses.fields(Article) if f.name not in {"path", "body"}
)
_TEXT_FIELD = _ARTICLE_FIELDS.index("text")
_ENTITY_FIELDS = tuple(f.name for f in dataclasses.fields(Entity))
_DAMAGED = (ValueError, EOFError, TypeError, KeyError)  # what other code's rows may raise


class ReadCache(CacheFile):
    FILE = "read.sqlite3"
    # An article's stamp has a table of its own: after a fresh clone every stamp changes
    # and no parse does, and rewriting 10,000 stamps costs little where rewriting the rows
    # with their parses (80 MB) took over a second.
    SCHEMA = """
        DROP TABLE IF EXISTS articles;  -- what an earlier version kept
        CREATE TABLE IF NOT EXISTS parses (path TEXT PRIMARY KEY, value BLOB);
        CREATE TABLE IF NOT EXISTS stamps (path TEXT PRIMARY KEY, stamp TEXT);
        CREATE TABLE IF NOT EXISTS registry (stamp TEXT, value BLOB);
    """

    def __init__(self, cache_dir: Path | None):
        super().__init__(cache_dir)
        self.code = code_salt()
        self.salt = ""  # the articles' stamps: code and registry ids (set by `registry`)
        self._kept: dict[str, tuple[str, bytes]] = {}
        self._fresh: list[tuple[str, str, bytes]] = []  # parsed this time
        self._restamped: list[tuple[str, str]] = []  # the same text under a new stamp
        self._used: set[str] = set()
        self._handed_out: dict[tuple[str, str], Article] = {}  # see builder/kept.py

    def __enter__(self) -> ReadCache:
        super().__enter__()
        rows = self.db.query("SELECT path, stamp, value FROM parses JOIN stamps USING (path)")
        self._kept = {path: (stamp, value) for path, stamp, value in rows}
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self._save()
            memo = kept()
            if memo is not None and self.db.usable:  # what this read used, for the next one
                memo.articles = self._handed_out
        super().__exit__(*exc)

    # --- the registry -----------------------------------------------------------------

    def registry(
        self,
        paths: list[Path],
        read: Callable[[list[Path], list[Problem]], dict[str, Entity]],
        problems: list[Problem],
    ) -> dict[str, Entity]:
        """The registry read from `paths` by `read`, or as kept when no file changed."""
        stamps = [self._file_stamp(path) for path in paths]
        files = (f"{path.as_posix()}:{s}" for path, s in zip(paths, stamps, strict=True))
        stamp = "\n".join((self.code, *files))
        entities = None
        if all(stamps):
            for (value,) in self.db.query("SELECT value FROM registry WHERE stamp = ?", (stamp,)):
                try:
                    entities = _loaded_entities(value)
                except _DAMAGED:
                    entities = None
        if entities is None:
            before = len(problems)
            entities = read(paths, problems)
            if len(problems) == before and all(stamps):
                value = _stored_entities(entities)
                self.db.write(
                    ("DELETE FROM registry", None),
                    ("INSERT INTO registry VALUES (?, ?)", [(stamp, value)]),
                )
        ids = hashlib.blake2b("\n".join(sorted(entities)).encode(), digest_size=16)
        self.salt = f"{self.code}:{ids.hexdigest()}"
        return entities

    # --- articles -------------------------------------------------------------------------

    def holds(self, path: Path, stamp: str) -> bool:
        """Whether the file's parse is kept (it did not change since it was parsed)."""
        return self._kept_value(os.path.abspath(path), stamp) is not None

    def stamp(self, path: Path) -> str:
        """What must be the same for the article's parse to be reused ("" if the file cannot
        be read: the reader then reports why)."""
        file_stamp = self._file_stamp(path)
        return f"{file_stamp}:{self.salt}" if file_stamp and self.salt else ""

    def get(self, path: Path, stamp: str) -> Article | None:
        key = os.path.abspath(path)  # the same file whether content/ is given relative or not
        self._used.add(key)
        memo = kept()
        if memo is None or not stamp:
            return self._loaded(key, path, stamp)
        # The object an earlier generation of this process loaded (builder/kept.py).
        article = memo.articles.get((str(path), stamp))
        if article is None or self._kept_value(key, stamp) is None:
            article = self._loaded(key, path, stamp)
        if article is not None:
            self._handed_out[str(path), stamp] = article
        return article

    def _loaded(self, key: str, path: Path, stamp: str) -> Article | None:
        value = self._kept_value(key, stamp)
        try:
            if value is not None:
                return loaded_article(path, value)
            fields = self._kept_with_the_same_text(key, path, stamp)
            return None if fields is None else _article_from(path, fields)
        except _DAMAGED:
            return None  # written by other code: parse the file again

    def _kept_value(self, key: str, stamp: str) -> bytes | None:
        """The stored article under `key` if it was stored with this stamp."""
        kept = self._kept.get(key)
        return kept[1] if stamp and kept is not None and kept[0] == stamp else None

    def _kept_with_the_same_text(
        self, key: str, path: Path, stamp: str
    ) -> tuple[object, ...] | None:
        """The stored fields of a file whose stamp changed but whose text did not, kept
        again under its new stamp. A fresh clone (a CI runner restoring build/ from its
        cache) or a `touch` gives every file a new mtime; reading and comparing the texts
        costs a fraction of parsing them again."""
        kept = self._kept.get(key)
        if not stamp or kept is None or not kept[0].endswith(f":{self.salt}"):
            return None  # never parsed, or with other code or another registry
        try:
            text = file_text(path.read_bytes())
            fields = marshal.loads(kept[1])
            same = fields[_TEXT_FIELD] == text
        except (OSError, UnicodeDecodeError, *_DAMAGED):
            return None  # the reader reports what is wrong with the file, if anything
        if not same:
            return None
        if self.db.usable:
            self._restamped.append((key, stamp))
        return fields

    def put(self, path: Path, stamp: str, stored: bytes, article: Article) -> None:
        """Keep an article parsed this time, as `stored_article` gave it (`article`)."""
        if stamp and self.db.usable:
            self._fresh.append((os.path.abspath(path), stamp, stored))
            if kept() is not None:
                self._handed_out[str(path), stamp] = article

    def _save(self) -> None:
        """Store the articles parsed this time and the new stamps of those whose text did
        not change; drop files no longer read (deleted, moved)."""
        gone = [(path,) for path in self._kept if path not in self._used]
        if gone or self._fresh or self._restamped:
            parses = [(path, value) for path, _, value in self._fresh]
            stamps = [*self._restamped, *((path, stamp) for path, stamp, _ in self._fresh)]
            self.db.write(
                ("DELETE FROM parses WHERE path = ?", gone),
                ("DELETE FROM stamps WHERE path = ?", gone),
                ("INSERT OR REPLACE INTO parses VALUES (?, ?)", parses),
                ("INSERT OR REPLACE INTO stamps VALUES (?, ?)", stamps),
            )

    @staticmethod
    def _file_stamp(path: Path) -> str:
        try:
            status = os.stat(path)
        except OSError:
            return ""
        return f"{status.st_size}:{status.st_mtime_ns}"


def stored_article(article: Article) -> bytes:
    """The article as bytes (marshal'ed field values; not its path and body)."""
    values = {name: getattr(article, name) for name in _ARTICLE_FIELDS}
    values["date"] = article.date.toordinal()
    values["events"] = tuple((e.date, e.text, e.line) for e in article.events)
    return marshal.dumps(tuple(values[name] for name in _ARTICLE_FIELDS))


def loaded_article(path: Path, data: bytes) -> Article:
    """The article `stored_article` gave these bytes for, read from `path`."""
    return _article_from(path, marshal.loads(data))


def _article_from(path: Path, fields: tuple[object, ...]) -> Article:
    values: dict[str, Any] = dict(zip(_ARTICLE_FIELDS, fields, strict=True))
    values["date"] = dt.date.fromordinal(values["date"])
    values["events"] = tuple(EditorEvent(*event) for event in values["events"])
    return Article(path=path, body=values["text"][values["body_offset"] :], **values)


def _stored_entities(entities: dict[str, Entity]) -> bytes:
    rows = []
    for entity in entities.values():
        values = {name: getattr(entity, name) for name in _ENTITY_FIELDS}
        values["path"] = None if entity.path is None else str(entity.path)
        rows.append(tuple(values[name] for name in _ENTITY_FIELDS))
    return marshal.dumps(tuple(rows))


def _loaded_entities(data: bytes) -> dict[str, Entity]:
    entities: dict[str, Entity] = {}
    paths: dict[str, Path] = {}  # one Path object per registry file
    for row in marshal.loads(data):
        values = dict(zip(_ENTITY_FIELDS, row, strict=True))
        if values["path"] is not None:
            values["path"] = paths.setdefault(values["path"], Path(values["path"]))
        entity = Entity(**values)
        entities[entity.id] = entity
    return entities
