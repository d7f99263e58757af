"""Incremental rebuilds: after editing one article only that article is analyzed again and
only the Markdown files whose content changed are rewritten (ISSUE 6).

Runs the builder's `generate` (no MkDocs, no search) on a small corpus made by
bench/corpus.py, so it stays fast."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bench.corpus import generate as generate_corpus
from builder import analyze_all, forked, indexes, kept, read_cache, writer
from builder.analyze_all import AnalysisCache, analyze_articles
from builder.build import BuildOptions, BuildReport, generate
from builder.cache_db import RememberedResults
from builder.fingerprint import Fingerprinter, code_salt
from builder.model import Entity
from builder.pages import PageJob, PageWriter, article_page
from builder.problems import ContentError
from builder.read_cache import ReadCache
from builder.reader import read_content
from builder.writer import FileStamps

ARTICLES = 30
ENTITIES = 120  # enough for mentions and co-occurrence; small so the matcher builds fast


def _generate(options: BuildOptions) -> BuildReport:
    return generate(options, "http://localhost:8000/", "موجز", "اختبار")


def _mtimes(docs: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in docs.rglob("*") if p.is_file()}


@pytest.fixture
def corpus(tmp_path: Path) -> BuildOptions:
    generate_corpus(tmp_path / "content", ARTICLES, entities=ENTITIES)
    return BuildOptions(
        content=tmp_path / "content",
        site=tmp_path / "site",
        work=tmp_path / "work",
        search=False,
        jobs=1,
    )


def _edit_body(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.rstrip("\n") + " وأضاف المصدر تفاصيل جديدة.\n", encoding="utf-8")


def test_first_build_analyzes_everything_then_nothing(corpus: BuildOptions) -> None:
    first = _generate(corpus)
    assert first.articles == ARTICLES
    assert first.analyzed == ARTICLES
    before = _mtimes(corpus.docs)
    time.sleep(0.02)  # mtimes are coarse (a clock tick): a rewrite must be able to show
    again = _generate(corpus)
    assert again.analyzed == 0
    assert again.stage("write").files == 0
    assert again.stage("feeds").files == 0
    assert _mtimes(corpus.docs) == before


def test_editing_one_article_reanalyzes_and_rewrites_only_it(corpus: BuildOptions) -> None:
    _generate(corpus)
    articles = read_content(corpus.content).articles
    edited = articles[len(articles) // 2]
    page = corpus.docs / article_page(edited)
    before = _mtimes(corpus.docs)
    old_page = page.read_bytes()
    time.sleep(0.02)

    _edit_body(edited.path)
    report = _generate(corpus)

    assert report.analyzed == 1
    after = _mtimes(corpus.docs)
    assert set(after) == set(before)
    changed = {p for p in after if after[p] != before[p]}
    assert page in changed
    assert page.read_bytes() != old_page
    assert "تفاصيل جديدة" in page.read_text(encoding="utf-8")
    untouched_pages = {corpus.docs / article_page(a) for a in articles if a.slug != edited.slug}
    assert not changed & untouched_pages, "pages of untouched articles keep their mtime"
    # The edit adds no entity, date or summary: nothing else on the site depends on it.
    assert changed == {page}
    assert report.stage("write").files == 1


def test_registry_change_reanalyzes_every_article(corpus: BuildOptions) -> None:
    _generate(corpus)
    registry = corpus.content / "entities.yml"
    registry.write_text(
        registry.read_text(encoding="utf-8")
        + "\nnew-entity:\n  type: place\n  name: 'مدينة اختبارية'\n",
        encoding="utf-8",
    )
    assert _generate(corpus).analyzed == ARTICLES


def test_a_long_lived_process_builds_the_matcher_once_per_registry(
    corpus: BuildOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preview regenerates in one process after every save: the entity matcher of the
    last regeneration serves the next while the registry is the same (one build per
    registry), and a registry edit gets a matcher of its own (the entity is found)."""
    built: list[int] = []
    real_init = analyze_all.EntityMatcher.__init__

    def counting_init(self: Any, *args: Any, **kwargs: Any) -> None:
        built.append(1)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(analyze_all.EntityMatcher, "__init__", counting_init)
    monkeypatch.setattr(kept, "_kept", kept.Kept())  # as the preview keeps it
    articles = read_content(corpus.content).articles
    _generate(corpus)
    assert len(built) == 1
    for article in articles[:2]:  # two saves, each analyzed again with the kept matcher
        _edit_body(article.path)
        assert _generate(corpus).analyzed == 1
    assert len(built) == 1
    registry = corpus.content / "entities.yml"
    registry.write_text(
        registry.read_text(encoding="utf-8")
        + "\nnew-entity:\n  type: place\n  name: 'مدينة اختبارية'\n",
        encoding="utf-8",
    )
    path = articles[0].path
    path.write_text(
        path.read_text(encoding="utf-8") + "\nزار الوفد مدينة اختبارية أمس.\n", encoding="utf-8"
    )
    _generate(corpus)
    assert len(built) == 2
    assert (
        (corpus.docs / "entities" / "new-entity.md")
        .read_text(encoding="utf-8")
        .count(articles[0].slug)
    )


def test_a_long_lived_process_hands_out_the_objects_it_loaded_before(
    corpus: BuildOptions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preview keeps the parsed articles and analyses between its regenerations
    (builder/kept.py): after a save only the edited article is loaded or parsed again and
    only its analysis made, and the docs folder is the one a generation without anything
    kept writes."""
    monkeypatch.setattr(kept, "_kept", kept.Kept())
    loaded: list[Path] = []
    real_loaded = read_cache.loaded_article

    def counting_loaded(path: Path, data: bytes) -> Any:
        loaded.append(path)
        return real_loaded(path, data)

    asked: list[str] = []
    real_load = AnalysisCache.load

    def counting_load(self: AnalysisCache, keys: list[str]) -> Any:
        asked.extend(keys)
        return real_load(self, keys)

    monkeypatch.setattr(read_cache, "loaded_article", counting_loaded)
    monkeypatch.setattr(AnalysisCache, "load", counting_load)
    _generate(corpus)
    _generate(corpus)  # loads every article and analysis from the caches once
    articles = read_content(corpus.content).articles
    for article in articles[:2]:
        loaded.clear()
        asked.clear()
        _edit_body(article.path)
        assert _generate(corpus).analyzed == 1
        # The edited article is parsed and its new key looked up; the rest were kept.
        assert loaded == [] and len(asked) == 1
    monkeypatch.setattr(kept, "_kept", None)
    clean = replace(corpus, work=tmp_path / "clean", cache=False)
    _generate(clean)
    assert _docs(corpus) == _docs(clean)


def _cached_keys(options: BuildOptions) -> set[str]:
    with sqlite3.connect(options.work / "cache" / AnalysisCache.FILE) as db:
        return {key for (key,) in db.execute("SELECT key FROM analyses")}


def test_cache_keeps_only_what_the_build_used(corpus: BuildOptions) -> None:
    _generate(corpus)
    assert len(_cached_keys(corpus)) == ARTICLES
    removed = read_content(corpus.content).articles[0]
    removed.path.unlink()
    _edit_body(read_content(corpus.content).articles[0].path)
    report = _generate(corpus)
    assert (report.articles, report.analyzed) == (ARTICLES - 1, 1)
    # The deleted article's entry and the edited article's old one are gone.
    assert len(_cached_keys(corpus)) == ARTICLES - 1


def test_a_rebuild_does_not_hash_the_unchanged_texts_again(
    corpus: BuildOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The analysis cache's key digests an article's text through `Article.text_digest`,
    made when the file is parsed and kept with the parse (builder/read_cache.py): a
    rebuild hashes the edited article only, and still finds every other analysis."""
    import hashlib
    from types import SimpleNamespace

    from builder import model

    _generate(corpus)
    edited = read_content(corpus.content).articles[ARTICLES // 2].path
    _edit_body(edited)
    hashed: list[int] = []

    def counted(data: bytes, **options: int) -> object:
        hashed.append(len(data))
        return hashlib.blake2b(data, **options)

    monkeypatch.setattr(model, "hashlib", SimpleNamespace(blake2b=counted))
    assert _generate(corpus).analyzed == 1
    assert hashed == [len(edited.read_bytes())]
    monkeypatch.undo()
    assert _generate(corpus).analyzed == 0  # the digest kept for the edited file is its own


def test_damaged_cache_is_a_miss_not_an_error(corpus: BuildOptions) -> None:
    first = _generate(corpus)
    docs = {p: p.read_bytes() for p in corpus.docs.rglob("*") if p.is_file()}
    (corpus.work / "cache" / AnalysisCache.FILE).write_bytes(b"not a database" * 100)
    again = _generate(corpus)
    assert again.analyzed == ARTICLES == first.analyzed
    assert {p: p.read_bytes() for p in corpus.docs.rglob("*") if p.is_file()} == docs
    assert _generate(corpus).analyzed == 0, "the damaged file was replaced by a working cache"


# --- pages not rendered again (builder/fingerprint.py, OutputTree's file stamps) --------


def _docs(options: BuildOptions) -> dict[str, bytes]:
    root = options.docs
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _rendered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The pages rendered from now on (the spy runs in this process: jobs=1)."""
    rendered: list[str] = []
    original = PageJob.__call__

    def spy(job: PageJob) -> list[tuple[str, str]]:
        rendered.append(job.page)
        return original(job)

    monkeypatch.setattr(PageJob, "__call__", spy)
    return rendered


def test_unchanged_pages_are_not_rendered_again(
    corpus: BuildOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _generate(corpus)
    rendered = _rendered(monkeypatch)
    # An article page's chips are made from its analysis only when the page is rendered:
    # its fingerprint digests what they are made from.
    derived: list[str] = []
    monkeypatch.setattr(
        PageWriter, "_article_data", lambda _self, article, **_: derived.append(article.slug)
    )
    again = _generate(corpus)
    assert rendered == [] and derived == []
    assert again.reused >= first.pages  # every page (and feed) kept as the first build left it
    assert again.stage("write").files == 0


def test_after_an_edit_only_pages_showing_the_article_are_rendered(
    corpus: BuildOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    _generate(corpus)
    articles = read_content(corpus.content).articles
    edited = articles[len(articles) // 2]
    rendered = _rendered(monkeypatch)
    _edit_body(edited.path)
    _generate(corpus)
    assert article_page(edited) in rendered
    # Every other page rendered again lists the article (by its address); the others, most of
    # the site, were kept without rendering.
    slug_link = f"{edited.slug}/"
    for page in rendered:
        assert page == article_page(edited) or slug_link in (corpus.docs / page).read_text(
            encoding="utf-8"
        ), page
    assert len(rendered) < len(_docs(corpus)) / 4


def test_fingerprints_checked_in_workers_keep_what_a_serial_check_keeps(
    corpus: BuildOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large sites check their 16,000 jobs' fingerprints in forked workers
    (writer.CHECK_PARALLEL_MIN): the same pages kept, the same ones rendered, the same docs."""
    in_workers: list[int] = []
    real = forked._in_workers

    def spy(
        task: Callable[[int], object], count: int, workers: int, meanwhile: object = None
    ) -> list[object]:
        in_workers.append(count)
        return real(task, count, workers, meanwhile)

    monkeypatch.setattr(forked, "_in_workers", spy)
    edited = read_content(corpus.content).articles[ARTICLES // 2].path
    outcome = {}
    for check_min in (10**9, 0):  # serial check, then forked
        monkeypatch.setattr(writer, "CHECK_PARALLEL_MIN", check_min)
        options = replace(corpus, work=corpus.work / str(check_min), jobs=2)
        original = edited.read_bytes()
        _generate(options)
        rendered = _rendered(monkeypatch)
        _edit_body(edited)
        in_workers.clear()
        report = _generate(options)
        edited.write_bytes(original)
        outcome[check_min] = (report.reused, sorted(rendered), _docs(options))
        if check_min == 0:  # every page job, then every feed job, checked in workers
            assert len(in_workers) == 2 and in_workers[0] == report.pages
        else:
            assert in_workers == []  # the few pages to render stay in the process too
    assert outcome[0] == outcome[10**9]
    assert outcome[0][0] > 0 and outcome[0][1]


def test_a_page_edited_by_hand_is_written_again(corpus: BuildOptions) -> None:
    _generate(corpus)
    page = corpus.docs / "index.md"
    good = page.read_bytes()
    page.write_text("edited by hand\n", encoding="utf-8")
    _generate(corpus)
    assert page.read_bytes() == good
    (corpus.docs / "tags" / "index.md").unlink()
    _generate(corpus)
    assert (corpus.docs / "tags" / "index.md").is_file()


def _add_event(path: Path) -> None:
    """A sentence with a date at the end of the body: a new event, front matter untouched."""
    text = path.read_text(encoding="utf-8").rstrip("\n")
    sentence = " ومن المقرر أن يعقد الاجتماع المقبل في 3 آذار/مارس 2031."
    path.write_text(text + sentence + "\n", encoding="utf-8")


def _reword_event(path: Path) -> None:
    """The same event (date, place in the text), in other words: only its sentence differs."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("الاجتماع المقبل", "اللقاء القادم"), encoding="utf-8")


def _drop_summary(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    path.write_text("\n".join(line for line in lines if not line.startswith("summary:")), "utf-8")


def _prepend_paragraph(path: Path) -> None:
    """A new first paragraph, front matter untouched: without a summary, the lede changes."""
    text = path.read_text(encoding="utf-8")
    end = text.index("\n---\n", 3) + len("\n---\n")
    path.write_text(f"{text[:end]}\nفقرة أولى جديدة تتصدر الخبر.\n{text[end:]}", "utf-8")


def test_only_the_article_page_shows_the_body() -> None:
    """Lists are fingerprinted without the articles' bodies (builder/fingerprint.py): only
    the article page, which is handed the article's analysis (whose key digests the whole
    text: builder/site_fingerprints.py), may read one."""
    for template in sorted(Path("builder/templates").glob("*.j2")):
        text = template.read_text(encoding="utf-8")
        for field in (".body", ".text"):
            if (template.name, field) == ("article.md.j2", ".body"):
                continue
            uses = text.count(field) - text.count(f"search{field}")
            assert uses == 0, f"{template.name} reads an article's {field[1:]}"


def test_a_dated_event_shows_nothing_of_its_article_but_its_address() -> None:
    """Dated events are fingerprinted as their event and their article's address
    (builder/site_fingerprints.py): a template that showed more of that article (its title,
    its tags) would be left stale by an edit to it."""
    for template in sorted(Path("builder/templates").glob("*.j2")):
        text = template.read_text(encoding="utf-8")
        linked = text.count("dated.article | article_page")
        assert text.count("dated.article") == linked, (
            f"{template.name} reads a dated event's article"
        )


def test_a_new_tag_leaves_the_timelines_alone(
    corpus: BuildOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tag changes what lists of articles show, not what the timelines show of the
    article's events: its timeline year is not rendered again (the page would be the same)."""
    _generate(corpus)
    content = read_content(corpus.content)
    from builder.analyze_all import analyze_articles

    analyses = analyze_articles(content.articles, content.entities).by_slug
    dated = next(a for a in content.articles if analyses[a.slug].events)
    text = dated.path.read_text(encoding="utf-8")
    dated.path.write_text(text.replace("tags: [", "tags: ['وسم جديد', ", 1), encoding="utf-8")
    assert "وسم جديد" in dated.path.read_text(encoding="utf-8")
    rendered = _rendered(monkeypatch)
    _generate(corpus)
    assert article_page(dated) in rendered and "tags/index.md" in rendered
    assert not [page for page in rendered if page.startswith("timeline/")], rendered


def _set_front(path: Path, key: str, value: str) -> None:
    """Replace (or add) one front-matter field of an article file."""
    lines = path.read_text(encoding="utf-8").split("\n")
    end = lines.index("---", 1)
    fields = [line for line in lines[1:end] if not line.startswith(f"{key}:")]
    path.write_text("\n".join(["---", *fields, f"{key}: {value}", *lines[end:]]), encoding="utf-8")


def test_incremental_builds_equal_clean_builds_after_every_kind_of_edit(
    corpus: BuildOptions, tmp_path: Path
) -> None:
    """The caches (read, analysis, related articles, page fingerprints) never leave a stale
    page: after each edit, the incremental docs folder is byte-identical to one generated
    from scratch without any cache."""
    clean = BuildOptions(
        content=corpus.content, site=corpus.site, work=tmp_path / "clean", jobs=1, cache=False
    )
    articles = read_content(corpus.content).articles
    first, second, third = articles[3], articles[10], articles[-1]
    registry = corpus.content / "entities.yml"
    edits = [
        ("nothing", lambda: None),
        ("a body", lambda: _edit_body(first.path)),
        ("a dated sentence added to a body (a new event)", lambda: _add_event(first.path)),
        ("that event's sentence reworded", lambda: _reword_event(first.path)),
        ("a summary removed", lambda: _drop_summary(second.path)),
        ("a first paragraph (the lede lists show)", lambda: _prepend_paragraph(second.path)),
        (
            "a title shown in other pages' lists",
            lambda: _set_front(second.path, "title", "'عنوان جديد'"),
        ),
        ("a summary", lambda: _set_front(first.path, "summary", "'ملخص آخر للخبر'")),
        (
            "tags (related articles change)",
            lambda: _set_front(third.path, "tags", "['وسم جديد', 'وسم آخر']"),
        ),
        ("the date", lambda: _set_front(second.path, "date", "'2020-02-29'")),
        (
            "an entity's name in the registry",
            lambda: registry.write_text(
                registry.read_text(encoding="utf-8").replace("name: '", "name: 'السيد ", 1),
                encoding="utf-8",
            ),
        ),
        ("an article removed", lambda: third.path.unlink()),
        ("a draft", lambda: _set_front(first.path, "draft", "true")),
    ]
    for what, edit in edits:
        edit()
        time.sleep(0.01)  # a file rewritten within one clock tick must still look changed
        _generate(corpus)
        _generate(clean)
        assert _docs(corpus) == _docs(clean), f"stale pages after editing {what}"


def test_a_new_template_or_module_changes_every_fingerprint(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "pages.py").write_text("X = 1\n", encoding="utf-8")
    (tmp_path / "templates" / "page.md.j2").write_text("{{ x }}\n", encoding="utf-8")
    before = code_salt(tmp_path)
    assert code_salt(tmp_path) == before
    (tmp_path / "templates" / "page.md.j2").write_text("{{ x }}!\n", encoding="utf-8")
    after_template = code_salt(tmp_path)
    (tmp_path / "pages.py").write_text("X = 2\n", encoding="utf-8")
    assert len({before, after_template, code_salt(tmp_path)}) == 3
    # …and the page fingerprints follow the salt.
    assert Fingerprinter(before).of("page") != Fingerprinter(after_template).of("page")


def test_fingerprints_tell_apart_what_renders_differently() -> None:
    fingerprints = Fingerprinter("salt")
    values = [
        "1", 1, 1.0, True, None, ["ab"], ["a", "b"], ("a", "b"), {"a": "b"}, {"a": ["b"]},
        [["a"], "b"], ["a", ["b"]], dt.date(2021, 12, 31), "2021-12-31",
        Entity("nato", "organization", "الناتو"), Entity("nato", "organization", "حلف الناتو"),
    ]  # fmt: skip
    digests = [fingerprints.of(value) for value in values]
    assert len(set(digests)) == len(values)
    assert fingerprints.of(["a", "b"]) == Fingerprinter("salt").of(["a", "b"])  # stable
    assert Fingerprinter("other").of(["a", "b"]) != fingerprints.of(["a", "b"])
    with pytest.raises(TypeError, match="no fingerprint for a set"):
        fingerprints.of({"a"})


def test_results_are_updated_from_the_ones_kept_by_the_last_build(tmp_path: Path) -> None:
    given: list[object] = []

    def appending(value: str) -> Callable[[list[str] | None], list[str]]:
        def compute(kept: list[str] | None) -> list[str]:
            given.append(kept)
            return [*(kept or []), value]

        return compute

    with RememberedResults(tmp_path) as results:
        assert results.update("related", appending("a")) == ["a"]
    with RememberedResults(tmp_path) as results:
        assert results.update("related", appending("b")) == ["a", "b"]
        assert results.update("other", appending("c")) == ["c"]
    assert given == [None, ["a"], None]


def test_related_articles_kept_from_the_last_build_are_the_ones_computed_afresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After every kind of edit that moves related articles (a tag added or removed, the
    entities found, a date), the lists updated from the last build's equal the lists
    computed from nothing, and only the articles whose inputs changed were computed."""
    generate_corpus(tmp_path / "content", 300, entities=ENTITIES)
    content = read_content(tmp_path / "content")
    articles = content.articles
    analyses = analyze_articles(articles, content.entities, jobs=1).by_slug
    computed: list[int] = []
    compute = indexes._related

    def counting(*args: Any, **kwargs: Any) -> list[list[str]]:
        found = compute(*args, **kwargs)
        computed.append(len(found))
        return found

    monkeypatch.setattr(indexes, "_related", counting)

    def related(remember: indexes.Remember | None) -> dict[str, list[str]]:
        index = indexes.build_index(articles, analyses, content.entities, [], 1, remember)
        return {slug: [a.slug for a in listed] for slug, listed in index.related.items()}

    rng = random.Random(6)
    tags = sorted({tag for article in articles for tag in article.tags})
    entity_ids = sorted(content.entities)
    with RememberedResults(tmp_path / "cache") as results:
        related(results.update)
        for step in range(30):
            number = rng.randrange(len(articles))
            article = articles[number]
            what = ("tag added", "tag removed", "entities", "date", "a day", "nothing")[step % 6]
            if what == "tag added":
                articles[number] = replace(article, tags=(*article.tags, rng.choice(tags)))
            elif what == "tag removed" and article.tags:
                articles[number] = replace(article, tags=article.tags[1:])
            elif what == "entities":
                analysis = analyses[article.slug]
                found = sorted({*analysis.entities[1:], rng.choice(entity_ids)})
                analyses[article.slug] = replace(analysis, entities=tuple(found))
            elif what == "date":
                articles[number] = replace(article, date=article.date - dt.timedelta(days=40))
                articles.sort(key=lambda a: (a.date, a.published, a.slug), reverse=True)
            elif what == "a day":  # often the same order: only the tie-breaks by date move
                articles[number] = replace(article, date=article.date + dt.timedelta(days=1))
                articles.sort(key=lambda a: (a.date, a.published, a.slug), reverse=True)
            computed.clear()
            kept = related(results.update)
            assert computed[0] < len(articles), f"everything computed again after: {what}"
            if what == "nothing":
                assert computed == [0]
            assert kept == related(None), f"stale related articles after: {what}"
    assert computed[-1] == len(articles)  # from nothing: every article


@pytest.mark.parametrize(
    "cache_file",
    [AnalysisCache.FILE, ReadCache.FILE, FileStamps.FILE, RememberedResults.FILE],
)
def test_every_damaged_cache_is_replaced_not_an_error(
    corpus: BuildOptions, cache_file: str
) -> None:
    _generate(corpus)
    docs = _docs(corpus)
    assert (corpus.work / "cache" / cache_file).is_file()
    (corpus.work / "cache" / cache_file).write_bytes(b"not a database" * 100)
    _generate(corpus)
    assert _docs(corpus) == docs
    _generate(corpus)  # and a working cache again
    assert _docs(corpus) == docs


@pytest.mark.parametrize("cache", [AnalysisCache, ReadCache, FileStamps, RememberedResults])
def test_caches_commit_without_syncing_to_disk(tmp_path: Path, cache: Any) -> None:
    """A cache needs no durability: its commits skip the fsync (half of the time of
    writing 10,000 parsed articles), every other setting as SQLite's default."""
    with cache(tmp_path) as opened:
        assert opened.db.query("PRAGMA synchronous") == [(0,)]  # OFF
        assert opened.db.query("PRAGMA journal_mode") == [("delete",)]  # still all or nothing


def test_an_article_with_a_problem_is_reported_on_every_build(corpus: BuildOptions) -> None:
    _generate(corpus)
    broken = read_content(corpus.content).articles[0].path
    _set_front(broken, "date", "'2021-02-30'")
    for _ in range(2):  # the second time, from the read cache if it kept a bad parse
        with pytest.raises(ContentError, match="not a real date"):
            _generate(corpus)


def test_cached_analyses_and_articles_load_back_equal(corpus: BuildOptions) -> None:
    """The caches store plain tuples (marshal: loading runs no code); every field comes back,
    mentions, events, warnings and search terms included."""
    from builder import analyze_all, read_cache
    from builder.analysis import analyze_article
    from builder.matcher import EntityMatcher

    content = read_content(corpus.content)
    matcher = EntityMatcher(content.entities.values())
    analyses = [analyze_article(article, matcher) for article in content.articles]
    assert any(a.mentions for a in analyses) and any(a.events for a in analyses)
    for analysis in analyses:
        assert analyze_all._loaded(analyze_all._stored(analysis)) == analysis
    for article in content.articles:
        stored = read_cache.stored_article(article)
        assert read_cache.loaded_article(article.path, stored) == article
    stored = read_cache._stored_entities(content.entities)
    assert read_cache._loaded_entities(stored) == content.entities
    assert analyze_all._loaded(b"not marshal data") is None


def test_caches_hold_whether_content_is_given_relative_or_absolute(
    corpus: BuildOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    from builder import reader

    _generate(corpus)  # absolute paths (tmp_path), as the benchmark gives them
    parsed: list[Path] = []
    original = reader.read_article
    monkeypatch.setattr(
        reader, "read_article", lambda path, *a, **k: parsed.append(path) or original(path, *a, **k)
    )
    rendered = _rendered(monkeypatch)
    monkeypatch.chdir(corpus.work.parent)
    relative = BuildOptions(
        content=Path("content"), site=Path("site"), work=Path("work"), search=False, jobs=1
    )
    report = _generate(relative)
    assert (parsed, rendered, report.analyzed) == ([], [], 0)


def test_a_fresh_clone_parses_only_the_articles_whose_text_changed(
    corpus: BuildOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clone (a CI runner with build/ restored from its cache) gives every file a new
    modification time: the read cache compares the texts and keeps the parses of the
    unchanged ones; an edited one is parsed again, and the next build trusts the new stamps."""
    from bench.__main__ import touch_every_article
    from builder import reader

    _generate(corpus)
    paths = sorted((corpus.content / "articles").rglob("*.md"))
    edited = paths[len(paths) // 2]
    _edit_body(edited)
    touch_every_article(corpus.content, ARTICLES)  # what the benchmark measures as a clone
    parsed: list[Path] = []
    original = reader.read_article
    monkeypatch.setattr(
        reader, "read_article", lambda path, *a, **k: parsed.append(path) or original(path, *a, **k)
    )
    compared: list[Path] = []
    compare = ReadCache._kept_with_the_same_text
    monkeypatch.setattr(
        ReadCache,
        "_kept_with_the_same_text",
        lambda self, key, path, stamp: compared.append(path) or compare(self, key, path, stamp),
    )
    report = _generate(corpus)
    assert parsed == [edited] and len(compared) == len(paths)
    assert report.analyzed == 1 and report.stage("write").files == 1
    parsed.clear(), compared.clear()
    assert _generate(corpus).analyzed == 0
    assert parsed == [] and compared == []  # kept under the new stamps


def test_an_event_digest_covers_what_pages_show_and_only_values() -> None:
    """Timelines are kept when their events' digests are: a shown field left out would leave
    them stale; a digest of object identity (not values), or of where the event sits in its
    file, would render them again after edits that change nothing they show."""
    import re
    from dataclasses import replace

    from builder.analysis import ArticleAnalysis, Event
    from builder.analyze_all import _loaded, _stored
    from builder.site_fingerprints import SHOWN_EVENT_FIELDS, event_digest

    # Templates read only those fields of an event (or of a dated event: its event's
    # fields, through `date` and `sentence`, and its article's address).
    allowed = {*SHOWN_EVENT_FIELDS, "event", "article"}
    for template in sorted(Path("builder/templates").glob("*.j2")):
        read = set(re.findall(r"\b(?:event|dated)\.(\w+)", template.read_text(encoding="utf-8")))
        assert read <= allowed, f"{template.name} shows {read - allowed} of an event"
    event = Event("2022-01-12", "day", "الـ 12", 5, 10, "جملة الحدث.", ("nato",), True)
    shown = {
        "date": "2022-01-13",
        "precision": "month",
        "sentence": "جملة أخرى.",
        "entities": ("nato", "un"),
    }
    assert set(shown) == set(SHOWN_EVENT_FIELDS)
    for name, value in shown.items():
        assert event_digest(replace(event, **{name: value})) != event_digest(event), name
    moved = replace(event, expression="12", start=50, end=55, from_editor=False)
    assert event_digest(moved) == event_digest(event)
    # The same event as the analysis cache gives it back: another object, the same digest.
    loaded = _loaded(_stored(ArticleAnalysis((), (), (event,), ())))
    assert loaded is not None and loaded.events[0] is not event
    assert event_digest(loaded.events[0]) == event_digest(event)


def test_shared_digests_made_in_another_process_are_the_ones_made_here(
    corpus: BuildOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """site_fingerprints makes the digests of articles and analyses in a forked process from
    OVERLAP_MIN articles on; every page fingerprint must be what this process would make."""
    import os

    from builder import site_fingerprints
    from builder.analyze_all import analyze_articles
    from builder.indexes import build_index
    from builder.pages import PageWriter

    content = read_content(corpus.content)
    analyses = analyze_articles(content.articles, content.entities)
    index = build_index(content.articles, analyses.by_slug, content.entities, [])
    identity = ("http://localhost:8000/", "موجز", "اختبار")
    jobs = PageWriter(index, "موجز", "اختبار").jobs()
    real = site_fingerprints.SharedDigests._made_there

    def fingerprints(workers: int) -> tuple[list[bytes], set[int]]:
        made_in = corpus.content.parent / f"made-in-{workers}"  # the forked process writes it

        def watched(self: site_fingerprints.SharedDigests) -> list[str]:
            with made_in.open("a") as pids:
                pids.write(f"{os.getpid()}\n")
            return real(self)

        monkeypatch.setattr(site_fingerprints.SharedDigests, "_made_there", watched)
        with site_fingerprints.SharedDigests(
            content.articles, analyses.by_slug, analyses.keys, content.entities, identity, workers
        ) as digests:
            fingerprinter = digests.fingerprinter(index)
        pids = {int(pid) for pid in made_in.read_text().split()} if made_in.exists() else set()
        return [job.fingerprint(fingerprinter) for job in jobs], pids

    monkeypatch.setattr(site_fingerprints, "OVERLAP_MIN", 1)
    forked, forked_pids = fingerprints(2)
    here, here_pids = fingerprints(1)
    assert forked_pids and os.getpid() not in forked_pids, "made in a forked process"
    assert not here_pids, "made in this process, without the forked path"
    assert forked == here
    assert len(set(here)) == len(jobs)


def test_file_stamps_keep_exactly_this_builds_jobs(tmp_path: Path) -> None:
    """Only changed rows are written, yet the cache ends as this build's jobs: gone and
    unreadable rows are deleted, unchanged ones kept, changed ones replaced."""
    a, b, c = [("a.md", 1, 10)], [("b.md", 2, 20)], [("c.md", 3, 30)]
    with FileStamps(tmp_path) as stamps:
        stamps.load()
        stamps.save({b"a": a, b"b": b})
    with sqlite3.connect(tmp_path / FileStamps.FILE) as db:
        db.execute("INSERT INTO jobs VALUES (?, ?)", (b"junk", "not json"))
    with FileStamps(tmp_path) as stamps:
        assert stamps.load() == {b"a": a, b"b": b}
        stamps.save({b"a": a, b"b": c, b"c": c})
    with FileStamps(tmp_path) as stamps:
        assert stamps.load() == {b"a": a, b"b": c, b"c": c}
        stamps.save({b"c": c})
    with sqlite3.connect(tmp_path / FileStamps.FILE) as db:
        assert db.execute("SELECT fingerprint FROM jobs").fetchall() == [(b"c",)]
