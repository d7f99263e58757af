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


class _Fingerprinted:
    """A job with a fingerprint of its own, as PageJob has."""

    def __init__(self, job: writer.FileJob, number: int):
        self.job, self.key = job, f"job {number}".encode()

    def __call__(self) -> list[tuple[str, str | bytes]]:
        return list(self.job())

    def fingerprint(self, fingerprinter: object) -> bytes:
        return self.key


@pytest.mark.parametrize("atomic", [True, False])
@pytest.mark.parametrize("workers", [1, 2])
def test_write_all_writes_every_file_once_and_counts_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int, atomic: bool
) -> None:
    monkeypatch.setattr(writer, "PARALLEL_MIN", 0)  # workers even for a small batch
    tree = OutputTree(tmp_path, atomic=atomic)
    tree.write_all(_jobs(30), workers)
    assert (tree.files, tree.written, tree.unchanged) == (60, 60, 0)
    assert (tmp_path / "pages" / "3" / "p10.md").read_text(encoding="utf-8") == "صفحة 10\n"
    assert not list(tmp_path.rglob("*.tmp"))
    again = OutputTree(tmp_path)
    again.write_all(_jobs(30), workers)
    assert (again.written, again.unchanged) == (0, 60)  # unchanged files are not rewritten


@pytest.mark.parametrize("atomic", [True, False])
@pytest.mark.parametrize("workers", [1, 2])
def test_two_jobs_for_one_file_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int, atomic: bool
) -> None:
    monkeypatch.setattr(writer, "PARALLEL_MIN", 0)
    jobs: list[writer.FileJob] = [lambda: [("a.md", "1")], lambda: [("a.md", "2")]]
    with pytest.raises(ValueError, match=r"same file: a\.md"):
        OutputTree(tmp_path, atomic=atomic).write_all(jobs, workers)


def _counting_renames(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    renamed: list[str] = []
    real = writer.os.replace

    def replace(source: str, target: str) -> None:
        renamed.append(str(target))
        real(source, target)

    monkeypatch.setattr(writer.os, "replace", replace)
    return renamed


def test_new_files_are_created_in_place_unless_atomic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`build` creates new files in place (half the system time of a temporary file
    renamed into place); the preview's regenerations, which MkDocs may read meanwhile,
    and every rewrite of an existing file go through a temporary file."""
    renamed = _counting_renames(monkeypatch)
    OutputTree(tmp_path / "build").write_all(_jobs(5))
    assert len(renamed) == 10  # atomic by default
    renamed.clear()
    # Fingerprinted jobs (any fingerprinter: these jobs make their own key), so that the
    # tree keeps their files' stamps.
    fast = OutputTree(tmp_path / "fast", fingerprinter=object(), atomic=False)  # type: ignore[arg-type]
    fast.write_all([_Fingerprinted(job, i) for i, job in enumerate(_jobs(5))])
    assert renamed == [] and fast.written == 10
    assert len(fast.stamps) == 5
    assert (tmp_path / "fast" / "pages" / "3" / "p3.md").read_text(encoding="utf-8") == "صفحة 3\n"
    assert (tmp_path / "fast" / "feeds" / "f4.json").read_bytes() == b"{}"
    # Its stamps are the files' own (the next build keeps them by size and time).
    for relative, size, mtime in [s for files in fast.stamps.values() for s in files]:
        status = (tmp_path / "fast" / relative).stat()
        assert (status.st_size, status.st_mtime_ns) == (size, mtime)
    changed = OutputTree(tmp_path / "fast", atomic=False)
    changed.write("pages/3/p3.md", "صفحة جديدة\n")
    assert renamed == [str(tmp_path / "fast" / "pages" / "3" / "p3.md")]


def test_a_file_cut_short_is_written_again(tmp_path: Path) -> None:
    """A build stopped while creating a file in place leaves it cut short: the next
    build sees its size and writes it whole."""
    whole = "سطر طويل من صفحة\n" * 100
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "p.md").write_text(whole[:37], encoding="utf-8")
    tree = OutputTree(tmp_path, atomic=False)
    tree.write("pages/p.md", whole)
    assert (tmp_path / "pages" / "p.md").read_text(encoding="utf-8") == whole
    assert tree.written == 1


def test_a_file_made_meanwhile_is_replaced_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the check that a file is new and its creation another process may make it
    (two jobs with one file, which the parent then reports): the write falls back to a
    temporary file renamed into place instead of failing on the exclusive create."""
    real_open = writer.os.open

    def open_after_another(path: str, flags: int, mode: int = 0o777) -> int:
        Path(path).write_text("another process", encoding="utf-8")
        return real_open(path, flags, mode)

    monkeypatch.setattr(writer.os, "open", open_after_another)
    renamed = _counting_renames(monkeypatch)
    OutputTree(tmp_path, atomic=False).write("a.md", "ours")
    assert (tmp_path / "a.md").read_text(encoding="utf-8") == "ours"
    assert renamed == [str(tmp_path / "a.md")]


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
