"""The fingerprinter of one build's pages and feeds (builder/fingerprint.py), with the digests
of what many pages list or show made up front: every article, analysis and dated event.

Those digests are the costliest part of setting it up (~0.6 s at 10,000 articles), and the
page jobs that need them are gathered meanwhile (~0.5 s): from OVERLAP_MIN articles on, a
forked process makes the digests while this one gathers the jobs, and hands them back in a
fixed order. The digests are the same either way.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from .fingerprint import Fingerprinter, code_salt
from .forked import started
from .indexes import SiteIndex

# Below this many articles the digests take less than forking costs.
OVERLAP_MIN = 1000


@contextmanager
def fingerprinter_meanwhile(
    index: SiteIndex,
    analysis_keys: dict[str, str],
    identity: tuple[str, str, str],
    workers: int,
) -> Iterator[Callable[[], Fingerprinter]]:
    """`with fingerprinter_meanwhile(…) as fingerprinter:` gather the page jobs, then call
    fingerprinter() for the build's Fingerprinter (its shared digests made meanwhile in
    another process when the site is large enough and there is a second core)."""
    fingerprinter = Fingerprinter(site_salt(index, *identity))
    if workers < 2 or len(index.articles) < OVERLAP_MIN:
        yield lambda: _with_shared_digests(fingerprinter, index, analysis_keys)
        return
    with started(lambda: _shared_digests(index, analysis_keys, fingerprinter.salt)) as digests:

        def adopted() -> Fingerprinter:
            fingerprinter.adopt(_shared_values(index), digests())
            return fingerprinter

        yield adopted


def site_salt(index: SiteIndex, site_url: str, site_name: str, description: str) -> str:
    """What every page and feed depends on besides the data its job holds: the builder's
    code and templates, and the registry (templates name any entity). Not the tags'
    addresses, which templates reach too: a tag's address is its slug (two tags with one
    slug stop the build), so adding a tag to one article leaves the other pages alone."""
    site_wide = Fingerprinter(code_salt()).of(index.entities, site_url, site_name, description)
    return site_wide.hex()


def _with_shared_digests(
    fingerprinter: Fingerprinter, index: SiteIndex, analysis_keys: dict[str, str]
) -> Fingerprinter:
    # An article's analysis is what its cache key says: the article's whole text (its body
    # too, which the article page shows), the registry and the analysis code; digesting
    # 10,000 bodies instead took ~0.15 s more CPU. Its events, which other pages
    # list, are digested by their field values (text, numbers, tuples of text: marshal's
    # format 0, which has no back-references, writes equal values as equal bytes; twice as
    # fast as their repr), not by that key: an edit elsewhere in the text leaves the
    # timelines that list them alone.
    for slug, analysis in index.analyses.items():
        fingerprinter.assume(analysis, analysis_keys[slug])
        for event in analysis.events:
            fingerprinter.assume(event, event_digest(event))
    # Digest what many pages list (articles, dated events) here, once: the workers forked
    # for the write inherit the digests, instead of each making them again.
    fingerprinter.of(index.articles, index.events)
    return fingerprinter


def event_digest(event: object) -> str:
    """The digest of an analysis' Event: of all its field values, in order."""
    fields = marshal.dumps(tuple(vars(event).values()), 0)
    return hashlib.blake2b(fields, digest_size=16).hexdigest()


def _shared_values(index: SiteIndex) -> list[object]:
    """What `_with_shared_digests` digests, in a fixed order."""
    values: list[object] = []
    for analysis in index.analyses.values():
        values.append(analysis)
        values.extend(analysis.events)
    values.extend(index.articles)
    values.extend(index.events)
    return values


def _shared_digests(index: SiteIndex, analysis_keys: dict[str, str], salt: str) -> list[str]:
    """The digests of `_shared_values`, made in a forked process (ids mean nothing across
    processes: they go back as a list in that order)."""
    fingerprinter = _with_shared_digests(Fingerprinter(salt), index, analysis_keys)
    return fingerprinter.known(_shared_values(index))
