"""builder.old_site: the site folder is emptied at once (hidden entries kept, as MkDocs
does) and its old files are deleted by another process, finished when the block ends."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import REPO, options_in, run_builder

from builder import old_site
from builder.build import build
from builder.old_site import TRASH, old_site_deleted_meanwhile
from builder.problems import BuildError


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


def test_a_rebuild_drops_the_page_of_a_deleted_article(tmp_path: Path) -> None:
    """Through the real build: the old site goes, a deleted article's page with it."""
    content = tmp_path / "content"
    shutil.copytree(REPO / "content", content)
    options = options_in(tmp_path, content, search=False)
    first = build(options)
    gone = max(_articles(content), key=lambda path: path.name)
    assert any((options.site / "articles").rglob("index.html"))
    pages_before = _article_pages(options.site)
    (options.site / ".nojekyll").write_text("", encoding="utf-8")
    gone.unlink()
    build(options)
    pages_after = _article_pages(options.site)
    assert len(pages_after) == len(pages_before) - 1 == first.articles - 1
    assert (options.site / ".nojekyll").exists()
    assert not (options.work / TRASH).exists()


def _articles(content: Path) -> list[Path]:
    return sorted((content / "articles").rglob("*.md"))


def _article_pages(site: Path) -> set[str]:
    return {p.parent.name for p in (site / "articles").rglob("index.html")}


def test_a_site_folder_holding_the_content_is_refused(tmp_path: Path) -> None:
    site = tmp_path / "site"
    content = site / "content"
    shutil.copytree(REPO / "content", content)
    options = options_in(tmp_path, content)
    with pytest.raises(BuildError, match="the site folder holds the content folder"):
        build(options)
    assert sorted(p.name for p in (content / "articles").rglob("*.md"))  # untouched


def test_a_site_that_is_a_file_is_refused_without_a_traceback(tmp_path: Path) -> None:
    page = tmp_path / "notes.txt"
    page.write_text("keep me", encoding="utf-8")
    result = run_builder("build", "--site", str(page), "--work", str(tmp_path / "build"))
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    assert f"{page}: this is a file; --site must name a folder" in result.stderr
    assert page.read_text(encoding="utf-8") == "keep me"
