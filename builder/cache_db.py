"""The build's caches: one SQLite file each under work/cache/.

A cache only ever saves time; it never decides what the site contains. So a missing,
unwritable, locked or damaged cache is never an error: a damaged file is replaced by a new
one, and a cache that cannot be opened, read or written is treated as empty for the rest of
the build (every query answers nothing, every write is dropped).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any, ClassVar, Self


class CacheDatabase:
    """One cache file: `with CacheDatabase(path, schema) as db: db.query(…)`; `path` None
    is a build without caches."""

    def __init__(self, path: Path | None, schema: str):
        self.path = path
        self.schema = schema  # CREATE TABLE IF NOT EXISTS … (run on every open)
        self.db: sqlite3.Connection | None = None

    def __enter__(self) -> CacheDatabase:
        if self.path is None:
            return self
        for attempt in range(2):
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.db = sqlite3.connect(self.path, timeout=30)
                # No fsync at each commit: a cache needs no durability (the build that
                # follows an operating-system crash may find the file damaged, and then
                # starts a new one, as for any damaged cache). A cold build at 10,000
                # articles commits ~80 MB of parsed articles and analyses; syncing them
                # took half of the 0.6 s that each of those two writes took.
                self.db.execute("PRAGMA synchronous = OFF")
                self.db.executescript(self.schema)
                return self
            except (OSError, sqlite3.OperationalError):  # unwritable, locked: go without
                self.discard()
                break
            except sqlite3.DatabaseError:  # not a database (damaged): start a new one
                self.discard()
                if attempt == 0:
                    self.path.unlink(missing_ok=True)
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()

    @property
    def usable(self) -> bool:
        return self.db is not None

    def query(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows `sql` selects; none when the cache is not usable."""
        if self.db is None:
            return []
        try:
            return self.db.execute(sql, parameters).fetchall()
        except sqlite3.Error:
            self.discard()
            return []

    def write(self, *statements: tuple[str, Iterable[Sequence[Any]] | None]) -> None:
        """Run (sql, rows) statements in one transaction: `rows` for executemany, None for a
        single execute. All or nothing; a failure leaves the cache unused for this build."""
        if self.db is None:
            return
        try:
            with self.db:
                for sql, rows in statements:
                    if rows is None:
                        self.db.execute(sql)
                    else:
                        self.db.executemany(sql, rows)
        except sqlite3.Error:
            self.discard()

    def discard(self) -> None:
        """Stop using this cache; the build goes on without it."""
        if self.db is not None:
            self.db.close()
        self.db = None


class CacheFile:
    """Base of the build's caches: the file `FILE` in the cache folder, with the tables of
    `SCHEMA`; `with SomeCache(cache_dir) as cache:` opens it (`cache_dir` None: no cache)."""

    FILE: ClassVar[str]
    SCHEMA: ClassVar[str]

    def __init__(self, cache_dir: Path | None):
        self.db = CacheDatabase(None if cache_dir is None else cache_dir / self.FILE, self.SCHEMA)

    def __enter__(self) -> Self:
        self.db.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.__exit__(*exc)


class RememberedResults(CacheFile):
    """The last result of each site-wide computation (work/cache/results.sqlite3), for the
    next build to start from: `update(name, compute)` calls compute(the result kept under
    `name`, or None) and keeps what it returns. Results are JSON: they load without running
    code; a damaged one is None."""

    FILE = "results.sqlite3"
    SCHEMA = """
        DROP TABLE IF EXISTS results;  -- what an earlier version kept
        CREATE TABLE IF NOT EXISTS latest (name TEXT PRIMARY KEY, value TEXT);
    """

    def update(self, name: str, compute: Callable[[Any], Any]) -> Any:
        previous = None
        for (value,) in self.db.query("SELECT value FROM latest WHERE name = ?", (name,)):
            with suppress(ValueError):
                previous = json.loads(value)
        result = compute(previous)
        if result != previous:
            encoded = json.dumps(result, ensure_ascii=False, separators=(",", ":"))
            self.db.write(("INSERT OR REPLACE INTO latest VALUES (?, ?)", [(name, encoded)]))
        return result
