from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "fixtures" / "example_app"
BIN = Path(sys.executable).parent


def run_tool(*args: str, cwd: Path | None = None, stdin: str | None = None, tool: str = "py-standards-lint") -> subprocess.CompletedProcess:
    """Run an installed console script (from this venv) as a real subprocess."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PY_STANDARDS")}
    return subprocess.run(
        [str(BIN / tool), *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.fixture
def example() -> Path:
    return EXAMPLE


@pytest.fixture(autouse=True)
def _user_cache_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's cache folder (the result cache and its key) is a temporary one, shared by the session's
    tests, never the real home; subprocesses inherit it."""
    home = tmp_path_factory.getbasetemp() / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home
