"""The rule catalogue: every ``Rule`` subclass in ``rules/<family>/<rule>.py``.

Adding a rule is writing one file in its family folder; it is found here by
walking the package, and its code and name must be unique.
"""

from __future__ import annotations

import importlib
import pkgutil

from py_standards_lint.analysis.rule import Rule

FAMILIES = {
    "general": "General",
    "architecture": "1 Architecture layers",
    "exceptions": "2 Exception handling",
    "logging": "3 Logging (stdlib)",
    "httpx": "4 HTTP clients (httpx)",
    "caching": "5 Caching",
    "routes": "6 FastAPI routes",
    "sqlalchemy": "7 SQLAlchemy",
    "testing": "8 Tests",
    "docstrings": "9 Docstrings",
}


def _discover() -> tuple[type[Rule], ...]:
    found: dict[str, type[Rule]] = {}
    names: dict[str, str] = {}
    for family in FAMILIES:
        package = importlib.import_module(f"{__name__}.{family}")
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            for value in vars(module).values():
                if isinstance(value, type) and issubclass(value, Rule) and value.code and value.__module__ == module.__name__:
                    if value.code in found or value.name in names:
                        raise RuntimeError(f"duplicate rule {value.code} / {value.name}")
                    found[value.code] = value
                    names[value.name] = value.code
    return tuple(found[code] for code in sorted(found))


ALL_RULES: tuple[type[Rule], ...] = _discover()
BY_CODE: dict[str, type[Rule]] = {r.code: r for r in ALL_RULES}
BY_NAME: dict[str, type[Rule]] = {r.name: r for r in ALL_RULES}


def lookup(code_or_name: str) -> type[Rule] | None:
    return BY_CODE.get(code_or_name.upper()) or BY_NAME.get(code_or_name.lower())
