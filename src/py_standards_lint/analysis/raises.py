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

from typing import Callable, Iterable, Iterator

import libcst as cst

from py_standards_lint.analysis.context import FileContext
from py_standards_lint.analysis.hierarchy import Hierarchy
from py_standards_lint.analysis.index import ModuleSummary, ProjectIndex
from py_standards_lint.analysis.raise_sites import ANY, Guard
from py_standards_lint.base.fastwalk import child_nodes
from py_standards_lint.base.known import BROAD, HTTP_EXCEPTION

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
            children = [(child, current) for child in child_nodes(node)]  # not .children: see base/fastwalk.py
        stack.extend(reversed(children))


# -- escaping exceptions ------------------------------------------------------------------------


class Oracle:
    """Class and constant facts for deciding what a guard catches."""

    def __init__(self, current: ModuleSummary | None, index: ProjectIndex | None) -> None:
        self.current = current
        self.index = index
        self.hierarchy = Hierarchy(current, index)
        self._escaping: dict[tuple[str, str], frozenset[str]] = {}

    def module(self, name: str) -> ModuleSummary | None:
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

    def escaping(self, module: ModuleSummary, function: str, _seen: frozenset[tuple[str, str]] = frozenset()) -> frozenset[str]:
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


def raises_http_exception(ctx: FileContext, exc: cst.BaseExpression | None) -> bool:
    """PSL101/PSL104: does ``raise <exc>`` raise FastAPI's/Starlette's HTTPException? ``raise HTTPException(...)``
    (any alias) or a class this module derives from it; *(rev 3)* or a name bound to an HTTPException
    instance (``Unauthorized = HTTPException(401)``), in this module or imported from a project module."""
    if exc is None:
        return False
    target = exc.func if isinstance(exc, cst.Call) else exc
    if ctx.names.refers_to(target, HTTP_EXCEPTION, subclasses=True):
        return True
    if isinstance(exc, cst.Call) or not isinstance(exc, (cst.Name, cst.Attribute)):
        return False
    made = ctx.instance_of(exc)
    return made is not None and ctx.resolver is not None and ctx.resolver.derives(made, HTTP_EXCEPTION)
