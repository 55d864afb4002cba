"""The project index: module-level facts from every module of the project.

Some rules need facts from other modules (which dependency aliases exist, which
exceptions a service function raises, which ``close_*`` functions the lifespan
calls, which columns a model declares). The index holds only module-level
definitions, read with the stdlib :mod:`ast` parser (an order of magnitude
cheaper than libcst), and is built once per CLI run — lazily, only when an
enabled rule declares ``needs_index`` — and once per flake8 process. Building it
only maps module names to files; a module is summarised the first time a query
needs it (see :class:`ProjectIndex`).

Names inside it are resolved through the same :class:`~py_standards_lint.names.ImportMap`
as the rules use. A fact the index cannot resolve is simply absent, and rules
stay silent on absent facts.
"""

from __future__ import annotations

import ast
import functools
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from . import layers as layers_mod
from .cache import memoized_summaries
from .config import Settings
from .docstrings import documented_raises
from .external import (
    DEFAULT_SDK_MODULES, ExternalModel, ast_children, ast_dotted, functions_calling_out, module_model,
)
from .names import LOCAL, ImportMap
from .sessions import SESSION_FACTORIES
from .raises import RaiseSite, ast_sites
from .hierarchy import builtin_exception
from .project import is_excluded, iter_python_files, module_name_for, relative_path
from .safeio import inside, read_regular

COLUMN_CALLS = frozenset({"sqlalchemy.Column", "sqlalchemy.orm.mapped_column", "sqlalchemy.schema.Column"})
TABLE_CALLS = frozenset({"sqlalchemy.Table", "sqlalchemy.schema.Table"})
DEPENDS = frozenset({"fastapi.Depends"})
ANNOTATED = frozenset({"typing.Annotated"})


@dataclass
class FunctionSummary:
    name: str
    lineno: int
    is_async: bool
    docstring: str | None
    #: exception names as documented (``Raises:`` / ``:raises X:`` / NumPy)
    documented: set[str] = field(default_factory=set)
    #: qualified names of exceptions raised directly in the body (``raise X(...)``)
    raises: set[str] = field(default_factory=set)
    #: qualified names of the functions it calls (resolvable ones only)
    calls: set[str] = field(default_factory=set)
    #: it makes an external call, itself, in nested functions, or through same-module functions
    calls_out: bool = False
    #: its ``raise X`` statements and same-module private helper calls, with the ``try`` blocks
    #: around them (see raises.py)
    raise_sites: list[RaiseSite] = field(default_factory=list)
    #: the qualified name its return annotation resolves to (``-> HTTPException``), if any
    returns: str | None = None


@dataclass
class ClassSummary:
    name: str
    lineno: int
    #: qualified names of the bases
    bases: list[str] = field(default_factory=list)
    #: declared column attributes (``mapped_column``/``Column``/``Mapped[...]`` annotations)
    columns: set[str] = field(default_factory=set)


@dataclass
class ModuleSummary:
    name: str
    relpath: str
    layer: str | None
    imports: ImportMap
    functions: dict[str, FunctionSummary] = field(default_factory=dict)
    classes: dict[str, ClassSummary] = field(default_factory=dict)
    #: ``Alias = Annotated[T, Depends(fn)]`` -> qualified name of ``fn``
    di_aliases: dict[str, str] = field(default_factory=dict)
    #: ``name = Table("name", metadata, Column("col", ...))`` -> its columns
    tables: dict[str, set[str]] = field(default_factory=dict)
    #: module-level functions named ``close_*client*``
    close_functions: list[str] = field(default_factory=list)
    #: qualified names called inside this module's lifespan function(s)
    #: (or referenced there: ``stack.push_async_callback(close_x_client)``)
    lifespan_calls: set[str] = field(default_factory=set)
    #: qualified names passed as ``FastAPI(lifespan=...)`` or registered as shutdown handlers
    #: (``on_shutdown=[...]``, ``add_event_handler("shutdown", f)``, ``@app.on_event("shutdown")``)
    lifespan_targets: set[str] = field(default_factory=set)
    #: a ``lifespan=`` / shutdown handler the index cannot resolve to a name
    lifespan_opaque: bool = False
    #: exception classes registered with ``add_exception_handler`` / ``@x.exception_handler``
    exception_handlers: set[str] = field(default_factory=set)
    #: functions registered as exception handlers (``add_exception_handler(E, fn)``, decorated ones)
    exception_handler_functions: set[str] = field(default_factory=set)
    #: module-level names bound to a session factory (``SessionLocal = async_sessionmaker(...)``)
    session_factories: set[str] = field(default_factory=set)
    #: module-level tuple constants: ``RETRYABLE = (A, B)`` -> qualified names of the members
    tuple_constants: dict[str, list[str]] = field(default_factory=dict)
    #: routers defined ``APIRouter(..., include_in_schema=False)``, apps defined ``FastAPI(openapi_url=None)``
    #: (qualified; a router bound inside a module-level function is ``module.function.<locals>.name``)
    routers_out_of_schema: set[str] = field(default_factory=set)
    #: routers and apps defined with ``default_response_class=X``: qualified router -> qualified X
    #: (``"?"`` when it cannot be resolved, or the call passes ``**kwargs``)
    router_defaults: dict[str, str] = field(default_factory=dict)
    #: ``P.include_router(R, ...)``: (qualified P or ``None``, qualified R, ``include_in_schema=False``,
    #: qualified ``default_response_class=`` of the include, ``""`` when absent, ``"?"`` when unknown)
    router_includes: list[tuple[str | None, str, bool, str]] = field(default_factory=list)
    #: module-level httpx clients and client getters (see external.py)
    external: ExternalModel | None = None

    def qualify(self, name: str) -> str:
        """A module-level name as the project-wide qualified name."""
        resolved = self.imports.resolve_dotted(name)
        if resolved is None:
            return name
        if resolved.startswith(LOCAL + "."):
            return f"{self.name}.{resolved[len(LOCAL) + 1:]}"
        return resolved


@memoized_summaries  # the index and ctx.summary read the same file: summarised once
def summarize(
    source: bytes | str, relpath: str, settings: Settings | None = None, tree: ast.Module | None = None
) -> ModuleSummary | None:
    """One module's summary, or ``None`` when it does not parse (``tree``: CPython's tree of ``source``, when
    the caller has it: the engine parses every file with CPython before libcst)."""
    if tree is None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
    name, is_package = module_name_for(relpath)
    layer = layers_mod.layer_for(relpath, settings["layers"] if settings else None)
    summary = ModuleSummary(name, relpath, layer, ImportMap(current=name, is_package=is_package))
    summarizer = _Summarizer(summary)
    summarizer.run(tree)
    sdk = settings["external-sdk-modules"] if settings else DEFAULT_SDK_MODULES
    summary.external = module_model(tree, summary.imports.resolve_dotted, sdk)
    functions = {n.name: n for n in _toplevel(tree.body) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    for fn_name in functions_calling_out(functions, summary.external, summarizer.walked):
        summary.functions[fn_name].calls_out = True
    return summary


class _Summarizer:
    def __init__(self, summary: ModuleSummary) -> None:
        self.s = summary
        self.imports = summary.imports
        #: ``id(fn)`` -> every node of a module-level function (``ast_nodes``), walked once for all its uses
        self.walked: dict[int, list[ast.AST]] = {}
        self._resolved: dict[str, str | None] = {}

    def resolve(self, node: ast.AST) -> str | None:
        dotted = _dotted(node)
        if dotted is None:
            return None
        try:
            return self._resolved[dotted]
        except KeyError:
            pass
        resolved = self.imports.resolve_dotted(dotted)
        if resolved is not None and resolved.startswith(LOCAL + "."):
            resolved = f"{self.s.name}.{resolved[len(LOCAL) + 1:]}"
        self._resolved[dotted] = resolved  # the imports are all known before the first lookup
        return resolved

    def run(self, tree: ast.Module) -> None:
        body = list(_toplevel(tree.body))
        for node in body:  # imports and local names first, so later lookups resolve
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self.imports.add_import(alias.name, alias.asname)
            elif isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    self.imports.add_from(node.module or "", node.level, alias.name, alias.asname)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.imports.bind_local(node.name)
        self.function_names = {n.name for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        self.tuple_names = {
            t.id for n in body if isinstance(n, ast.Assign) and isinstance(n.value, ast.Tuple) for t in n.targets if isinstance(t, ast.Name)
        }
        lifespans = {"lifespan"}
        local_includes: list[ast.Call] = []
        # every node, in the order of ast.walk (router_includes keeps it); the children of nodes[i] are
        # nodes[first[i]:first[i + 1]], which the functions' walks below reuse
        self.nodes, self.first = nodes, first = _breadth_first(tree)
        self.positions: dict[int, int] = {}  # id(def) -> its place in nodes
        for i, node in enumerate(nodes):
            kind = type(node)
            if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
                self.positions[id(node)] = i
                if any(
                    isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr == "on_event"
                    and d.args and _is_str(d.args[0], "shutdown")
                    for d in node.decorator_list  # type: ignore[attr-defined]
                ):
                    lifespans.add(node.name)  # type: ignore[attr-defined]
                    self.s.lifespan_targets.add(f"{self.s.name}.{node.name}")  # type: ignore[attr-defined]
                continue
            if kind is not ast.Call:
                continue
            if self.resolve(node.func) == "fastapi.FastAPI":  # type: ignore[attr-defined]
                for kw in node.keywords:
                    if kw.arg == "lifespan":
                        self._lifespan_target(kw.value, lifespans)
                    elif kw.arg == "on_shutdown" and isinstance(kw.value, (ast.List, ast.Tuple)):
                        for element in kw.value.elts:
                            self._lifespan_target(element, lifespans)
            if isinstance(node.func, ast.Attribute):
                if len(node.args) == 2 and node.func.attr == "add_event_handler" and _is_str(node.args[0], "shutdown"):
                    self._lifespan_target(node.args[1], lifespans)
                if node.func.attr == "add_exception_handler" and node.args:
                    self._handler(node.args[0])
                    if len(node.args) > 1 and (fn_name := self.resolve(node.args[1])):
                        self.s.exception_handler_functions.add(fn_name)
                elif node.func.attr == "include_router" and node.args:
                    router = self._router(node.args[0], body)
                    if router:
                        parent = self._router(node.func.value, body)
                        if parent is None and isinstance(node.func.value, ast.Name):
                            local_includes.append(node)  # an app built in a function: see below
                        else:
                            self._include(node, parent, router)
        for node in body:  # routers defined out of the schema, or with a default response class
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                self._router_settings(node.value, [f"{self.s.name}.{t.id}" for t in node.targets if isinstance(t, ast.Name)])
        if local_includes:  # ``def create_app(): app = FastAPI(...); app.include_router(r)``
            self._local_includes(local_includes, body)
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._function(node, node.name in lifespans)
            elif isinstance(node, ast.ClassDef):
                self._class(node)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                self._assign(node)

    def _lifespan_target(self, node: ast.AST, lifespans: set[str]) -> None:
        if isinstance(node, ast.Name):
            lifespans.add(node.id)
        qualified = self.resolve(node)
        if qualified:
            self.s.lifespan_targets.add(qualified)
        else:
            self.s.lifespan_opaque = True

    def _router(self, node: ast.AST, body: list[ast.stmt]) -> str | None:
        """A router expression's qualified name; a module-level variable (``router = APIRouter()``) is
        ``<this module>.router``."""
        resolved = self.resolve(node)
        if resolved is None and isinstance(node, ast.Name):
            for stmt in body:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
                if any(isinstance(t, ast.Name) and t.id == node.id for t in targets):
                    return f"{self.s.name}.{node.id}"
        return resolved

    def _include(self, node: ast.Call, parent: str | None, router: str) -> None:
        excluded = _keyword_false(node, "include_in_schema")
        response = _keyword(node, "default_response_class")
        # ``include_router(r, **options)`` sets no known default: JSON, as RULES.md's PSL604 row judges what no
        # non-JSON condition is known to hold for (apps are built from settings this way all the time)
        response_class = "" if response is None else (self.resolve(response) or "?")
        self.s.router_includes.append((parent, router, excluded, response_class))

    def _router_settings(self, call: ast.Call, targets: list[str]) -> None:
        """A router or app bound to ``targets``: out of the schema (``include_in_schema=False``, an app's
        literal ``openapi_url=None``), its ``default_response_class``."""
        if not targets:
            return
        kind = self.resolve(call.func)
        if kind not in ("fastapi.APIRouter", "fastapi.FastAPI"):
            return
        openapi = _keyword(call, "openapi_url")
        if _keyword_false(call, "include_in_schema") or (
            kind == "fastapi.FastAPI" and isinstance(openapi, ast.Constant) and openapi.value is None
        ):
            self.s.routers_out_of_schema.update(targets)
        response = _keyword(call, "default_response_class")
        if response is not None:  # ``FastAPI(**settings.kwargs)``: no known default, so JSON (see ``_include``)
            self.s.router_defaults.update(dict.fromkeys(targets, self.resolve(response) or "?"))

    def _local_includes(self, calls: list[ast.Call], body: list[ast.stmt]) -> None:
        """``include_router`` calls on a router or app bound inside a module-level function (an app
        factory): the receiver is ``module.function.<locals>.name`` when the function binds it to
        ``FastAPI(...)``/``APIRouter(...)`` once (any other binding of the name: unknown, as before)."""
        pending = {id(call): call for call in calls}
        for fn in body:
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) or id(fn) not in self.positions:
                continue
            own, _ = _function_nodes(self.nodes, self.first, self.positions[id(fn)])
            here = [self.nodes[i] for i in own if id(self.nodes[i]) in pending]
            if not here:
                continue
            bound: dict[str, list[ast.AST]] = {}
            for i in own:
                node = self.nodes[i]
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) or isinstance(node, ast.arg):
                    name = node.id if isinstance(node, ast.Name) else node.arg
                    bound.setdefault(name, []).append(node)
            assigned: dict[str, ast.Call] = {}
            for i in own:
                node = self.nodes[i]
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    if isinstance(node.value, ast.Call):
                        assigned[node.targets[0].id] = node.value
            prefix = f"{self.s.name}.{fn.name}.<locals>."
            for call in here:
                receiver = call.func.value  # type: ignore[attr-defined]
                name = receiver.id
                value = assigned.get(name)
                if value is None or len(bound.get(name, ())) != 1 or self.resolve(value.func) not in ("fastapi.APIRouter", "fastapi.FastAPI"):
                    self._include(call, None, self._router(call.args[0], body) or "")
                    continue
                self._router_settings(value, [prefix + name])
                self._include(call, prefix + name, self._router(call.args[0], body) or "")
            for call in here:
                pending.pop(id(call), None)
        for call in pending.values():  # in no module-level function (a method, a nested function): unknown
            self._include(call, None, self._router(call.args[0], body) or "")

    def _handler(self, node: ast.AST) -> None:
        qualified = self.resolve(node)
        if qualified:
            self.s.exception_handlers.add(qualified)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, is_lifespan: bool) -> None:
        doc = ast.get_docstring(node, clean=False)
        fn = FunctionSummary(node.name, node.lineno, isinstance(node, ast.AsyncFunctionDef), doc, documented_raises(doc))
        if node.returns is not None:
            fn.returns = self.resolve(node.returns)
        nodes, first = self.nodes, self.first
        own_at, everything = _function_nodes(nodes, first, self.positions[id(node)])
        own = [nodes[i] for i in own_at]
        self.walked[id(node)] = everything
        position: dict[int, int] = {}

        def children(inner: ast.AST) -> list[ast.AST]:  # ast_children(inner), already known
            if not position:
                position.update((id(nodes[i]), i) for i in own_at)
            at = position[id(inner)]
            return nodes[first[at]:first[at + 1]]

        fn.raise_sites = ast_sites(node, self.resolve, self.function_names, self.s.name, self.tuple_names, own, children)
        for dec in node.decorator_list:
            if isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute) and dec.func.attr == "exception_handler":
                self.s.exception_handler_functions.add(f"{self.s.name}.{node.name}")
                if dec.args:
                    self._handler(dec.args[0])
        for inner in own:
            if isinstance(inner, ast.Raise) and inner.exc is not None:
                target = inner.exc.func if isinstance(inner.exc, ast.Call) else inner.exc
                qualified = self.resolve(target)
                if qualified:
                    fn.raises.add(qualified)
            elif isinstance(inner, ast.Call):
                qualified = self.resolve(inner.func)
                if qualified:
                    fn.calls.add(qualified)
        self.s.functions[node.name] = fn
        if node.name.startswith("close_") and "client" in node.name:
            self.s.close_functions.append(node.name)
        if is_lifespan:
            for inner in everything:
                if isinstance(inner, ast.Call):
                    qualified = self.resolve(inner.func)
                    if qualified:
                        self.s.lifespan_calls.add(qualified)
                elif isinstance(inner, (ast.Name, ast.Attribute)) and isinstance(inner.ctx, ast.Load):
                    qualified = self.resolve(inner)  # a reference: push_async_callback(close_x_client)
                    if qualified:
                        self.s.lifespan_calls.add(qualified)

    def _class(self, node: ast.ClassDef) -> None:
        cls = ClassSummary(node.name, node.lineno, [b for b in (self.resolve(base) for base in node.bases) if b])
        for stmt in node.body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                annotation = _dotted(stmt.annotation.value) if isinstance(stmt.annotation, ast.Subscript) else None
                if annotation and annotation.split(".")[-1] == "Mapped":
                    cls.columns.add(stmt.target.id)
                elif isinstance(stmt.value, ast.Call) and self.resolve(stmt.value.func) in COLUMN_CALLS:
                    cls.columns.add(stmt.target.id)
            elif isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
                if self.resolve(stmt.value.func) in COLUMN_CALLS:
                    cls.columns.update(t.id for t in stmt.targets if isinstance(t, ast.Name))
        self.s.classes[node.name] = cls

    def _assign(self, node: ast.Assign | ast.AnnAssign) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        value = node.value
        if isinstance(value, ast.Subscript) and self.resolve(value.value) in ANNOTATED:
            elements = value.slice.elts if isinstance(value.slice, ast.Tuple) else []
            for element in elements[1:]:
                if isinstance(element, ast.Call) and self.resolve(element.func) in DEPENDS and element.args:
                    dependency = self.resolve(element.args[0])
                    if dependency:
                        for name in names:
                            self.s.di_aliases[name] = dependency
        elif isinstance(value, ast.Call) and self.resolve(value.func) in SESSION_FACTORIES:
            self.s.session_factories.update(names)
        elif isinstance(value, ast.Tuple) and value.elts and all(isinstance(e, (ast.Name, ast.Attribute)) for e in value.elts):
            # ``*``: a member the index cannot resolve (a handler naming the tuple catches anything)
            members = [self.resolve(e) or _builtin(e) or "*" for e in value.elts]
            for name in names:
                self.s.tuple_constants[name] = members
        elif isinstance(value, ast.Call) and self.resolve(value.func) in TABLE_CALLS:
            columns = {
                arg.args[0].value
                for arg in value.args
                if isinstance(arg, ast.Call)
                and self.resolve(arg.func) in COLUMN_CALLS
                and arg.args
                and isinstance(arg.args[0], ast.Constant)
                and isinstance(arg.args[0].value, str)
            }
            for name in names:
                self.s.tables[name] = columns


def _builtin(node: ast.AST) -> str | None:
    return f"builtins.{node.id}" if isinstance(node, ast.Name) and builtin_exception(node.id) else None


def _is_str(node: ast.AST, value: str) -> bool:
    return isinstance(node, ast.Constant) and node.value == value


def _keyword(call: ast.Call, key: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == key:
            return kw.value
    return None


def _keyword_false(call: ast.Call, key: str) -> bool:
    return any(kw.arg == key and isinstance(kw.value, ast.Constant) and kw.value.value is False for kw in call.keywords)


_dotted = ast_dotted


def _toplevel(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    for node in body:
        if isinstance(node, ast.If):
            yield from _toplevel(node.body)
            yield from _toplevel(node.orelse)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            yield from _toplevel(node.body)  # type: ignore[attr-defined]
            for handler in node.handlers:  # type: ignore[attr-defined]
                yield from _toplevel(handler.body)
            yield from _toplevel(node.orelse)  # type: ignore[attr-defined]
            yield from _toplevel(node.finalbody)  # type: ignore[attr-defined]
        else:
            yield node


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def _function_nodes(nodes: list[ast.AST], first: list[int], at: int) -> tuple[list[int], list[ast.AST]]:
    """The nodes of the function ``nodes[at]`` (see :func:`_breadth_first`), in no particular order, without
    contexts and operators: where its own are in ``nodes`` (body, decorators, arguments, ...; not inside
    nested defs, classes or lambdas, nor those themselves), and all of them (``ast.walk(fn)``: the function,
    nested scopes included)."""
    own: list[int] = []
    everything: list[ast.AST] = [nodes[at]]
    stack = list(range(first[at], first[at + 1]))
    while stack:
        i = stack.pop()
        node = nodes[i]
        everything.append(node)
        if isinstance(node, _SCOPES):
            inner = list(range(first[i], first[i + 1]))
            while inner:
                j = inner.pop()
                everything.append(nodes[j])
                inner.extend(range(first[j], first[j + 1]))
            continue
        own.append(i)
        stack.extend(range(first[i], first[i + 1]))
    return own, everything


def _breadth_first(tree: ast.AST) -> tuple[list[ast.AST], list[int]]:
    """The nodes of ``tree`` in the order of ``ast.walk`` (without contexts and operators), and where each
    one's children start: the children of ``nodes[i]`` are ``nodes[first[i]:first[i + 1]]``."""
    nodes = [tree]
    first: list[int] = []
    i = 0
    while i < len(nodes):
        first.append(len(nodes))
        nodes.extend(ast_children(nodes[i]))
        i += 1
    first.append(len(nodes))
    return nodes, first


class _Entry:
    """One project file of the index: its summary, computed (or taken from the cache) on first use."""

    __slots__ = ("name", "relpath", "source", "load", "summary", "done")

    def __init__(
        self,
        name: str,
        relpath: str,
        source: "bytes | str | Path | None",
        load: "Callable[[bytes | str], ModuleSummary | None] | None",
        summary: ModuleSummary | None = None,
    ) -> None:
        self.name = name
        self.relpath = relpath
        #: the file's source, or where to read it (read once, when first needed)
        self.source = source
        self.load = load
        self.summary = summary
        self.done = load is None

    def text(self) -> bytes | str | None:
        """The source, ``None`` when it cannot be read."""
        if isinstance(self.source, Path):
            try:
                self.source = read_regular(self.source)
            except OSError:
                self.source = None
        return self.source

    def get(self) -> ModuleSummary | None:
        if not self.done:
            assert self.load is not None
            source = self.text()
            self.summary = self.load(source) if source is not None else None
            self.source = self.load = None  # drop the file's bytes
            self.done = True
        return self.summary

    def may_mention(self, words: tuple[str, ...]) -> bool:
        """Can this file's summary hold a fact that only a literal attribute or keyword name in ``words``
        produces? ``False`` only for a pure-ASCII source without a coding cookie and without those words
        (so its text is exactly its code's identifiers: no escapes, no Unicode normalisation)."""
        if self.done:
            return self.summary is not None
        source = self.text()
        if source is None:
            return False  # unreadable: no summary
        if isinstance(source, bytes):
            return not source.isascii() or b"coding" in source or any(w.encode() in source for w in words)
        return not source.isascii() or "coding" in source or any(w in source for w in words)


class ProjectIndex:
    """The summaries of a project's modules, each computed the first time a query needs it.

    Building it only discovers the files and maps module names (``project.module_name_for``, as
    :func:`summarize` names them) to files; :meth:`module`, :meth:`split`, :meth:`function`, ... summarise
    the one module they ask for, and :attr:`modules` summarises all of them, once. :meth:`di_aliases`,
    :meth:`routers_out_of_schema` and the exception handler queries skip the files that cannot hold those
    facts (see :meth:`_Entry.may_mention`); :meth:`modules_in_layer` the files of other layers. As when every file was summarised up front, of two files with the same module name
    (``a.py`` and ``a/__init__.py``) the one added last that parses wins.
    """

    def __init__(self, root: Path, modules: dict[str, ModuleSummary] | None = None, settings: Settings | None = None) -> None:
        self.root = root
        #: the ``layers`` setting the summaries are made with (see :meth:`modules_in_layer`)
        self._layers = settings["layers"] if settings is not None else None
        self._entries: list[_Entry] = []
        self._by_name: dict[str, list[_Entry]] = {}
        #: every module, once something asked for all of them (then the lookups read it)
        self._all: dict[str, ModuleSummary] | None = None
        #: the whole-project queries' answers, until a module is added
        self._project_facts: dict[str, Any] = {}
        for summary in (modules or {}).values():
            self.add(summary)

    @classmethod
    def build(cls, root: Path, settings: Settings, files: Iterable[Path] | None = None) -> "ProjectIndex":
        index = cls(root, settings=settings)
        for path in files if files is not None else project_files(root, settings):
            relpath = relative_path(path, root)
            index.add_source(relpath, path, functools.partial(_summarize, relpath=relpath, settings=settings))
        return index

    @classmethod
    def from_sources(cls, root: Path, sources: dict[str, str], settings: Settings | None = None) -> "ProjectIndex":
        index = cls(root, settings=settings)
        for relpath, text in sources.items():
            index.add_source(relpath, text, functools.partial(_summarize, relpath=relpath, settings=settings))
        return index

    def add(self, summary: ModuleSummary | None) -> None:
        """A module already summarised (``None``, a file that does not parse, adds nothing)."""
        if summary is None:
            return
        entry = _Entry(summary.name, summary.relpath, None, None, summary)
        self._entries.append(entry)
        self._by_name.setdefault(entry.name, []).append(entry)
        self._project_facts.clear()
        if self._all is not None:
            self._all[summary.name] = summary

    def add_source(
        self, relpath: str, source: bytes | str | Path, load: "Callable[[bytes | str], ModuleSummary | None]"
    ) -> None:
        """The file at ``relpath``: its ``source`` (or the path to read it from, once, when first needed),
        summarised by ``load(source)`` (``None`` if it does not parse) when a query first needs it."""
        entry = _Entry(module_name_for(relpath)[0], relpath, source, load)
        self._entries.append(entry)
        self._by_name.setdefault(entry.name, []).append(entry)
        self._project_facts.clear()
        self._all = None

    @property
    def modules(self) -> dict[str, ModuleSummary]:
        """Every module's summary by name (summarises all the modules not summarised yet)."""
        if self._all is None:
            found: dict[str, ModuleSummary] = {}
            for entry in self._entries:  # in the order added: the last one of a name wins
                summary = entry.get()
                if summary is not None:
                    found[summary.name] = summary
            self._all = found
        return self._all

    @modules.setter
    def modules(self, modules: dict[str, ModuleSummary]) -> None:
        layers = self._layers
        self.__init__(self.root, modules)  # type: ignore[misc]
        self._layers = layers

    def modules_in_layer(self, layer: str) -> list[ModuleSummary]:
        """``[m for m in self.modules.values() if m.layer == layer]``, summarising only the modules whose
        path is in that layer (a module's layer depends on its path alone)."""
        if self._all is not None:
            return [m for m in self._all.values() if m.layer == layer]
        names = {name for name, entries in self._by_name.items() if any(self._layer(e) == layer for e in entries)}
        placed: dict[str, None] = {}  # in the order of .modules: where a name's first summary is
        for entry in self._entries:
            if entry.name in names and entry.name not in placed and entry.get() is not None:
                placed[entry.name] = None
        found = (self.module(name) for name in placed)
        return [m for m in found if m is not None and m.layer == layer]

    def _layer(self, entry: _Entry) -> str | None:
        if entry.done:
            return entry.summary.layer if entry.summary is not None else None
        return layers_mod.layer_for(entry.relpath, self._layers)

    def __getstate__(self) -> dict[str, object]:  # pickled for workers that do not fork: summarised in full
        return {"root": self.root, "modules": self.modules, "layers": self._layers}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__init__(state["root"], state["modules"])  # type: ignore[misc, arg-type]
        self._layers = state["layers"]

    def __repr__(self) -> str:
        return f"ProjectIndex({self.root!r}, {len(self._by_name)} modules)"

    # -- lookups -------------------------------------------------------------------
    def module(self, name: str) -> ModuleSummary | None:
        if self._all is not None:
            return self._all.get(name)
        for entry in reversed(self._by_name.get(name, ())):
            summary = entry.get()
            if summary is not None:
                return summary
        return None

    def split(self, qualified: str) -> tuple[ModuleSummary, str] | None:
        """``app.services.steps.complete_step`` -> (that module's summary, ``complete_step``)."""
        module, _, attr = qualified.rpartition(".")
        summary = self.module(module)
        if summary is None:
            return None
        return summary, attr

    def function(self, qualified: str) -> FunctionSummary | None:
        found = self.split(qualified)
        if found is None:
            return None
        module, name = found
        if name in module.functions:
            return module.functions[name]
        reexport = module.imports.bindings.get(name)  # re-exported from a package __init__
        if reexport and reexport != qualified and not reexport.startswith(LOCAL):
            return self.function(reexport)
        return None

    def class_(self, qualified: str) -> ClassSummary | None:
        found = self.split(qualified)
        if found is None:
            return None
        module, name = found
        return module.classes.get(name)

    def bases(self, qualified: str) -> set[str]:
        """All (transitive) bases of a project class, as far as the index can resolve them."""
        out: set[str] = set()
        stack = [qualified]
        while stack:
            current = stack.pop()
            cls = self.class_(current)
            if cls is None:
                continue
            for base in cls.bases:
                if base not in out:
                    out.add(base)
                    stack.append(base)
        return out

    def is_subclass(self, qualified: str, bases: Iterable[str]) -> bool:
        wanted = set(bases)
        return qualified in wanted or bool(self.bases(qualified) & wanted)

    def calls_out(self, qualified: str | None) -> bool:
        """Does this project function make external calls (RULES.md, *Names*)? False when unknown."""
        fn = self.function(qualified) if qualified else None
        return bool(fn and fn.calls_out)

    def _di_aliases(self) -> dict[str, str]:
        """Qualified alias name -> qualified dependency it wraps. An alias is ``Annotated[...]`` resolved through
        the module's imports, so its text names ``Annotated`` (in whatever import spelling): files without
        the word are not summarised for it."""
        return {f"{m.name}.{alias}": dep for m in self._mentioning("Annotated") for alias, dep in m.di_aliases.items()}

    def _mentioning(self, *words: str) -> Iterable[ModuleSummary]:
        """The modules (of :attr:`modules`) whose facts that only come from literal attribute or keyword names
        ``words`` can be non-empty: the others are not summarised."""
        if self._all is not None:
            return self._all.values()
        names = dict.fromkeys(e.name for e in self._entries if e.may_mention(words))
        return [m for m in (self.module(name) for name in names) if m is not None]

    def _router_contexts(self) -> dict[str, frozenset[tuple[bool, str]]]:
        """Qualified router -> the ways it is served: one ``(in the schema, inherited default response
        class)`` pair per distinct way down the ``include_router`` chains (across modules) from an app or
        a router included nowhere. In the schema: no ``include_in_schema=False`` on the way (FastAPI ANDs
        the flags down the chain), no router on the way defined out of the schema, and not in an app
        created with the literal ``openapi_url=None``. The inherited default response class, as FastAPI
        picks it: the include's ``default_response_class=``, else the including router's own, else what
        that one inherits; ``""``: none (JSON), ``"?"``: unknown. A router included nowhere, an include
        whose receiver cannot be resolved, or an include cycle is served in the schema with no default.
        Only the routers the project mentions in these terms are keys."""
        modules = self._mentioning("include_in_schema", "include_router", "openapi_url", "default_response_class")
        own = {r for m in modules for r in m.routers_out_of_schema}
        defaults = {r: d for m in modules for r, d in m.router_defaults.items()}
        incoming: dict[str, list[tuple[str | None, bool, str]]] = {}
        for m in modules:
            for parent, child, excluded, response in m.router_includes:
                if child:
                    incoming.setdefault(child, []).append((parent, excluded, response))
        memo: dict[str, frozenset[tuple[bool, str]]] = {}
        root = frozenset({(True, "")})

        def contexts(router: str, seen: frozenset[str]) -> frozenset[tuple[bool, str]]:
            if router in memo:
                return memo[router]
            if router in seen:
                return root  # an include cycle
            out = router in own
            edges = incoming.get(router)
            if not edges:
                result = frozenset({(not out, "")})
            else:
                found: set[tuple[bool, str]] = set()
                for parent, excluded, response in edges:
                    if parent is None:
                        above: Iterable[tuple[bool, str]] = root
                    else:
                        parent_default = defaults.get(parent, "")
                        above = {(s, parent_default or d) for s, d in contexts(parent, seen | {router})}
                    found.update((s and not excluded and not out, response or d) for s, d in above)
                result = frozenset(found)
            memo[router] = result
            return result

        return {r: contexts(r, frozenset()) for r in own | set(defaults) | set(incoming)}

    def _routers_out_of_schema(self) -> set[str]:
        """Qualified routers whose routes are out of the OpenAPI schema: defined with
        ``include_in_schema=False``, apps created with ``openapi_url=None``, or routers served only out of
        the schema (see :meth:`_router_contexts`: every include either passes ``include_in_schema=False``
        or sits on a router that is itself out of the schema)."""
        return {r for r, found in self._once("router_contexts").items() if found and not any(s for s, _ in found)}

    def _exception_handlers(self) -> set[str]:
        return {h for m in self._mentioning("exception_handler") for h in m.exception_handlers}

    def _exception_handler_functions(self) -> set[str]:
        """Qualified functions registered as FastAPI/Starlette exception handlers."""
        return {h for m in self._mentioning("exception_handler") for h in m.exception_handler_functions}

    def _once(self, name: str) -> Any:
        found = self._project_facts.get(name)
        if found is None:
            found = self._project_facts[name] = getattr(self, f"_{name}")()
        return found

    def di_aliases(self) -> dict[str, str]:
        """Qualified alias name -> qualified dependency it wraps (computed once per index)."""
        return dict(self._once("di_aliases"))

    def routers_out_of_schema(self) -> set[str]:
        """See :meth:`_routers_out_of_schema` (computed once per index)."""
        return set(self._once("routers_out_of_schema"))

    def router_contexts(self) -> dict[str, frozenset[tuple[bool, str]]]:
        """See :meth:`_router_contexts` (computed once per index)."""
        return dict(self._once("router_contexts"))

    def exception_handlers(self) -> set[str]:
        """Qualified exception classes with a registered handler (computed once per index)."""
        return set(self._once("exception_handlers"))

    def exception_handler_functions(self) -> set[str]:
        """Qualified functions registered as FastAPI/Starlette exception handlers (computed once per index)."""
        return set(self._once("exception_handler_functions"))

    def layer_of_module(self, module: str) -> str | None:
        """Layer of a project module (or of the package a ``from pkg import name`` names)."""
        summary = self.module(module)
        if summary is None and "." in module:
            summary = self.module(module.rpartition(".")[0])
        return summary.layer if summary else None


def _summarize(source: bytes | str, relpath: str, settings: Settings | None) -> ModuleSummary | None:
    return summarize(source, relpath, settings)  # looked up when called: tests wrap it


def project_files(root: Path, settings: Settings) -> Iterator[Path]:
    """Every Python file under the project root, minus tool folders and ``exclude`` globs."""
    for path in iter_python_files([root], warn=lambda message: None):
        if not is_excluded(relative_path(path, root), settings) and (not path.is_symlink() or inside(path, root)):
            yield path  # a symlink to a file outside the project is never read
