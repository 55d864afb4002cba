"""Which architecture layer a file belongs to, from its path relative to the project root.

See RULES.md, *Layers*. A file is in one layer at most; ``tests`` wins over
everything else; among the others a folder match wins over a file-name match, and
the folder nearest the file wins. Each layer's default matching can be replaced by a glob list in
``[tool.py-standards-lint.layers]``.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from py_standards_lint.base import globs

ROUTES = "routes"
SERVICES = "services"
REPOSITORIES = "repositories"
TESTS = "tests"
CACHE_MODULE = "cache-module"
APP = "app"

#: in order of precedence
LAYERS: tuple[str, ...] = (TESTS, CACHE_MODULE, APP, ROUTES, SERVICES, REPOSITORIES)

_DIRS = {
    ROUTES: {"routes", "routers", "endpoints"},
    SERVICES: {"services"},
    REPOSITORIES: {"repositories", "repository", "repos"},
    TESTS: {"tests", "test"},
}
_FILES = {
    ROUTES: ({"routes.py", "router.py", "endpoints.py"}, ("_routes.py", "_router.py", "_endpoints.py")),
    SERVICES: ({"service.py", "services.py"}, ("_service.py",)),
    REPOSITORIES: ({"repository.py", "repositories.py"}, ("_repository.py", "_repo.py")),
}


#: file-name prefixes (``repository_users.py``)
_PREFIXES = {REPOSITORIES: ("repository_",)}


def _file_layer(name: str) -> str | None:
    for layer, (exact, suffixes) in _FILES.items():
        if name in exact or name.endswith(suffixes):
            return layer
        if name.endswith(".py") and name.startswith(_PREFIXES.get(layer, ())):
            return layer
    return None


def _folder_layer(folders: Sequence[str]) -> str | None:
    """The layer of the folder nearest the file (``app/routes/services/x.py``: services)."""
    for folder in reversed(folders):
        for layer in (ROUTES, SERVICES, REPOSITORIES):
            if folder in _DIRS[layer]:
                return layer
    return None


def _is_test(parts: Sequence[str]) -> bool:
    name = parts[-1]
    if name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py":
        return True
    return any(p in _DIRS[TESTS] for p in parts[:-1])


def _default_layer(relpath: str) -> str | None:
    parts = [p for p in relpath.split("/") if p not in ("", ".")]
    if not parts:
        return None
    if _is_test(parts):
        return TESTS
    if relpath.endswith("core/cache.py"):
        return CACHE_MODULE
    name = parts[-1]
    if name == "main.py":
        folders = parts[:-1]
        if folders and folders[0] == "src":
            folders = folders[1:]
        if len(folders) <= 1:
            return APP
    # (rev 3) a folder match wins over a file-name match: `app/routes/group_self_service.py` is a route module
    return _folder_layer(parts[:-1]) or _file_layer(name)


def layer_for(relpath: str, overrides: Mapping[str, Sequence[str]] | None = None) -> str | None:
    """The layer of a project-relative POSIX path, or ``None``."""
    default = _default_layer(relpath)
    if not overrides:
        return default
    for layer in LAYERS:  # in precedence order; a configured layer matches by its globs only
        if layer in overrides:
            if globs.match_any(overrides[layer], relpath):
                return layer
        elif default == layer:
            return layer
    return None
