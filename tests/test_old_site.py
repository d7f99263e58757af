"""builder.old_site: the site folder is emptied at once (hidden entries kept, as MkDocs
does) and its old files are deleted by another process, finished when the block ends."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from builder import old_site
from builder.old_site import TRASH, old_site_deleted_meanwhile


def _old_site(site: Path) -> None:
    (site / "articles" / "2021").mkdir(parents=True)
    (site / "articles" / "2021" / "index.html").write_text("old", encoding="utf-8")
    (site / "sitemap.xml").write_text("old", encoding="utf-8")
    (site / ".git").mkdir()
    (site / ".git" / "HEAD").write_text("ref", encoding="utf-8")
    (site / ".nojekyll").write_text("", encoding="utf-8")


def test_old_entries_leave_at_once_and_are_deleted_by_the_end(tmp_path: Path) -> None:
    site, work = tmp_path / "site", tmp_path / "build"
    _old_site(site)
    with old_site_deleted_meanwhile(site, work):
        assert sorted(p.name for p in site.iterdir()) == [".git", ".nojekyll"]
        (site / "index.html").write_text("new", encoding="utf-8")  # what MkDocs writes now
    assert sorted(p.name for p in site.iterdir()) == [".git", ".nojekyll", "index.html"]
    assert (site / ".git" / "HEAD").read_text(encoding="utf-8") == "ref"
    assert not (work / TRASH).exists()


def test_trash_left_by_an_interrupted_build_is_deleted(tmp_path: Path) -> None:
    site, work = tmp_path / "site", tmp_path / "build"
    site.mkdir()
    left = work / TRASH / "tmp-interrupted" / "articles"
    left.mkdir(parents=True)
    (left / "index.html").write_text("old", encoding="utf-8")
    with old_site_deleted_meanwhile(site, work):
        pass
    assert not (work / TRASH).exists()


def test_entries_that_cannot_be_moved_stay_for_mkdocs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site, work = tmp_path / "site", tmp_path / "build"
    _old_site(site)

    def cross_device(source: object, target: object) -> None:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(old_site.os, "rename", cross_device)
    with old_site_deleted_meanwhile(site, work):
        assert (site / "sitemap.xml").exists()  # MkDocs' clean_directory deletes it next


def test_a_work_folder_inside_the_site_is_not_moved(tmp_path: Path) -> None:
    site = tmp_path / "site"
    work = site / "build"
    _old_site(site)
    (work / "docs").mkdir(parents=True)
    with old_site_deleted_meanwhile(site, work):
        assert sorted(p.name for p in site.iterdir()) == [".git", ".nojekyll", "build"]
        assert (work / "docs").is_dir()
    assert sorted(os.listdir(work)) == ["docs"]
