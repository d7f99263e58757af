"""`python -m builder analyze --json`: the documented schema, offsets into the file's text."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import SEED, SEED_DATES, run_builder

ARTICLE = Path("content/articles/2021/2021-12-31-nato-ready-for-meaningful-talks-with-russia.md")
# Read off the seed text by hand: every registry entity it names (أوروبا only inside the
# OSCE's name, so Europe is not one of them).
SEED_ENTITIES = {
    "antony-blinken", "brussels", "geneva", "jens-stoltenberg", "joe-biden", "moscow", "nato",
    "nato-russia-council", "ned-price", "osce", "russia", "russia-foreign-ministry",
    "soviet-union", "twitter", "ukraine", "united-states", "us-state-department", "vienna",
    "vladimir-putin",
}  # fmt: skip


def analyze(*args: str) -> dict:  # type: ignore[type-arg]
    result = run_builder("analyze", *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def check_offsets(path: Path, data: dict) -> None:  # type: ignore[type-arg]
    text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    for entity in data["entities"]:
        assert set(entity) >= {"id", "type", "mentions"}
        for mention in entity["mentions"]:
            assert text[mention["start"] : mention["end"]] == mention["text"]
    for event in data["events"]:
        assert set(event) >= {"date", "precision", "expression", "start", "end", "sentence"}
        if event["start"] is not None:
            assert text[event["start"] : event["end"]] == event["expression"]
            assert event["expression"] in event["sentence"] or event["start"] < 0


def test_raw_seed_text() -> None:
    data = analyze(str(SEED), "--date", "2021-12-31", "--registry", "content/entities.yml")
    assert {e["id"] for e in data["entities"]} == SEED_ENTITIES
    assert [e["date"] for e in data["events"]] == SEED_DATES
    assert data["warnings"] == []
    check_offsets(SEED, data)


def test_article_file_offsets_count_the_front_matter() -> None:
    data = analyze(str(ARTICLE))
    assert {e["id"] for e in data["entities"]} == SEED_ENTITIES
    assert [e["date"] for e in data["events"]] == SEED_DATES
    check_offsets(ARTICLE, data)
    body_start = ARTICLE.read_text(encoding="utf-8").index("\n---\n") + 5
    assert all(m["start"] >= body_start for e in data["entities"] for m in e["mentions"])


def test_event_lists_the_entities_of_its_sentence() -> None:
    data = analyze(str(ARTICLE))
    call = next(e for e in data["events"] if e["date"] == "2021-12-30")
    assert call["expression"] == "أمس الخميس"
    assert {"vladimir-putin", "joe-biden"} <= set(call["entities"])
    assert "nato" not in call["entities"]


def test_bom_is_not_counted(tmp_path: Path) -> None:
    raw = tmp_path / "bom.txt"
    raw.write_text("\ufeffعنوان\nملخص\nالتقى بوتين وبايدن في جنيف أمس.\n", encoding="utf-8")
    data = analyze(str(raw), "--date", "2022-01-05", "--registry", "content/entities.yml")
    check_offsets(raw, data)
    assert {e["id"] for e in data["entities"]} == {"vladimir-putin", "joe-biden", "geneva"}
    assert [e["date"] for e in data["events"]] == ["2022-01-04"]


def test_suggestions_name_people_missing_from_the_registry(tmp_path: Path) -> None:
    raw = tmp_path / "raw.txt"
    raw.write_text(
        "عنوان\nملخص\nوقال وزير الخارجية الفرنسي جان إيف لودريان إنّ الحوار مع روسيا ضروري.\n",
        encoding="utf-8",
    )
    data = analyze(str(raw), "--date", "2022-01-05", "--registry", "content/entities.yml")
    assert any("لودريان" in s["text"] for s in data["suggestions"])
    assert not any("روسيا" in s["text"] for s in data["suggestions"])


def test_a_missing_file_or_a_folder_is_a_clear_error() -> None:
    for args in (
        ["analyze", "no-such-file.txt"],
        ["analyze", str(ARTICLE), "--registry", "no-such-registry.yml"],
        ["import", "content", "--date", "2022-01-01"],
    ):
        result = run_builder(*args)
        assert result.returncode == 1, args
        assert "Traceback" not in result.stderr
        assert "no such file" in result.stderr or "a folder, not a file" in result.stderr
