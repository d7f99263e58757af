"""Date extractor throughput on news-like text.

Run from the repo root: `python -m bench.bench_dates` (or `python bench/bench_dates.py`).
Builds about 1 MB of deterministic text: paragraphs of Zipf-sampled words from the news word
list (../shared/corpus/ar-news-wordfreq.tsv), with the gold-set sentences
(tests/gold/dates_gold.yml) mixed into about one paragraph in four, so most paragraphs
mention no date, as in real news. The text is cut into article-sized chunks (~3.5k
characters, on paragraph boundaries) and `extract_dates` is timed on each, single-threaded;
the best of several rounds is kept. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # `python bench/bench_dates.py`: make `builder` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml

from bench.corpus import SHARED
from builder.dates import extract_dates

ROOT = Path(__file__).resolve().parent.parent
WORDS = SHARED / "corpus" / "ar-news-wordfreq.tsv"
GOLD = ROOT / "tests" / "gold" / "dates_gold.yml"
SEED_ARTICLE = SHARED / "seed" / "000_1e528b2148f74f7f.txt"
PUBLISHED = dt.date(2021, 12, 31)
_PUNCT = ("،", "،", ".", "؛", ":")


def load_words(path: Path = WORDS) -> tuple[list[str], list[int]]:
    words: list[str] = []
    weights: list[int] = []
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        word, _, count = line.partition("\t")
        if word and count.isdigit():
            words.append(word)
            weights.append(int(count))
    return words, weights


def make_text(size: int, seed: int = 20211231) -> str:
    """About `size` characters of paragraphs, one in four with a gold sentence in it."""
    rng = random.Random(seed)
    words, weights = load_words()
    gold = [item["text"] for item in yaml.safe_load(GOLD.read_text(encoding="utf-8"))]
    paragraphs: list[str] = []
    total = 0
    while total < size:
        sentences = []
        for _ in range(rng.randint(2, 5)):
            body = " ".join(rng.choices(words, weights, k=rng.randint(8, 22)))
            sentences.append(body + rng.choice(_PUNCT))
        if rng.random() < 0.25:
            sentences.insert(rng.randrange(len(sentences) + 1), rng.choice(gold))
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        total += len(paragraph) + 2
    return "\n\n".join(paragraphs)


def chunks(text: str, size: int) -> list[str]:
    """Article-sized pieces of `text`, cut on paragraph boundaries."""
    pieces: list[str] = []
    current: list[str] = []
    length = 0
    for paragraph in text.split("\n\n"):
        current.append(paragraph)
        length += len(paragraph) + 2
        if length >= size:
            pieces.append("\n\n".join(current))
            current, length = [], 0
    if current:
        pieces.append("\n\n".join(current))
    return pieces


def _best(func: object, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        func()  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="characters of text")
    parser.add_argument("--chunk", type=int, default=3_500, help="characters per article")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)

    text = make_text(args.size)
    articles = chunks(text, args.chunk)
    chars = sum(len(a) for a in articles)

    def run_all() -> None:
        for article in articles:
            extract_dates(article, PUBLISHED)

    extract_dates(articles[0], PUBLISHED)  # warm up
    seconds = _best(run_all, args.rounds)
    found = sum(len(extract_dates(a, PUBLISHED).found) for a in articles)
    result: dict[str, object] = {
        "bench": "dates",
        "articles": len(articles),
        "chars": chars,
        "dates_found": found,
        "ms_per_1k_chars": round(seconds * 1000 / (chars / 1000), 4),
        "mb_per_s": round(len(text.encode("utf-8")) / seconds / 1e6, 2),
        "ms_per_article": round(seconds * 1000 / len(articles), 4),
    }
    if SEED_ARTICLE.exists():
        seed = SEED_ARTICLE.read_text(encoding="utf-8")
        repeat = 200
        per_call = _best(lambda: [extract_dates(seed, PUBLISHED) for _ in range(repeat)], 5)
        result["seed_ms"] = round(per_call * 1000 / repeat, 4)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
