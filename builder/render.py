"""Markdown rendering from Jinja2 templates: one template per page type (templates/*.md.j2).

Templates never compute: they receive ready data and use the filters below to escape text
and to link pages. What the builder generates around an article's text (lists of articles,
chips, events) is written as raw HTML blocks, which Python-Markdown passes through: parsing
thousands of Markdown links per build was most of MkDocs' time. Their links are relative
URLs (the site works under any base URL), computed for MkDocs' directory URLs
(`use_directory_urls: true`); since MkDocs does not check links in raw HTML, the tests
follow every link of the built site.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import json
import re
from pathlib import Path
from typing import Any

import jinja2

TEMPLATES = Path(__file__).parent / "templates"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def md_escape(text: str) -> str:
    """Text shown literally inside Markdown (link texts, list items)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def yaml_scalar(value: Any) -> str:
    """A value for a page's YAML front matter, on one line."""
    # JSON is YAML, always on one line, and has no document-end marker ("...") to strip.
    return json.dumps(value, ensure_ascii=False)


class Renderer:
    """Renders page templates; `page` (the source path of the page being written) makes
    the `link` filter produce correct relative URLs."""

    def __init__(self, templates: Path = TEMPLATES):
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(templates),
            autoescape=False,  # Markdown output: escaping is explicit, per context
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=jinja2.StrictUndefined,
        )
        self.env.filters["md"] = md_escape
        self.env.filters["html"] = lambda text: html.escape(str(text))
        self.env.filters["yaml"] = yaml_scalar
        self.env.filters["link"] = _link_filter
        self.env.filters["iso"] = dt.date.isoformat  # a date as YYYY-MM-DD
        self._templates: dict[str, jinja2.Template] = {}

    def render(self, template: str, page: str, **context: Any) -> str:
        # Jinja's own get_template checks the template file's mtime on every call.
        if template not in self._templates:
            loaded = self.env.get_template(template)
            # A template's globals are a ChainMap over the environment's, which every
            # render copied twice, key by key (~25 µs; a cold build renders 80,000 pages
            # and list items): a plain dict, taken once the globals are set (they are, by
            # the time pages render: PageWriter sets them when it is made).
            loaded.globals = dict(loaded.globals)
            self._templates[template] = loaded
        return self._templates[template].render(page=page, **context)


@jinja2.pass_context
def _link_filter(context: jinja2.runtime.Context, target: str) -> str:
    """`{{ target | link }}`: the relative URL from the page being rendered to `target`."""
    return relative_link(context["page"], target)


@functools.lru_cache(maxsize=1 << 16)
def served_url(source: str) -> str:
    """The URL (relative to the site root) a source file is served at, with directory URLs:
    'entities/nato.md' → 'entities/nato/', 'archive/2022/index.md' → 'archive/2022/',
    'index.md' → ''; other files keep their path."""
    if not source.endswith(".md"):
        return source
    stem = source.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        stem = stem.removesuffix("index").rstrip("/")
    return f"{stem}/" if stem else ""


def relative_link(page: str, target: str) -> str:
    """Relative URL from the page built from source `page` to the source file `target`."""
    return _link_from(link_origin(page), target)


@functools.lru_cache(maxsize=1 << 16)  # every link of a page is written from its origin
def link_origin(page: str) -> str:
    """Where the page's links are written from; pages with one origin link to any target
    in the same words, so list items rendered once serve them all (PageWriter.item).

    A page's URL is a folder ('entities/nato/'): its links leave it first and are written
    from the folder that holds it ('../iran/', '../nato/' for itself too,
    '../../articles/…/'); that origin is 'entities/..'. The home page, whose URL is the
    root itself, writes them from there: origin ''."""
    url = served_url(page)
    return f"{url.rstrip('/').rpartition('/')[0]}/.." if url else ""


@functools.lru_cache(maxsize=1 << 18)
def _link_from(origin: str, target: str) -> str:
    if not origin:
        return _relative_link("", target)
    tail = _relative_link(origin.removesuffix("/.."), target)
    return "../" if tail == "./" else f"../{tail}"


def _relative_link(folder: str, target: str) -> str:
    """From the site folder `folder` ('' for the root) to `target`.

    Both are clean relative paths (no '..'), so this compares path components instead of
    calling posixpath.relpath, which resolves against the working directory."""
    here = folder.split("/") if folder else []
    there = served_url(target).split("/")
    common = 0
    while common < len(here) and common < len(there) - 1 and here[common] == there[common]:
        common += 1
    relative = "../" * (len(here) - common) + "/".join(there[common:])
    return relative or "./"
