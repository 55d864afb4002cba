"""Reading settings: ``[tool.py-standards-lint]`` in the nearest ``pyproject.toml``, validated against the
options the core and the given rules declare (``base/settings.py``).

The rule catalogue is a value here (``rules=``): the front ends pass it, and the resulting
:class:`~py_standards_lint.base.settings.Settings` carries it on to selection and ``# noqa``.
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from py_standards_lint.analysis.rule import Rule
from py_standards_lint.base.safeio import read_regular
from py_standards_lint.base.settings import ConfigError, Settings, all_options, parse_table

TABLE = "py-standards-lint"
#: a larger pyproject.toml is an error, not read (no real one comes near)
MAX_CONFIG_BYTES = 16 * 1024 * 1024


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start`` (a folder)."""
    current = start
    for folder in (current, *current.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def read_table(path: Path) -> dict[str, Any] | None:
    """The tool table of a ``pyproject.toml`` (``None`` when it has none)."""
    try:
        data = tomllib.loads(read_regular(path, MAX_CONFIG_BYTES).decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: not UTF-8 ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    tool = data.get("tool", {})
    table = tool.get(TABLE) if isinstance(tool, dict) else None
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.{TABLE}] must be a table")
    return table


def load_settings(
    start: Path,
    *,
    config_file: Path | None = None,
    isolated: bool = False,
    rules: Sequence[type[Rule]],
) -> Settings:
    """Settings for files under folder ``start`` (or from an explicit config file), validated against the
    options of the core and of ``rules`` (the catalogue the front end passes), which the settings carry."""
    options = all_options(rules)
    start = start.resolve()
    if config_file is not None:
        path: Path | None = config_file.resolve()
    elif isolated:
        path = None
    else:
        path = find_pyproject(start)
    root = path.parent if path is not None else Path(os.getcwd()).resolve()
    table = read_table(path) if path is not None else None
    if path is not None and not isolated and config_file is None and table is None:
        # the nearest pyproject has no table: look further up for one that does
        for folder in path.parent.parents:
            candidate = folder / "pyproject.toml"
            if candidate.is_file():
                found = read_table(candidate)
                if found is not None:
                    path, table = candidate, found
                    break
    where = f"{path}: [tool.{TABLE}] " if path is not None else ""
    values = parse_table(table or {}, options, where)
    return Settings(values=values, root=root, config_file=path if table is not None else None, rules=tuple(rules))


@lru_cache(maxsize=256)
def settings_for_folder(
    folder: str, config_file: str | None = None, isolated: bool = False, *, rules: tuple[type[Rule], ...]
) -> Settings:
    return load_settings(Path(folder), config_file=Path(config_file) if config_file else None, isolated=isolated, rules=rules)
