"""The project on disk: its files, their project-relative paths and module names."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterable, Iterator

from py_standards_lint.base import globs
from py_standards_lint.base.settings import Settings

SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", "build", "dist",
        ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".py-standards-lint-cache",
    }
)
PYTHON_SUFFIXES = (".py", ".pyi")


def module_name_for(relpath: str) -> tuple[str, bool]:
    """``app/services/steps.py`` -> (``app.services.steps``, is_package)."""
    parts = [p for p in relpath.split("/") if p not in ("", ".", "..")]
    if parts and parts[0] == "src" and len(parts) > 1:
        parts = parts[1:]
    if not parts:
        return "", False
    last = parts[-1]
    for suffix in PYTHON_SUFFIXES:
        if last.endswith(suffix):
            last = last[: -len(suffix)]
    is_package = last == "__init__"
    parts = parts[:-1] if is_package else parts[:-1] + [last]
    return ".".join(parts), is_package


def relative_path(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        return path.as_posix().lstrip("./") if not path.is_absolute() else path.name


def iter_python_files(paths: Iterable[Path], warn: Callable[[str], None]) -> Iterator[Path]:
    """Files to check: named files as given, folders walked (skipping tool folders, never following links)."""
    seen: set[str] = set()
    for path in paths:
        if path.is_dir():
            for folder, dirs, files in os.walk(path, followlinks=False):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info"))
                for name in sorted(files):
                    if name.endswith(PYTHON_SUFFIXES):
                        found = Path(folder, name)
                        key = os.path.realpath(found)
                        if key not in seen and found.is_file():
                            seen.add(key)
                            yield found
        elif path.exists() or path.is_symlink():
            key = os.path.realpath(path)
            if key in seen:
                continue
            seen.add(key)
            yield path
        else:
            warn(f"{path}: no such file or folder")


def is_excluded(relpath: str, settings: Settings) -> bool:
    return globs.match_any(settings["exclude"], relpath)


