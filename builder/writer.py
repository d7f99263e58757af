"""The one place that writes output files.

Files are rewritten only when their content changed, so MkDocs' and the editor's tools see
unchanged mtimes for unchanged pages; files a previous build wrote but this one did not are
removed, so a deleted article disappears from the site.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class OutputTree:
    """A folder owned by the generator (the generated docs folder)."""

    root: Path
    written: int = 0  # files created or changed
    unchanged: int = 0
    bytes_written: int = 0
    _paths: set[Path] = field(default_factory=set)

    def write(self, relative: str, content: str | bytes) -> Path:
        """Write `content` at `relative` unless the file already holds exactly that."""
        path = self.root / relative
        if path in self._paths:
            raise ValueError(f"two pages would be written to the same file: {relative}")
        self._paths.add(path)
        data = content.encode("utf-8") if isinstance(content, str) else content
        try:
            if path.stat().st_size == len(data) and path.read_bytes() == data:
                self.unchanged += 1
                return path
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)  # atomic: a watcher never sees half a page
        self.written += 1
        self.bytes_written += len(data)
        return path

    @property
    def files(self) -> int:
        """How many files this build wrote or kept unchanged."""
        return len(self._paths)

    def remove_stale(self) -> int:
        """Delete files under root that this build did not write; return how many."""
        removed = 0
        if not self.root.is_dir():
            return 0
        for path in sorted(self.root.rglob("*"), reverse=True):
            if path.is_file() and path not in self._paths:
                path.unlink()
                removed += 1
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
        return removed
