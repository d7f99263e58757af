"""The GitHub Actions workflows, checked by real linters from PyPI."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

WORKFLOWS = sorted(Path(".github/workflows").glob("*.yml"))
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    path = BIN / name
    return str(path) if path.exists() else (shutil.which(name) or name)


def test_actionlint_finds_nothing() -> None:
    assert WORKFLOWS
    result = subprocess.run(
        [_tool("actionlint"), *map(str, WORKFLOWS)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing() -> None:
    result = subprocess.run(
        [_tool("zizmor"), "--offline", "--no-progress", ".github/workflows"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_uses_the_official_pages_actions_with_least_privilege() -> None:
    deploy = yaml.safe_load(Path(".github/workflows/deploy.yml").read_text())
    text = Path(".github/workflows/deploy.yml").read_text()
    for action in ("configure-pages", "upload-pages-artifact", "deploy-pages"):
        assert f"actions/{action}@" in text
    assert deploy["concurrency"]["group"] == "pages"
    assert deploy[True]["push"]["branches"] == ["main"]  # YAML 1.1 reads `on` as True
    assert deploy["jobs"]["deploy"]["permissions"] == {
        "contents": "read",
        "pages": "write",
        "id-token": "write",
    }
    assert deploy["permissions"] == {"contents": "read"}


def test_pull_requests_run_check_build_and_tests() -> None:
    text = Path(".github/workflows/pull-request.yml").read_text()
    assert "pull_request" in text
    for step in ("python -m builder check", "python -m builder build", "make test"):
        assert step in text


def test_publish_restores_the_last_build_keyed_by_the_code_that_made_it() -> None:
    """The publish starts from the last publish's build/ (caches and docs folder) and site/
    (MkDocs renders only the changed pages into it; its search index is kept while still
    the pages'), and only from ones made by the same builder and packages: a change to
    either starts from nothing."""
    deploy = yaml.safe_load(Path(".github/workflows/deploy.yml").read_text())
    steps = deploy["jobs"]["build"]["steps"]
    cached = [s for s in steps if s.get("uses", "").startswith("actions/cache@")]
    assert len(cached) == 1
    restore = cached[0]["with"]
    assert restore["path"].split() == ["build/", "site/"]
    code = "hashFiles('requirements.lock', 'builder/**')"
    assert code in restore["key"] and restore["restore-keys"].endswith(code + " }}-")
    names = [s.get("name", s.get("uses", "")) for s in steps]
    assert names.index(cached[0]["name"]) < names.index("Build the site")
