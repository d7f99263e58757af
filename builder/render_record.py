"""Whether MkDocs may render only what changed since the last build of the site folder.

MkDocs has no incremental build of its own for publishing: `mkdocs build` renders every page
(43 s of a 10,000-article build on two cores), although after an edit the builder rewrites
only the few Markdown files whose pages changed (builder/writer.py). Its dirty build renders
the pages whose Markdown is newer than their HTML and keeps the others; that gives the site a
full build gives when, and only when,

- everything else a page's HTML is made from is as the last render had it: the MkDocs
  configuration (mkdocs.yml and the environment values it reads), the theme and Markdown
  extensions (under builder/), the installed packages and Python — `render_key`; the
  navigation is the five fixed pages with their titles written in mkdocs.yml;
- no docs file has gone since: a dirty build never deletes, so a page or feed removed from the
  docs folder (an article deleted or turned into a draft) would stay published, and a link to
  it elsewhere would not be reported — then every page is rendered again into an emptied site;
- the last render was complete: the record is deleted before a render and written after it
  (and after the search index), so a build that stopped midway is followed by a full one.

The record is work/render.json: the key, the site folder and the docs files it published.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import re
import sys
from collections.abc import Set
from pathlib import Path
from typing import Any

from .fingerprint import BUILDER, source_digest, source_files

RECORD = "render.json"
# mkdocs.yml reads environment values with !ENV NAME or !ENV [NAME, …] (SITE_URL).
_ENV_TAG = re.compile(r"!ENV\s*\[?\s*([A-Za-z_][A-Za-z0-9_]*)")


def render_key(config: Any) -> str:
    """A digest of what every page's HTML is made from besides its own Markdown."""
    digest = hashlib.blake2b(digest_size=16)
    text = Path(config.config_file_path).read_bytes() if config.config_file_path else b""
    environment = sorted(set(_ENV_TAG.findall(text.decode("utf-8", "replace"))))
    digest.update(text)
    for value in (
        *(f"{name}={os.environ.get(name)}" for name in environment),
        str(config.site_url),
        sys.version,
        *_installed_packages(),
        source_digest(source_files(BUILDER), BUILDER),
    ):
        digest.update(value.encode() + b"\0")
    custom = config.theme.custom_dir
    if custom and not Path(custom).resolve().is_relative_to(BUILDER.resolve()):
        digest.update(source_digest(source_files(Path(custom)), Path(custom)).encode())
    return digest.hexdigest()


def _installed_packages() -> list[str]:
    """Every installed distribution and its version (MkDocs, Material, Python-Markdown,
    their extensions and what they import render the pages)."""
    found = {
        f"{dist.metadata['Name']}=={dist.version}"
        for dist in importlib.metadata.distributions()
        if dist.metadata["Name"]
    }
    return sorted(found)


class RenderRecord:
    """work/render.json: what the last complete render of the site folder was made from."""

    def __init__(self, work: Path):
        self.path = work / RECORD

    def permits_dirty(self, key: str, site: Path, files: Set[str]) -> bool:
        """Whether rendering only the changed pages into `site` gives a full build's site:
        the last render was complete, into this folder, with this key, and every docs file
        it published is still there."""
        try:
            record = json.loads(self.path.read_text(encoding="utf-8"))
            return (
                record["key"] == key
                and record["site"] == str(site.resolve())
                and site.is_dir()
                and files >= set(record["files"])
            )
        except (OSError, ValueError, LookupError, TypeError):  # none, or damaged: render all
            return False

    def forget(self) -> None:
        """Before a render: one that stops midway leaves no record, the next is full."""
        self.path.unlink(missing_ok=True)

    def save(self, key: str, site: Path, files: Set[str]) -> None:
        """After a complete render (and search index) of `files` into `site`."""
        record = {"key": key, "site": str(site.resolve()), "files": sorted(files)}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.tmp")
        temporary.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, self.path)
