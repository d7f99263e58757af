"""builder.markdown_inline: skipping texts no inline pattern can match changes no output,
is really taken for plain text, and is off when another extension adds a pattern."""

from __future__ import annotations

import random
import xml.etree.ElementTree as etree

import pytest
from markdown import Extension, Markdown
from markdown.inlinepatterns import InlineProcessor as InlinePattern
from markdown.treeprocessors import InlineProcessor

from builder.markdown_inline import TRIGGERS

# The extensions of the site's mkdocs.yml besides the one under test.
SITE_EXTENSIONS = ["builder.markdown_raw", "attr_list", "md_in_html", "toc"]

WORDS = ["أعلن", "الوزير", "في", "بيروت", "اليوم", "3", "2021", "word", "x"]
# Stray characters the patterns look for, and whole constructs they turn into elements.
_MARKUP_TEXT = (
    "* ** _ __ ` `` \\ \\* [ ] ( ) ![ < > & &amp; &#1575; <b> </b> <https://example.org> "
    "<a@b.org> # ## - 1. > [r]: /x [r] {: .cls } ~ ^ = ! : | ' \" "
    "**عريض** *مائل* _مائل_ __عريض__ `رمز` ***كلاهما*** ![صورة](/a.png) [نص](https://e.org)"
)
MARKUP = [*_MARKUP_TEXT.split(" "), "  \n", "\n", "\n\n", "<!-- c -->"]


def _text(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(1, 40)):
        parts.append(rng.choice(MARKUP) if rng.random() < 0.3 else rng.choice(WORDS))
        parts.append(rng.choice([" ", " ", "", "\n"]))
    return "".join(parts)


def test_output_is_python_markdowns_own_for_random_markdown() -> None:
    rng = random.Random(20211231)
    plain = Markdown(extensions=SITE_EXTENSIONS)
    fast = Markdown(extensions=[*SITE_EXTENSIONS, "builder.markdown_inline"])
    texts = [_text(rng) for _ in range(3000)]
    different = [t for t in texts if plain.reset().convert(t) != fast.reset().convert(t)]
    assert different == []
    # The sample exercises the patterns, and the shortcut: some texts have no markup.
    outputs = [plain.reset().convert(t) for t in texts]
    for made in ("<strong>", "<em>", "<code>", "<a ", "<img ", "<br />", "&amp;", "<b>"):
        assert sum(made in html for html in outputs) > 30, made
    assert sum(1 for t in texts if not TRIGGERS.search(t)) > 30


def _count_pattern_loops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts that went through Python-Markdown's loop over the inline patterns."""
    seen: list[str] = []
    real = InlineProcessor._InlineProcessor__handleInline  # type: ignore[attr-defined]

    def spy(self: InlineProcessor, data: str, patternIndex: int = 0) -> str:
        seen.append(data)
        return real(self, data, patternIndex)

    monkeypatch.setattr(InlineProcessor, "_InlineProcessor__handleInline", spy)
    return seen


def test_plain_text_skips_the_pattern_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _count_pattern_loops(monkeypatch)
    md = Markdown(extensions=[*SITE_EXTENSIONS, "builder.markdown_inline"])
    html = md.convert("أعلن الوزير في بيروت، اليوم.\n\nوقال إن 3 وزراء سافروا.\n\n**مهم** جدا")
    assert "<strong>مهم</strong>" in html
    assert seen == ["**مهم** جدا", "مهم"]  # only the text with markup (and its inside)


class _Percent(Extension):
    """A made-up extension: %%text%% becomes <mark>, with a character no default uses."""

    class Pattern(InlinePattern):
        def handleMatch(self, m, data):  # type: ignore[no-untyped-def]
            element = etree.Element("mark")
            element.text = m.group(1)
            return element, m.start(0), m.end(0)

    def extendMarkdown(self, md: Markdown) -> None:
        md.inlinePatterns.register(self.Pattern(r"%%(.+?)%%", md), "percent", 75)


def test_another_extensions_pattern_turns_the_shortcut_off() -> None:
    md = Markdown(extensions=["builder.markdown_inline", _Percent()])
    assert md.convert("أعلن %%الوزير%% اليوم") == "<p>أعلن <mark>الوزير</mark> اليوم</p>"
