"""The one place that writes output files.

Files are rewritten only when their content changed, so MkDocs' and the editor's tools see
unchanged mtimes for unchanged pages; files a previous build wrote but this one did not are
removed, so a deleted article disappears from the site. `write_all` renders and writes
many files in forked workers (builder/forked.py); what they wrote is recorded here, in the
parent, so the bookkeeping (duplicates, counts, stale files) stays in one place.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .forked import forked_map

# A unit of work for write_all: returns the files it produces as (relative path, content).
FileJob = Callable[[], Iterable[tuple[str, str | bytes]]]
# Below this many jobs (an incremental rebuild of a small site) forking costs more than it saves.
PARALLEL_MIN = 200


@dataclass
class OutputTree:
    """A folder owned by the generator (the generated docs folder)."""

    root: Path
    written: int = 0  # files created or changed
    bytes_written: int = 0
    _paths: set[Path] = field(default_factory=set)

    def write(self, relative: str, content: str | bytes) -> Path:
        """Write `content` at `relative` unless the file already holds exactly that."""
        path = self.root / relative
        self._record(path, *self._put(path, content))
        return path

    def write_all(self, jobs: Sequence[FileJob], workers: int = 1) -> None:
        """Run every job (a function returning (relative, content) pairs) and write what it
        returns; in `workers` forked processes when there are enough jobs. The files and
        counts are the same as writing them one by one."""
        done = forked_map(lambda i: self._run(jobs[i]), len(jobs), workers, PARALLEL_MIN)
        for results in done:
            for path, written, size in results:
                self._record(path, written, size)

    def _run(self, job: FileJob) -> list[tuple[Path, bool, int]]:
        return [(self.root / r, *self._put(self.root / r, content)) for r, content in job()]

    def _put(self, path: Path, content: str | bytes) -> tuple[bool, int]:
        """Write the file if it differs; (whether it was written, its size)."""
        data = content.encode("utf-8") if isinstance(content, str) else content
        try:
            if path.stat().st_size == len(data) and path.read_bytes() == data:
                return False, len(data)
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
        # One temporary name per process: two workers given the same file (a bug the parent
        # then reports) must not trip over each other's temporary file.
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)  # atomic: a watcher never sees half a page
        return True, len(data)

    def _record(self, path: Path, written: bool, size: int) -> None:
        if path in self._paths:
            relative = path.relative_to(self.root).as_posix()
            raise ValueError(f"two pages would be written to the same file: {relative}")
        self._paths.add(path)
        if written:
            self.written += 1
            self.bytes_written += size

    @property
    def files(self) -> int:
        """How many files this build wrote or kept unchanged."""
        return len(self._paths)

    @property
    def unchanged(self) -> int:
        """How many files already held what this build would have written."""
        return self.files - self.written

    def remove_stale(self) -> int:
        """Delete files under root that this build did not write (and folders left empty);
        return how many files. One bottom-up os.walk: 18,000 files at 10,000 articles."""
        removed = 0
        kept = {str(path) for path in self._paths}
        for folder, _, names in os.walk(self.root, topdown=False):
            for name in names:
                path = os.path.join(folder, name)
                if path not in kept:
                    os.unlink(path)
                    removed += 1
            if folder != str(self.root) and not os.listdir(folder):
                os.rmdir(folder)
        return removed


def folder_size(folder: Path) -> tuple[int, int]:
    """(files, bytes) under `folder`, for the build's report. One stat per file through
    os.scandir: a 10,000-article site has 31,000 files, and pathlib's rglob + is_file +
    stat took 2–4 s of the build to count them."""
    files = size = 0
    pending = [str(folder)]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    files += 1
                    size += entry.stat(follow_symlinks=False).st_size
    return files, size
