"""Read stage: parse and validate editors' files into typed objects.

Every problem of every file is collected (not just the first), each with the file and the
line of the offending key or value, in words an editor understands.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .forked import forked_map, resolve_jobs
from .model import ENTITY_TYPES, Article, EditorEvent, Entity, file_text
from .problems import Problem, display_path
from .read_cache import ReadCache, loaded_article, stored_article
from .yamlsource import LocatedYaml, YamlSyntaxError, load_located

ARTICLE_KEYS = (
    "title",
    "date",
    "slug",
    "summary",
    "source",
    "source_url",
    "authors",
    "tags",
    "entities",
    "exclude_entities",
    "events",
    "draft",
)
ENTITY_KEYS = (
    "type",
    "name",
    "name_en",
    "aliases",
    "wikidata",
    "description",
    "handles",
    "hashtags",
)
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})$"
)
_PARTIAL_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}-")
_WIKIDATA = re.compile(r"^Q[1-9]\d*$")
# Fewer files to parse than this (an incremental build) cost more to fork than they save.
PARALLEL_MIN = 200


# (the registry, how many article files there are, how many changed since the last build)
ChangesKnown = Callable[[dict[str, Entity], int, int], None]


@dataclass
class Content:
    """Everything read from a content folder."""

    articles: list[Article] = field(default_factory=list)
    entities: dict[str, Entity] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def read_content(
    content_dir: Path,
    cache_dir: Path | None = None,
    jobs: int = 0,
    when_changes_known: ChangesKnown | None = None,
    while_parsing: Callable[[dict[str, Entity]], None] | None = None,
) -> Content:
    """Read the registry and every article under `content_dir`; never raises on bad input.
    With `cache_dir`, files unchanged since the last build are not parsed again
    (builder/read_cache.py). Articles are parsed in `jobs` processes (0: one per core).
    `when_changes_known(entities, article files, files changed since the last build)` is
    called before the articles are read (AnalysisAhead starts on it); `while_parsing(entities)`
    in this process while worker processes parse the files that changed, if they do
    (AnalysisAhead builds the entity matcher there)."""
    content = Content()
    with ReadCache(cache_dir) as cache:
        registry = registry_files(content_dir)
        content.entities = cache.registry(registry, read_registry_files, content.problems)
        _read_articles(content_dir, content, cache, jobs, when_changes_known, while_parsing)
    if not (content_dir / "articles").is_dir():
        content.problems.append(
            Problem(display_path(content_dir), 0, "there is no 'articles' folder here")
        )
    content.articles.sort(key=lambda a: (a.date, a.published, a.slug), reverse=True)
    content.problems.sort()
    return content


def _read_articles(
    content_dir: Path,
    content: Content,
    cache: ReadCache,
    jobs: int,
    when_changes_known: ChangesKnown | None,
    while_parsing: Callable[[dict[str, Entity]], None] | None,
) -> None:
    paths = sorted((content_dir / "articles").rglob("*.md"))
    stamps = [cache.stamp(path) for path in paths]
    if when_changes_known is not None:
        pairs = zip(paths, stamps, strict=True)
        changed = sum(not cache.holds(path, stamp) for path, stamp in pairs)
        when_changes_known(content.entities, len(paths), changed)
    found = [cache.get(path, stamp) for path, stamp in zip(paths, stamps, strict=True)]
    unread = [number for number, article in enumerate(found) if article is None]
    # Not beside a registry with problems: the build stops after reading anyway.
    meanwhile = (
        None
        if while_parsing is None or content.problems
        else lambda: while_parsing(content.entities)
    )
    parsed = _parse_articles([paths[n] for n in unread], content.entities, jobs, meanwhile)
    for number, (stored, problems) in zip(unread, parsed, strict=True):
        content.problems.extend(problems)
        if stored is not None:
            found[number] = loaded_article(paths[number], stored)
            cache.put(paths[number], stamps[number], stored, found[number])
    seen_slugs: dict[str, Path] = {}
    for path, article in zip(paths, found, strict=True):
        if article is None:
            continue
        if article.slug in seen_slugs:
            first = display_path(seen_slugs[article.slug])
            content.problems.append(
                Problem(
                    display_path(path),
                    article.slug_line,
                    f"the slug '{article.slug}' is already used by {first}; "
                    "every article needs its own slug (set `slug:` or rename the file)",
                )
            )
            continue
        # Paths, not display_path: resolving an absolute path costs syscalls per article.
        seen_slugs[article.slug] = path
        content.articles.append(article)


def _parse_articles(
    paths: list[Path],
    entities: dict[str, Entity],
    jobs: int,
    meanwhile: Callable[[], None] | None = None,
) -> list[tuple[bytes | None, list[Problem]]]:
    """Each file parsed: the article as `stored_article` bytes (None if it has a problem)
    and its problems, in the order of `paths`. YAML and validation are most of a cold read
    (6–7 s at 10,000 articles in one process): forked workers share them, sending back
    the same bytes the read cache keeps."""

    def parse(number: int) -> tuple[bytes | None, list[Problem]]:
        problems: list[Problem] = []
        article = read_article(paths[number], problems, known_entities=entities)
        return (None if article is None else stored_article(article)), problems

    return forked_map(
        parse, len(paths), resolve_jobs(jobs), minimum=PARALLEL_MIN, meanwhile=meanwhile
    )


# --- text decoding ------------------------------------------------------------------------


def decode_file(path: Path, problems: list[Problem]) -> str | None:
    """The file's text as UTF-8 with any BOM removed, or None (and a problem) if it is not
    (or cannot be read at all)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        problems.append(Problem(display_path(path), 0, "there is no such file"))
        return None
    except IsADirectoryError:
        problems.append(Problem(display_path(path), 0, "this is a folder, not a file"))
        return None
    except OSError as error:
        problems.append(
            Problem(display_path(path), 0, f"the file cannot be read ({error.strerror})")
        )
        return None
    try:
        return file_text(data)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        problems.append(
            Problem(
                display_path(path),
                line,
                f"the file is not valid UTF-8 text (byte {error.start}, column {column}); "
                "save it as UTF-8 in your editor",
            )
        )
        return None


# --- articles -----------------------------------------------------------------------------


def split_front_matter(text: str) -> tuple[str, int, int] | None:
    """Return (front matter text, index where the body starts, body's first line number),
    or None when the text does not start with a `---` front-matter block."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n").rstrip() != "---":
        return None
    offset = len(lines[0])
    for number, line in enumerate(lines[1:], start=2):
        if line.rstrip("\r\n").rstrip() in ("---", "..."):
            front = "".join(lines[1 : number - 1])
            return front, offset + len(line), number + 1
        offset += len(line)
    return None


def read_article(
    path: Path,
    problems: list[Problem],
    known_entities: dict[str, Entity] | None = None,
    text: str | None = None,
) -> Article | None:
    """Parse one article file (or its `text`, already decoded by `decode_file`); append every
    problem found; None when it cannot be used. The file's name as the editor would write
    it (`display_path`, which may resolve it: syscalls) is made only for a problem."""
    if text is None:
        text = decode_file(path, problems)
    if text is None:
        return None
    parts = split_front_matter(text)
    if parts is None:
        problems.append(
            Problem(
                display_path(path),
                1,
                "no front matter: an article starts with a line '---', then its fields "
                "(title, date, …), then another line '---', then the text",
            )
        )
        return None
    front, body_offset, body_line = parts
    try:
        doc = load_located(front, first_line=2)
    except YamlSyntaxError as error:
        problems.append(Problem(display_path(path), error.line, f"front matter: {error.message}"))
        return None
    before = len(problems)
    fields = _ArticleFields(path, doc, problems)
    article = fields.build(text, body_offset, body_line, known_entities)
    return article if len(problems) == before else None


class _ArticleFields:
    """Validates one article's front matter field by field."""

    def __init__(self, path: Path, doc: LocatedYaml, problems: list[Problem]):
        self.path = path
        self.doc = doc
        self.problems = problems
        self.data: dict[str, Any] = doc.data if isinstance(doc.data, dict) else {}
        if not isinstance(doc.data, dict):
            self.error((), "the front matter must be a list of `key: value` fields")
        for key_path, line in doc.duplicates:
            self.problems.append(Problem(self.where, line, f"'{key_path[-1]}' is written twice"))

    @cached_property
    def where(self) -> str:
        """The file as problems name it; made at the first problem."""
        return display_path(self.path)

    def error(self, path: tuple[Any, ...], message: str) -> None:
        self.problems.append(Problem(self.where, self.doc.line(*path, default=2), message))

    def build(
        self,
        text: str,
        body_offset: int,
        body_line: int,
        known_entities: dict[str, Entity] | None,
    ) -> Article | None:
        for key in self.data:
            if key not in ARTICLE_KEYS:
                hint = difflib.get_close_matches(str(key), ARTICLE_KEYS, n=1)
                suggestion = f" — did you mean '{hint[0]}'?" if hint else ""
                allowed = ", ".join(ARTICLE_KEYS)
                self.error((key,), f"unknown field '{key}'{suggestion} (allowed: {allowed})")
        title = self.text_field("title", required=True)
        published, date = self.publication_date()
        slug = self.slug()
        summary = self.text_field("summary")
        source = self.text_field("source")
        source_url = self.url_field("source_url")
        authors = self.text_list("authors")
        tags = self.text_list("tags")
        entities = self.entity_list("entities", known_entities)
        excluded = self.entity_list("exclude_entities", known_entities)
        events = self.events()
        draft = self.data.get("draft", False)
        if not isinstance(draft, bool):
            self.error(("draft",), "'draft' must be true or false")
        body = text[body_offset:]
        if not body.strip():
            self.problems.append(
                Problem(self.where, body_line, "the article has no text after the front matter")
            )
        if title is None or date is None or slug is None:
            return None
        return Article(
            path=self.path,
            slug=slug,
            title=title,
            date=date,
            published=published,
            body=body,
            body_offset=body_offset,
            summary=summary or "",
            source=source or "",
            source_url=source_url or "",
            authors=authors,
            tags=tags,
            entities=entities,
            exclude_entities=excluded,
            events=events,
            draft=draft is True,
            text=text,
            slug_line=self.doc.line("slug") if "slug" in self.data else 0,
        )

    def text_field(self, key: str, required: bool = False) -> str | None:
        if key not in self.data:
            if required:
                self.error((), f"'{key}' is missing; every article needs a {key}")
            return None
        value = self.data[key]
        if not isinstance(value, str):
            self.error((key,), f"'{key}' must be text, not {_kind(value)}")
            return None
        if required and not value.strip():
            self.error((key,), f"'{key}' is empty")
            return None
        return value.strip()

    def publication_date(self) -> tuple[str, dt.date | None]:
        if "date" not in self.data:
            self.error((), "'date' is missing; write the publication date as YYYY-MM-DD")
            return "", None
        value = self.data["date"]
        if not isinstance(value, str):
            self.error(("date",), f"'date' must be a date like 2021-12-31, not {_kind(value)}")
            return "", None
        date = parse_publication_date(value)
        if date is None:
            self.error(
                ("date",),
                f"'date' is '{value}', which is not a real date; write YYYY-MM-DD "
                "(or YYYY-MM-DDTHH:MM+03:00 with the time zone)",
            )
        return value, date

    def slug(self) -> str | None:
        if "slug" in self.data:
            value = self.data["slug"]
            if not isinstance(value, str) or not SLUG_PATTERN.match(value):
                self.error(
                    ("slug",),
                    f"'slug' is '{value}'; use only small Latin letters, digits and dashes "
                    "(like nato-russia-talks)",
                )
                return None
            return value
        slug = _DATE_PREFIX.sub("", self.path.stem.lower())
        if not SLUG_PATTERN.match(slug):
            self.error(
                (),
                f"the file name '{self.path.name}' cannot be used as a web address; rename the "
                "file with small Latin letters, digits and dashes, or add a 'slug:' field",
            )
            return None
        return slug

    def url_field(self, key: str) -> str | None:
        value = self.text_field(key)
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            self.error((key,), f"'{key}' must be a web address starting with https:// or http://")
            return None
        return value

    def text_list(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            self.error(
                (key,), f"'{key}' must be a list (one '- item' per line), not {_kind(value)}"
            )
            return ()
        items = []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.error((key, index), f"'{key}' item {index + 1} must be non-empty text")
            elif item.strip() not in items:
                items.append(item.strip())
        return tuple(items)

    def entity_list(self, key: str, known: dict[str, Entity] | None) -> tuple[str, ...]:
        ids = self.text_list(key)
        written = self.data.get(key)
        if known is None or not isinstance(written, list):
            return ids
        for index, entity_id in enumerate(written):
            if isinstance(entity_id, str) and entity_id.strip() not in known:
                hint = difflib.get_close_matches(entity_id, list(known), n=1)
                suggestion = f" — did you mean '{hint[0]}'?" if hint else ""
                self.error(
                    (key, index),
                    f"'{entity_id}' in '{key}' is not in the entity registry"
                    f" (content/entities.yml){suggestion}",
                )
        return tuple(i for i in ids if i in known)

    def events(self) -> tuple[EditorEvent, ...]:
        value = self.data.get("events", [])
        if not isinstance(value, list):
            self.error(("events",), "'events' must be a list of {date, text} items")
            return ()
        events = []
        for index, item in enumerate(value):
            where = ("events", index)
            if not isinstance(item, dict) or set(item) - {"date", "text"}:
                self.error(where, f"event {index + 1} must have exactly 'date' and 'text'")
                continue
            date, text = item.get("date"), item.get("text")
            if not isinstance(date, str | int) or not valid_partial_date(str(date)):
                self.error(
                    (*where, "date"),
                    f"event {index + 1}: 'date' must be YYYY-MM-DD, YYYY-MM or YYYY",
                )
                continue
            if not isinstance(text, str) or not text.strip():
                self.error((*where, "text"), f"event {index + 1}: 'text' must be non-empty text")
                continue
            events.append(EditorEvent(str(date), text.strip(), self.doc.line(*where)))
        return tuple(events)


def parse_publication_date(value: str) -> dt.date | None:
    """The calendar date of an ISO date or datetime-with-offset string, or None if invalid."""
    match = _DATE.match(value) or _DATETIME.match(value)
    if not match:
        return None
    try:
        if match.re is _DATE:
            return dt.date.fromisoformat(value)
        return dt.datetime.fromisoformat(value.replace(" ", "T").replace("Z", "+00:00")).date()
    except ValueError:
        return None


def valid_partial_date(value: str) -> bool:
    """YYYY, YYYY-MM or YYYY-MM-DD naming a real year, month or day."""
    if not _PARTIAL_DATE.match(value):
        return False
    parts = [int(p) for p in value.split("-")]
    try:
        dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        return False
    return True


def _kind(value: Any) -> str:
    names: dict[type, str] = {
        bool: "true/false",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "a group of fields",
        type(None): "empty",
    }
    return names.get(type(value), "text")


# --- entity registry ----------------------------------------------------------------------


def registry_files(content_dir: Path) -> list[Path]:
    """content/entities.yml and/or content/entities/*.yml, in a stable order."""
    files = [content_dir / "entities.yml"] if (content_dir / "entities.yml").is_file() else []
    folder = content_dir / "entities"
    if folder.is_dir():
        files.extend(sorted(folder.glob("*.yml")) + sorted(folder.glob("*.yaml")))
    return files


def read_registry(content_dir: Path, problems: list[Problem]) -> dict[str, Entity]:
    """Read every registry file under `content_dir`."""
    return read_registry_files(registry_files(content_dir), problems)


def read_registry_files(paths: Iterable[Path], problems: list[Problem]) -> dict[str, Entity]:
    entities: dict[str, Entity] = {}
    for path in paths:
        where = display_path(path)
        text = decode_file(path, problems)
        if text is None:
            continue
        try:
            doc = load_located(text)
        except YamlSyntaxError as error:
            problems.append(Problem(where, error.line, error.message))
            continue
        for dup_path, line in doc.duplicates:
            if len(dup_path) == 1:
                problems.append(
                    Problem(where, line, f"the entity id '{dup_path[0]}' is defined twice")
                )
            else:
                problems.append(Problem(where, line, f"'{dup_path[-1]}' is written twice"))
        if doc.data is None:
            continue
        if not isinstance(doc.data, dict):
            problems.append(
                Problem(where, 1, "the registry must map entity ids to their fields (id: …)")
            )
            continue
        for entity_id, fields in doc.data.items():
            entity = _read_entity(path, where, doc, entity_id, fields, problems)
            if entity is None:
                continue
            if entity.id in entities:
                first = entities[entity.id]
                problems.append(
                    Problem(
                        where,
                        entity.line,
                        f"the entity id '{entity.id}' is already defined in "
                        f"{display_path(first.path or path)}:{first.line}",
                    )
                )
                continue
            entities[entity.id] = entity
    return entities


def _read_entity(
    path: Path,
    where: str,
    doc: LocatedYaml,
    entity_id: Any,
    fields: Any,
    problems: list[Problem],
) -> Entity | None:
    line = doc.line(entity_id)
    before = len(problems)

    def error(message: str, *key: Any) -> None:
        problems.append(Problem(where, doc.line(entity_id, *key, default=line), message))

    if not isinstance(entity_id, str) or not SLUG_PATTERN.match(entity_id):
        error(
            f"the entity id '{entity_id}' must use small Latin letters, digits and dashes "
            "(it becomes the address /entities/<id>/)"
        )
        return None
    if not isinstance(fields, dict):
        error(f"entity '{entity_id}' must have fields (type, name, aliases, …)")
        return None
    for key in fields:
        if key not in ENTITY_KEYS:
            hint = difflib.get_close_matches(str(key), ENTITY_KEYS, n=1)
            suggestion = f" — did you mean '{hint[0]}'?" if hint else ""
            error(f"entity '{entity_id}': unknown field '{key}'{suggestion}", key)

    def text(key: str, required: bool = False, check: Callable[[str], bool] | None = None) -> str:
        value = fields.get(key)
        if value is None:
            if required:
                error(f"entity '{entity_id}': '{key}' is missing")
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            error(f"entity '{entity_id}': '{key}' must be non-empty text", key)
            return ""
        if check and not check(value):
            error(f"entity '{entity_id}': '{key}' is '{value}', which is not valid", key)
            return ""
        return value.strip()

    def texts(key: str) -> tuple[str, ...]:
        value = fields.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            error(f"entity '{entity_id}': '{key}' must be a list of non-empty texts", key)
            return ()
        return tuple(dict.fromkeys(v.strip().lstrip("@#") for v in value))

    entity_type = text("type", required=True)
    if entity_type and entity_type not in ENTITY_TYPES:
        error(
            f"entity '{entity_id}': type '{entity_type}' is not one of {', '.join(ENTITY_TYPES)}",
            "type",
        )
    entity = Entity(
        id=entity_id,
        type=entity_type,
        name=text("name", required=True),
        name_en=text("name_en"),
        aliases=texts("aliases"),
        wikidata=text("wikidata", check=lambda v: bool(_WIKIDATA.match(v))),
        description=text("description"),
        handles=texts("handles"),
        hashtags=texts("hashtags"),
        path=path,
        line=line,
    )
    return entity if len(problems) == before else None
