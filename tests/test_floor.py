"""bench/floor.py measures the builder with entity matching, date extraction and the search
stems looked up instead of computed. Its figure means something only if the look-ups stand
in for every call the build makes (none missed) and change nothing the build writes."""

from __future__ import annotations

from pathlib import Path

import builder.analysis as analysis
import builder.pages as pages
from bench import floor
from bench.corpus import generate as generate_corpus
from builder.matcher import EntityMatcher

ARTICLES = 80  # enough for the analysis and the page writer to use their workers


def _docs(folder: Path) -> dict[str, bytes]:
    docs = floor.options_for(folder / "content", folder, jobs=1).docs
    return {p.relative_to(docs).as_posix(): p.read_bytes() for p in docs.rglob("*") if p.is_file()}


def test_free_run_writes_what_the_code_writes_and_misses_no_call(tmp_path: Path) -> None:
    content = tmp_path / "content"
    generate_corpus(content, ARTICLES, entities=300)
    recorded = floor.Recorded()
    try:
        recorded.record()
        floor.timed_generate(content, tmp_path / "record", jobs=1)
        assert recorded.mentions and recorded.dates and recorded.terms
        recorded.look_up()
        free = floor.timed_generate(content, tmp_path / "free", jobs=2)
    finally:
        floor.restore()
    as_it_is = floor.timed_generate(content, tmp_path / "as-it-is", jobs=2)
    assert recorded.missed == 0
    assert free["builder"] > 0 and set(free["stages"]) >= set(floor.TARGET_STAGES)
    written = _docs(tmp_path / "as-it-is")
    assert len(written) > ARTICLES
    assert _docs(tmp_path / "free") == written
    assert as_it_is["builder"] > 0


def test_restore_puts_the_builders_own_functions_back() -> None:
    originals = (EntityMatcher.find, analysis.extract_dates, pages.search_terms)
    recorded = floor.Recorded()
    try:
        recorded.look_up()
        assert EntityMatcher.find is not originals[0]
        assert analysis.extract_dates is not originals[1]
        assert pages.search_terms is not originals[2]
    finally:
        floor.restore()
    assert (EntityMatcher.find, analysis.extract_dates, pages.search_terms) == originals
