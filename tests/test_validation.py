"""One broken article per class of editor mistake: the message names the file, the line of
the offending key or value, and the problem, and `check` exits 1 without a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_builder

from builder.reader import read_content

REGISTRY = """\
nato:
  type: organization
  name: حلف شمال الأطلسي
  aliases: [الناتو]
russia:
  type: place
  name: روسيا
"""

GOOD_FRONT = "---\ntitle: عنوان\ndate: 2021-12-31\n---\n\nنص الخبر.\n"


def write_content(root: Path, articles: dict[str, str | bytes], registry: str = REGISTRY) -> Path:
    (root / "articles").mkdir(parents=True)
    (root / "entities.yml").write_text(registry, encoding="utf-8")
    for name, text in articles.items():
        path = root / "articles" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return root


def problems_of(tmp_path: Path, text: str | bytes, name: str = "bad.md") -> list[tuple[int, str]]:
    content = read_content(write_content(tmp_path / "content", {name: text}))
    return [(p.line, p.message) for p in content.problems if p.path.endswith(name)]


def only_problem(tmp_path: Path, text: str | bytes) -> tuple[int, str]:
    found = problems_of(tmp_path, text)
    assert len(found) == 1, found
    return found[0]


def test_a_good_article_has_no_problem(tmp_path: Path) -> None:
    content = read_content(write_content(tmp_path / "c", {"good.md": GOOD_FRONT}))
    assert content.problems == []
    assert [a.slug for a in content.articles] == ["good"]


def test_no_front_matter(tmp_path: Path) -> None:
    line, message = only_problem(tmp_path, "title: عنوان\n\nنص.\n")
    assert line == 1 and "no front matter" in message


def test_front_matter_never_closed(tmp_path: Path) -> None:
    line, message = only_problem(tmp_path, "---\ntitle: عنوان\ndate: 2021-12-31\n\nنص.\n")
    assert line == 1 and "no front matter" in message


def test_missing_title(tmp_path: Path) -> None:
    line, message = only_problem(tmp_path, "---\ndate: 2021-12-31\n---\n\nنص.\n")
    assert "'title' is missing" in message and line == 2


def test_empty_title(tmp_path: Path) -> None:
    line, message = only_problem(tmp_path, "---\ndate: 2021-12-31\ntitle: '  '\n---\n\nنص.\n")
    assert (line, message) == (3, "'title' is empty")


def test_missing_date(tmp_path: Path) -> None:
    line, message = only_problem(tmp_path, "---\ntitle: عنوان\n---\n\nنص.\n")
    assert "'date' is missing" in message and line == 2


@pytest.mark.parametrize("value", ["2021-02-30", "2021-13-01", "31/12/2021", "غدا"])
def test_invalid_date(tmp_path: Path, value: str) -> None:
    line, message = only_problem(tmp_path, f"---\ntitle: عنوان\n\ndate: {value}\n---\n\nنص.\n")
    assert line == 4
    assert f"'date' is '{value}', which is not a real date" in message


def test_datetime_with_offset_is_accepted(tmp_path: Path) -> None:
    text = "---\ntitle: عنوان\ndate: 2021-12-31T21:30:00+03:00\n---\n\nنص.\n"
    assert problems_of(tmp_path, text) == []


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    text = "---\ntitle: عنوان\ndate: 2021-12-31\nsumary: ملخص\n---\n\nنص.\n"
    line, message = only_problem(tmp_path, text)
    assert line == 4
    assert "unknown field 'sumary'" in message and "did you mean 'summary'" in message


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("tags", "سياسة", "'tags' must be a list"),
        ("draft", "نعم", "'draft' must be true or false"),
        ("title", "[أ, ب]", "'title' must be text, not a list"),
        ("entities", "{a: 1}", "'entities' must be a list"),
        ("slug", "الناتو", "'slug' is 'الناتو'"),
    ],
)
def test_wrong_type(tmp_path: Path, field: str, value: str, expected: str) -> None:
    base = {"title": "عنوان", "date": "2021-12-31", field: value}
    lines = "".join(f"{key}: {val}\n" for key, val in base.items())
    line, message = only_problem(tmp_path, f"---\n{lines}---\n\nنص.\n")
    assert expected in message
    assert line == 2 + list(base).index(field)


def test_wrong_type_inside_a_list_names_the_item_line(tmp_path: Path) -> None:
    text = "---\ntitle: عنوان\ndate: 2021-12-31\ntags:\n  - سياسة\n  - 12\n---\n\nنص.\n"
    line, message = only_problem(tmp_path, text)
    assert (line, message) == (6, "'tags' item 2 must be non-empty text")


def test_duplicate_slug(tmp_path: Path) -> None:
    content = read_content(
        write_content(
            tmp_path / "c",
            {
                "2021/first.md": "---\ntitle: أ\ndate: 2021-12-30\nslug: same\n---\n\nنص.\n",
                "2021/second.md": "---\ntitle: ب\ndate: 2021-12-31\nslug: same\n---\n\nنص.\n",
            },
        )
    )
    assert len(content.problems) == 1
    problem = content.problems[0]
    assert problem.path.endswith("second.md") and problem.line == 4
    assert "'same' is already used by" in problem.message and "first.md" in problem.message


def test_duplicate_entity_id_in_one_file(tmp_path: Path) -> None:
    registry = REGISTRY + "nato:\n  type: organization\n  name: الناتو\n"
    content = read_content(write_content(tmp_path / "c", {"a.md": GOOD_FRONT}, registry))
    assert [(p.line, p.message) for p in content.problems] == [
        (8, "the entity id 'nato' is defined twice")
    ]


def test_duplicate_entity_id_across_registry_files(tmp_path: Path) -> None:
    root = write_content(tmp_path / "c", {"a.md": GOOD_FRONT})
    (root / "entities").mkdir()
    (root / "entities" / "more.yml").write_text(
        "# places\n\nrussia:\n  type: place\n  name: روسيا الاتحادية\n", encoding="utf-8"
    )
    problems = read_content(root).problems
    assert len(problems) == 1
    assert problems[0].path.endswith("more.yml") and problems[0].line == 3
    assert "'russia' is already defined in" in problems[0].message
    assert "entities.yml:5" in problems[0].message


def test_entity_absent_from_registry(tmp_path: Path) -> None:
    text = "---\ntitle: عنوان\ndate: 2021-12-31\nentities:\n  - nato\n  - rusia\n---\n\nنص.\n"
    line, message = only_problem(tmp_path, text)
    assert line == 6
    assert "'rusia' in 'entities' is not in the entity registry" in message
    assert "did you mean 'russia'" in message


def test_excluded_entity_absent_from_registry(tmp_path: Path) -> None:
    text = "---\ntitle: عنوان\ndate: 2021-12-31\nexclude_entities: [ghost]\n---\n\nنص.\n"
    line, message = only_problem(tmp_path, text)
    assert line == 4 and "'ghost' in 'exclude_entities'" in message


@pytest.mark.parametrize("url", ["ftp://example.org/a", "javascript:alert(1)", "www.example.org"])
def test_source_url_must_be_http(tmp_path: Path, url: str) -> None:
    text = f"---\ntitle: عنوان\ndate: 2021-12-31\nsource_url: '{url}'\n---\n\nنص.\n"
    line, message = only_problem(tmp_path, text)
    assert line == 4 and "'source_url' must be a web address" in message


def test_invalid_utf8_says_where(tmp_path: Path) -> None:
    data = GOOD_FRONT.encode("utf-8").replace("نص الخبر".encode(), b"\xff\xfe bad")
    line, message = only_problem(tmp_path, data)
    assert line == 6
    assert "not valid UTF-8" in message and "column 1" in message


def test_windows_1256_file_is_reported_as_not_utf8(tmp_path: Path) -> None:
    data = GOOD_FRONT.replace("نص الخبر.", "نص").encode("cp1256")
    line, message = only_problem(tmp_path, data)
    assert line == 2 and "not valid UTF-8" in message


def test_utf8_bom_is_fine(tmp_path: Path) -> None:
    content = read_content(write_content(tmp_path / "c", {"bom.md": "\ufeff" + GOOD_FRONT}))
    assert content.problems == []
    assert content.articles[0].title == "عنوان"


def test_empty_body(tmp_path: Path) -> None:
    line, message = only_problem(tmp_path, "---\ntitle: عنوان\ndate: 2021-12-31\n---\n\n  \n")
    assert line == 5 and "no text after the front matter" in message


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    text = '---\ntitle: عنوان\ndate: 2021-12-31\nsummary: "لم يُغلق\n---\n\nنص.\n'
    line, message = only_problem(tmp_path, text)
    assert line in (4, 5) and "YAML cannot be read" in message


def test_invalid_editor_event_date(tmp_path: Path) -> None:
    text = (
        "---\ntitle: عنوان\ndate: 2021-12-31\nevents:\n"
        "  - date: 2022-01-12\n    text: اجتماع\n  - date: 2022-02-30\n    text: موعد\n---\n\nنص.\n"
    )
    line, message = only_problem(tmp_path, text)
    assert line == 7 and "event 2: 'date' must be YYYY-MM-DD" in message


BROKEN = {
    "no-front-matter.md": "نص بلا ترويسة.\n",
    "missing-title.md": "---\ndate: 2021-12-31\n---\n\nنص.\n",
    "empty-title.md": "---\ntitle: ''\ndate: 2021-12-31\n---\n\nنص.\n",
    "missing-date.md": "---\ntitle: عنوان\n---\n\nنص.\n",
    "bad-date.md": "---\ntitle: عنوان\ndate: 2021-02-30\n---\n\nنص.\n",
    "unknown-key.md": "---\ntitle: عنوان\ndate: 2021-12-31\nauthor: فلان\n---\n\nنص.\n",
    "wrong-type.md": "---\ntitle: عنوان\ndate: 2021-12-31\ntags: سياسة\n---\n\nنص.\n",
    "dup-a.md": "---\ntitle: أ\ndate: 2021-12-31\nslug: dup\n---\n\nنص.\n",
    "dup-b.md": "---\ntitle: ب\ndate: 2021-12-31\nslug: dup\n---\n\nنص.\n",
    "unknown-entity.md": "---\ntitle: عنوان\ndate: 2021-12-31\nentities: [nobody]\n---\n\nنص.\n",
    "bad-url.md": "---\ntitle: عنوان\ndate: 2021-12-31\nsource_url: ftp://x.org\n---\n\nنص.\n",
    "not-utf8.md": b"---\ntitle: \xe1\xe1\ndate: 2021-12-31\n---\n\nx\n",
    "empty-body.md": "---\ntitle: عنوان\ndate: 2021-12-31\n---\n",
}


def test_check_reports_every_file_with_its_line_and_no_traceback(tmp_path: Path) -> None:
    root = write_content(
        tmp_path / "content", BROKEN, REGISTRY + "nato:\n  type: place\n  name: مكرر\n"
    )
    result = run_builder("check", "--content", str(root))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.splitlines()
    for name in set(BROKEN) - {"dup-a.md"}:
        reported = [line for line in lines if f"articles/{name}:" in line]
        assert reported, f"{name} is not reported:\n{result.stderr}"
        assert all(line.split(f"{name}:")[1].split(":")[0].isdigit() for line in reported)
    assert any("entities.yml:8: the entity id 'nato' is defined twice" in line for line in lines)
    assert lines[-1] == "13 problems in 13 files"


def test_check_notes_a_name_that_several_entities_answer_to(tmp_path: Path) -> None:
    registry = REGISTRY + (
        "amman:\n  type: place\n  name: عمّان\n"
        "oman:\n  type: place\n  name: عمان\n  aliases: [سلطنة عمان]\n"
    )
    root = write_content(tmp_path / "content", {"good.md": GOOD_FRONT}, registry)
    result = run_builder("check", "--content", str(root))
    assert result.returncode == 0, result.stderr  # a shared name is not a mistake
    notes = [line for line in result.stdout.splitlines() if ": note: " in line]
    assert len(notes) == 1, result.stdout
    amman_line = registry.splitlines().index("amman:") + 1
    assert notes[0].startswith(f"{root / 'entities.yml'}:{amman_line}: note: «عمّان»")
    assert "linked to 'amman', not to 'oman'" in notes[0]
    assert result.stdout.splitlines()[-1].endswith("no problems (1 shared name: see above)")


def test_located_yaml_gives_what_the_yaml_loader_gives() -> None:
    # load_located takes plain string scalars straight from their nodes (a fast path);
    # every other scalar goes through PyYAML's constructor, so the data must be what the
    # same loader's own `load` makes of the document, types included.
    import yaml

    from builder.yamlsource import _PlainLoader, load_located

    text = """\
title: 'عنوان: مع نقطتين'
plain: كلمات عربية
number: 12
float: 1.5
yes_word: yes
flag: true
nothing: null
tilde: ~
tagged: !!str 2021
date: 2021-12-31
anchored: &name الناتو
again: *name
folded: >
  سطر أول
  وسطر ثان
list: [1, 'اثنان', false, 2.5]
nested:
  - {a: 1, b: ب}
"""
    located = load_located(text)
    expected = yaml.load(text, Loader=_PlainLoader)  # a SafeLoader: runs no code
    assert located.data == expected
    assert [type(v) for v in located.data.values()] == [type(v) for v in expected.values()]
    assert located.data["number"] == 12 and located.data["flag"] is True
    assert located.data["tagged"] == "2021" and located.data["date"] == "2021-12-31"
    assert located.line("nested", 0, "b") == 18


def test_a_file_is_named_for_problems_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Naming a file as the editor would (display_path) may resolve it (syscalls): a cold
    # read of a content folder outside the working directory paid ~0.1 ms per good file.
    from builder import reader

    named: list[Path] = []

    def counting(path: Path) -> str:
        named.append(path)
        return str(path)

    monkeypatch.setattr(reader, "display_path", counting)
    good, bad = tmp_path / "good.md", tmp_path / "bad.md"
    good.write_text(GOOD_FRONT, encoding="utf-8")
    bad.write_text("---\ntitle: عنوان\ndate: 2021-12-31\ntitel: x\ntitel: y\n---\n\nنص.\n")
    problems: list = []
    assert reader.read_article(good, problems) is not None
    assert problems == [] and named == []
    assert reader.read_article(bad, problems) is None
    assert {p.path for p in problems} == {str(bad)} and len(problems) == 2  # twice, unknown
    assert set(named) == {bad}
