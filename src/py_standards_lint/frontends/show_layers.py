"""``check --show-layers [PATH ...]``: which layer each file of a project falls in.

The first thing a team adopting the tool asks is "does it see my routes?". For the files a
``check`` of the same paths would lint (same discovery, same ``exclude``, same per-file
settings and ``[tool.py-standards-lint.layers]`` overrides), this prints per layer how many
files fall in it with a few example paths, then the files in no layer that import fastapi,
starlette or sqlalchemy: route, service or repository code the layer rules do not see
(dependencies, app factories and session set-up legitimately live there too). Exit 0, or 2
on a configuration error or an unreadable path.
"""

from __future__ import annotations

import ast
import warnings
from pathlib import Path
from typing import Any, Callable, Sequence

from py_standards_lint.base import layers as layers_mod
from py_standards_lint.base.project import is_excluded, iter_python_files, relative_path
from py_standards_lint.base.settings import ConfigError

#: frameworks whose import marks a file as web or database code
FRAMEWORKS = ("fastapi", "starlette", "sqlalchemy")
EXAMPLES = 3
NO_LAYER = "(no layer)"
#: the order layers are printed in: the architecture's, top down
ORDER = (layers_mod.ROUTES, layers_mod.SERVICES, layers_mod.REPOSITORIES, layers_mod.APP, layers_mod.CACHE_MODULE, layers_mod.TESTS, NO_LAYER)


def framework_imports(source: bytes) -> list[str]:
    """The FRAMEWORKS a module imports (absolute imports anywhere in it); ``[]`` when it does not parse."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.partition(".")[0])
    return sorted(found & set(FRAMEWORKS))


def collect(run: Any, paths: Sequence[Path], warn: Callable[[str], None]) -> tuple[dict[str, list[str]], list[tuple[str, list[str]]]]:
    """Layer -> the display paths in it (``NO_LAYER`` included), and the files in no layer that import a
    framework, with the frameworks they import."""
    by_layer: dict[str, list[str]] = {layer: [] for layer in ORDER}
    unplaced: list[tuple[str, list[str]]] = []
    for path in iter_python_files(paths, warn=warn):
        settings = run.settings_for(path)
        relpath = relative_path(path, settings.root)
        if is_excluded(relpath, settings):
            continue
        layer = layers_mod.layer_for(relpath, settings["layers"])
        display = str(path)
        by_layer[layer or NO_LAYER].append(display)
        if layer is None:
            try:
                source = path.read_bytes()
            except OSError as exc:
                warn(f"{display}: cannot read: {exc.strerror or exc}")
                continue
            imported = framework_imports(source)
            if imported:
                unplaced.append((display, imported))
    return by_layer, sorted(unplaced)


def render(by_layer: dict[str, list[str]], unplaced: list[tuple[str, list[str]]]) -> str:
    total = sum(len(v) for v in by_layer.values())
    width = max(len(name) for name in by_layer)
    lines = [f"{total} file{'s' if total != 1 else ''} by layer:"]
    for layer, files in by_layer.items():
        files = sorted(files)
        examples = ", ".join(files[:EXAMPLES]) + (", ..." if len(files) > EXAMPLES else "")
        lines.append(f"  {layer:<{width}}  {len(files):>5}  {examples}".rstrip())
    lines.append("")
    if unplaced:
        lines.append(f"In no layer, but importing {', '.join(FRAMEWORKS[:-1])} or {FRAMEWORKS[-1]} ({len(unplaced)}):")
        lines += [f"  {path}  ({', '.join(imported)})" for path, imported in unplaced]
        lines.append("Route, service or repository code here is not seen by the layer rules: see [tool.py-standards-lint.layers].")
    else:
        lines.append("Every file importing fastapi, starlette or sqlalchemy is in a layer.")
    return "\n".join(lines) + "\n"


def show(run: Any, paths: Sequence[Path], err: Callable[[str], None]) -> int:
    problems: list[str] = []

    def warn(message: str) -> None:
        problems.append(message)

    try:
        for path in paths:
            if not path.exists():
                err(f"error: {path}: cannot read: No such file or directory")
                return 2
        by_layer, unplaced = collect(run, paths, warn)
    except ConfigError as exc:
        err(f"error: {exc}")
        return 2
    print(render(by_layer, unplaced), end="")
    for message in problems:
        err(f"warning: {message}")
    return 0
