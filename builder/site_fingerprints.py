"""The fingerprinter of one build's pages and feeds (builder/fingerprint.py), with the digests
of what many pages list or show made up front: every article, analysis and (dated) event.

Those digests are the costliest part of setting it up (~0.5 s of CPU at 10,000 articles),
and they depend only on the articles and their analyses: from OVERLAP_MIN articles on, a
forked process makes them while this one builds the site index and gathers the page jobs,
and hands them back in a fixed order. The digests are the same either way.
"""

from __future__ import annotations

import hashlib
import marshal

from .analysis import ArticleAnalysis, Event
from .fingerprint import Fingerprinter, code_salt
from .forked import Helper
from .indexes import DatedEvent, SiteIndex, dated_events
from .model import Article, Entity

# Below this many articles the digests take less than forking costs.
OVERLAP_MIN = 1000


class SharedDigests:
    """`with SharedDigests(…) as digests:` (started once the analyses are known), then
    `digests.fingerprinter(index)` for the build's Fingerprinter."""

    def __init__(
        self,
        articles: list[Article],
        analyses: dict[str, ArticleAnalysis],
        analysis_keys: dict[str, str],
        entities: dict[str, Entity],
        identity: tuple[str, str, str],
        workers: int,
    ) -> None:
        self.salt = site_salt(entities, *identity)
        self.articles, self.analyses, self.keys = articles, analyses, analysis_keys
        self.helper: Helper | None = None
        if workers > 1 and len(articles) >= OVERLAP_MIN:
            self.helper = Helper(self._made_there, lambda made, _request: made)

    def fingerprinter(self, index: SiteIndex) -> Fingerprinter:
        """The build's fingerprinter, knowing the shared digests (made there, or here if
        that process was not started or is gone) and those of the index's dated events."""
        fingerprinter = Fingerprinter(self.salt)
        helper, self.helper = self.helper, None
        made = None if helper is None else helper.ask(None)
        if made is None:
            self._digest(fingerprinter, index.events)
        else:
            fingerprinter.adopt([*self._values(), *index.events], made)
        return fingerprinter

    def _digest(self, fingerprinter: Fingerprinter, dated: list[DatedEvent]) -> None:
        # An article's analysis is what its cache key says: the article's whole text (its
        # body too, which the article page shows), the registry and the analysis code;
        # digesting 10,000 bodies instead took ~0.15 s more CPU. Its events, which other
        # pages list, are digested by the values pages show of them (text and tuples of
        # text: marshal's format 0, which has no back-references, writes equal values as
        # equal bytes), not by that key: an edit elsewhere in the text leaves the timelines
        # that list them alone.
        by_event: dict[int, str] = {}
        for slug, analysis in self.analyses.items():
            fingerprinter.assume(analysis, self.keys[slug])
            for event in analysis.events:
                by_event[id(event)] = digest = event_digest(event)
                fingerprinter.assume(event, digest)
        fingerprinter.of(self.articles)
        # A dated event (an event with its article, listed by timelines, entity pages and
        # digests) shows its event and a link to its article's page, nothing else of the
        # article (tests/test_incremental.py holds the templates to that): it is digested as
        # that, so a new tag or title on the article leaves the timelines alone.
        for item in dated:
            fingerprinter.assume(item, f"{by_event[id(item.event)]}@{item.article.url}")

    def _values(self) -> list[object]:
        """What `_digest` digests, in a fixed order."""
        values: list[object] = []
        for analysis in self.analyses.values():
            values.append(analysis)
            values.extend(analysis.events)
        values.extend(self.articles)
        return values

    def _made_there(self) -> list[str]:
        """The digests of `_values` and of the dated events, made in the forked process
        (ids mean nothing across processes: they go back as a list, in the order the site
        index will list the dated events: indexes.dated_events)."""
        fingerprinter = Fingerprinter(self.salt)
        dated = dated_events(self.articles, self.analyses)
        self._digest(fingerprinter, dated)
        return fingerprinter.known([*self._values(), *dated])

    def __enter__(self) -> SharedDigests:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.helper is not None:
            self.helper.close()


def site_salt(entities: dict[str, Entity], site_url: str, site_name: str, description: str) -> str:
    """What every page and feed depends on besides the data its job holds: the builder's
    code and templates, and the registry (templates name any entity). Not the tags'
    addresses, which templates reach too: a tag's address is its slug (two tags with one
    slug stop the build), so adding a tag to one article leaves the other pages alone."""
    return Fingerprinter(code_salt()).of(entities, site_url, site_name, description).hex()


# What pages show of an event (tests/test_incremental.py holds the templates to it): not
# where it is in the file nor the words that dated it, which `analyze` shows. A new first
# paragraph moves every event of the article; it leaves the timelines alone.
SHOWN_EVENT_FIELDS = ("date", "precision", "sentence", "entities")


def event_digest(event: Event) -> str:
    """The digest of what pages show of an analysis' event."""
    fields = marshal.dumps(tuple(getattr(event, name) for name in SHOWN_EVENT_FIELDS), 0)
    return hashlib.blake2b(fields, digest_size=16).hexdigest()
