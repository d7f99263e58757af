"""Emptying the site folder before MkDocs writes it, without waiting for the disk.

MkDocs empties `site_dir` itself before it writes (`mkdocs.utils.clean_directory`): at
10,000 articles that is 31,000 files, 12.8 s on this machine's disk with both cores idle.
Instead the build moves the old site's entries into a trash folder of the work folder (a
rename: instant on one file system) and a separate process deletes that folder while
MkDocs and Pagefind run; MkDocs then finds the site folder empty. The build waits for the
deletion before it returns, so nothing outlives it.

Hidden entries stay where they are, as MkDocs leaves them (a `.git` of a deploy checkout).
An entry that cannot be moved (the work folder on another file system, permissions) stays
too, and MkDocs deletes it the usual way; a trash folder left by an interrupted build is
deleted by the next one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TRASH = "trash"  # inside the work folder (git-ignored with it)

# A fresh interpreter, not a thread: the build forks workers, which must not happen beside
# other threads (builder/forked.py), and `rm` is not everywhere.
_DELETE = "import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)"


@contextmanager
def old_site_deleted_meanwhile(site: Path, work: Path) -> Iterator[None]:
    """Empty `site` at once (as MkDocs would, hidden entries kept) and delete what it held
    in the background while the block runs; wait for that deletion at the end."""
    trash = work / TRASH
    moved = _move_entries(site, trash)
    deleter = _start_deleting(trash) if moved or trash.exists() else None
    try:
        yield
    finally:
        if deleter is not None:
            deleter.wait()


def _move_entries(site: Path, trash: Path) -> int:
    """Move `site`'s visible entries into a new folder under `trash`; return how many."""
    if not site.is_dir():
        return 0
    entries = [entry for entry in os.scandir(site) if not entry.name.startswith(".")]
    if not entries:
        return 0
    trash.mkdir(parents=True, exist_ok=True)
    bin_ = Path(tempfile.mkdtemp(dir=trash))
    inside = trash.resolve()
    moved = 0
    for entry in entries:
        source = Path(entry.path)
        if inside.is_relative_to(source.resolve()):
            continue  # the work folder inside the site: MkDocs' own cleaning decides
        try:
            os.rename(source, bin_ / entry.name)
        except OSError:
            continue  # another file system, permissions: left to MkDocs' cleaning
        moved += 1
    return moved


def _start_deleting(trash: Path) -> subprocess.Popen[bytes] | None:
    try:
        return subprocess.Popen(
            [sys.executable, "-c", _DELETE, str(trash)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except OSError:
        return None  # the trash stays; the next build tries again
