"""The one place that writes output files.

Files are rewritten only when their content changed, so MkDocs' and the editor's tools see
unchanged mtimes for unchanged pages; files a previous build wrote but this one did not are
removed, so a deleted article disappears from the site. `write_all` renders and writes
many files in forked workers (builder/forked.py); what they wrote is recorded here, in the
parent, so the bookkeeping (duplicates, counts, stale files) stays in one place.

Jobs that have a fingerprint (builder/fingerprint.py: what the files are made from) are not
even run when the last build ran a job with the same fingerprint and its files are still
on disk as it left them (same size and modification time): after editing one article of
10,000, a few dozen of 16,000 pages are rendered again. What the last build wrote is kept in
work/cache/files.sqlite3 (`FileStamps`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .cache_db import CacheFile
from .fingerprint import Fingerprinter
from .forked import forked_map

# A unit of work for write_all: returns the files it produces as (relative path, content).
# A job may also have a `fingerprint(fingerprinter) -> bytes` method (PageJob, FeedJob).
FileJob = Callable[[], Iterable[tuple[str, str | bytes]]]
# A file as a job left it: (relative path, size, modification time in ns).
Stamp = tuple[str, int, int]
# Below this many jobs (an incremental rebuild of a small site) forking costs more than it saves.
PARALLEL_MIN = 200
# Checking a job's fingerprint is ~0.03 ms (0.4 s for 14,000 jobs at 10,000 articles):
# below this many jobs the fork costs more.
CHECK_PARALLEL_MIN = 2000


@dataclass
class OutputTree:
    """A folder owned by the generator (the generated docs folder)."""

    root: Path
    # Fingerprints of jobs; None: every job runs (no cache).
    fingerprinter: Fingerprinter | None = None
    # The files each fingerprinted job of the last build left, by fingerprint (FileStamps).
    previous: dict[bytes, list[Stamp]] = field(default_factory=dict)
    # New files too go through a temporary file renamed into place: for a reader that may
    # look while they are written (the preview's MkDocs). `build` writes the docs folder
    # before anything reads it, and creates new files in place (see _create).
    atomic: bool = True
    written: int = 0  # files created or changed
    bytes_written: int = 0
    reused: int = 0  # files kept as the last build left them, without running their job
    stamps: dict[bytes, list[Stamp]] = field(default_factory=dict)  # this build's, to keep
    _paths: set[str] = field(default_factory=set)  # relative paths of this build's files

    def write(self, relative: str, content: str | bytes) -> Path:
        """Write `content` at `relative` unless the file already holds exactly that."""
        path = self.root / relative
        written, size, _ = self._put(path, content)
        self._record(relative, written, size)
        return path

    def write_all(self, jobs: Sequence[FileJob], workers: int = 1) -> None:
        """Run every job (a function returning (relative, content) pairs) and write what it
        returns; in `workers` forked processes when there are enough jobs. The files and
        counts are the same as writing them one by one. A job whose fingerprint and files
        are as the last build left them is not run: its files are kept."""
        if self.previous:
            # An earlier build left files: which jobs can keep them is decided first (the
            # fingerprints of 16,000 jobs at 10,000 articles: in workers, ~0.4 s less), and
            # only the others are run, in workers if there are enough. After editing one
            # article of 10,000 that is a handful, and forking for them cost more than it saved.
            checked = forked_map(
                lambda n: self._check(jobs[n]), len(jobs), workers, CHECK_PARALLEL_MIN
            )
            todo = [index for index, (_, kept) in enumerate(checked) if kept is None]
            rendered = iter(
                forked_map(
                    lambda n: self._render(jobs[todo[n]], checked[todo[n]][0]),
                    len(todo),
                    workers,
                    PARALLEL_MIN,
                )
            )
            done = [
                (key, True, [(r, False, size, mtime) for r, size, mtime in kept])
                if kept is not None
                else next(rendered)
                for key, kept in checked
            ]
        else:  # nothing to keep: fingerprints are made in the workers, with the pages
            done = forked_map(
                lambda i: self._render(jobs[i], self._key(jobs[i])),
                len(jobs),
                workers,
                PARALLEL_MIN,
            )
        for key, reused, files in done:
            for relative, written, size, _ in files:
                self._record(relative, written, size)
            if reused:
                self.reused += len(files)
            if key is not None:
                self.stamps[key] = [(relative, size, mtime) for relative, _, size, mtime in files]

    def _key(self, job: FileJob) -> bytes | None:
        """The job's fingerprint; None without one (or without a fingerprinter)."""
        fingerprint = getattr(job, "fingerprint", None)
        if self.fingerprinter is None or fingerprint is None:
            return None
        return fingerprint(self.fingerprinter)  # type: ignore[no-any-return]

    def _check(self, job: FileJob) -> tuple[bytes | None, list[Stamp] | None]:
        """(fingerprint, the files the last build's job with it left if they are all still
        as it left them, else None)."""
        key = self._key(job)
        stamps = None if key is None else self.previous.get(key)
        if stamps is not None and all(self._as_left(stamp) for stamp in stamps):
            return key, stamps
        return key, None

    def _render(
        self, job: FileJob, key: bytes | None
    ) -> tuple[bytes | None, bool, list[tuple[str, bool, int, int]]]:
        """Run the job and write its files: (key, False, [(relative, written, size, mtime)])."""
        return key, False, [(r, *self._put(self.root / r, content)) for r, content in job()]

    def _as_left(self, stamp: Stamp) -> bool:
        """Whether the file is still as a build left it: a page edited or deleted by hand
        is written again."""
        relative, size, mtime = stamp
        try:
            status = os.stat(os.path.join(self.root, relative))  # pathlib's / costs more
        except OSError:
            return False
        return status.st_size == size and status.st_mtime_ns == mtime

    def _put(self, path: Path, content: str | bytes) -> tuple[bool, int, int]:
        """Write the file if it differs; (whether it was written, its size, its mtime)."""
        data = content.encode("utf-8") if isinstance(content, str) else content
        if not self.atomic:  # most files are new then (a cold build): create, or compare
            created = self._create(path, data)
            if created is not None:
                return created
        try:
            status = os.stat(path)
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
        else:
            if status.st_size == len(data) and path.read_bytes() == data:
                return False, len(data), status.st_mtime_ns
        return self._replace(path, data)

    def _replace(self, path: Path, data: bytes) -> tuple[bool, int, int]:
        """Write a temporary file and rename it into place: a reader sees the old file or
        the new one, never half a page, and a build stopped midway leaves the old one."""
        # One temporary name per process: two workers given the same file (a bug the parent
        # then reports) must not trip over each other's temporary file.
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)
        return True, len(data), os.stat(path).st_mtime_ns

    def _create(self, path: Path, data: bytes) -> tuple[bool, int, int] | None:
        """Create a new file in place, or None if it exists (the caller compares it). Half
        the cost of a temporary file renamed into place (0.09 instead of 0.2 ms of system
        time per file on the benchmark machine; a cold build at 10,000 articles creates
        18,000), and no look-up before it: a cold build's files never exist. A file cut
        short (a build stopped while writing it) has the wrong size: the next build writes
        it again."""
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
        try:
            descriptor = os.open(path, flags, 0o666)
        except FileNotFoundError:  # its folder is new too
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, flags, 0o666)
        except FileExistsError:  # kept from a last build, or two jobs gave it (the parent says)
            return None
        with open(descriptor, "wb") as file:
            file.write(data)
            file.flush()  # in the file before its modification time is taken
            return True, len(data), os.fstat(descriptor).st_mtime_ns

    def _record(self, relative: str, written: bool, size: int) -> None:
        if relative in self._paths:
            raise ValueError(f"two pages would be written to the same file: {relative}")
        self._paths.add(relative)
        if written:
            self.written += 1
            self.bytes_written += size

    @property
    def files(self) -> int:
        """How many files this build wrote or kept unchanged."""
        return len(self._paths)

    @property
    def paths(self) -> frozenset[str]:
        """The relative path of every file this build wrote or kept unchanged: after
        `remove_stale`, every file of the folder."""
        return frozenset(self._paths)

    @property
    def unchanged(self) -> int:
        """How many files already held what this build would have written."""
        return self.files - self.written

    def remove_stale(self) -> int:
        """Delete files under root that this build did not write (and folders left empty);
        return how many files. One bottom-up os.walk over 18,000 files at 10,000 articles,
        compared folder by folder with the names this build wrote (joining every path to
        compare whole paths took 0.3 s of each rebuild)."""
        written: dict[str, set[str]] = {}
        for relative in self._paths:
            folder, _, name = relative.rpartition("/")
            written.setdefault(folder, set()).add(name)
        root = os.fspath(self.root)
        removed = 0
        for folder, _, names in os.walk(root, topdown=False):
            relative = os.path.relpath(folder, root).replace(os.sep, "/")
            stale = set(names) - written.get("" if relative == "." else relative, set())
            for name in stale:
                os.unlink(os.path.join(folder, name))
            removed += len(stale)
            if folder != root and len(stale) == len(names) and not os.listdir(folder):
                os.rmdir(folder)
        return removed


def folder_size(folder: Path, leave_out: str = "") -> tuple[int, int]:
    """(files, bytes) under `folder` (without its subfolder `leave_out`), for the build's
    report. One stat per file through os.scandir: a 10,000-article site has 31,000 files,
    and pathlib's rglob + is_file + stat took 2–4 s of the build to count them."""
    files = size = 0
    pending = [str(folder)]
    skipped = os.path.join(folder, leave_out) if leave_out else None
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                if entry.path == skipped:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    files += 1
                    size += entry.stat(follow_symlinks=False).st_size
    return files, size


class FileStamps(CacheFile):
    """The files each fingerprinted job of the last build left (work/cache/files.sqlite3):
    `load` before writing, `save(tree.stamps)` after. Missing or damaged: every job runs."""

    FILE = "files.sqlite3"
    SCHEMA = "CREATE TABLE IF NOT EXISTS jobs (fingerprint BLOB PRIMARY KEY, files TEXT);"

    def __init__(self, cache_dir: Path | None):
        super().__init__(cache_dir)
        self._loaded: dict[bytes, list[Stamp]] = {}
        self._rows: set[bytes] = set()  # every fingerprint in the file, readable or not

    def load(self) -> dict[bytes, list[Stamp]]:
        found: dict[bytes, list[Stamp]] = {}
        for key, files in self.db.query("SELECT fingerprint, files FROM jobs"):
            self._rows.add(key)
            try:
                found[key] = [
                    (str(r), int(size), int(mtime)) for r, size, mtime in json.loads(files)
                ]
            except (ValueError, TypeError):
                continue  # written by other code: that job runs again
        self._loaded = found
        return found

    def save(self, stamps: dict[bytes, list[Stamp]]) -> None:
        """Make the cache hold this build's files: rows of jobs that are gone (or were
        unreadable) are deleted, new and changed ones written, so it stays the size of the
        site. After one edit that is a few rows of 16,000, not all of them again."""
        gone = [(key,) for key in self._rows if key not in stamps or key not in self._loaded]
        changed = [
            (key, json.dumps(files, ensure_ascii=False))
            for key, files in stamps.items()
            if self._loaded.get(key) != files
        ]
        if gone or changed:
            self.db.write(
                ("DELETE FROM jobs WHERE fingerprint = ?", gone),
                ("INSERT OR REPLACE INTO jobs VALUES (?, ?)", changed),
            )
