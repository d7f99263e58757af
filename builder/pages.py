"""Write stage: every Markdown page of the site, as (source path, text) pairs.

Source paths are relative to the generated docs folder; with MkDocs' directory URLs
`articles/2021/12/<slug>.md` is served at /articles/2021/12/<slug>/.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import groupby

from .analysis import ArticleAnalysis
from .dates_display import format_iso_ar, time_html
from .fingerprint import Fingerprinter
from .indexes import DatedEvent, SiteIndex
from .model import ENTITY_TYPES, Article, Entity
from .render import Renderer, link_origin
from .stemmer import pagefind_value, search_terms

HOME_LATEST = 30
HOME_UPCOMING = 10
HOME_TOP_ENTITIES = 12
ENTITY_ARTICLES = 200  # older articles stay reachable through the archive and the feed
ENTITY_EVENTS = 100  # the latest events (upcoming included); the timeline holds them all
TIMELINE_UPCOMING = 200
TAG_ARTICLES = 200
TYPE_NAMES = {"person": "أشخاص", "organization": "منظمات", "place": "أماكن"}
TYPE_SINGULAR = {"person": "شخص", "organization": "منظمة", "place": "مكان"}


def article_page(article: Article) -> str:
    return f"{article.url[:-1]}.md"


def entity_page(entity_id: str) -> str:
    return f"entities/{entity_id}.md"


def month_page(year: int, month: int) -> str:
    return f"archive/{year:04d}/{month:02d}.md"


def digest_page(day: str) -> str:
    return f"digest/{day}.md"


@dataclass(frozen=True)
class PageJob:
    """One page: which template renders it, with what. Calling it renders the page as a
    (source path, Markdown) pair; an OutputTree job (a list of one file)."""

    renderer: Renderer
    template: str
    page: str
    context: dict[str, object]
    # When given, the template is handed `derive(**context)`: data made from the context
    # alone (and from the registry, which every fingerprint's salt covers). It is made only
    # if the page is rendered; the fingerprint digests what it is made from.
    derive: Callable[..., dict[str, object]] | None = None

    def __call__(self) -> list[tuple[str, str]]:
        context = self.derive(**self.context) if self.derive else self.context
        return [(self.page, self.renderer.render(self.template, self.page, **context))]

    def fingerprint(self, fingerprinter: Fingerprinter) -> bytes:
        """What the page is made from (the renderer's globals are in the build's salt)."""
        return fingerprinter.of(self.template, self.page, self.context)


class PageWriter:
    """Turns a SiteIndex into Markdown pages."""

    def __init__(self, index: SiteIndex, site_name: str, description: str):
        self.index = index
        self.site_name = site_name
        self.description = description
        self.renderer = Renderer()
        # Functions of one value are filters (`{{ article | article_page | link }}`): Jinja
        # calls a filter directly, a global function through its context (~2 µs more per
        # call; a cold build makes a million such calls in list items and chips).
        self.renderer.env.filters.update(
            article_page=article_page,
            entity_page=entity_page,
            tag_page=self.tag_page,
            digest_page=digest_page,
            time_html=time_html,
            date_ar=format_iso_ar,
            search_terms=search_terms,  # the hidden search field (builder/stemmer.py)
            entity_terms=self.entity_terms,
            pf_value=pagefind_value,
        )
        self.renderer.env.globals.update(
            month_page=month_page,
            type_names=TYPE_NAMES,
            type_singular=TYPE_SINGULAR,
            entities=index.entities,
            items=self.items,
        )
        self._entity_terms: dict[str, str] = {}
        self._items: dict[tuple[str, str, int], str] = {}

    def entity_terms(self, entity: Entity) -> str:
        """Search terms of every name of an entity, computed once per build."""
        if entity.id not in self._entity_terms:
            names = " ".join(entity.surface_forms)
            self._entity_terms[entity.id] = f"{search_terms(names)} {entity.name_en}".strip()
        return self._entity_terms[entity.id]

    def item(self, template: str, page: str, value: Article | DatedEvent) -> str:
        """One list item (article_item.md.j2, event_item.md.j2) for `page`, without its
        final newline. An item's HTML depends only on the value and on the folder of the
        page that lists it (render.link_origin), and the same article or event is
        listed by many pages of one folder (every entity and tag page, every timeline
        year): each is rendered once per folder, not once per listing."""
        # id() is a safe key: the page jobs hold every value for the whole write stage.
        key = (template, link_origin(page), id(value))
        text = self._items.get(key)
        if text is None:
            item = {"article": value} if isinstance(value, Article) else {"dated": value}
            text = self.renderer.render(template, page, **item).removesuffix("\n")
            self._items[key] = text
        return text

    def items(self, template: str, page: str, values: list[Article] | list[DatedEvent]) -> str:
        """The items of a list, one per line (each with its newline): one template call per
        list instead of one per item (an entity page lists up to 300, and 2,000 such pages
        made 600,000 calls at 10,000 articles)."""
        return "".join([f"{self.item(template, page, value)}\n" for value in values])

    def tag_page(self, tag: str) -> str:
        return f"tags/{self.index.tag_slugs[tag]}.md"

    def render(
        self,
        template: str,
        page: str,
        *,
        derive: Callable[..., dict[str, object]] | None = None,
        **context: object,
    ) -> PageJob:
        """A page to render: its data is gathered now (and `derive`d from it only if the
        page is rendered: PageJob), its template runs when called."""
        return PageJob(self.renderer, template, page, context, derive)

    def jobs(self) -> list[PageJob]:
        """Every page of the site, in a fixed order, not yet rendered: the write stage
        renders them in worker processes (OutputTree.write_all)."""
        return [
            self.home(),
            *(self.article(article) for article in self.index.articles),
            *self.entity_pages(),
            *self.tag_pages(),
            *self.timeline(),
            *self.archive_pages(),
            *self.digest_pages(),
        ]

    def home(self) -> PageJob:
        index = self.index
        latest = index.articles[:HOME_LATEST]
        counts = sorted(
            ((index.entities[i], len(listed)) for i, listed in index.by_entity.items()),
            key=lambda item: (-item[1], item[0].id),
        )
        return self.render(
            "home.md.j2",
            "index.md",
            site_name=self.site_name,
            description=self.description,
            latest=latest,
            upcoming=index.upcoming[:HOME_UPCOMING],
            top_entities=counts[:HOME_TOP_ENTITIES],
            more_link="archive/index.md" if len(index.articles) > HOME_LATEST else "",
        )

    def article(self, article: Article) -> PageJob:
        # Its dated events; and in fingerprints, its body and the search terms made from it:
        # an article's own digest covers what lists show of it (fingerprint.py), its
        # analysis the whole text (builder/site_fingerprints.py). Its entity chips are made
        # from the analysis only when the page is rendered: a rebuild fingerprints 10,000
        # article pages and renders a handful.
        return self.render(
            "article.md.j2",
            article_page(article),
            derive=self._article_data,
            article=article,
            analysis=self.index.analyses[article.slug],
            related=self.index.related.get(article.slug, []),
        )

    def _article_data(
        self, article: Article, analysis: ArticleAnalysis, related: list[Article]
    ) -> dict[str, object]:
        entities = self.index.entities_of(analysis)
        return {
            "article": article,
            "analysis": analysis,
            "entities": entities,
            "entity_types": list(dict.fromkeys(entity.type for entity in entities)),
            "related": related,
        }

    def entity_pages(self) -> Iterator[PageJob]:
        index = self.index
        # Only entities the news names get a page (and feeds): a registry of thousands of
        # names would otherwise publish thousands of empty pages.
        named = [e for e in index.entities.values() if e.id in index.by_entity]
        groups = {
            entity_type: sorted(
                (e for e in named if e.type == entity_type),
                key=lambda e: (-len(index.by_entity.get(e.id, [])), e.name),
            )
            for entity_type in ENTITY_TYPES
        }
        counts = {i: len(listed) for i, listed in index.by_entity.items()}
        yield self.render("entities.md.j2", "entities/index.md", groups=groups, counts=counts)
        for entity in named:
            articles = index.by_entity[entity.id]
            yield self.render(
                "entity.md.j2",
                entity_page(entity.id),
                entity=entity,
                articles=articles[:ENTITY_ARTICLES],
                total=len(articles),
                cooccurring=[
                    (index.entities[i], n) for i, n in index.cooccurrence.get(entity.id, [])
                ],
                timeline=_by_month(index.events_by_entity.get(entity.id, [])[-ENTITY_EVENTS:]),
            )

    def tag_pages(self) -> Iterator[PageJob]:
        index = self.index
        tags = sorted(index.tag_slugs, key=lambda t: (-len(index.by_tag[t]), t))
        # Counts, not the lists: a page is rendered again when what it is handed changes.
        counts = {tag: len(index.by_tag[tag]) for tag in tags}
        yield self.render("tags.md.j2", "tags/index.md", tags=tags, counts=counts)
        for tag in tags:
            articles = index.by_tag[tag]
            yield self.render(
                "tag.md.j2",
                self.tag_page(tag),
                tag=tag,
                articles=articles[:TAG_ARTICLES],
                total=len(articles),
            )

    def timeline(self) -> Iterator[PageJob]:
        """The timeline: what is coming on its first page, then one page per year, so that
        no page grows with the whole archive."""
        upcoming = self.index.upcoming
        years: dict[str, list[DatedEvent]] = {}
        for dated in self.index.events:
            years.setdefault(dated.event.date[:4], []).append(dated)
        yield self.render(
            "timeline.md.j2",
            "timeline/index.md",
            upcoming=_by_month(upcoming[:TIMELINE_UPCOMING]),
            years=sorted(((y, len(e)) for y, e in years.items()), reverse=True),
        )
        for year, events in years.items():
            yield self.render(
                "timeline_year.md.j2",
                f"timeline/{year}.md",
                year=year,
                months=_by_month(list(reversed(events))),
            )

    def archive_pages(self) -> Iterator[PageJob]:
        by_month = self.index.by_month
        years: dict[int, list[tuple[int, int]]] = {}
        for year, month in sorted(by_month, reverse=True):
            years.setdefault(year, []).append((month, len(by_month[(year, month)])))
        yield self.render("archive.md.j2", "archive/index.md", years=years)
        for year, months in years.items():
            yield self.render(
                "archive_year.md.j2", f"archive/{year:04d}/index.md", year=year, months=months
            )
            for month, _count in months:
                articles = by_month[(year, month)]
                yield self.render(
                    "archive_month.md.j2",
                    month_page(year, month),
                    year=year,
                    month=month,
                    days=[(d, list(a)) for d, a in groupby(articles, key=lambda a: a.date)],
                )

    def digest_pages(self) -> Iterator[PageJob]:
        index = self.index
        # One page per day with news; events of days without news are on the timeline.
        days = sorted(index.by_day, reverse=True)
        for position, day in enumerate(days):
            articles = index.by_day[day]
            yield self.render(
                "digest.md.j2",
                digest_page(day),
                day=day,
                articles=articles,
                events=index.events_by_day.get(day, []),
                newer=days[position - 1] if position > 0 else "",
                older=days[position + 1] if position + 1 < len(days) else "",
            )


def _by_month(events: list[DatedEvent]) -> list[tuple[str, list[DatedEvent]]]:
    """Events grouped by their year-month ('2022-01'), or year for year-precision events."""
    return [(key, list(group)) for key, group in groupby(events, key=lambda e: e.event.date[:7])]
