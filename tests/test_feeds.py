"""Atom and JSON feeds, parsed with a real feed parser: no entry lost or mangled."""

from __future__ import annotations

import json

import feedparser
from conftest import BuiltSite

SITE_URL = "http://localhost:8000/"


def test_site_atom_feed_has_every_article(sample_site: BuiltSite) -> None:
    index = sample_site.report.index
    assert index is not None
    feed = feedparser.parse((sample_site.root / "feeds/news.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert feed.feed.language == "ar"
    assert [e.title for e in feed.entries] == [a.title for a in index.articles]
    assert [e.link for e in feed.entries] == [SITE_URL + a.url for a in index.articles]
    for entry, article in zip(feed.entries, index.articles, strict=True):
        assert entry.published.startswith(article.date.isoformat())
        assert entry.summary  # the summary, not empty
        assert {t.term for t in entry.get("tags", [])} == set(article.tags)


def test_json_feed_matches_the_atom_feed(sample_site: BuiltSite) -> None:
    data = json.loads((sample_site.root / "feeds/news.json").read_text(encoding="utf-8"))
    atom = feedparser.parse((sample_site.root / "feeds/news.xml").read_bytes())
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert data["language"] == "ar"
    assert data["feed_url"] == SITE_URL + "feeds/news.json"
    assert [i["url"] for i in data["items"]] == [e.link for e in atom.entries]
    assert [i["title"] for i in data["items"]] == [e.title for e in atom.entries]


def test_entity_feed_agrees_with_the_entity_page(sample_site: BuiltSite) -> None:
    index = sample_site.report.index
    assert index is not None
    for entity_id in ("nato", "jens-stoltenberg", "vienna"):
        feed = feedparser.parse(
            (sample_site.root / "feeds" / "entities" / f"{entity_id}.xml").read_bytes()
        )
        assert not feed.bozo
        expected = [SITE_URL + a.url for a in index.by_entity[entity_id]]
        assert [e.link for e in feed.entries] == expected
        page = sample_site.html(f"entities/{entity_id}/")
        for article in index.by_entity[entity_id]:
            assert article.slug in page
    stoltenberg = json.loads(
        (sample_site.root / "feeds/entities/jens-stoltenberg.json").read_text(encoding="utf-8")
    )
    assert len(stoltenberg["items"]) == 2


def test_a_title_with_markup_characters_survives(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt
    from pathlib import Path

    from builder.feeds import FeedWriter
    from builder.model import Article

    article = Article(
        path=Path("a.md"),
        slug="a",
        title='أ & ب <ج> "د"',
        date=dt.date(2022, 1, 1),
        published="2022-01-01T10:00:00+03:00",
        body="x",
        body_offset=0,
        summary="ملخص & <تجربة>",
    )
    writer = FeedWriter("https://example.org/news/", "موجز")
    files = dict(writer.files("feed", "موجز", "", [article]))
    atom = feedparser.parse(files["feed.xml"])
    assert not atom.bozo
    assert atom.entries[0].title == article.title
    assert atom.entries[0].summary == article.summary
    assert atom.entries[0].link == "https://example.org/news/articles/2022/01/a/"
    assert atom.entries[0].published == "2022-01-01T10:00:00+03:00"
    assert json.loads(files["feed.json"])["items"][0]["title"] == article.title
