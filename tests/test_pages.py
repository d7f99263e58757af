"""Entity, tag, timeline, archive and digest pages of the sample site, and their links.

Facts are checked two ways: by hand for things read off the sample articles (Stoltenberg is
named in the seed article and the Brussels one, not in the Geneva one), and by consistency
between pages (every entity chip of an article is answered by a link back from the entity
page, every event of an article is on the timeline and in its day's digest)."""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from pathlib import Path

import pytest
from conftest import SEED_DATES, BuiltSite

from builder.analysis import ArticleAnalysis
from builder.cache_db import RememberedResults
from builder.indexes import build_index
from builder.model import Article, Entity
from builder.problems import Problem
from builder.render import relative_link, served_url

SEED = "articles/2021/12/nato-ready-for-meaningful-talks-with-russia/"
BRUSSELS = "articles/2022/01/nato-russia-council-brussels/"
GENEVA = "articles/2022/01/us-russia-security-talks-geneva/"


def links(html: str) -> set[str]:
    """Site-relative targets of the page's links, resolved from its own URL."""
    return set(re.findall(r'href="([^"#]+)"', html))


def resolve(page_url: str, href: str) -> str:
    if href.startswith(("http://", "https://", "/")):
        return href
    parts = page_url.rstrip("/").split("/") if page_url else []
    for piece in href.split("/"):
        if piece == "..":
            parts.pop()
        elif piece not in ("", "."):
            parts.append(piece)
    return "/".join(parts) + ("/" if href.endswith("/") else "")


def targets(site: BuiltSite, url: str) -> set[str]:
    return {resolve(url, h) for h in links(site.html(url))}


def test_entity_page_lists_its_articles_and_names(sample_site: BuiltSite) -> None:
    url = "entities/jens-stoltenberg/"
    html = sample_site.content(url)
    found = targets(sample_site, url)
    assert SEED in found and BRUSSELS in found
    assert GENEVA not in found
    assert "ينس ستولتنبرغ" in html and "Jens Stoltenberg" in html
    assert "ستولتنبرج" in html  # aliases are listed
    assert "https://www.wikidata.org/wiki/Q57286" in html
    # Newest first: the Brussels article (2022-01-12) before the seed (2021-12-31).
    assert html.index(BRUSSELS.split("/")[-2]) < html.index(SEED.split("/")[-2])


def test_entity_page_shows_cooccurring_entities_with_counts(sample_site: BuiltSite) -> None:
    html = sample_site.content("entities/jens-stoltenberg/")
    section = html[html.index("يَرِد معه غالباً") :]
    # NATO is named in both Stoltenberg articles; Sherman only in the Geneva one, without him.
    assert re.search(r"حلف شمال الأطلسي \(2\)", section)
    assert "ويندي شيرمان" not in section
    counts = [int(n) for n in re.findall(r"\((\d+)\)</a>", section)]
    assert counts and counts == sorted(counts, reverse=True)


def test_article_chips_and_entity_pages_link_both_ways(sample_site: BuiltSite) -> None:
    index = sample_site.report.index
    assert index is not None
    for article in index.articles:
        chips = {t for t in targets(sample_site, article.url) if t.startswith("entities/")}
        expected = {f"entities/{i}/" for i in index.analyses[article.slug].entities}
        assert chips >= expected, article.slug
        for chip in expected:
            assert article.url in targets(sample_site, chip), (article.slug, chip)


def test_entities_index_groups_by_type_with_counts(sample_site: BuiltSite) -> None:
    html = sample_site.content("entities/")
    people, organizations, places = (html.index(h) for h in ("أشخاص", "منظمات", "أماكن"))
    assert people < organizations < places
    assert html.index("ينس ستولتنبرغ") < organizations
    assert organizations < html.index("منظمة الأمن والتعاون في أوروبا") < places
    assert re.search(r"ينس ستولتنبرغ</a>.*?— 2 ", html, re.S)


def test_tag_pages_link_both_ways(sample_site: BuiltSite) -> None:
    index = sample_site.report.index
    assert index is not None
    tags_index = targets(sample_site, "tags/")
    for tag, slug in index.tag_slugs.items():
        assert re.fullmatch(r"[a-z0-9-]+", slug)
        assert f"tags/{slug}/" in tags_index
        tag_targets = targets(sample_site, f"tags/{slug}/")
        for article in index.by_tag[tag]:
            assert article.url in tag_targets
            assert f"tags/{slug}/" in targets(sample_site, article.url)
    assert len(index.by_tag["الأمن الأوروبي"]) == 4


def test_related_articles_on_the_seed_page(sample_site: BuiltSite) -> None:
    html = sample_site.content(SEED)
    section = html[html.index("أخبار ذات صلة") :]
    related = {t for t in (resolve(SEED, h) for h in links(section)) if t.startswith("articles/")}
    assert BRUSSELS in related and SEED not in related
    assert 1 <= len(related) <= 5


def test_timeline_holds_every_event_and_links_its_article(sample_site: BuiltSite) -> None:
    index = sample_site.report.index
    assert index is not None
    assert "timeline/2021/" in targets(sample_site, "timeline/")
    assert "timeline/2022/" in targets(sample_site, "timeline/")
    for dated in index.events:
        year_page = f"timeline/{dated.date[:4]}/"
        assert f'datetime="{dated.date}"' in sample_site.content(year_page)
        assert dated.article.url in targets(sample_site, year_page)
    assert SEED in targets(sample_site, "timeline/2021/")
    # The editor's event after the newest article is upcoming: on the timeline and home.
    upcoming = sample_site.content("timeline/")
    assert 'datetime="2022-01-21"' in upcoming
    assert 'datetime="2021-12-17"' not in upcoming  # past events are on the year pages
    assert 'datetime="2022-01-21"' in sample_site.content("")


def test_seed_events_on_the_article_page(sample_site: BuiltSite) -> None:
    html = sample_site.content(SEED)
    section = html[html.index("الأحداث المؤرخة") :]
    dates = re.findall(r'<time datetime="(\d{4}-\d{2}-\d{2})"', section.split("أخبار ذات صلة")[0])
    assert dates == SEED_DATES


def test_entity_page_has_its_own_timeline(sample_site: BuiltSite) -> None:
    html = sample_site.content("entities/vienna/")
    section = html[html.index("الخط الزمني") :]
    assert 'datetime="2022-01-13"' in section


def test_archive_and_digests_agree(sample_site: BuiltSite) -> None:
    index = sample_site.report.index
    assert index is not None
    assert "archive/2022/01/" in targets(sample_site, "archive/")
    assert "archive/2022/01/" in targets(sample_site, "archive/2022/")
    month = targets(sample_site, "archive/2022/01/")
    assert BRUSSELS in month and GENEVA in month and SEED not in month
    for article in index.articles:
        digest = f"digest/{article.date.isoformat()}/"
        assert article.url in targets(sample_site, digest)
    for dated in index.events:
        if dated.event.precision == "day" and dated.date in index.by_day:
            digest = sample_site.content(f"digest/{dated.date}/")
            assert dated.article.url in targets(sample_site, f"digest/{dated.date}/")
            assert dated.sentence.split()[0] in digest
    # A day with events but no news has no digest page: its events are on the timeline.
    assert not (sample_site.root / "digest" / "2022-01-21").exists()
    seed_day = sample_site.html("digest/2021-12-31/")
    assert "اليوم الجمعة" in seed_day  # the event dated that day, with its sentence


def _article(slug: str, day: int, tags: tuple[str, ...] = ()) -> Article:
    return Article(
        path=Path(f"{slug}.md"),
        slug=slug,
        title=slug,
        date=dt.date(2022, 1, day),
        published=f"2022-01-{day:02d}",
        body="x",
        body_offset=0,
        tags=tags,
    )


def _analysis(*entities: str) -> ArticleAnalysis:
    return ArticleAnalysis(mentions=(), entities=entities, events=(), warnings=())


def test_related_weighs_shared_entities_above_shared_tags_and_rare_above_common() -> None:
    entities = {i: Entity(i, "place", i) for i in ("common", "rare", "other")}
    articles = [
        _article("a", 10, tags=("t",)),
        _article("shares-rare", 9),
        _article("shares-tag", 8, tags=("t",)),
        _article("shares-common", 7),
        _article("filler1", 6),
        _article("filler2", 5),
    ]
    analyses = {
        "a": _analysis("common", "rare"),
        "shares-rare": _analysis("rare"),
        "shares-tag": _analysis("other"),
        "shares-common": _analysis("common"),
        "filler1": _analysis("common"),
        "filler2": _analysis("common"),
    }
    index = build_index(articles, analyses, entities, [])
    ranked = [a.slug for a in index.related["a"]]
    assert ranked[0] == "shares-rare"
    assert ranked.index("shares-common") < ranked.index("shares-tag")
    assert "a" not in ranked and len(ranked) <= 5


def test_kept_related_articles_follow_a_date_that_moves_no_article(tmp_path: Path) -> None:
    """Equal scores are ranked by distance in time: q moved two days nearer x, with no
    article passing another, reorders x's related articles, and the lists kept from the
    last build (RememberedResults) must see it."""
    analyses = {slug: _analysis() for slug in "pxq"}

    def related_of_x(q_day: int, results: RememberedResults) -> list[str]:
        tagged = [_article(slug, day, tags=("t",)) for slug, day in (("p", 12), ("x", 10))]
        articles = [*tagged, _article("q", q_day, tags=("t",))]
        index = build_index(articles, analyses, {}, [], 1, results.update)
        return [a.slug for a in index.related["x"]]

    with RememberedResults(tmp_path) as results:
        assert related_of_x(7, results) == ["p", "q"]
        assert related_of_x(9, results) == ["q", "p"]


def test_two_tags_that_would_share_a_url_are_an_error() -> None:
    articles = [_article("a", 1, tags=("عمّان",)), _article("b", 2, tags=("عمان",))]
    problems: list[Problem] = []
    build_index(articles, {"a": _analysis(), "b": _analysis()}, {}, problems)
    assert len(problems) == 1
    assert "/tags/aman/" in problems[0].message
    assert "عمّان" in problems[0].message and "عمان" in problems[0].message


@pytest.mark.parametrize("url", ["", SEED, "entities/nato/"])
def test_pages_link_their_feeds(sample_site: BuiltSite, url: str) -> None:
    html = sample_site.html(url)
    assert re.search(r'<link rel="alternate" type="application/atom\+xml"[^>]*news\.xml', html)
    assert re.search(r'<link rel="alternate" type="application/feed\+json"[^>]*news\.json', html)
    # Material fetches the sitemap.xml beside every alternate link on every page view: it
    # must exist (no 404) and stay tiny (not MkDocs' sitemap of the whole site).
    for href in re.findall(r'<link rel="alternate"[^>]*href="([^"]+)"', html):
        sitemap = (sample_site.root / url / href).resolve().parent / "sitemap.xml"
        assert sitemap.is_file() and sitemap.stat().st_size < 200, href
    if url.startswith("entities/"):
        assert "feeds/entities/nato.xml" in html and "feeds/entities/nato.json" in html


def test_relative_links_are_written_from_the_folder_that_holds_the_page() -> None:
    # Every page of one folder says the same words for a target (list items are shared).
    assert relative_link("entities/nato.md", "entities/iran.md") == "../iran/"
    assert relative_link("entities/nato.md", "entities/nato.md") == "../nato/"
    assert relative_link("entities/nato.md", "articles/2021/12/x.md") == "../../articles/2021/12/x/"
    assert relative_link("tags/index.md", "tags/x.md") == "../tags/x/"
    assert relative_link("timeline/2019.md", "timeline/index.md") == "../"
    assert relative_link("index.md", "entities/nato.md") == "entities/nato/"
    assert relative_link("index.md", "index.md") == "./"
    pages = [
        "index.md",
        "tags/index.md",
        "entities/nato.md",
        "archive/2022/01.md",
        "archive/2022/index.md",
        "articles/2021/12/a-b.md",
        "feeds/news.xml",
    ]
    for page in pages[:-1]:
        for target in pages:
            here = "/" + served_url(page)
            assert posixpath.normpath(posixpath.join(here, relative_link(page, target))) == (
                posixpath.normpath("/" + served_url(target))
            ), (page, target)
