"""Command line: python -m builder {build,check,analyze,import,new,serve}.

Editors' mistakes are printed as `path:line: message` and exit 1; no traceback reaches them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from .build import (
    SEARCH_BESIDE_MKDOCS_MAX_PAGES,
    BuildError,
    BuildOptions,
    build,
)
from .importer import ImportError_, article_path, article_text, default_slug, import_raw
from .model import Entity
from .preview import run_preview
from .problems import ContentError, Problem, display_path
from .reader import (
    decode_file,
    read_article,
    read_content,
    read_registry,
    read_registry_files,
    split_front_matter,
)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except ContentError as error:
        _print_problems(error.problems)
        return 1
    except BuildError as error:
        for message in error.messages:
            print(message, file=sys.stderr)
        print("the build failed: the site was not published", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)
    files = len({p.path for p in problems})
    print(
        f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {files} "
        f"file{'s' if files != 1 else ''}",
        file=sys.stderr,
    )


def _count_of(what: str) -> Callable[[str], int]:
    """An argument type for a count of `what` ("processes: 0 (one per core)"): a whole
    number, or an error that says what was expected."""

    def count(value: str) -> int:
        if not value.isdigit():
            raise argparse.ArgumentTypeError(f"'{value}' is not a number of {what}, 1, 2, …")
        return int(value)

    return count


_jobs = _count_of("processes: 0 (one per core)")
_pages = _count_of("pages: 0")


def _address(value: str) -> str:
    """HOST:PORT for the preview, checked before MkDocs sees it (its own check lets port
    99999 through to a traceback)."""
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(
            f"'{value}' is not an address and port like 127.0.0.1:8000 (port 1–65535)"
        )
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m builder", description="موجز: build an Arabic news digest site"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    build_cmd = commands.add_parser("build", help="validate, generate pages, render the site")
    _content_arg(build_cmd)
    build_cmd.add_argument("--site", type=Path, default=Path("site"), help="output folder")
    build_cmd.add_argument(
        "--work", type=Path, default=Path("build"), help="generated docs + cache"
    )
    build_cmd.add_argument("--config", type=Path, default=Path("mkdocs.yml"))
    build_cmd.add_argument("--drafts", action="store_true", help="include draft articles")
    build_cmd.add_argument("--no-search", action="store_true", help="skip the search index")
    build_cmd.add_argument(
        "--jobs", type=_jobs, default=0, help="worker processes (default 0: one per core)"
    )
    build_cmd.add_argument(
        "--search-beside-mkdocs-up-to",
        type=_pages,
        default=SEARCH_BESIDE_MKDOCS_MAX_PAGES,
        metavar="PAGES",
        help="start the search index before MkDocs on a site of up to PAGES indexed pages "
        "whose search blocks are no larger than that many of the benchmark's "
        f"(default {SEARCH_BESIDE_MKDOCS_MAX_PAGES}: up to 10,000 articles stay under 3 GB; "
        "any size: faster, ~3.4 GB at 10,000 articles)",
    )
    build_cmd.add_argument("--timings", action="store_true", help="print each stage's time")
    build_cmd.set_defaults(handler=_build)

    check_cmd = commands.add_parser("check", help="validate content; list every problem")
    _content_arg(check_cmd)
    check_cmd.set_defaults(handler=_check)

    analyze_cmd = commands.add_parser("analyze", help="entities and dated events of one file")
    analyze_cmd.add_argument("file", type=Path, help="an article file or a raw text file")
    analyze_cmd.add_argument("--registry", type=Path, action="append", help="entity registry")
    analyze_cmd.add_argument("--date", type=_iso_date, help="publication date (raw text)")
    analyze_cmd.add_argument("--json", action="store_true", help="machine-readable output")
    analyze_cmd.set_defaults(handler=_analyze)

    import_cmd = commands.add_parser("import", help="turn a raw news text into an article")
    import_cmd.add_argument("file", type=Path)
    import_cmd.add_argument("--date", type=_iso_date, required=True, help="YYYY-MM-DD")
    import_cmd.add_argument("--source", default="", help="name of the source")
    import_cmd.add_argument("--source-url", default="", help="address of the original")
    import_cmd.add_argument("--slug", help="web address of the article (a-z, 0-9, -)")
    import_cmd.add_argument("--tags", default="", help="comma-separated tags (، or ,)")
    _content_arg(import_cmd)
    import_cmd.set_defaults(handler=_import)

    new_cmd = commands.add_parser("new", help="scaffold an article file")
    new_cmd.add_argument("slug", help="web address of the article (a-z, 0-9, -)")
    new_cmd.add_argument("--title", default="عنوان الخبر")
    new_cmd.add_argument("--date", type=_iso_date, default=dt.date.today())
    _content_arg(new_cmd)
    new_cmd.set_defaults(handler=_new)

    serve_cmd = commands.add_parser("serve", help="live preview that rebuilds on change")
    _content_arg(serve_cmd)
    serve_cmd.add_argument("--work", type=Path, default=Path("build"))
    serve_cmd.add_argument("--config", type=Path, default=Path("mkdocs.yml"))
    serve_cmd.add_argument("--address", type=_address, default="127.0.0.1:8000")
    serve_cmd.set_defaults(handler=_serve)
    return parser


def _content_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--content", type=Path, default=Path("content"), help="content folder")


def _iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date like 2021-12-31") from None


def _build(args: argparse.Namespace) -> int:
    options = BuildOptions(
        content=args.content,
        site=args.site,
        work=args.work,
        config=args.config,
        drafts=args.drafts,
        search=not args.no_search,
        jobs=args.jobs,
        search_beside_mkdocs_max_pages=args.search_beside_mkdocs_up_to,
    )
    started = time.perf_counter()
    report = build(options)
    if args.timings:
        for stage in report.stages:
            print(
                f"{stage.name:8} {stage.seconds:7.2f} s  CPU {stage.cpu_seconds:7.2f} s  "
                f"peak {stage.peak_rss_mb:7.1f} MiB  "
                f"{stage.files:6} files  {stage.bytes / 1e6:8.2f} MB"
            )
    rendered = "the changed pages rendered" if report.dirty_render else "every page rendered"
    if report.search_kept:
        rendered += ", the search index kept"
    print(
        f"built {report.articles} articles ({report.analyzed} analyzed, {report.pages} pages; "
        f"{rendered}) into {display_path(options.site)} in {time.perf_counter() - started:.1f} s"
    )
    return 0


def _check(args: argparse.Namespace) -> int:
    content = read_content(args.content)
    if content.problems:
        raise ContentError(content.problems)
    notes = shared_names(content.entities)
    for note in notes:
        print(note)
    print(
        f"{len(content.articles)} articles and {len(content.entities)} entities: no problems"
        + (f" ({len(notes)} shared name{'s' * (len(notes) > 1)}: see above)" if notes else "")
    )
    return 0


def shared_names(entities: dict[str, Entity]) -> list[str]:
    """A note for every name that several entities answer to (عمان: Amman and Oman): not a
    mistake, but an editor should know which one an article that writes it is linked to."""
    from .matcher import EntityMatcher, form_key

    matcher = EntityMatcher(entities.values())
    notes = []
    for key, ids in sorted(matcher.collisions.items()):
        written = [
            (entity_id, name)
            for entity_id in ids
            for name in entities[entity_id].surface_forms
            if form_key(name) == key
        ]
        shown = written[0][1] if written else key
        found = matcher.find(shown)
        winner = found[0].entity_id if found else ids[0]
        where = entities[written[0][0] if written else ids[0]]
        place = f"{display_path(where.path)}:{where.line}" if where.path else "registry"
        others = ", ".join(f"'{entity_id}'" for entity_id in ids if entity_id != winner)
        notes.append(
            f"{place}: note: «{shown}» names {len(ids)} entities; an article that writes it is "
            f"linked to '{winner}', not to {others} (in an article, `entities:` adds one and "
            "`exclude_entities:` drops one)"
        )
    return notes


def _analyze(args: argparse.Namespace) -> int:
    from .analysis import analyze_article, analyze_text, merge_events
    from .markup import masked_region
    from .matcher import EntityMatcher
    from .suggest import suggest_names

    problems: list[Problem] = []
    if args.registry:
        entities = read_registry_files(args.registry, problems)
    else:
        entities = read_registry(Path("content"), problems)
    text = decode_file(args.file, problems)
    if problems or text is None:
        raise ContentError(problems)
    matcher = EntityMatcher(entities.values())
    if split_front_matter(text) is not None:
        article = read_article(args.file, problems, known_entities=entities, text=text)
        if article is None:
            raise ContentError(problems)
        if args.date:  # analyze as if published that day
            article = replace(article, date=args.date, published=args.date.isoformat())
        analysis = analyze_article(article, matcher)
        mentions, events, warnings = analysis.mentions, analysis.events, analysis.warnings
        entity_ids = analysis.entities
        region_start = article.body_offset
    else:
        published = args.date or dt.date.today()
        mentions, found_events, warnings = analyze_text(text, published, matcher)
        events = merge_events(found_events, [])  # one event per date, as on the site
        entity_ids = tuple(sorted({m.entity_id for m in mentions}))
        region_start = 0
    # Suggestions read the same masked text as the matcher: no names from link targets.
    masked = masked_region(text, region_start)
    suggestions = suggest_names(masked, list(mentions))
    result = {
        "entities": [
            {
                "id": entity_id,
                "type": entities[entity_id].type,
                "name": entities[entity_id].name,
                "mentions": [
                    {"start": m.start, "end": m.end, "text": m.text}
                    for m in mentions
                    if m.entity_id == entity_id
                ],
            }
            for entity_id in entity_ids
        ],
        "events": [
            {
                "date": e.date,
                "precision": e.precision,
                "expression": e.expression,
                "start": e.start if not e.from_editor else None,
                "end": e.end if not e.from_editor else None,
                "sentence": e.sentence,
                "entities": list(e.entities),
                "source": "editor" if e.from_editor else "text",
            }
            for e in events
        ],
        "warnings": [
            {"start": w.start, "end": w.end, "expression": w.expression, "message": w.message}
            for w in warnings
        ],
        "suggestions": [
            {"text": s.text, "start": s.start, "end": s.end, "reason": s.reason}
            for s in suggestions
        ],
    }
    if args.json:
        json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    _print_analysis(args.file, result)
    return 0


def _print_analysis(path: Path, result: dict[str, Any]) -> None:
    print(f"{display_path(path)}")
    print(f"entities ({len(result['entities'])}):")
    for entity in result["entities"]:
        forms = sorted({m["text"] for m in entity["mentions"]})
        print(
            f"  {entity['id']:28} {entity['type']:13} {len(entity['mentions'])}× {'، '.join(forms)}"
        )
    print(f"events ({len(result['events'])}):")
    for event in result["events"]:
        print(f"  {event['date']:10}  «{event['expression']}»  {event['sentence'][:80]}")
    for warning in result["warnings"]:
        print(f"warning: «{warning['expression']}» {warning['message']}")
    if result["suggestions"]:
        print("names not in the registry (suggestions, never published):")
        for suggestion in result["suggestions"]:
            print(f"  {suggestion['text']}  ({suggestion['reason']})")


def _write_new_article(path: Path, text: str) -> None:
    if path.exists():
        raise ContentError([Problem(display_path(path), 0, "this file already exists")])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {display_path(path)}")


def _import(args: argparse.Namespace) -> int:
    problems: list[Problem] = []
    raw = decode_file(args.file, problems)
    if raw is None:
        raise ContentError(problems)
    slug = args.slug or default_slug(args.file)
    try:
        tags = tuple(t.strip() for t in args.tags.replace("،", ",").split(",") if t.strip())
        imported = import_raw(raw, args.date, slug, args.source, args.source_url, tags)
    except ImportError_ as error:
        raise ContentError([Problem(display_path(args.file), 0, str(error))]) from None
    _write_new_article(article_path(args.content, args.date, imported.slug), imported.text)
    return 0


def _new(args: argparse.Namespace) -> int:
    from .reader import SLUG_PATTERN

    if not SLUG_PATTERN.match(args.slug):
        raise ContentError(
            [Problem(args.slug, 0, "the slug must use small Latin letters, digits and dashes")]
        )
    front: dict[str, object] = {
        "title": args.title,
        "date": args.date.isoformat(),
        "summary": "سطر يلخص الخبر",
        "tags": [],
        "entities": [],
    }
    text = article_text(front, "نص الخبر هنا، فقرة في كل سطر يفصل بينها سطر فارغ.")
    _write_new_article(article_path(args.content, args.date, args.slug), text)
    return 0


def _serve(args: argparse.Namespace) -> int:
    """The live preview (builder/preview.py) until interrupted."""
    options = BuildOptions(content=args.content, work=args.work, config=args.config)
    try:
        run_preview(options, args.address, _print_problems)
    except BuildError as error:  # not "the site was not published": nothing is published
        for message in error.messages:
            print(message, file=sys.stderr)
        print("the preview stopped", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
