"""Entity matcher throughput on a synthetic registry and corpus.

Run from the repo root: `python -m bench.bench_matcher` (or `python bench/bench_matcher.py`).
Builds a registry of 5,000 entities with Arabic-looking names drawn from the news word list
(../shared/corpus/ar-news-wordfreq.tsv), about 2 MB of Zipf-sampled text from the same
list with mentions sprinkled in (with proclitics, quotes and dashes), then times
`EntityMatcher.find` on article-sized chunks, single-threaded. Prints one JSON line; automaton
build time is reported separately and excluded from the throughput.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # `python bench/bench_matcher.py`: make `builder` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import WORDS, load_words
from builder.matcher import EntityMatcher
from builder.model import Entity

_PROCLITICS = ("", "", "", "و", "ب", "ل", "ف", "وب", "ول", "ك")
_PUNCT = ("،", ".", "؛", ":", "؟")


def make_registry(words: list[str], size: int, rng: random.Random) -> list[Entity]:
    """`size` entities: 1–3 word names from mid/low-frequency words (real names are not
    function words), each with a short form, a spelling variant and, for some, an ال form."""
    pool = words[300:]
    entities = []
    seen: set[str] = set()
    while len(entities) < size:
        name = " ".join(rng.choice(pool) for _ in range(rng.choice((1, 2, 2, 3))))
        if name in seen:
            continue
        seen.add(name)
        parts = name.split()
        aliases = [parts[-1] if len(parts) > 1 else name + "ي"]
        aliases.append(name.replace("ة", "ه").replace("ا", "أ", 1))
        if not name.startswith("ال"):
            aliases.append("ال" + name)
        if len(parts) > 1:
            aliases.append(" - ".join(parts))
        index = len(entities)
        entities.append(
            Entity(
                id=f"e{index:05d}",
                type=("person", "organization", "place")[index % 3],
                name=name,
                aliases=tuple(dict.fromkeys(a for a in aliases if a != name)),
                name_en=f"Entity {index}",
            )
        )
    return entities


def make_text(
    words: list[str], counts: list[int], entities: list[Entity], target_bytes: int, seed: int
) -> list[str]:
    """Article-sized chunks (about 3 KB each) adding up to `target_bytes` of UTF-8."""
    rng = random.Random(seed)
    articles: list[str] = []
    total = 0
    while total < target_bytes:
        tokens: list[str] = []
        for word in rng.choices(words, weights=counts, k=300):
            tokens.append(word)
            roll = rng.random()
            if roll < 0.04:  # a mention every ~25 words
                entity = rng.choice(entities)
                surface = rng.choice(entity.surface_forms)
                if rng.random() < 0.15:
                    surface = f"«{surface}»"
                tokens.append(rng.choice(_PROCLITICS) + surface)
            elif roll < 0.12:
                tokens[-1] += rng.choice(_PUNCT)
        article = " ".join(tokens)
        articles.append(article)
        total += len(article.encode("utf-8"))
    return articles


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=5000)
    parser.add_argument("--megabytes", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=20211231)
    args = parser.parse_args(argv)

    words, counts = load_words(WORDS)
    rng = random.Random(args.seed)
    entities = make_registry(words, args.entities, rng)
    articles = make_text(words, counts, entities, int(args.megabytes * 1_000_000), args.seed)
    size = sum(len(a.encode("utf-8")) for a in articles)

    started = time.perf_counter()
    matcher = EntityMatcher(entities)
    build = time.perf_counter() - started

    started = time.perf_counter()
    mentions = sum(len(matcher.find(article)) for article in articles)
    elapsed = time.perf_counter() - started
    result = {
        "bench": "matcher",
        "entities": len(entities),
        "keys": len(matcher),
        "bytes": size,
        "articles": len(articles),
        "mentions": mentions,
        "build_s": round(build, 3),
        "find_s": round(elapsed, 3),
        "mb_per_s": round(size / 1_000_000 / elapsed, 2),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
