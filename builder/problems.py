"""Problems found in editors' files, reported as `path:line: message` (never a traceback)."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake in one file, at one line (0 when no line applies)."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line}: {self.message}"
            if self.line
            else f"{self.path}: {self.message}"
        )


class ContentError(Exception):
    """Raised when content cannot be published; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = sorted(problems)

    def __reduce__(self) -> tuple[type, tuple[list[Problem]]]:
        # Made again from its problems when it crosses from the build's forked child to the
        # command line (builder/keeper.py): the default, from its message, would make a
        # message of that message's characters.
        return type(self), (self.problems,)


def display_path(path: Path) -> str:
    """The path as an editor would type it: relative to the working directory when possible."""
    if not path.is_absolute():  # already relative to it (resolving costs syscalls per file)
        return str(path)
    here = _resolved(os.getcwd())
    if ".." not in path.parts and path.is_relative_to(here):  # no syscall per file
        return str(path.relative_to(here))
    try:
        return str(path.resolve().relative_to(here))
    except ValueError:
        return str(path)


@functools.lru_cache(maxsize=8)
def _resolved(folder: str) -> Path:
    return Path(folder).resolve()


class BuildError(Exception):
    """Raised when the site cannot be published (MkDocs warnings in strict mode, lost pages)."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages

    def __reduce__(self) -> tuple[type, tuple[list[str]]]:
        return type(self), (self.messages,)
