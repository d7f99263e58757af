"""`import` turns raw news text into an article file; the seed is the first sample article."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SEED

from builder.importer import import_raw
from builder.problems import Problem
from builder.reader import read_article

COMMITTED = Path("content/articles/2021/2021-12-31-nato-ready-for-meaningful-talks-with-russia.md")
SEED_ARGS = [
    "--date",
    "2021-12-31",
    "--slug",
    "nato-ready-for-meaningful-talks-with-russia",
    "--tags",
    "الأزمة الأوكرانية، الأمن الأوروبي، الدبلوماسية",
]


def run_import(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "builder", "import", *args, "--content", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.skipif(not SEED.exists(), reason="../shared/seed is not beside the repository")
def test_the_committed_sample_is_what_import_produces(tmp_path: Path) -> None:
    result = run_import(tmp_path, str(SEED), *SEED_ARGS)
    assert result.returncode == 0, result.stderr
    produced = tmp_path / "articles" / "2021" / COMMITTED.name
    assert produced.read_text(encoding="utf-8") == COMMITTED.read_text(encoding="utf-8")


def test_seed_structure() -> None:
    problems: list[Problem] = []
    article = read_article(COMMITTED, problems)
    assert problems == [] and article is not None
    raw_lines = [line for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert article.title == raw_lines[0]
    assert article.summary == raw_lines[1]
    assert article.date == dt.date(2021, 12, 31)
    blocks = article.body.strip().split("\n\n")
    # Every raw paragraph after the lede is a block; the tweet's two lines make one block.
    assert len(blocks) == len(raw_lines) - 2 - 1
    assert blocks[0] == raw_lines[2]
    assert blocks[-1] == raw_lines[-1]


def test_tweet_becomes_a_static_ltr_blockquote() -> None:
    raw = (
        "عنوان\nملخص\nفقرة أولى.\n"
        "We met @SecBlinken about #Ukraine & more.\n"
        "— Jens Stoltenberg (@jensstoltenberg) December 31, 2021\n"
        "فقرة أخيرة.\n"
    )
    text = import_raw(raw, dt.date(2021, 12, 31), "x").text
    assert '<blockquote class="tweet" dir="ltr" lang="en">' in text
    assert '<a href="https://twitter.com/SecBlinken">@SecBlinken</a>' in text
    assert '<a href="https://twitter.com/hashtag/Ukraine">#Ukraine</a>' in text
    assert "&amp; more" in text
    assert '(<a href="https://twitter.com/jensstoltenberg">@jensstoltenberg</a>)' in text
    assert '<time datetime="2021-12-31">December 31, 2021</time>' in text
    assert "<script" not in text
    assert text.index("فقرة أولى") < text.index("blockquote") < text.index("فقرة أخيرة")


def test_paragraph_that_looks_like_markdown_stays_a_paragraph() -> None:
    text = import_raw("عنوان\nملخص\n- ليس قائمة\n# ليس عنواناً\n", dt.date(2022, 1, 1), "x").text
    assert "\\- ليس قائمة" in text and "\\# ليس عنواناً" in text


def test_import_refuses_to_overwrite_and_explains(tmp_path: Path) -> None:
    assert run_import(tmp_path, str(SEED), *SEED_ARGS).returncode == 0
    again = run_import(tmp_path, str(SEED), *SEED_ARGS)
    assert again.returncode == 1
    assert "already exists" in again.stderr and "Traceback" not in again.stderr


def test_import_of_a_too_short_text_is_an_error(tmp_path: Path) -> None:
    raw = tmp_path / "short.txt"
    raw.write_text("عنوان فقط\n", encoding="utf-8")
    result = run_import(tmp_path, str(raw), "--date", "2022-01-01")
    assert result.returncode == 1
    assert "short.txt" in result.stderr and "title line" in result.stderr
    assert "Traceback" not in result.stderr


NEW = [sys.executable, "-m", "builder", "new"]


def test_new_scaffolds_a_valid_article(tmp_path: Path) -> None:
    result = subprocess.run(
        [*NEW, "my-story", "--date", "2022-03-01", "--content", str(tmp_path)]
        + ["--title", 'الناتو: قمة "حاسمة" في مدريد'],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    problems: list[Problem] = []
    article = read_article(tmp_path / "articles/2022/2022-03-01-my-story.md", problems)
    assert problems == [] and article is not None and article.slug == "my-story"
    assert article.title == 'الناتو: قمة "حاسمة" في مدريد'  # a colon and quotes survive
