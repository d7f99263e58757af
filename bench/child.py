"""One build in its own process, for the benchmark: `python -m bench.child build|generate …`.

The benchmark runs every build in a child process so that its wall time includes the
interpreter start and imports a user waits for, and so that its memory (MkDocs, Pagefind and
the analysis workers included) can be measured from outside without earlier runs inflating it.
Prints one JSON line: the BuildReport's stages and counts.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from dataclasses import asdict
from pathlib import Path

from builder.build import BuildOptions, build, generate, load_mkdocs_config, site_identity


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.child")
    parser.add_argument("mode", choices=("build", "generate"))
    parser.add_argument("--content", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--site", type=Path, required=True)
    parser.add_argument("--config", type=Path, default=Path("mkdocs.yml"))
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument("--search", action=argparse.BooleanOptionalAction, default=False)
    args = parser.parse_args(argv)
    options = BuildOptions(
        content=args.content,
        site=args.site,
        work=args.work,
        config=args.config,
        search=args.search,
        jobs=args.jobs,
    )
    started = time.perf_counter()
    if args.mode == "build":
        report = build(options)
    else:
        report = generate(options, *site_identity(load_mkdocs_config(options)))
    result = {
        "seconds": time.perf_counter() - started,
        "articles": report.articles,
        "analyzed": report.analyzed,
        "pages": report.pages,
        # Every Markdown and feed file of the build, and how many were kept as the last build
        # left them without rendering (builder/fingerprint.py).
        "files": report.files,
        "reused": report.reused,
        # `build` only: MkDocs rendered only the pages whose Markdown changed (site kept).
        "dirty_render": report.dirty_render,
        "search_kept": report.search_kept,
        "stages": [asdict(stage) for stage in report.stages],
        # Largest single process: this one, or a finished child (worker, Pagefind).
        "max_rss_mb": max(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        )
        / 1024,
    }
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
