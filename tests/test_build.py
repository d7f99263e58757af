"""The build refuses to publish a site that lost an article; the docs folder is rewritten
only where it changed and keeps no page of a deleted article."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, options_in, run_builder

from builder import build as build_module
from builder.problems import BuildError


def copy_content(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(REPO / "content", content)
    return content


def test_build_fails_when_an_article_does_not_reach_the_site(tmp_path: Path) -> None:
    # A configuration that makes MkDocs skip the 2022 articles (and not stop on the links
    # to them): the builder's own check must catch the loss.
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    replacements = {
        "strict: true": "strict: false",
        "docs_dir: build/docs": f"docs_dir: {tmp_path / 'work' / 'docs'}",
        "custom_dir: builder/theme": f"custom_dir: {REPO / 'builder' / 'theme'}",
    }
    for old, new in replacements.items():
        assert old in config
        config = config.replace(old, new)
    config += "\nexclude_docs: |\n  articles/2022/\n"
    (tmp_path / "mkdocs.yml").write_text(config, encoding="utf-8")
    result = run_builder(
        *["build", "--no-search", "--content", str(REPO / "content")],
        *["--site", str(tmp_path / "site"), "--work", str(tmp_path / "work")],
        *["--config", str(tmp_path / "mkdocs.yml")],
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    missing = [line for line in result.stderr.splitlines() if "missing from the site" in line]
    assert len(missing) == 3
    assert all("articles/2022/" in line for line in missing)
    assert "the site was not published" in result.stderr


def test_deleted_article_leaves_the_docs_folder(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    work = tmp_path / "work"

    def generate() -> None:
        result = run_builder(
            *["build", "--no-search", "--content", str(content)],
            *["--work", str(work), "--site", str(tmp_path / "site")],
        )
        assert result.returncode == 0, result.stderr

    generate()
    page = work / "docs/articles/2022/01/osce-vienna-meeting.md"
    assert page.is_file()
    next(content.glob("articles/2022/*osce*.md")).unlink()
    generate()
    assert not page.exists()
    assert not (tmp_path / "site/articles/2022/01/osce-vienna-meeting").exists()


def test_a_missing_mkdocs_config_is_a_clear_error(tmp_path: Path) -> None:
    result = run_builder(
        *["build", "--config", str(tmp_path / "none.yml")],
        *["--work", str(tmp_path / "work"), "--site", str(tmp_path / "site")],
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "none.yml" in result.stderr


def test_a_setting_mkdocs_refuses_is_a_clear_error_naming_the_file(tmp_path: Path) -> None:
    """MkDocs logs what is wrong with a setting and exits ("Aborted with 1 configuration
    errors!"): the editor sees its words after the file's name, and the build's verdict."""
    config = tmp_path / "site.yml"
    config.write_text("site_name: موجز\ntheme:\n  name: no-such-theme\n", encoding="utf-8")
    result = run_builder(
        *["build", "--config", str(config)],
        *["--work", str(tmp_path / "work"), "--site", str(tmp_path / "site")],
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{config}: MkDocs: Config value 'theme'" in result.stderr
    assert "no-such-theme" in result.stderr and "the build failed" in result.stderr


def test_a_bad_jobs_value_is_a_clear_error(tmp_path: Path) -> None:
    result = run_builder(
        *["build", "--jobs", "-2"],
        *["--work", str(tmp_path / "work"), "--site", str(tmp_path / "site")],
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "'-2' is not a number of processes" in result.stderr
    assert not (tmp_path / "site").exists()


def test_a_build_that_fails_after_the_search_index_started_stops_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pagefind starts while MkDocs still renders pages: if MkDocs then fails, the build
    stops Pagefind rather than leave it running on a site that will not be published."""
    events: list[str] = []

    class Indexing:
        kept = False

        def __init__(self, site: Path, *args: Any, **named: Any) -> None:
            pass

        def start(self) -> None:
            events.append("started")

        def finish(self) -> tuple[int, int]:
            events.append("finished")
            return 0, 0

        def stop(self) -> None:
            events.append("stopped")

    def failing_mkdocs(config: object, jobs: int, **hooks: Any) -> None:
        if hooks["when_first_written"]:  # a large site: the index starts meanwhile
            hooks["when_first_written"]()
        raise BuildError(["MkDocs stopped: a page failed"])

    monkeypatch.setattr(build_module, "Indexing", Indexing)
    monkeypatch.setattr(build_module, "run_mkdocs", failing_mkdocs)
    options = options_in(tmp_path, copy_content(tmp_path))
    with pytest.raises(BuildError, match="a page failed"):
        build_module.build(options)
    assert events == ["started", "stopped"]


@pytest.mark.parametrize("large", [False, True])
def test_the_search_index_starts_before_mkdocs_on_a_small_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, large: bool
) -> None:
    """Pagefind indexes the docs folder's blocks: on a small site it starts before MkDocs,
    whose workers yield it the CPU; on a large one (its memory peak must not meet MkDocs'
    workers) once MkDocs has written the indexed pages, and MkDocs does not yield."""
    events: list[Any] = []
    real_mkdocs, real_start = build_module.run_mkdocs, build_module.Indexing.start

    def mkdocs(config: object, jobs: int, **hooks: Any) -> Any:
        events.append(("mkdocs", hooks["first"], hooks["yield_cpu"]))
        return real_mkdocs(config, jobs, **hooks)

    def start(self: Any) -> None:
        events.append("search")
        real_start(self)

    monkeypatch.setattr(build_module, "run_mkdocs", mkdocs)
    monkeypatch.setattr(build_module.Indexing, "start", start)
    if large:
        monkeypatch.setattr(build_module, "SEARCH_BESIDE_MKDOCS_MAX_PAGES", 1)
    options = options_in(tmp_path, copy_content(tmp_path), jobs=1)
    report = build_module.build(options)
    if large:
        assert events == [("mkdocs", build_module.INDEXED_FOLDERS, False), "search"]
    else:
        assert events == ["search", ("mkdocs", (), True)]
    assert report.stage("search").files > 0
    assert (options.site / "pagefind" / "pagefind-entry.json").is_file()
    assert not (options.work / "pagefind.new").exists()


def _busy(seconds: float) -> float:
    """Spin for `seconds` of this process's CPU time; return the CPU time it took."""
    import time

    started = time.process_time()
    while time.process_time() - started < seconds:
        pass
    return time.process_time() - started


def test_a_stage_counts_the_cpu_of_its_workers() -> None:
    # The workers' CPU is what a parallel stage costs: the parent only waits for them.
    from builder.forked import CAN_FORK, forked_map

    if not CAN_FORK:
        pytest.skip("no fork here: the work would run in this process")
    report = build_module.BuildReport()
    with build_module.timed(report, "busy"):
        spent = forked_map(lambda _: _busy(0.3), 4, workers=2)
    stage = report.stage("busy")
    assert sum(spent) >= 1.2
    assert stage.cpu_seconds >= 0.9 * sum(spent)
    # A stage of its own, after: none of that CPU is counted twice.
    with build_module.timed(report, "idle"):
        pass
    assert report.stage("idle").cpu_seconds < 0.1
