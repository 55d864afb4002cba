"""Syntax gates: the second stage of the prefilter, on CPython's own tree.

The engine asks CPython's parser about every file before libcst sees it (engine._cpython_parse: a tenth of a
libcst parse). That tree is kept for a moment: a rule whose needles are in the text can also declare a
*gate*, a cheap necessary condition on the tree's shape (``Rule.gate(facts)``). A rule whose gate fails
cannot fire on the file and is not run; when no rule is left, libcst never parses the file.

A gate must only ever say "cannot fire" when that is certain. Most look at shapes and imports (a ``raise``
inside an ``except``, a handler that might be broad, an import that can reach a name); where that is not
enough they ask the same project facts the rule reads (PSL108 the layers of the imported modules, PSL202
whether a called function calls out), and anything they cannot tell counts as "might". Each rule's gate is
tested against the rule itself: every one of the rule's INVALID cases passes its gate (tests/test_gates.py).
When CPython cannot parse the file (newer syntax, say), no gate runs; a gate that raises rules nothing out.
"""

from __future__ import annotations

import ast
import builtins
from functools import cached_property
from typing import Any, Callable, Iterable, Iterator

from py_standards_lint.analysis.external import ast_nodes
from py_standards_lint.base.names import CANONICAL, resolve_relative

_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")
#: `try` with `except*` (3.11+); on 3.10 there is none, and `ast.Try` stands in
_TRY_STAR: type[ast.Try] = getattr(ast, "TryStar", ast.Try)  # the same fields as `ast.Try`


def statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement in ``body`` and in the blocks nested in it (functions, classes, branches, handlers,
    match cases), without looking into expressions: no statement lives in one."""
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.stmt):
            yield node
        for field in _BLOCKS:
            block = getattr(node, field, None)
            if block:
                stack.extend(reversed(block))


#: exception names a bare ``except NAME`` can only mean as the builtin (unless the file rebinds them)
_BUILTIN_EXCEPTIONS = frozenset(
    name for name, value in vars(builtins).items() if isinstance(value, type) and issubclass(value, BaseException)
)
_BROAD_NAMES = frozenset({"Exception", "BaseException"})


class SyntaxFacts:
    """Facts about one file's CPython tree, each computed on first use, and what the gates may need to
    know about the file itself: its module name, layer and settings, and the project index (built on the
    first call of ``index()``; ``None`` when the run has none) and the file's own summary (``summary()``)."""

    def __init__(
        self,
        tree: ast.Module,
        module_name: str = "",
        is_package: bool = False,
        layer: str | None = None,
        settings: Any = None,
        index: Callable[[], Any] | None = None,
        summary: Callable[[], Any] | None = None,
    ) -> None:
        self.tree = tree
        self.module_name = module_name
        self.is_package = is_package
        self.layer = layer
        self.settings = settings
        self._index = index
        self._summary = summary

    def index(self) -> Any:
        return self._index() if self._index is not None else None

    def summary(self) -> Any:
        """The file's own index summary (the very object ``ctx.summary`` will be), or ``None``."""
        return self._summary() if self._summary is not None else None

    @cached_property
    def imported(self) -> list[str]:
        """Every absolute module (or ``module.name`` for ``from module import name``) an import statement of
        the file brings in, anywhere in it (``TYPE_CHECKING`` blocks and function bodies included)."""
        found: list[str] = []
        for node in self._nodes:
            if isinstance(node, ast.Import):
                found.extend(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                module = resolve_relative(node.module or "", node.level, self.module_name, self.is_package)
                for alias in node.names:
                    if alias.name == "*":
                        found.append(module)
                    else:
                        found.append(f"{module}.{alias.name}" if module else alias.name)
        return found

    @cached_property
    def _reachable(self) -> list[str]:
        """Dotted prefixes the file's names can reach through its imports: ``import a.b`` binds ``a`` (so all
        of ``a.*``), ``import a.b as c`` binds ``a.b``, ``from a import b`` binds ``a.b``, ``from a import *`` all of ``a.*``."""
        found: list[str] = []
        for node in self._nodes:
            if isinstance(node, ast.Import):
                found.extend(alias.name if alias.asname else alias.name.partition(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.extend(node.module if alias.name == "*" else f"{node.module}.{alias.name}" for alias in node.names)
        return found

    def may_reach(self, qualified: Iterable[str]) -> bool:
        """Could a name in the file resolve (through its imports) to one of these qualified names? (Names
        resolve to canonical spellings, so the spellings that canonicalise to a target count too.)"""
        targets = _spellings(qualified)
        return any(t == p or t.startswith(p + ".") for p in self._reachable for t in targets)

    @cached_property
    def _nodes(self) -> list[ast.stmt]:
        kinds = (ast.Try, _TRY_STAR, ast.Import, ast.ImportFrom, ast.AsyncFunctionDef)
        return [n for n in statements(self.tree.body) if isinstance(n, kinds)]

    @cached_property
    def tries(self) -> list[ast.Try]:
        """``try`` and ``try``/``except*`` statements."""
        return [n for n in self._nodes if isinstance(n, (ast.Try, _TRY_STAR))]

    @cached_property
    def decorated_async_def(self) -> bool:
        return any(isinstance(n, ast.AsyncFunctionDef) and n.decorator_list for n in self._nodes)

    @cached_property
    def bound_names(self) -> frozenset[str]:
        """Names the file binds by import anywhere, or by assignment at module level."""
        names: set[str] = set()
        for node in self._nodes:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((alias.asname or alias.name).partition(".")[0] for alias in node.names)
        for stmt in self.tree.body:
            for target in _assigned(stmt):
                names.update(n.id for n in ast_nodes(target) if isinstance(n, ast.Name))
        return frozenset(names)

    @cached_property
    def raise_in_handler(self) -> bool:
        """Is there a ``raise X`` without ``from`` anywhere inside an ``except`` block?"""
        for try_ in self.tries:
            for handler in try_.handlers:
                for node in statements(handler.body):
                    if isinstance(node, ast.Raise) and node.exc is not None and node.cause is None:
                        return True
        return False

    def might_be_broad(self, expr: ast.expr | None) -> bool:
        """Could this handler type resolve to ``Exception``/``BaseException`` (or a tuple holding one)?"""
        if expr is None:
            return True
        if isinstance(expr, ast.Tuple):
            return any(self.might_be_broad(e) for e in expr.elts)
        if isinstance(expr, ast.Attribute):
            return expr.attr in _BROAD_NAMES
        if isinstance(expr, ast.Name):
            name = expr.id
            # an imported alias, a module-level tuple of exceptions, or the broad builtins themselves
            return name in _BROAD_NAMES or name not in _BUILTIN_EXCEPTIONS or name in self.bound_names
        return False

    @cached_property
    def broad_handler_around_calls(self) -> bool:
        """Is there a ``try`` whose body makes a call and one of whose handlers might be broad and does not
        end in ``raise``?"""
        for try_ in self.tries:
            if not any(
                self.might_be_broad(h.type) and not (h.body and isinstance(h.body[-1], ast.Raise)) for h in try_.handlers
            ):
                continue
            if any(isinstance(n, ast.Call) for stmt in try_.body for n in ast_nodes(stmt)):
                return True
        return False


def _spellings(qualified: Iterable[str]) -> tuple[str, ...]:
    """Each name, and every spelling ``names.canonical`` turns into it (``httpx._client.AsyncClient``)."""
    out = []
    for name in qualified:
        out.append(name)
        for alias, canon in CANONICAL.items():
            if name == canon or name.startswith(canon + "."):
                out.append(alias + name[len(canon):])
    return tuple(out)


def _assigned(stmt: ast.stmt) -> list[ast.expr]:
    if isinstance(stmt, ast.Assign):
        return list(stmt.targets)
    if isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
        return [stmt.target]
    return []


__all__ = ["SyntaxFacts", "statements"]
