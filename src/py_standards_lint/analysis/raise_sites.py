"""Raise sites from CPython's tree: the part of the escape analysis (see :mod:`raises`) the project index
reads when it summarises a module (``FunctionSummary.raise_sites``). Below the index; :mod:`raises` holds the
libcst front end and the oracle that walks sites across the project."""


from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from py_standards_lint.analysis.external import ast_children
from py_standards_lint.base.known import builtin_exception

ANY = "*"
#: one ``try``: per handler, the qualified names it catches (``("*",)``: anything)
Guard = tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class RaiseSite:
    #: qualified exception raised here (``None`` for a helper call)
    exc: str | None
    #: name of the same-module private helper called here (``None`` for a raise)
    helper: str | None
    guards: tuple[Guard, ...]
    lineno: int = 0


# -- ast front end (the project index) ---------------------------------------------------------


def with_builtins(resolve: Callable[[ast.AST], str | None]) -> Callable[[ast.AST], str | None]:
    def inner(node: ast.AST) -> str | None:
        found = resolve(node)
        if found is None and isinstance(node, ast.Name) and builtin_exception(node.id):
            return f"builtins.{node.id}"
        return found

    return inner


def _ast_reraises(handler: ast.ExceptHandler) -> bool:
    """*(rev 3)* Does the handler end in a bare ``raise`` or raise the caught name (it then catches nothing)?"""
    last = handler.body[-1] if handler.body else None
    if not isinstance(last, ast.Raise):
        return False
    return last.exc is None or (handler.name is not None and isinstance(last.exc, ast.Name) and last.exc.id == handler.name)


def _ast_handler(handler: ast.ExceptHandler, resolve: Callable[[ast.AST], str | None]) -> tuple[str, ...]:
    if _ast_reraises(handler):
        return ()
    if handler.type is None:
        return (ANY,)
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    out = []
    for t in types:
        qualified = resolve(t)
        if qualified is None:
            return (ANY,)
        out.append(qualified)
    return tuple(out)


def ast_sites(
    fn: ast.FunctionDef | ast.AsyncFunctionDef,
    resolve: Callable[[ast.AST], str | None],
    helpers: Iterable[str],
    module: str = "",
    constants: Iterable[str] = (),
    own: Sequence[ast.AST] | None = None,
    children: Callable[[ast.AST], Sequence[ast.AST]] = ast_children,
) -> list[RaiseSite]:
    """Raise sites of a function's own body (``resolve``: node -> project-qualified name;
    ``constants``: the module's own tuple constants, which ``resolve`` does not know; ``own``: the
    function's nodes outside nested defs, classes and lambdas, when the caller has them, to skip
    the walk of a function without any; ``children``: :func:`ast_children`, or what the caller
    already knows of it)."""
    private = {h for h in helpers if h.startswith("_")}
    if own is not None and not any(
        (type(node) is ast.Raise and node.exc is not None)
        or (type(node) is ast.Call and type(node.func) is ast.Name and node.func.id in private)
        for node in own
    ):
        return []
    resolve = with_builtins(resolve)
    tuples = set(constants)

    def resolve_handler(node: ast.AST) -> str | None:
        if isinstance(node, ast.Name) and node.id in tuples and module:
            return f"{module}.{node.id}"
        return resolve(node)
    sites: list[RaiseSite] = []
    # depth first, in field order (a site's position in the list is its place in the source)
    stack: list[tuple[ast.AST, tuple[Guard, ...]]] = [(stmt, ()) for stmt in reversed(fn.body)]
    while stack:
        node, guards = stack.pop()
        if isinstance(node, _SCOPES):
            continue
        if isinstance(node, _TRIES):
            guard = tuple(_ast_handler(h, resolve_handler) for h in node.handlers)
            inner = guards + (guard,)
            parts = [(stmt, inner) for stmt in node.body]
            for part in (node.handlers, node.orelse, node.finalbody):
                parts.extend((stmt, guards) for stmt in part)
            stack.extend(reversed(parts))
            continue
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            qualified = resolve(target)
            if qualified:
                sites.append(RaiseSite(qualified, None, guards, node.lineno))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in private:
            sites.append(RaiseSite(None, node.func.id, guards, node.lineno))
        stack.extend([(child, guards) for child in reversed(children(node))])
    return sites


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_TRIES = (ast.Try, getattr(ast, "TryStar", ast.Try))


