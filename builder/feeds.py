"""Atom 1.0 and JSON Feed 1.1 for the site and for each entity (newest entries first).

Feeds need absolute URLs, so they are built from mkdocs.yml's `site_url`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from .fingerprint import Fingerprinter
from .model import Article

FEED_ENTRIES = 50


# Every feed lives under feeds/, beside a tiny sitemap.xml: Material fetches the
# sitemap.xml next to every <link rel="alternate"> target (for its language switcher). Next
# to a feed at the site root that is MkDocs' sitemap of every page — 1.9 MB at 10,000
# articles, on every page view; here it is an empty, valid sitemap (nothing to map).
SITE_FEED = "feeds/news"
EMPTY_SITEMAP = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>\n'
)
FEED_SITEMAPS = ("feeds/sitemap.xml", "feeds/entities/sitemap.xml")


def entity_feed(entity_id: str) -> str:
    """Feed file name (without extension) of an entity: feeds/entities/<id>."""
    return f"feeds/entities/{entity_id}"


def article_timestamp(article: Article) -> str:
    """RFC 3339 timestamp of the article: its datetime if given, else midnight UTC."""
    if len(article.published) > 10:
        value = dt.datetime.fromisoformat(article.published.replace("Z", "+00:00"))
    else:
        value = dt.datetime.combine(article.date, dt.time(), tzinfo=dt.UTC)
    return value.isoformat().replace("+00:00", "Z")


class FeedWriter:
    """Renders feeds; an entry's summary is the article's lede."""

    def __init__(self, site_url: str, site_name: str) -> None:
        self.base = site_url.rstrip("/") + "/"
        self.site_name = site_name
        # An article is an entry of the site's feeds and of those of every entity it names
        # (93,000 entries for 10,000 articles): each entry is made once, by its address.
        self._atom_entries: dict[str, str] = {}
        self._json_items: dict[str, dict[str, object]] = {}

    def files(
        self, name: str, title: str, page_url: str, articles: list[Article]
    ) -> list[tuple[str, str]]:
        """(file, text) for the Atom (`name`.xml) and JSON (`name`.json) feeds of `articles`."""
        entries = articles[:FEED_ENTRIES]
        return [
            (f"{name}.xml", self.atom(f"{name}.xml", title, page_url, entries)),
            (f"{name}.json", self.json_feed(f"{name}.json", title, page_url, entries)),
        ]

    def url(self, relative: str) -> str:
        return self.base + relative

    def atom(self, path: str, title: str, page_url: str, entries: list[Article]) -> str:
        updated = article_timestamp(entries[0]) if entries else "1970-01-01T00:00:00Z"
        self_url = self.url(path)
        lines = [
            '<?xml version="1.0" encoding="utf-8"?>',
            '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ar">',
            f"  <title>{escape(title)}</title>",
            f"  <id>{escape(self_url)}</id>",
            f'  <link rel="self" type="application/atom+xml" href={quoteattr(self_url)}/>',
            f'  <link rel="alternate" type="text/html" href={quoteattr(self.url(page_url))}/>',
            f"  <updated>{updated}</updated>",
            f"  <author><name>{escape(self.site_name)}</name></author>",
        ]
        lines += map(self._atom_entry, entries)
        lines.append("</feed>")
        return "\n".join(lines) + "\n"

    def _atom_entry(self, article: Article) -> str:
        entry = self._atom_entries.get(article.url)
        if entry is None:
            link = self.url(article.url)
            timestamp = article_timestamp(article)
            entry = "\n".join(
                [
                    "  <entry>",
                    f"    <title>{escape(article.title)}</title>",
                    f"    <id>{escape(link)}</id>",
                    f'    <link rel="alternate" type="text/html" href={quoteattr(link)}/>',
                    f"    <published>{timestamp}</published>",
                    f"    <updated>{timestamp}</updated>",
                    f'    <summary type="text">{escape(article.lede)}</summary>',
                    *(f"    <category term={quoteattr(tag)}/>" for tag in article.tags),
                    "  </entry>",
                ]
            )
            self._atom_entries[article.url] = entry
        return entry

    def json_feed(self, path: str, title: str, page_url: str, entries: list[Article]) -> str:
        feed = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": title,
            "home_page_url": self.url(page_url),
            "feed_url": self.url(path),
            "language": "ar",
            "authors": [{"name": self.site_name}],
            "items": list(map(self._json_item, entries)),
        }
        # Compact: json's C encoder only serves calls without `indent` (5× faster here), and
        # feed readers do not read the whitespace.
        return json.dumps(feed, ensure_ascii=False, separators=(",", ":")) + "\n"

    def _json_item(self, article: Article) -> dict[str, object]:
        item = self._json_items.get(article.url)
        if item is None:
            link = self.url(article.url)
            item = self._json_items[article.url] = {
                "id": link,
                "url": link,
                "title": article.title,
                "summary": article.lede,
                "content_text": article.lede,
                "date_published": article_timestamp(article),
                "language": "ar",
                **({"tags": list(article.tags)} if article.tags else {}),
                **({"external_url": article.source_url} if article.source_url else {}),
            }
        return item


@dataclass(frozen=True)
class FeedJob:
    """The two feeds of one list of articles, as an OutputTree job."""

    writer: FeedWriter
    name: str
    title: str
    page_url: str
    articles: list[Article]

    def __call__(self) -> list[tuple[str, str]]:
        return self.writer.files(self.name, self.title, self.page_url, self.articles)

    def fingerprint(self, fingerprinter: Fingerprinter) -> bytes:
        writer = self.writer
        return fingerprinter.of(
            "feed",
            writer.base,
            writer.site_name,
            self.name,
            self.title,
            self.page_url,
            self.articles,
        )
