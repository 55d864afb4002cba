"""``check --show-settings PATH``: the settings that apply to a file, as the run resolves them.

Prints the config file used (or none), the project root, the file's project-relative
path and layer, the rules enabled for it (after select/ignore/per-file-ignores) and
every option's value, as TOML-like ``key = value`` lines. Exit 0, or 2 on a config error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from py_standards_lint.base import layers as layers_mod
from py_standards_lint.base.project import is_excluded, relative_path
from py_standards_lint.base.settings import ConfigError
from py_standards_lint.engine.selection import rules_for_file


def _value(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        return json.dumps(list(value))
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_value(v)}" for k, v in value.items()) + " }" if value else "{}"
    return json.dumps(value)


def render(run: Any, path: Path) -> str:
    settings = run.settings_for(path)
    relpath = relative_path(path, settings.root)
    layer = layers_mod.layer_for(relpath, settings["layers"])
    enabled = [r.code for r in rules_for_file(settings, relpath)]
    lines = [
        f"# Resolved settings for {path}",
        f"config-file = {json.dumps(str(settings.config_file)) if settings.config_file else '(none)'}",
        f"project-root = {json.dumps(str(settings.root))}",
        f"relative-path = {json.dumps(relpath)}",
        f"layer = {json.dumps(layer) if layer else '(none)'}",
        f"excluded = {'true' if is_excluded(relpath, settings) else 'false'}",
        f"enabled-rules = {json.dumps(enabled)}",
        "",
        "[tool.py-standards-lint]",
    ]
    lines += [f"{key} = {_value(settings.values[key])}" for key in sorted(settings.values)]
    return "\n".join(lines) + "\n"


def show(run: Any, path: Path, err: Callable[[str], None]) -> int:
    try:
        text = render(run, path)
    except ConfigError as exc:
        err(f"error: {exc}")
        return 2
    print(text, end="")
    return 0
