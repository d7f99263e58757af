"""The sample site built end to end with the real MkDocs: Arabic, right-to-left, the seed
article with its date, tweet and entities, and nothing loaded from another origin."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from conftest import BuiltSite

SEED_URL = "articles/2021/12/nato-ready-for-meaningful-talks-with-russia/"
SEED_TITLE = '"الناتو" يبدي استعداده لمحادثات "ذات مغزى" مع روسيا'


class _Page(HTMLParser):
    """Collects what the assertions need: tags with attributes, and visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def test_home_is_arabic_rtl_and_links_the_seed_article(sample_site: BuiltSite) -> None:
    page = parse(sample_site.html(""))
    html_tag = next(attrs for tag, attrs in page.tags if tag == "html")
    body_tag = next(attrs for tag, attrs in page.tags if tag == "body")
    assert html_tag["lang"] == "ar"
    assert body_tag["dir"] == "rtl"  # Material sets the direction on <body>
    hrefs = [attrs.get("href", "") for tag, attrs in page.tags if tag == "a"]
    assert any(h.rstrip("/").endswith(SEED_URL.rstrip("/")) for h in hrefs)
    assert SEED_TITLE in "".join(page.text)
    # The site's name and footer are Arabic, with no leftover English interface text.
    assert "موجز" in "".join(page.text)
    assert "Made with" not in sample_site.html("")


def test_seed_article_page(sample_site: BuiltSite) -> None:
    html = sample_site.html(SEED_URL)
    page = parse(html)
    text = " ".join(page.text)
    assert SEED_TITLE in text
    times = [attrs for tag, attrs in page.tags if tag == "time"]
    assert any(t.get("datetime") == "2021-12-31" for t in times)
    assert "31 كانون الأول/ديسمبر 2021" in text
    assert "27 جمادى الأولى 1443 هـ" in text
    assert "حلف شمال الأطلسي" in text  # summary and body
    assert "مساء أمس الخميس" in text  # the last paragraph made it


def test_tweet_is_a_static_ltr_blockquote(sample_site: BuiltSite) -> None:
    html = sample_site.html(SEED_URL)
    quote = re.search(r'<blockquote class="tweet"[^>]*>(.*?)</blockquote>', html, re.S)
    assert quote, "the embedded tweet is missing"
    assert 'dir="ltr"' in quote.group(0)
    assert "Spoke to" in quote.group(1) and "NATO-Russia Council on Jan 12" in quote.group(1)
    assert 'href="https://twitter.com/jensstoltenberg"' in quote.group(1)
    assert 'datetime="2021-12-31"' in quote.group(1)
    assert "platform.twitter.com" not in html and "widgets.js" not in html


def _foreign_references(root: Path, origin: str) -> list[str]:
    """Every resource the site would load from another origin: <link>, <script>, <img>,
    <iframe> and <source> URLs, CSS @import and url()."""
    found: list[str] = []
    for path in root.rglob("*"):
        if path.suffix not in (".html", ".css", ".js"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".html":
            for tag, attrs in parse(text).tags:
                if tag == "a":
                    continue  # following a link is the reader's choice, not a request
                for name in ("href", "src", "srcset"):
                    value = attrs.get(name, "")
                    if re.match(r"^(https?:)?//", value) and not value.startswith(origin):
                        found.append(f"{path}: <{tag} {name}={value}>")
        for match in re.finditer(r"@import\s+(?:url\()?['\"]?([^'\")\s;]+)", text):
            if re.match(r"^(https?:)?//", match.group(1)):
                found.append(f"{path}: @import {match.group(1)}")
        if path.suffix != ".js":
            for match in re.finditer(r"url\(\s*['\"]?((?:https?:)?//[^'\")]+)", text):
                found.append(f"{path}: url({match.group(1)})")
    return found


def test_nothing_is_loaded_from_another_origin(sample_site: BuiltSite) -> None:
    assert _foreign_references(sample_site.root, "http://localhost:8000/") == []


def test_the_font_is_self_hosted(sample_site: BuiltSite) -> None:
    fonts = list((sample_site.root / "assets" / "fonts").glob("*.woff2"))
    assert fonts, "no woff2 font in the site"
    css = (sample_site.root / "assets" / "stylesheets" / "extra.css").read_text()
    for font in fonts:
        assert f"../fonts/{font.name}" in css
    assert "fonts.googleapis.com" not in sample_site.html("")


def test_articles_stay_out_of_the_nav(sample_site: BuiltSite) -> None:
    nav = re.search(
        r'<nav class="md-nav md-nav--primary[^"]*".*?</nav>', sample_site.html(""), re.S
    )
    assert nav and "articles/" not in nav.group(0)


def test_every_article_reached_the_site(sample_site: BuiltSite) -> None:
    articles = sample_site.report.index.articles if sample_site.report.index else []
    assert len(articles) == len(list((Path("content") / "articles").rglob("*.md")))
    for article in articles:
        assert (sample_site.root / article.url / "index.html").is_file()


def test_every_internal_link_resolves(sample_site: BuiltSite) -> None:
    """MkDocs checks Markdown links only; the generated lists are raw HTML (builder/render.py),
    so every relative link of every page is followed here."""
    broken: list[str] = []
    for path in sample_site.root.rglob("*.html"):
        page_dir = path.parent
        for tag, attrs in parse(path.read_text(encoding="utf-8")).tags:
            href = attrs.get("href", "") if tag in ("a", "link") else ""
            if not href or re.match(r"^([a-z]+:|#|//)", href):
                continue
            relative = href.split("#")[0].split("?")[0]
            # 404.html links from the site root (it is served at any depth).
            base = sample_site.root if relative.startswith("/") else page_dir
            target = (base / relative.lstrip("/")).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{path.relative_to(sample_site.root)}: {href}")
    assert broken == []


def test_generated_regions_leave_no_marker(sample_site: BuiltSite) -> None:
    """mkdocs.yml loads builder.markdown_raw: the <!--raw--> markers of the generated
    Markdown are consumed, never published (they would if the extension were dropped)."""
    pages = list(sample_site.root.rglob("*.html"))
    assert len(pages) > 20
    assert not [p for p in pages if "<!--raw-->" in p.read_text(encoding="utf-8")]
