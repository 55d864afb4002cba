"""What a hostile repository can do through the files the linter reads besides the cache (issue #16, README
"Threat model"): configuration values (regular expressions, globs), pyproject.toml itself, special files and
symlinks among the sources, and ``--stdin-filename``. Nothing hangs, nothing outside the project is read."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from py_standards_lint.base import globs
from py_standards_lint.engine.config import settings_for_folder
from py_standards_lint.engine.lint import Run, RunOptions
from py_standards_lint.frontends.cli import app
from py_standards_lint.rules import ALL_RULES

from .conftest import run_tool

LOGS = "import logging\n\nlogger = logging.getLogger(__name__)\n\nlogger.info('" + "a" * 40 + "!')\n"


def project(tmp_path: Path, table: str, files: dict[str, str]) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pyproject.toml").write_text(f"[project]\nname = 'x'\n\n[tool.py-standards-lint]\n{table}")
    for relpath, text in files.items():
        (root / relpath).parent.mkdir(parents=True, exist_ok=True)
        (root / relpath).write_text(text)
    settings_for_folder.cache_clear()
    return root


def lint(root: Path) -> list:
    return [
        (Path(r.path).name, [(f.line, f.code) for f in r.findings], [str(e) for e in r.errors], r.read_error)
        for r in Run(ALL_RULES, RunOptions()).lint_paths([root])
    ]


def test_a_catastrophic_event_name_pattern_is_checked_quickly(tmp_path: Path) -> None:
    """The issue's own case: `^(a+)+$` and a 41-character message."""
    root = project(tmp_path, "event-name-pattern = '^(a+)+$'\n", {"app/m.py": LOGS})
    started = time.monotonic()
    assert lint(root) == [("m.py", [(5, "PSL304")], [], None)]
    assert time.monotonic() - started < 2


def test_a_pattern_that_backtracks_past_the_limit_is_a_configuration_error_and_the_run_goes_on(tmp_path: Path) -> None:
    files = {f"app/m{i}.py": LOGS for i in range(5)} | {"app/services/s.py": "from fastapi import HTTPException\nraise HTTPException(404)\n"}
    root = project(tmp_path, "event-name-pattern = '^(a|a)*$'\n", files)
    started = time.monotonic()
    result = CliRunner().invoke(app, ["check", "--no-cache", "--jobs", "1", str(root)])
    assert time.monotonic() - started < 2
    assert result.exit_code == 2
    assert "PSL101" in result.stdout, "the other files are still checked"
    assert "configuration error in PSL304: event-name-pattern: the pattern '^(a|a)*$' took over" in result.stderr
    assert "internal error" not in result.stderr


def test_an_invalid_pattern_names_the_key(tmp_path: Path) -> None:
    root = project(tmp_path, "event-name-pattern = '(unclosed'\n", {"app/m.py": LOGS})
    result = CliRunner().invoke(app, ["check", "--no-cache", str(root)])
    assert result.exit_code == 2 and "event-name-pattern: invalid regular expression" in result.stderr


@pytest.mark.parametrize("key", ["exclude", "per-file-ignores", "layers"])
def test_catastrophic_globs_match_in_linear_time(tmp_path: Path, key: str) -> None:
    glob = "*a" * 14 + "*b"
    table = {
        "exclude": f"exclude = ['{glob}']\n",
        "per-file-ignores": f"per-file-ignores = {{ '{glob}' = ['PSL3'] }}\n",
        "layers": f"[tool.py-standards-lint.layers]\nservices = ['**/{glob}/**']\n",
    }[key]
    deep = "a" * 120
    root = project(tmp_path, table, {f"app/{deep}/{deep}.py": LOGS})
    started = time.monotonic()
    assert lint(root)[0][1] == [(5, "PSL304")]
    assert time.monotonic() - started < 2


def test_glob_matching_is_linear() -> None:
    started = time.monotonic()
    assert not globs.match("*a" * 30 + "*b", "a" * 5000)
    assert globs.match("**/" * 20 + "x", "a/" * 500 + "x")
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("glob", ["[!]", "[]", "x[", "[\\]", "**/[!]/x", "[", "]"])
def test_odd_globs_are_never_errors(tmp_path: Path, glob: str) -> None:
    root = project(tmp_path, f"exclude = ['{glob}']\n", {"app/m.py": LOGS})
    assert lint(root)[0][1] == [(5, "PSL304")]


def test_a_symlink_to_a_file_outside_the_project_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOKEN = 'hunter2' this is not python (\n")
    root = project(tmp_path, "", {"app/m.py": LOGS})
    (root / "app/leak.py").symlink_to(secret)
    for result in (run_tool("check", "--no-cache", ".", cwd=root), run_tool("check", "--no-cache", "app/leak.py", cwd=root)):
        assert "hunter2" not in result.stdout + result.stderr
        assert "app/leak.py: not read: a symlink to a file outside the project" in result.stderr
        assert result.returncode == 2


def test_a_symlink_inside_the_project_is_read(tmp_path: Path) -> None:
    root = project(tmp_path, "", {"app/m.py": LOGS})
    (root / "app/alias.py").symlink_to(root / "app/m.py")
    result = run_tool("check", "--no-cache", "app/alias.py", cwd=root)
    assert "app/alias.py:5:1: PSL304" in result.stdout


def test_a_fifo_among_the_sources_does_not_hang(tmp_path: Path) -> None:
    root = project(tmp_path, "", {"app/m.py": LOGS})
    os.mkfifo(root / "app/pipe.py")
    walked = run_tool("check", "--no-cache", ".", cwd=root)
    assert "app/m.py:5:1: PSL304" in walked.stdout and walked.returncode == 1  # a walk skips it
    named = run_tool("check", "--no-cache", "app/pipe.py", cwd=root)
    assert named.returncode == 2 and "app/pipe.py: cannot read: not a regular file" in named.stderr


def test_a_fifo_or_huge_pyproject_does_not_hang(tmp_path: Path) -> None:
    root = project(tmp_path, "", {"app/m.py": LOGS})
    (root / "pyproject.toml").unlink()
    os.mkfifo(root / "pyproject.toml")
    assert run_tool("check", "--no-cache", ".", cwd=root).returncode == 1  # not a file: no configuration there
    (root / "pyproject.toml").unlink()
    with open(root / "pyproject.toml", "wb") as fh:
        fh.truncate(2 * 1024**3)
    result = run_tool("check", "--no-cache", ".", cwd=root)
    assert result.returncode == 2 and "larger than" in result.stderr


def test_stdin_filename_decides_the_layer_and_is_never_read(tmp_path: Path) -> None:
    root = project(tmp_path, "", {"app/services/x.py": "x = 1\n"})
    code = "from fastapi import HTTPException\n\n\ndef f():\n    raise HTTPException(404)\n"
    for name in ("app/services/x.py", "app/services/missing.py", "../elsewhere/app/services/y.py"):
        result = run_tool("check", "--no-cache", "-", "--stdin-filename", name, cwd=root, stdin=code)
        assert "5:5: PSL101" in result.stdout, name
