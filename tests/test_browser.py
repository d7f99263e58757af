"""End-to-end in headless Chromium (Debian's /usr/bin/chromium through Playwright): the
site reads right to left, loads nothing from another origin, and the header search finds
Arabic the way readers type it. Screenshots go to the artifacts folder."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from builder.search import CHROMIUM, CHROMIUM_ARGS, serve_site
from tests.conftest import BuiltSite

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (CI installs Debian's chromium)"
    ),
]

SEED = "articles/2021/12/nato-ready-for-meaningful-talks-with-russia/"


@dataclass
class Browser:
    page: Any
    base: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def goto(self, url: str) -> None:
        self.page.goto(self.base + url, wait_until="networkidle")

    def console(self, message: Any) -> None:
        # Failed loads are judged from the responses themselves (see `response`).
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(message.text)

    def response(self, response: Any) -> None:
        # Every failed load counts, sitemap.xml included: Material fetches one beside every
        # <link rel="alternate"> target, so feeds live where a sitemap answers (feeds.py).
        if response.status >= 400:
            self.errors.append(f"{response.status} {response.url}")

    def foreign_requests(self) -> list[str]:
        return [u for u in self.requests if urlparse(u).hostname != "127.0.0.1"]


@pytest.fixture(scope="module")
def browser(search_site: BuiltSite) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with serve_site(search_site.root) as base, sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        # A phone-sized viewport: readers are phones first (DESIGN.md).
        page = chromium.new_page(viewport={"width": 412, "height": 900}, device_scale_factor=1)
        state = Browser(page, base)
        page.on("request", lambda request: state.requests.append(request.url))
        page.on("console", state.console)
        page.on("pageerror", lambda error: state.errors.append(str(error)))
        page.on("response", state.response)
        yield state
        chromium.close()


def test_home_is_right_to_left_and_self_contained(browser: Browser, artifacts: Path) -> None:
    browser.goto("")
    page = browser.page
    assert page.get_attribute("body", "dir") == "rtl"  # Material puts dir on <body>
    assert page.get_attribute("html", "lang") == "ar"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    # The search button sits in the header, on the left in RTL (after the title).
    assert page.locator(".md-header pagefind-modal-trigger button").is_visible()
    page.screenshot(path=str(artifacts / "home.png"), full_page=True)
    assert browser.errors == []
    assert browser.foreign_requests() == []


def test_header_search_finds_prefixed_and_variant_forms(browser: Browser, artifacts: Path) -> None:
    page = browser.page
    for query, shot in (("والناتو", "search-results.png"), ("ستولتنبرج", None)):
        browser.goto("")
        page.locator(".md-header pagefind-modal-trigger button").click()
        field = page.locator("pagefind-modal pagefind-input input")
        field.wait_for(state="visible")
        field.fill(query)
        seed = page.locator(f'pagefind-modal a.pf-result-link[href="/{SEED}"]')
        seed.wait_for(state="visible", timeout=15000)
        # What readers see: the title, the date and the summary (never the hidden stems).
        card = page.locator(
            "pagefind-modal li.mj-search-result",
            has=page.locator(f'a.pf-result-link[href="/{SEED}"]'),
        )
        text = card.inner_text()
        assert "2021" in text and "خبر" in text
        assert "استعداد" in text  # from the summary
        assert page.get_attribute("pagefind-modal", "dir") == "rtl"
        if shot:
            page.screenshot(path=str(artifacts / shot))
    assert browser.errors == []
    assert browser.foreign_requests() == []


def test_entity_chip_leads_to_entity_page(browser: Browser, artifacts: Path) -> None:
    browser.goto(SEED)
    page = browser.page
    page.screenshot(path=str(artifacts / "article.png"), full_page=True)
    page.locator('.mj-taxonomy a.mj-chip[href$="entities/nato/"]').click()
    page.wait_for_url("**/entities/nato/")
    assert page.locator("h1").first.inner_text() == "حلف شمال الأطلسي"
    page.screenshot(path=str(artifacts / "entity.png"), full_page=True)
    assert browser.errors == []
    assert browser.foreign_requests() == []
