"""builder/writer.py: the one place that writes output — in one process or in workers, the
same files, the same counts, the same refusal of two pages for one file."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder import writer
from builder.writer import OutputTree


def _jobs(count: int) -> list[writer.FileJob]:
    return [
        (lambda i=i: [(f"pages/{i % 7}/p{i}.md", f"صفحة {i}\n"), (f"feeds/f{i}.json", b"{}")])
        for i in range(count)
    ]


@pytest.mark.parametrize("workers", [1, 2])
def test_write_all_writes_every_file_once_and_counts_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    monkeypatch.setattr(writer, "PARALLEL_MIN", 0)  # workers even for a small batch
    tree = OutputTree(tmp_path)
    tree.write_all(_jobs(30), workers)
    assert (tree.files, tree.written, tree.unchanged) == (60, 60, 0)
    assert (tmp_path / "pages" / "3" / "p10.md").read_text(encoding="utf-8") == "صفحة 10\n"
    assert not list(tmp_path.rglob("*.tmp"))
    again = OutputTree(tmp_path)
    again.write_all(_jobs(30), workers)
    assert (again.written, again.unchanged) == (0, 60)  # unchanged files are not rewritten


@pytest.mark.parametrize("workers", [1, 2])
def test_two_jobs_for_one_file_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    monkeypatch.setattr(writer, "PARALLEL_MIN", 0)
    jobs: list[writer.FileJob] = [lambda: [("a.md", "1")], lambda: [("a.md", "2")]]
    with pytest.raises(ValueError, match=r"same file: a\.md"):
        OutputTree(tmp_path).write_all(jobs, workers)


def test_files_a_build_did_not_write_are_removed_with_their_empty_folders(tmp_path: Path) -> None:
    OutputTree(tmp_path).write_all(_jobs(10))
    (tmp_path / "old" / "deep").mkdir(parents=True)
    (tmp_path / "old" / "deep" / "gone.md").write_text("x", encoding="utf-8")
    tree = OutputTree(tmp_path)
    tree.write_all(_jobs(5))  # pages 5–9 and their feeds are no longer written
    assert tree.remove_stale() == 11
    assert sorted(p.name for p in (tmp_path / "feeds").iterdir()) == [
        f"f{i}.json" for i in range(5)
    ]
    assert not (tmp_path / "old").exists()
    assert (tmp_path / "pages" / "0" / "p0.md").is_file()
    assert not (tmp_path / "pages" / "5").exists()  # held only p5
    assert tmp_path.is_dir()
