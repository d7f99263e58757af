"""`python -m bench [--articles N] [--baseline/--no-baseline] [--out DIR]` (or `make bench`).

1. Generates a realistic corpus of N articles (bench/corpus.py, fixed seed) into OUT/content.
2. Full build from scratch (no cache, no docs folder, no site) in a child process: per stage
   wall time, peak RSS, files written and output size; the whole build's wall time and peak
   memory measured from outside (MkDocs, Pagefind and the analysis workers included).
3. Incremental rebuild: one article's body edited, then the builder's stages again — how many
   articles were re-analyzed (1) and how many Markdown files rewritten.
4. Baseline: the same articles through Material's blog + tags plugins (bench/baseline.py),
   and the ratio baseline wall / our full build wall.
Results are printed and saved as OUT/results-N.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from builder.fingerprint import code_salt
from builder.writer import folder_size

from .baseline import write_blog_project
from .corpus import SEED, write_content

REPO = Path(__file__).resolve().parent.parent
BUILDER_STAGES = ("read", "analyze", "write", "feeds")
# The builder's own stages as ISSUE 6's share target counts them: the feeds are a stage of
# their own there. Both shares are reported.
TARGET_STAGES = ("read", "analyze", "write")
STAGE_LABELS = {
    "read": "read",
    "analyze": "analyze",
    "write": "write Markdown",
    "feeds": "feeds",
    "mkdocs": "MkDocs",
    "search": "search index",
}
# The targets of ISSUE 6 (2-core machine).
TARGET_SECONDS_10K = 120.0
TARGET_RSS_MB = 3 * 1024
TARGET_BUILDER_SHARE = 0.15
TARGET_BASELINE_RATIO = 5.0
TARGET_BYTES_PER_ARTICLE = 60 * 1024


@dataclass
class Measured:
    """A child process: its wall time, peak memory, exit code and JSON output."""

    seconds: float
    peak_tree_mb: float  # sampled sum over the process tree (workers, MkDocs, Pagefind)
    max_rss_mb: float  # largest single process (getrusage of the waited-for children)
    returncode: int
    output: dict[str, Any]
    stderr: str


class _TreeSampler(threading.Thread):
    """Samples the RSS of a process and all its descendants every `interval` seconds.

    getrusage(RUSAGE_CHILDREN) only gives the largest single process; with analysis workers
    alongside the main process the machine needs their sum.

    Sampling is not free: psutil finds the descendants by reading every process's
    /proc/PID/stat. Every 0.05 s that cost 7 % of a core (0.72 s of CPU in 10 s, 4
    processes), taken from the build it measured; every 0.25 s it is a fifth of that, and
    the memory it watches (Pagefind's, the workers') rises over seconds, not milliseconds."""

    def __init__(self, pid: int, interval: float = 0.25):
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self.done.is_set():
            total = 0
            try:
                processes = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            for process in processes:
                try:
                    total += process.memory_info().rss
                except psutil.NoSuchProcess:
                    continue
            self.peak = max(self.peak, total)
            self.done.wait(self.interval)


def run_measured(command: list[str], cwd: Path = REPO) -> Measured:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(REPO)}
    before = _children_maxrss()
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    sampler = _TreeSampler(process.pid)
    sampler.start()
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    # ru_maxrss of RUSAGE_CHILDREN is a running maximum over every child so far: it only
    # tells about this child if it exceeds the earlier ones; the child reports its own too.
    after = _children_maxrss()
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    output = json.loads(lines[-1]) if lines else {}
    max_rss = max(output.get("max_rss_mb", 0.0), after if after > before else 0.0)
    return Measured(seconds, sampler.peak / 2**20, max_rss, process.returncode, output, stderr)


def _children_maxrss() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def move_previous_run_aside(out: Path) -> Path | None:
    """Move the last run's outputs (corpus, our build, the baseline) out of the way, to be
    deleted once everything is measured; return where they went (None: nothing to move).

    Not deleted first because deleting shapes what is measured next on this machine: its
    ext4 file system has no journal, and then the kernel skips every inode freed in the last
    one to six minutes, one by one, each time a file is created. Right after deleting a
    10,000-article run (60,000 files) each file a build created cost 0.4–1 ms of kernel time
    instead of 0.13 ms (up to 30 s of a cold build); a fresh CI machine never pays that. Runs
    started less than six minutes after another one still do (docs/benchmarks.md)."""
    leftover = out / ".previous-run"
    shutil.rmtree(leftover, ignore_errors=True)  # from an interrupted run
    moved = [name for name in ("content", "ours", "baseline") if (out / name).exists()]
    if not moved:
        return None
    leftover.mkdir(parents=True)
    for name in moved:
        (out / name).rename(leftover / name)
    return leftover


def search_available() -> bool:
    """The search stage (builder/search.py) may not exist yet in a working tree."""
    return importlib.util.find_spec("builder.search") is not None


def edit_one_article(content: Path, articles: int) -> Path:
    """Append a sentence (no entity, no date) to the body of the middle article."""
    paths = sorted((content / "articles").rglob("*.md"))
    path = paths[min(articles, len(paths)) // 2]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.rstrip("\n") + " وأضاف المصدر تفاصيل جديدة لاحقا.\n", encoding="utf-8")
    return path


def retag_one_article(content: Path, articles: int) -> Path:
    """Add a tag to the article a third of the way through."""
    paths = sorted((content / "articles").rglob("*.md"))
    path = paths[min(articles, len(paths)) // 3]
    text = path.read_text(encoding="utf-8")
    retagged = text.replace("\ntags: [", "\ntags: ['وسم أضافه المحرر', ", 1)
    if retagged == text:
        raise SystemExit(f"bench: {path} has no tags line to add a tag to")
    path.write_text(retagged, encoding="utf-8")
    return path


def touch_every_article(content: Path, articles: int) -> Path:
    """Give every article a new modification time and change nothing else: what a fresh
    clone looks like to a build whose build/ folder was restored (the publish workflow)."""
    folder = content / "articles"
    for path in folder.rglob("*.md"):
        later = path.stat().st_mtime_ns + 5_000_000_000
        os.utime(path, ns=(later, later))
    return folder


def child_command(mode: str, out: Path, jobs: int, search: bool) -> list[str]:
    return [
        sys.executable,
        "-m",
        "bench.child",
        mode,
        "--content",
        str(out / "content"),
        "--work",
        str(out / "ours" / "build"),
        "--site",
        str(out / "ours" / "site"),
        "--config",
        str(REPO / "mkdocs.yml"),
        "--jobs",
        str(jobs),
        "--search" if search else "--no-search",
    ]


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def fail(what: str, measured: Measured) -> None:
    sys.stderr.write(measured.stderr[-4000:])
    raise SystemExit(f"bench: the {what} failed (exit {measured.returncode})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument(
        "--baseline",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also build Material's blog+tags baseline (default: only up to 3,000 articles; "
        "it takes minutes beyond)",
    )
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    parser.add_argument("--jobs", type=int, default=0, help="analysis processes (0: all cores)")
    parser.add_argument(
        "--search",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="include the Pagefind stage (default: when builder/search.py exists)",
    )
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--matcher", action="store_true", help="also run bench/bench_matcher.py")
    args = parser.parse_args(argv)
    n = args.articles
    baseline = args.baseline if args.baseline is not None else n <= 3000
    search = args.search if args.search is not None else search_available()
    out: Path = args.out.resolve() / f"n{n}"
    results: dict[str, Any] = {"articles": n, "seed": args.seed, "machine": machine()}

    previous = move_previous_run_aside(out)
    print(f"bench: generating {n:,} articles into {out / 'content'} …", flush=True)
    from .corpus import make_corpus

    started = time.perf_counter()
    corpus = make_corpus(n, seed=args.seed)
    write_content(corpus, out / "content")
    results["corpus"] = {
        "seconds": round(time.perf_counter() - started, 1),
        "entities": len(corpus.entities),
        "tags": len(corpus.tags),
        "words": sum(len(a.body.split()) for a in corpus.articles),
        "first_day": corpus.articles[0].date.isoformat() if corpus.articles else "",
        "last_day": corpus.articles[-1].date.isoformat() if corpus.articles else "",
        "bytes": folder_size(out / "content")[1],
    }

    # Full build from a cold start: no analysis cache, no docs folder, no site. The corpus
    # just written goes to disk first, so the build does not share the machine with the
    # kernel writing back 80 MB (at 10,000 articles) that the benchmark wrote.
    os.sync()
    code_before = code_salt()
    print(f"bench: full build (search {'on' if search else 'off'}) …", flush=True)
    full = run_measured(child_command("build", out, args.jobs, search))
    if full.returncode:
        fail("full build", full)
    site_files, site_bytes = folder_size(out / "ours" / "site")
    stages = full.output["stages"]
    stage_total = sum(s["seconds"] for s in stages)
    builder = [s for s in stages if s["name"] in BUILDER_STAGES]
    builder_seconds = sum(s["seconds"] for s in builder)
    builder_cpu = sum(s["cpu_seconds"] for s in builder)
    target_seconds = sum(s["seconds"] for s in stages if s["name"] in TARGET_STAGES)
    results["full"] = {
        "wall_seconds": round(full.seconds, 2),
        "peak_tree_mb": round(full.peak_tree_mb, 1),
        "max_process_rss_mb": round(full.max_rss_mb, 1),
        "stages": stages,
        "builder_seconds": round(builder_seconds, 2),
        "builder_share": round(builder_seconds / full.seconds, 4),
        "target_stages_seconds": round(target_seconds, 2),
        "target_stages_share": round(target_seconds / full.seconds, 4),
        "builder_share_of_stages": round(builder_seconds / stage_total, 4),
        # CPU time: what the work costs, whatever the machine's neighbours did meanwhile.
        "builder_cpu_seconds": round(builder_cpu, 2),
        "stages_cpu_seconds": round(sum(s["cpu_seconds"] for s in stages), 2),
        "pages": full.output["pages"],
        "site_files": site_files,
        "site_bytes": site_bytes,
        "bytes_per_article": round(site_bytes / max(n, 1)),
        "search": search,
    }

    if search:
        results["query"] = measure_queries(corpus, out / "ours" / "site")

    # Incremental: one article edited, then another one retagged, then every file touched;
    # the builder's stages only. The first edit changes no date, entity or tag; the second
    # changes tags, so the related articles of the tag's articles are computed again; the
    # third is a fresh clone (every modification time new, no text changed). Then the whole
    # build once more after another edit, as a publish makes it (MkDocs renders the pages
    # whose Markdown changed into the kept site, Pagefind indexes every page again), and
    # once with nothing changed (the search index kept).
    results["incremental"] = []
    for what, edit in (
        ("a sentence added to one article", edit_one_article),
        ("a tag added to another article", retag_one_article),
        ("every article touched, as in a fresh clone", touch_every_article),
    ):
        edited = edit(out / "content", n)
        print(f"bench: incremental rebuild after {what} ({edited.name}) …", flush=True)
        incremental = run_measured(child_command("generate", out, args.jobs, search))
        if incremental.returncode:
            fail("incremental build", incremental)
        inc_stages = incremental.output["stages"]
        results["incremental"].append(
            {
                "edit": what,
                "edited": str(edited.relative_to(out)),
                "wall_seconds": round(incremental.seconds, 2),
                "builder_seconds": round(sum(s["seconds"] for s in inc_stages), 2),
                "stages": inc_stages,
                "analyzed": incremental.output["analyzed"],
                "files": incremental.output["files"],
                "kept_without_rendering": incremental.output["reused"],
                "rewritten": sum(s["files"] for s in inc_stages if s["name"] in ("write", "feeds")),
                # The caches are keyed by the code too: if someone edited the builder between
                # the two builds, everything is rightly done again.
                "code_changed": code_salt() != code_before,
            }
        )

    edited = edit_one_article(out / "content", n)
    results["rebuilds"] = []
    for what in (f"after another edit ({edited.relative_to(out)})", "with nothing changed"):
        print(f"bench: whole build again {what} …", flush=True)
        again = run_measured(child_command("build", out, args.jobs, search))
        if again.returncode:
            fail("rebuild", again)
        results["rebuilds"].append(
            {
                "what": what,
                "wall_seconds": round(again.seconds, 2),
                "peak_tree_mb": round(again.peak_tree_mb, 1),
                "stages": again.output["stages"],
                "dirty_render": again.output["dirty_render"],
                "search_kept": again.output["search_kept"],
            }
        )

    if baseline:
        print("bench: baseline (Material blog + tags plugins) …", flush=True)
        config = write_blog_project(corpus, out / "baseline")
        base = run_measured(
            [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config)], cwd=config.parent
        )
        if base.returncode:
            fail("baseline build", base)
        files, size = folder_size(out / "baseline" / "site")
        results["baseline"] = {
            "wall_seconds": round(base.seconds, 2),
            "peak_tree_mb": round(base.peak_tree_mb, 1),
            "site_files": files,
            "site_bytes": size,
            "bytes_per_article": round(size / max(n, 1)),
            "ratio": round(base.seconds / full.seconds, 2),
        }

    if args.matcher and (REPO / "bench" / "bench_matcher.py").is_file():
        matcher = run_measured([sys.executable, "-m", "bench.bench_matcher", "--entities", "2000"])
        results["matcher"] = matcher.output

    if previous is not None:
        print("bench: deleting the previous run's files …", flush=True)
        shutil.rmtree(previous, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    (out.parent / f"results-{n}.json").write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    print(render(results))
    return 0


def measure_queries(corpus: Any, site: Path) -> dict[str, Any]:
    """Bytes a reader's browser transfers for a cold first query (Pagefind loads only the
    index chunks a query needs): a word found in one article, and the most widespread
    content word of the corpus."""
    from collections import Counter

    from builder.arabic import words
    from builder.search import query_transfer
    from builder.stemmer import stem

    frequency: Counter[str] = Counter()
    for article in corpus.articles:
        frequency.update({w for w in words(article.body) if len(w) >= 4 and stem(w)})
    common = max(frequency, key=lambda w: (frequency[w], w))
    rare = min(w for w, count in frequency.items() if count == 1)
    print(f"bench: cold first queries «{rare}» and «{common}» in Chromium …", flush=True)
    measured = {}
    for kind, word, articles in (("rare", rare, 1), ("common", common, frequency[common])):
        transfer = query_transfer(site, word)
        measured[kind] = {
            "query": word,
            "articles": articles,
            "bytes": transfer.raw,
            "gzip_bytes": transfer.gzip,
            "files": transfer.files,
        }
    return measured


def render(results: dict[str, Any]) -> str:
    n = results["articles"]
    full = results["full"]
    corpus = results["corpus"]
    lines = [
        "",
        f"موجز benchmark — {n:,} articles, {corpus['entities']:,} entities, "
        f"{corpus['tags']} tags, {corpus['words']:,} words, "
        f"{corpus['first_day']} … {corpus['last_day']}",
        f"machine: {results['machine']['cpus']} cores ({results['machine']['cpu_model']}), "
        f"{results['machine']['memory_gb']} GB, Python {results['machine']['python']}, "
        f"load {results['machine']['load_average']}",
        "",
        f"{'stage':16} {'wall s':>8} {'CPU s':>8} {'peak RSS MiB':>13} {'files':>7} {'MB':>8}",
    ]
    for stage in full["stages"]:
        lines.append(
            f"{STAGE_LABELS.get(stage['name'], stage['name']):16} {stage['seconds']:8.2f} "
            f"{stage['cpu_seconds']:8.2f} {stage['peak_rss_mb']:13.1f} {stage['files']:7} "
            f"{stage['bytes'] / 1e6:8.2f}"
        )
    if not full["search"]:
        lines.append(f"{'search index':16} {'(off: builder/search.py missing or --no-search)'}")
    lines += [
        f"{'full build':16} {full['wall_seconds']:8.2f} {full['stages_cpu_seconds']:8.2f} "
        f"{full['peak_tree_mb']:13.1f} "
        f"{full['site_files']:7} {full['site_bytes'] / 1e6:8.2f}   (process tree; largest "
        f"process {full['max_process_rss_mb']:.0f} MiB)",
        "",
        f"builder stages (read+analyze+write): {full['target_stages_seconds']:.2f} s = "
        f"{100 * full['target_stages_share']:.1f}% of the build (target ≤ "
        f"{100 * TARGET_BUILDER_SHARE:.0f}%); with the feeds {full['builder_seconds']:.2f} s = "
        f"{100 * full['builder_share']:.1f}%, {full['builder_cpu_seconds']:.2f} s of CPU "
        f"({full['builder_cpu_seconds'] / max(full['builder_seconds'], 1e-9):.2f} cores busy)",
        f"site per article: {full['bytes_per_article'] / 1024:.1f} KB "
        f"(target ≤ {TARGET_BYTES_PER_ARTICLE // 1024} KB)",
        f"peak memory: {full['peak_tree_mb']:.0f} MiB (target ≤ {TARGET_RSS_MB} MiB)",
    ]
    if "query" in results:
        for kind in ("rare", "common"):
            q = results["query"][kind]
            lines.append(
                f"cold first query, {kind} word «{q['query']}» ({q['articles']} articles): "
                f"{q['bytes'] / 1024:.0f} KB as a plain server sends it, "
                f"{q['gzip_bytes'] / 1024:.0f} KB gzip-served, {q['files']} files "
                "(target ≤ 300 KB)"
            )
    if n >= 10_000:
        lines.append(f"10,000-article target: wall ≤ {TARGET_SECONDS_10K:.0f} s")
    for inc in results["incremental"]:
        lines += [
            "",
            f"incremental, {inc['edit']} ({inc['edited']}): builder stages "
            f"{inc['builder_seconds']:.2f} s (process {inc['wall_seconds']:.2f} s; target ≤ 5 s), "
            f"re-analyzed {inc['analyzed']}, files kept without rendering "
            f"{inc['kept_without_rendering']} of {inc['files']} (the others: pages and feeds "
            f"rendered again, assets), files rewritten {inc['rewritten']}",
            "  " + ", ".join(f"{s['name']} {s['seconds']:.2f} s" for s in inc["stages"]),
        ]
        if inc["code_changed"]:
            lines.append("  (builder code changed during the run: the caches were rightly unused)")
    for again in results.get("rebuilds", []):
        rendered = "the changed pages" if again["dirty_render"] else "every page"
        kept = "; the search index kept" if again["search_kept"] else ""
        lines += [
            "",
            f"whole build again {again['what']}, site kept: {again['wall_seconds']:.2f} s, "
            f"peak {again['peak_tree_mb']:.0f} MiB; MkDocs rendered {rendered}{kept}",
            "  " + ", ".join(f"{s['name']} {s['seconds']:.2f} s" for s in again["stages"]),
        ]
    if "baseline" in results:
        base = results["baseline"]
        lines += [
            "",
            f"baseline (Material blog + tags): {base['wall_seconds']:.2f} s, peak "
            f"{base['peak_tree_mb']:.0f} MiB, {base['bytes_per_article'] / 1024:.1f} KB/article",
            f"ratio baseline / ours: {base['ratio']:.2f}× (target ≥ {TARGET_BASELINE_RATIO:.0f}× "
            "at 3,000 articles)",
        ]
    if "matcher" in results:
        lines += ["", f"matcher: {json.dumps(results['matcher'])}"]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
