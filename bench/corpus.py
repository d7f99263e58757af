"""A realistic, deterministic benchmark corpus: articles + an entity registry.

Vocabulary comes from a word-frequency list of real Arabic news
(../shared/corpus/ar-news-wordfreq.tsv, 25,847 distinct words), sampled with its Zipf
weights, so the matcher, the date extractor, Markdown and Pagefind see text whose
distribution looks like news rather than a few hundred recycled words. On top of that:

- a registry of about 2,000 entities (persons, organizations, places) whose names are
  Arabic-looking words blended from the list — blended, not copied, so a name does not
  collide with ordinary vocabulary more than real names do — each with aliases and a
  spelling variant (غ/ج, a dropped or added long vowel: ستولتنبرغ/ستولتنبرج);
- mentions drawn with a skew (a few entities are in the news every day, most rarely),
  written with proclitics و ب ل ف and, for definite forms, ال وال لل;
- dated expressions in the forms editors' sources use ("الـ 12 من كانون الثاني/يناير
  المقبل", "في 3 آذار/مارس 2023", "أمس الخميس" with the right weekday, "العاشر من شهر
  أيار");
- tags from a pool of about 300, dates spread over several years, ASCII slugs.

Everything derives from one seed: the same arguments give byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from bisect import bisect_left
from dataclasses import dataclass, field, replace
from pathlib import Path

from builder.arabic import normalize
from builder.slugs import slugify

# ../shared beside the repository (as on the developers' machines and in CI).
SHARED = Path(__file__).resolve().parents[2] / "shared"
WORDS = SHARED / "corpus" / "ar-news-wordfreq.tsv"
SEED = 20211231
ENTITIES = 2000
TAGS = 300
FIRST_DAY = dt.date(2019, 1, 1)

LEVANT = (
    "كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران",
    "تموز", "آب", "أيلول", "تشرين الأول", "تشرين الثاني", "كانون الأول",
)  # fmt: skip
GREGORIAN = (
    "يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو",
    "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر",
)  # fmt: skip
WEEKDAYS = ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")
ORDINALS = (
    "الأول", "الثاني", "الثالث", "الرابع", "الخامس",
    "السادس", "السابع", "الثامن", "التاسع", "العاشر",
)  # fmt: skip
ORG_HEADS = ("وزارة", "حزب", "منظمة", "مجلس", "هيئة", "شركة", "جمعية", "اتحاد", "بنك", "جامعة")
PLACE_HEADS = ("", "", "", "مدينة", "محافظة", "ولاية")
VERBS = ("أعلن", "قال", "أكد", "أوضح", "ذكر", "أفاد", "كشف", "أشار")
SOURCES = ("وكالة الأنباء", "الميادين نت", "هسبريس", "الأخبار", "المساء")
_LETTERS = set("ابتثجحخدذرزسشصضطظعغفقكلمنهويةءأإآىؤئ")


@dataclass(frozen=True)
class GeneratedEntity:
    id: str
    type: str
    name: str
    aliases: tuple[str, ...]
    name_en: str

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class GeneratedArticle:
    slug: str
    title: str
    date: dt.date
    summary: str
    source: str
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    body: str  # Markdown: paragraphs separated by blank lines

    @property
    def relative_path(self) -> str:
        return f"articles/{self.date:%Y}/{self.date:%Y-%m-%d}-{self.slug}.md"


@dataclass
class Corpus:
    entities: list[GeneratedEntity]
    articles: list[GeneratedArticle]  # oldest first
    tags: list[str] = field(default_factory=list)


# --- vocabulary ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Vocabulary:
    words: list[str]
    cumulative: list[int]  # running counts: sampling with bisect is ~10× faster than choices

    def sample(self, rng: random.Random, k: int) -> list[str]:
        total = self.cumulative[-1]
        return [self.words[bisect_left(self.cumulative, rng.random() * total)] for _ in range(k)]


def load_words(path: Path = WORDS) -> tuple[list[str], list[int]]:
    """Words and counts of the frequency list, most frequent first."""
    words: list[str] = []
    counts: list[int] = []
    with path.open(encoding="utf-8") as handle:
        next(handle)  # header
        for line in handle:
            word, _, count = line.rstrip("\n").partition("\t")
            if word and count.isdigit():
                words.append(word)
                counts.append(int(count))
    return words, counts


def load_vocabulary(path: Path = WORDS) -> Vocabulary:
    words, counts = load_words(path)
    return Vocabulary(words, list(itertools.accumulate(counts)))


# --- registry -----------------------------------------------------------------------------


def _stems(vocabulary: Vocabulary) -> list[str]:
    """Mid-frequency content words without the article: the raw material of names."""
    stems = []
    for word in vocabulary.words[200:12000]:
        stem = word.removeprefix("ال")
        if 3 <= len(stem) <= 6 and set(stem) <= _LETTERS and stem[0] not in "وبلفك":
            stems.append(stem)
    return list(dict.fromkeys(stems))


def _blend(rng: random.Random, stems: list[str]) -> str:
    """A new word from the head of one stem and the tail of another (ميلانو + كوفيتش)."""
    first, second = rng.choice(stems), rng.choice(stems)
    word = first[: rng.randint(2, 3)] + second[-rng.randint(2, 4) :]
    return word.replace("ة", "ت").replace("ى", "ي").rstrip("ء")


def variant(name: str) -> str:
    """A spelling variant that survives normalization (ة/ه and hamzas would not)."""
    last = name.split()[-1]
    if "غ" in last:
        changed = last.replace("غ", "ج")
    elif len(last) > 4 and "ي" in last[1:-1]:
        index = last.index("ي", 1)
        changed = last[:index] + last[index + 1 :]
    else:
        changed = last[:2] + "ا" + last[2:]
    return name[: len(name) - len(last)] + changed


def make_registry(rng: random.Random, vocabulary: Vocabulary, size: int) -> list[GeneratedEntity]:
    stems = _stems(vocabulary)
    common = {normalize(w) for w in vocabulary.words[:20000]}
    seen: set[str] = set()
    entities: list[GeneratedEntity] = []

    def fresh(name: str) -> bool:
        key = normalize(name)
        # A name equal to a common word (or already used) would make false mentions
        # everywhere; real registries avoid those too.
        if key in seen or key in common:
            return False
        seen.add(key)
        return True

    while len(entities) < size:
        index = len(entities)
        kind = ("person", "person", "organization", "place", "person")[index % 5]
        if kind == "person":
            given, family = _blend(rng, stems), _blend(rng, stems) + rng.choice(("", "ي", "وف"))
            name = f"{given} {family}"
            if not fresh(name) or not fresh(family):
                continue
            aliases = (family, variant(name), variant(family))
        elif kind == "organization":
            core = "ال" + _blend(rng, stems)
            name = f"{rng.choice(ORG_HEADS)} {core}"
            if not fresh(name) or not fresh(core):
                continue
            aliases = (core, variant(name))
        else:
            core = _blend(rng, stems) + rng.choice(("", "ا", "يا", "ستان"))
            if rng.random() < 0.3:
                core = "ال" + core
            head = rng.choice(PLACE_HEADS)
            name = f"{head} {core}".strip()
            if not fresh(name) or (head and not fresh(core)):
                continue
            aliases = (*((core,) if head else ()), variant(name))
        aliases = tuple(dict.fromkeys(a for a in aliases if a != name))
        entities.append(GeneratedEntity(f"{kind}-{index:04d}", kind, name, aliases, ""))
    return [replace(e, name_en=f"{e.type.title()} {e.id[-4:]}") for e in entities]


def make_tags(rng: random.Random, vocabulary: Vocabulary, size: int) -> list[str]:
    """About `size` tags from frequent content words, one or two words, distinct slugs."""
    pool = [w for w in vocabulary.words[100:3000] if len(normalize(w)) >= 4]
    tags: list[str] = []
    slugs: set[str] = set()
    while len(tags) < size:
        tag = rng.choice(pool) if rng.random() < 0.7 else f"{rng.choice(pool)} {rng.choice(pool)}"
        slug = slugify(tag)
        if slug and slug not in slugs:
            slugs.add(slug)
            tags.append(tag)
    return tags


# --- text ---------------------------------------------------------------------------------


def mention(rng: random.Random, entity: GeneratedEntity) -> str:
    """One surface form of `entity` with a proclitic, as news text writes it."""
    form = entity.name if rng.random() < 0.55 else rng.choice(entity.forms)
    if form.startswith("ال"):
        prefix = rng.choice(("", "", "", "و", "ب", "وب", "لل", "ولل"))
        if prefix.endswith("لل"):
            return prefix[:-2] + "لل" + form[2:]
        return prefix + form
    if entity.type == "place" and " " not in form and rng.random() < 0.1:
        return rng.choice(("ال", "وال", "لل")) + form  # الروسيا-like forms: not a match
    return rng.choice(("", "", "", "و", "ب", "ل", "ف")) + form


def date_expression(rng: random.Random, published: dt.date) -> str:
    """A date written the way Arabic news writes it, relative to `published`."""
    form = rng.randrange(5)
    if form == 0:  # الـ 12 من كانون الثاني/يناير المقبل
        month = published.month % 12 + 1
        return f"الـ {rng.randint(1, 28)} من {LEVANT[month - 1]}/{GREGORIAN[month - 1]} المقبل"
    if form == 1:  # في 3 آذار/مارس 2023
        day = published - dt.timedelta(days=rng.randint(20, 900))
        return f"في {day.day} {LEVANT[day.month - 1]}/{GREGORIAN[day.month - 1]} {day.year}"
    if form == 2:  # أمس الخميس: the weekday agrees with the day before publication
        yesterday = published - dt.timedelta(days=1)
        return f"أمس {WEEKDAYS[yesterday.weekday()]}"
    if form == 3:  # العاشر من شهر أيار
        return f"{rng.choice(ORDINALS)} من شهر {rng.choice(LEVANT)}"
    day = published - dt.timedelta(days=rng.randint(1, 300))
    return f"{day.day} {GREGORIAN[day.month - 1]} {day.year}"


def _sentence(rng: random.Random, vocabulary: Vocabulary, length: int) -> str:
    words = vocabulary.sample(rng, length)
    return " ".join(words)


def make_article(
    rng: random.Random,
    vocabulary: Vocabulary,
    entities: list[GeneratedEntity],
    entity_weights: list[float],
    tags: list[str],
    tag_weights: list[float],
    number: int,
    published: dt.date,
) -> GeneratedArticle:
    cast = list(dict.fromkeys(rng.choices(entities, weights=entity_weights, k=rng.randint(3, 8))))
    paragraphs: list[str] = []
    target = rng.randint(300, 600)
    written = 0
    dates = rng.randint(1, 3)
    while written < target:
        sentences = []
        for _ in range(rng.randint(2, 4)):
            length = rng.randint(10, 25)
            words = vocabulary.sample(rng, length)
            # Mentions sit inside the sentence, as subject or object, with clitics.
            for _ in range(rng.choice((0, 1, 1, 2))):
                words.insert(rng.randrange(len(words) + 1), mention(rng, rng.choice(cast)))
            if dates and rng.random() < 0.3:
                words.append(date_expression(rng, published))
                dates -= 1
            sentences.append(f"{rng.choice(VERBS)} " + " ".join(words))
            written += len(words) + 1
        paragraphs.append("، ".join(sentences[:2]) + ". " + ". ".join(sentences[2:]))
        paragraphs[-1] = paragraphs[-1].rstrip(". ") + "."
    if dates:  # every article dates at least one event
        paragraphs.append(
            f"{rng.choice(VERBS)} {mention(rng, cast[0])} {_sentence(rng, vocabulary, 8)} "
            f"{date_expression(rng, published)}."
        )
    lead = cast[0]
    title = f"{lead.name} {_sentence(rng, vocabulary, rng.randint(4, 9))}"
    summary = _sentence(rng, vocabulary, rng.randint(15, 30)) + "."
    chosen = list(dict.fromkeys(rng.choices(tags, weights=tag_weights, k=rng.randint(1, 4))))
    return GeneratedArticle(
        slug=f"news-{published:%Y%m%d}-{number:05d}",
        title=title,
        date=published,
        summary=summary,
        source=rng.choice(SOURCES),
        authors=(rng.choice(("هيئة التحرير", "مراسلنا", "وكالات")),),
        tags=tuple(chosen),
        body="\n\n".join(paragraphs) + "\n",
    )


def make_corpus(
    articles: int, seed: int = SEED, entities: int = ENTITIES, years: float = 3.0
) -> Corpus:
    """`articles` articles from 2019 on, over `years` years or at most six a day (10,000
    articles span 4.6 years): digests, archives and timelines have several years to cover."""
    per_day = min(6.0, max(articles, 1) / (years * 365))
    rng = random.Random(seed)
    vocabulary = load_vocabulary()
    registry = make_registry(rng, vocabulary, entities)
    tags = make_tags(rng, vocabulary, TAGS)
    # Zipf-like popularity: the news is about a few entities and tags most of the time.
    entity_weights = [1.0 / (rank + 5) for rank in range(len(registry))]
    tag_weights = [1.0 / (rank + 3) for rank in range(len(tags))]
    generated = []
    for number in range(articles):
        published = FIRST_DAY + dt.timedelta(days=int(number / per_day))
        generated.append(
            make_article(
                rng, vocabulary, registry, entity_weights, tags, tag_weights, number, published
            )
        )
    return Corpus(registry, generated, tags)


# --- files --------------------------------------------------------------------------------


def _quote(text: str) -> str:
    """A YAML single-quoted scalar (generated text has no newlines)."""
    return "'" + text.replace("'", "''") + "'"


def registry_yaml(entities: list[GeneratedEntity]) -> str:
    lines = ["# Generated by bench/corpus.py: a synthetic registry for benchmarks.", ""]
    for entity in entities:
        lines += [
            f"{entity.id}:",
            f"  type: {entity.type}",
            f"  name: {_quote(entity.name)}",
            f"  name_en: {_quote(entity.name_en)}",
            f"  aliases: [{', '.join(_quote(a) for a in entity.aliases)}]",
            "",
        ]
    return "\n".join(lines)


def article_markdown(article: GeneratedArticle) -> str:
    tags = ", ".join(_quote(t) for t in article.tags)
    authors = ", ".join(_quote(a) for a in article.authors)
    return (
        "---\n"
        f"title: {_quote(article.title)}\n"
        f"date: '{article.date.isoformat()}'\n"
        f"slug: {article.slug}\n"
        f"summary: {_quote(article.summary)}\n"
        f"source: {_quote(article.source)}\n"
        f"source_url: https://example.org/{article.slug}\n"
        f"authors: [{authors}]\n"
        f"tags: [{tags}]\n"
        "---\n\n"
        f"{article.body}"
    )


def write_content(corpus: Corpus, folder: Path) -> list[Path]:
    """Write content/entities.yml and content/articles/YYYY/*.md; return the article paths."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "entities.yml").write_text(registry_yaml(corpus.entities), encoding="utf-8")
    paths = []
    for article in corpus.articles:
        path = folder / article.relative_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(article_markdown(article), encoding="utf-8")
        paths.append(path)
    return paths


def generate(folder: Path, articles: int, seed: int = SEED, entities: int = ENTITIES) -> Corpus:
    """Make and write a corpus into `folder` (a content folder)."""
    corpus = make_corpus(articles, seed=seed, entities=entities)
    write_content(corpus, folder)
    return corpus
