"""How long an editor waits in the live preview: `python -m bench.serve_preview [--articles N]`.

Generates the benchmark's corpus (bench/corpus.py, the same seed) into a fresh folder,
starts `python -m builder serve` on it, waits until an article's page is served, changes
that article's title and measures how long until its page shows the new one (HTTP polling
every 0.5 s), then how much CPU the idle preview uses (its process, over --idle seconds
without edits). Prints the three. Not part of `make bench`: at 10,000 articles the preview's
first site alone takes over a minute (a cold `generate`, then MkDocs in worker processes).
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import psutil

from bench.corpus import SEED, generate

REPO = Path(__file__).resolve().parent.parent
NEW_TITLE = "عنوان عدله المحرر أثناء المعاينة"


def free_port() -> int:
    """A TCP port nothing listens on now, for a preview server."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def page(url: str) -> str:
    """The page at `url` as text; "" while it is not served."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return str(response.read().decode("utf-8"))
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return ""


def wait_for(check: Callable[[], bool], server: subprocess.Popen[bytes], seconds: float) -> float:
    """Seconds until `check()` holds, asked every 0.5 s; raises if the server stops first
    or it does not hold within `seconds` (tests/test_serve.py waits with it too)."""
    started = time.perf_counter()
    while not check():
        if server.poll() is not None:
            raise RuntimeError(f"serve stopped (exit {server.returncode})")
        if time.perf_counter() - started > seconds:
            raise TimeoutError(f"not within {seconds:.0f} s")
        time.sleep(0.5)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.serve_preview")
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of idle CPU to read")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="moujaz-preview-") as folder:
        root = Path(folder)
        corpus = generate(root / "content", args.articles, seed=args.seed)
        article = corpus.articles[len(corpus.articles) // 2]
        path = root / "content" / article.relative_path
        url = f"articles/{article.date:%Y}/{article.date:%m}/{article.slug}/"
        port = free_port()
        base = f"http://127.0.0.1:{port}/"
        command = [
            sys.executable, "-m", "builder", "serve", "--content", str(root / "content"),
            "--work", str(root / "build"), "--address", f"127.0.0.1:{port}",
        ]  # fmt: skip
        with (root / "serve.log").open("wb") as log:
            server = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
            try:
                first = wait_for(lambda: article.slug in page(base + url), server, 1800)
                text = path.read_text(encoding="utf-8")
                title = next(line for line in text.splitlines() if line.startswith("title: "))
                path.write_text(text.replace(title, f"title: '{NEW_TITLE}'"), encoding="utf-8")
                edit = wait_for(lambda: NEW_TITLE in page(base + url), server, 1800)
                time.sleep(5)  # MkDocs' server and the watcher settle after the edit
                process = psutil.Process(server.pid)
                before = sum(process.cpu_times()[:2])
                time.sleep(args.idle)
                idle = sum(process.cpu_times()[:2]) - before
            except (RuntimeError, TimeoutError) as error:
                log.flush()
                said = (root / "serve.log").read_text(encoding="utf-8", errors="replace")
                print(f"bench.serve_preview: {error}; serve said:\n{said[-3000:]}")
                return 1
            finally:
                server.terminate()
                server.wait(timeout=60)
    print(
        f"preview of {args.articles:,} articles: first page served after {first:.1f} s; "
        f"an edited title reached its page after {edit:.1f} s; idle, it used {idle:.2f} s of "
        f"CPU in {args.idle:.0f} s ({idle / args.idle:.3f} of a core)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
