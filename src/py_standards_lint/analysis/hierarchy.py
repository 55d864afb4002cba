"""Class hierarchy facts across the project, for the exception and model rules.

Names here are *project-qualified* (``app.core.exceptions.StepNotFoundError``, the index's
namespace), not the ``<local>.Name`` spelling of :mod:`names`: the current module's classes come
from ``ctx.summary`` (the source being checked), other modules' from the project index, and
builtin exceptions from Python itself (``builtins.KeyError`` derives from ``builtins.LookupError``).
Unknown classes simply have no known bases.
"""

from __future__ import annotations

import builtins
from typing import Iterable

import libcst as cst

from py_standards_lint.analysis.context import FileContext
from py_standards_lint.analysis.index import ModuleSummary, ProjectIndex
from py_standards_lint.base.known import EXCEPTION_ROOTS, builtin_exception
from py_standards_lint.base.names import dotted_name


def qualify(summary: ModuleSummary | None, dotted: str | None) -> str | None:
    """A dotted name as written in ``summary``'s module -> project-qualified (``None``: unknown)."""
    if not dotted or summary is None:
        return None
    resolved = summary.imports.resolve_dotted(dotted)
    if resolved is None:
        if "." not in dotted and dotted in summary.tuple_constants:
            return f"{summary.name}.{dotted}"  # a module-level tuple of exceptions
        if "." not in dotted and builtin_exception(dotted):
            return f"builtins.{dotted}"
        return None
    return summary.qualify(dotted)


def qualify_expr(ctx: FileContext, node: cst.CSTNode | None) -> str | None:
    return qualify(ctx.summary, dotted_name(node))


class Hierarchy:
    """Transitive bases of classes, from the current module's summary and the project index."""

    def __init__(self, current: ModuleSummary | None, index: ProjectIndex | None) -> None:
        self.current = current
        self.index = index
        self._cache: dict[str, frozenset[str]] = {}

    def canonical(self, qualified: str) -> str:
        """*(rev 3)* The class a project name refers to through re-exports and aliases (the index's resolver),
        else the name itself."""
        if self.index is None or qualified.startswith("builtins."):
            return qualified
        return self.index.canonical(qualified) or qualified

    def direct_bases(self, qualified: str) -> list[str]:
        found = self._direct_bases(qualified)
        canonical = self.canonical(qualified)
        if not found and canonical != qualified:
            found = self._direct_bases(canonical)
        return [self.canonical(b) for b in found] if self.index is not None else found

    def _direct_bases(self, qualified: str) -> list[str]:
        module, _, name = qualified.rpartition(".")
        if module == "builtins":
            value = getattr(builtins, name, None)
            if isinstance(value, type):
                return [f"builtins.{b.__name__}" for b in value.__bases__ if b is not object]
            return []
        if self.current is not None and module == self.current.name:
            cls = self.current.classes.get(name)
            return list(cls.bases) if cls else []
        if self.index is not None:
            cls = self.index.class_(qualified)
            return list(cls.bases) if cls else []
        return []

    def bases(self, qualified: str) -> frozenset[str]:
        cached = self._cache.get(qualified)
        if cached is not None:
            return cached
        out: set[str] = set()
        stack = [qualified]
        while stack:
            for base in self.direct_bases(stack.pop()):
                if base not in out:
                    out.add(base)
                    stack.append(base)
        result = frozenset(out)
        self._cache[qualified] = result
        return result

    def is_subclass(self, qualified: str, targets: Iterable[str]) -> bool:
        wanted = set(targets)
        if self.index is not None:
            wanted |= {self.canonical(t) for t in wanted}
        return qualified in wanted or self.canonical(qualified) in wanted or bool(self.bases(qualified) & wanted)

    def is_exception(self, qualified: str) -> bool:
        return self.is_subclass(qualified, EXCEPTION_ROOTS)

    def is_project_class(self, qualified: str) -> bool:
        module, _, name = qualified.rpartition(".")
        if self.current is not None and module == self.current.name:
            return name in self.current.classes
        return self.index is not None and self.index.class_(qualified) is not None


def hierarchy(ctx: FileContext) -> Hierarchy:
    return Hierarchy(ctx.summary, ctx.index)
