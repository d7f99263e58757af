"""How low the builder's share of a build can go if its Arabic work cost nothing:
`python -m bench.floor [--articles N] [--pairs K] [--out DIR]`.

Issue 6 asks that the builder's stages (read, analyze, write) be at most 15 % of a full
build. Much of their CPU is per-word Arabic work written in Python — entity matching, date
extraction, the search field's stems — and the rest is YAML, templates, the site index and
files. This measures that rest, the floor a compiled matcher, date finder and stemmer could
at best bring the builder down to: one serial generate records what the three return for
every text of the corpus, then cold parallel generates (as `python -m bench` runs them)
alternate between the code as it is and the three looked up in what was recorded.

Both kinds of timed run hold the recorded results in their heap (the forked workers too),
so they compare with each other, not with `python -m bench`'s figures: read the fraction of
the builder's time that is left, and apply it to a full build measured in the same hour.
Prints one line per timed run and a summary; every run goes into a new folder under OUT.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import builder.analysis as analysis
import builder.pages as pages
from builder.build import BuildOptions, generate, load_mkdocs_config, site_identity
from builder.dates import DateExtraction
from builder.matcher import EntityMatcher, Mention

from .__main__ import REPO, TARGET_STAGES
from .corpus import generate as generate_corpus

_find = EntityMatcher.find
_extract_dates = analysis.extract_dates
_search_terms = pages.search_terms


class Recorded:
    """What matching, dates and stems returned for each text, and stand-ins that look it up
    (computing it, as the code would, for a text that was not recorded)."""

    def __init__(self) -> None:
        self.mentions: dict[str, list[Mention]] = {}
        self.dates: dict[tuple[str, dt.date], DateExtraction] = {}
        self.terms: dict[tuple[str, bool], str] = {}
        self.missed = 0

    def record(self) -> None:
        def find(matcher: EntityMatcher, text: str, normalized: Any = None) -> list[Mention]:
            found = self.mentions[text] = _find(matcher, text, normalized)
            return found

        def dates(text: str, published: dt.date, normalized: Any = None) -> DateExtraction:
            found = self.dates[text, published] = _extract_dates(text, published, normalized)
            return found

        def terms(text: str, unique: bool = False) -> str:
            made = self.terms[text, unique] = _search_terms(text, unique)
            return made

        _install(find, dates, terms)

    def look_up(self) -> None:
        def find(matcher: EntityMatcher, text: str, normalized: Any = None) -> list[Mention]:
            found = self.mentions.get(text)
            return self._missed(_find, matcher, text, normalized) if found is None else found

        def dates(text: str, published: dt.date, normalized: Any = None) -> DateExtraction:
            found = self.dates.get((text, published))
            if found is None:
                return self._missed(_extract_dates, text, published, normalized)
            return found

        def terms(text: str, unique: bool = False) -> str:
            made = self.terms.get((text, unique))
            return self._missed(_search_terms, text, unique) if made is None else made

        _install(find, dates, terms)

    def _missed(self, function: Callable[..., Any], *arguments: Any) -> Any:
        self.missed += 1
        return function(*arguments)


def _install(
    find: Callable[..., Any], dates: Callable[..., Any], terms: Callable[..., Any]
) -> None:
    # The names the builder calls them by: the matcher's method, the analysis' import of
    # extract_dates, the page writer's of search_terms (read when a PageWriter is made).
    EntityMatcher.find = find  # type: ignore[method-assign]
    analysis.extract_dates = dates  # type: ignore[assignment]
    pages.search_terms = terms  # type: ignore[assignment]


def restore() -> None:
    _install(_find, _extract_dates, _search_terms)


def options_for(content: Path, folder: Path, jobs: int) -> BuildOptions:
    """A build of `content` whose work folder (docs folder, caches) is in `folder`."""
    return BuildOptions(
        content=content,
        site=folder / "site",
        work=folder / "work",
        config=REPO / "mkdocs.yml",
        search=False,
        jobs=jobs,
    )


def timed_generate(content: Path, folder: Path, jobs: int) -> dict[str, Any]:
    """A cold generate (no cache, no docs folder) into `folder`: its stages."""
    options = options_for(content, folder, jobs)
    started = time.perf_counter()
    report = generate(options, *site_identity(load_mkdocs_config(options)))
    stages = {s.name: (s.seconds, s.cpu_seconds) for s in report.stages}
    return {
        "seconds": time.perf_counter() - started,
        "builder": sum(stages[name][0] for name in TARGET_STAGES),
        "builder_cpu": sum(stages[name][1] for name in TARGET_STAGES),
        "stages": {name: [round(wall, 2), round(cpu, 2)] for name, (wall, cpu) in stages.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--pairs", type=int, default=2, help="timed runs of each kind")
    parser.add_argument(
        "--out",
        type=Path,
        help="a folder for the corpus and the runs, kept (its content/, if there, is used as "
        "it is); without it, a temporary folder deleted at the end",
    )
    args = parser.parse_args(argv)
    if args.articles < 1 or args.pairs < 1:
        parser.error("--articles and --pairs must be at least 1")
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        return measure(args.out, args.articles, args.pairs)
    with tempfile.TemporaryDirectory(prefix="moujaz-floor-") as out:
        return measure(Path(out), args.articles, args.pairs)


def measure(out: Path, articles: int, pairs: int) -> int:
    """Record, then time `pairs` runs of each kind, each into a folder of its own in `out`
    (cold: a new folder even when `out` holds an earlier measurement's)."""
    content = out / "content"
    if not content.exists():
        print(f"floor: generating {articles:,} articles into {content} …", file=sys.stderr)
        generate_corpus(content, articles)
    recorded = Recorded()
    recorded.record()
    print("floor: recording matching, dates and stems (one serial generate) …", file=sys.stderr)
    timed_generate(content, Path(tempfile.mkdtemp(prefix="record-", dir=out)), jobs=1)
    runs: dict[str, list[dict[str, Any]]] = {"as it is": [], "free": []}
    for _ in range(pairs):
        for kind in runs:
            if kind == "as it is":
                restore()
            else:
                recorded.look_up()
            folder = Path(tempfile.mkdtemp(prefix=f"{kind.replace(' ', '-')}-", dir=out))
            run = timed_generate(content, folder, jobs=0)
            runs[kind].append(run)
            print(json.dumps({"kind": kind, **run}, ensure_ascii=False))
    restore()
    built = statistics.mean(run["builder"] for run in runs["as it is"])
    free = statistics.mean(run["builder"] for run in runs["free"])
    print(
        f"builder stages (read+analyze+write), mean of {pairs}: {built:.2f} s as it is, "
        f"{free:.2f} s with matching, dates and stems free: {free / built:.1%} of it is left"
        f" ({recorded.missed} look-ups missed)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
