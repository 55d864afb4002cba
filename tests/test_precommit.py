"""The two pre-commit hooks, run by the real ``pre-commit try-repo`` on a temporary git
repository. The hook repository is a committed snapshot of this working tree (pre-commit
installs hooks from a commit), and pre-commit builds the hook's environment with pip."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import BIN, REPO

GIT_ENV = {
    "GIT_AUTHOR_NAME": "test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}
VIOLATION = "from fastapi import HTTPException\n\n\ndef f():\n    raise HTTPException(404)\n"
FIXABLE = 'import logging\n\nlogger = logging.getLogger("users")\n\n\ndef created(uid):\n    logger.info("user.created", extra={"user_id": uid})\n'
CLEAN = "def total(a: int, b: int) -> int:\n    return a + b\n"


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env={**os.environ, **GIT_ENV})


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("pre-commit-home")
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PY_STANDARDS", "VIRTUAL_ENV", "PRE_COMMIT"))}
    return {**environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "HOME": str(home)}


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> Path:
    """This working tree's package, committed in a fresh repository."""
    repo = tmp_path_factory.mktemp("hook-repo")
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(REPO / name, repo / name)
    shutil.copytree(REPO / "src", repo / "src", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "snapshot")
    return repo


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.py-standards-lint]\n")
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    return tmp_path


def try_repo(hook_repo: Path, hook: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "pre-commit"), "try-repo", str(hook_repo), hook, "--all-files", "--color", "never"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_check_hook_fails_on_a_finding_and_passes_on_clean_code(tmp_path, hook_repo, env):
    repo = project(tmp_path, {"app/services/steps.py": VIOLATION})
    result = try_repo(hook_repo, "py-standards-lint", repo, env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "app/services/steps.py:5:5: PSL101" in result.stdout
    (repo / "app" / "services" / "steps.py").write_text(CLEAN)
    git(repo, "add", "-A")
    result = try_repo(hook_repo, "py-standards-lint", repo, env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout


def test_fix_hook_fixes_and_fails_when_it_changed_files(tmp_path, hook_repo, env):
    repo = project(tmp_path, {"app/services/users.py": FIXABLE})
    result = try_repo(hook_repo, "py-standards-lint-fix", repo, env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "files were modified by this hook" in result.stdout
    assert 'logging.getLogger(__name__)' in (repo / "app" / "services" / "users.py").read_text()
    git(repo, "add", "-A")
    result = try_repo(hook_repo, "py-standards-lint-fix", repo, env)
    assert result.returncode == 0, result.stdout + result.stderr
