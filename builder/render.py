"""Markdown rendering from Jinja2 templates: one template per page type (templates/*.md.j2).

Templates never compute: they receive ready data and use the filters below to escape text
and to link pages. Links are relative `.md` links between source pages, so MkDocs checks
every one of them (strict mode fails on a broken link) and the site works under any base URL.
"""

from __future__ import annotations

import html
import json
import posixpath
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
    the `link` filter produce correct relative links."""

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
        self._templates: dict[str, jinja2.Template] = {}

    def render(self, template: str, page: str, **context: Any) -> str:
        if template not in self._templates:
            self._templates[template] = self.env.get_template(template)

        def link(target: str) -> str:
            return relative_link(page, target)

        return self._templates[template].render(link=link, page=page, **context)


def relative_link(page: str, target: str) -> str:
    """Link from source page `page` to source page `target` (both relative to docs root)."""
    return posixpath.relpath(target, posixpath.dirname(page) or ".")
