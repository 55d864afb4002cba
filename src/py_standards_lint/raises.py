"""Which exceptions escape a function (RULES.md PSL203 / PSL205), front-end neutral.

A function's *raise sites* are its own ``raise X(...)`` / ``raise X`` statements (not bare
``raise``, not inside nested defs) and its calls to same-module private helpers (``_name``),
each with the ``try`` blocks around it in that function (*guards*: for each enclosing ``try``
whose **body** holds the site, the types its handlers name). An exception escapes a function when
a raise site of it (own, or escaping a helper, transitively) is not caught by one of its guards:
a handler naming the class, a base of it, ``Exception``/``BaseException``, or a module-level tuple
constant holding one. A handler whose type cannot be resolved counts as catching everything
(silence over guessing); so does a bare ``except:``.

The :mod:`ast` front end feeds the project index (``FunctionSummary.raise_sites``); the libcst
front end gives PSL203 the nodes to report at. Qualified names are project-qualified
(``app.core.exceptions.StepNotFoundError``, ``builtins.KeyError``), see :mod:`hierarchy`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Sequence

import libcst as cst

from .external import ast_children
from .fastwalk import child_nodes
from .hierarchy import BROAD, Hierarchy, builtin_exception

if TYPE_CHECKING:
    from .context import FileContext
    from .index import ModuleSummary, ProjectIndex

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
            guard = tuple(_ast_handler(h, resolve_handler) for h in node.handlers)  # type: ignore[attr-defined]
            inner = guards + (guard,)
            parts = [(stmt, inner) for stmt in node.body]  # type: ignore[attr-defined]
            for part in (node.handlers, node.orelse, node.finalbody):  # type: ignore[attr-defined]
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


# -- libcst front end (PSL203, PSL205) -------------------------------------------------------


def cst_reraises(handler: cst.ExceptHandler | cst.ExceptStarHandler) -> bool:
    """*(rev 3)* Does the handler end in a bare ``raise`` or raise the caught name (it then catches nothing)?"""
    body = handler.body
    statements = body.body if isinstance(body, (cst.IndentedBlock, cst.SimpleStatementSuite)) else ()
    last = statements[-1] if statements else None
    if isinstance(last, cst.SimpleStatementLine):
        last = last.body[-1] if last.body else None
    if not isinstance(last, cst.Raise):
        return False
    caught = handler.name.name if handler.name is not None else None
    return last.exc is None or (
        isinstance(caught, cst.Name) and isinstance(last.exc, cst.Name) and last.exc.value == caught.value
    )


def cst_handler(handler: cst.ExceptHandler | cst.ExceptStarHandler, qualify: Callable[[cst.CSTNode], str | None]) -> tuple[str, ...]:
    if cst_reraises(handler):
        return ()
    if handler.type is None:
        return (ANY,)
    types = [e.value for e in handler.type.elements] if isinstance(handler.type, cst.Tuple) else [handler.type]
    out = []
    for t in types:
        qualified = qualify(t)
        if qualified is None:
            return (ANY,)
        out.append(qualified)
    return tuple(out)


def cst_walk(
    body: cst.CSTNode, qualify: Callable[[cst.CSTNode], str | None], guards: tuple[Guard, ...] = ()
) -> Iterator[tuple[cst.CSTNode, tuple[Guard, ...]]]:
    """Every node of a function's own body (not nested defs/classes/lambdas) with its guards."""
    stack: list[tuple[cst.CSTNode, tuple[Guard, ...]]] = [(body, guards)]
    while stack:
        node, current = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) and node is not body:
            continue
        yield node, current
        if isinstance(node, (cst.Try, cst.TryStar)):
            guard = tuple(cst_handler(h, qualify) for h in node.handlers)
            children: list[tuple[cst.CSTNode, tuple[Guard, ...]]] = [(node.body, current + (guard,))]
            children += [(h, current) for h in node.handlers]
            children += [(part, current) for part in (node.orelse, node.finalbody) if part is not None]
        else:
            children = [(child, current) for child in child_nodes(node)]  # not .children: see fastwalk.py
        stack.extend(reversed(children))


# -- escaping exceptions ------------------------------------------------------------------------


class Oracle:
    """Class and constant facts for deciding what a guard catches."""

    def __init__(self, current: "ModuleSummary | None", index: "ProjectIndex | None") -> None:
        self.current = current
        self.index = index
        self.hierarchy = Hierarchy(current, index)
        self._escaping: dict[tuple[str, str], frozenset[str]] = {}

    def module(self, name: str) -> "ModuleSummary | None":
        if self.current is not None and name == self.current.name:
            return self.current
        return self.index.module(name) if self.index is not None else None

    def tuple_members(self, qualified: str) -> list[str] | None:
        module, _, name = qualified.rpartition(".")
        summary = self.module(module)
        return summary.tuple_constants.get(name) if summary is not None else None

    def handler_catches(self, names: tuple[str, ...], exc: str) -> bool:
        for name in names:
            if name == ANY or name in BROAD:
                return True
            members = self.tuple_members(name)
            for candidate in members if members is not None else [name]:
                if candidate == ANY or candidate in BROAD or self.hierarchy.is_subclass(exc, [candidate]):
                    return True
        return False

    def normalize(self, exc: str) -> str:
        """*(rev 3)* The exception class a raised qualified name stands for: ``E.factory`` (a classmethod of an
        exception class, ``pydantic.ValidationError.from_exception_data``) is ``E``; a name bound at module level
        to an exception instance (``Missing = NotFound("x")``) is its class; anything else itself."""
        if self.hierarchy.is_exception(exc):
            return exc
        index = self.index
        if index is not None:
            made = index.instance_of(index.canonical(exc))
            if made is not None and (self.hierarchy.is_exception(made) or self._is_class(made)):
                return made
        owner, _, attr = exc.rpartition(".")
        if owner and attr[:1].islower() and self._is_class(owner):
            return owner
        return exc

    def _is_class(self, qualified: str) -> bool:
        """A known exception class, or (outside the project) a CapWords name, a class by convention."""
        if self.hierarchy.is_exception(qualified):
            return True
        owner_module = qualified.rpartition(".")[0]
        if self.module(owner_module) is not None or self.hierarchy.is_project_class(qualified):
            return False  # a project name that is no exception class: a module's factory function, say
        if self.index is not None and self.index.canonical(qualified) != qualified and self.index.canonical(qualified) is not None:
            return self.hierarchy.is_exception(self.index.canonical(qualified) or qualified)
        return qualified.rpartition(".")[2][:1].isupper() and "." in qualified

    def caught(self, guards: tuple[Guard, ...], exc: str) -> bool:
        return any(self.handler_catches(handler, exc) for guard in guards for handler in guard)

    def escaping(self, module: "ModuleSummary", function: str, _seen: frozenset[tuple[str, str]] = frozenset()) -> frozenset[str]:
        """Exceptions escaping a module-level function of ``module``: own raises and private helpers'."""
        key = (module.name, function)
        if key in self._escaping:
            return self._escaping[key]
        fn = module.functions.get(function)
        if fn is None or key in _seen:
            return frozenset()
        seen = _seen | {key}
        out: set[str] = set()
        for site in fn.raise_sites:
            if site.exc is not None:
                candidates: Iterable[str] = (self.normalize(site.exc),)
            else:
                candidates = self.escaping(module, site.helper or "", seen)
            out.update(exc for exc in candidates if not self.caught(site.guards, exc))
        result = frozenset(out)
        self._escaping[key] = result
        return result


def raises_http_exception(ctx: "FileContext", exc: cst.BaseExpression | None) -> bool:
    """PSL101/PSL104: does ``raise <exc>`` raise FastAPI's/Starlette's HTTPException? ``raise HTTPException(...)``
    (any alias) or a class this module derives from it; *(rev 3)* or a name bound to an HTTPException
    instance (``Unauthorized = HTTPException(401)``), in this module or imported from a project module."""
    from .semantics import HTTP_EXCEPTION

    if exc is None:
        return False
    target = exc.func if isinstance(exc, cst.Call) else exc
    if ctx.names.refers_to(target, HTTP_EXCEPTION, subclasses=True):
        return True
    if isinstance(exc, cst.Call) or not isinstance(exc, (cst.Name, cst.Attribute)):
        return False
    made = ctx.instance_of(exc)
    return made is not None and ctx.resolver is not None and ctx.resolver.derives(made, HTTP_EXCEPTION)
