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
