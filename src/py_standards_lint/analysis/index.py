"""The project index: module-level facts from every module of the project.

Some rules need facts from other modules (which dependency aliases exist, which
exceptions a service function raises, which ``close_*`` functions the lifespan
calls, which columns a model declares). The index holds only module-level
definitions, read with the stdlib :mod:`ast` parser (an order of magnitude
cheaper than libcst), and is built once per CLI run — lazily, only when an
enabled rule declares ``needs_index`` — and once per flake8 process. Building it
only maps module names to files; a module is summarised the first time a query
needs it (see :class:`ProjectIndex`).

Names inside it are resolved through the same :class:`~py_standards_lint.base.names.ImportMap`
as the rules use. A fact the index cannot resolve is simply absent, and rules
stay silent on absent facts.

*(rev 3)* The index is also the project-wide resolver (RULES.md, *Names*: "Across the project"):
:meth:`ProjectIndex.resolve` / :meth:`~ProjectIndex.canonical` follow a name through imports, package
re-exports, module-level aliases (``X = Y``, ``X: TypeAlias = Y``, ``type X = Y``), ``NewType`` and
``Annotated``; :meth:`~ProjectIndex.produces` says what a call makes (through project factories and
wrappers), :meth:`~ProjectIndex.instance_of` what a module-level instance is, :meth:`~ProjectIndex.derives`
whether a class derives from another across modules, :meth:`~ProjectIndex.router_facts` the keywords of a
router or app. Every answer is computed on first use from the summaries (no extra pass), bounded
(``MAX_HOPS``), cycle-safe and memoized per index; unknown is ``None``. Rules reach it through
``ctx.resolve`` (analysis/context.py). A file the running interpreter's parser rejects but libcst parses (PEP 695,
3.14's ``except A, B:``) is summarised from libcst (:func:`downgraded_tree`).
"""

from __future__ import annotations

import ast
import functools
import io
import tokenize
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import libcst as cst

from py_standards_lint.analysis.docstrings import documented_raises
from py_standards_lint.analysis.external import (
    CallOutFacts,
    ExternalModel,
    ast_children,
    ast_dotted,
    call_parts_ast,
    escape_walk,
    functions_calling_out,
    lazy_sdk_call,
    module_model,
    transitive_callers,
)
from py_standards_lint.analysis.raise_sites import RaiseSite, ast_sites
from py_standards_lint.analysis.summary_memo import memoized_summaries
from py_standards_lint.base import layers as layers_mod
from py_standards_lint.base.known import DEFAULT_SDK_MODULES, SESSION_FACTORIES, builtin_exception
from py_standards_lint.base.names import LOCAL, ImportMap
from py_standards_lint.base.names import canonical as canonical_name
from py_standards_lint.base.project import is_excluded, iter_python_files, module_name_for, relative_path
from py_standards_lint.base.safeio import inside, read_regular
from py_standards_lint.base.settings import Settings

COLUMN_CALLS = frozenset({"sqlalchemy.Column", "sqlalchemy.orm.mapped_column", "sqlalchemy.schema.Column"})
TABLE_CALLS = frozenset({"sqlalchemy.Table", "sqlalchemy.schema.Table"})
DEPENDS = frozenset({"fastapi.Depends"})
ANNOTATED = frozenset({"typing.Annotated"})
#: return annotations that say nothing about what a factory makes
OPAQUE_TYPES = frozenset({None, "typing.Any", "builtins.object", "typing_extensions.Any"})
ROUTER_KINDS = ("fastapi.APIRouter", "fastapi.FastAPI")
BROAD_EXCEPTIONS = frozenset({"builtins.Exception", "builtins.BaseException"})
#: a router keyword whose value the index cannot read (see ProjectIndex.router_facts)
OPAQUE = "<opaque>"
NEW_TYPES = frozenset({"typing.NewType", "typing_extensions.NewType"})
TYPE_ALIAS_TYPES = frozenset({"typing.TypeAliasType", "typing_extensions.TypeAliasType"})


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
    #: *(rev 3)* an external call (itself or in nested functions) that can escape it: not inside a ``try``
    #: whose broad handler does not re-raise (RULES.md, *Names*, for PSL202)
    escaping_out: bool = False
    #: *(rev 3)* qualified callees of calls that can escape it (see ProjectIndex.escapes_out)
    escaping_calls: set[str] = field(default_factory=set)
    #: *(rev 3)* it, or a same-module function it calls, calls into an SDK module imported inside a
    #: function (PSL801 counts that; PSL202 does not)
    calls_out_lazily: bool = False
    #: the qualified name its return annotation resolves to (through this module's imports), else ``None``
    returns: str | None = None
    #: the qualified callee when every ``return <value>`` of its own body returns a call of that one name
    #: (``return APIRouter(**kw)``), else ``None``; with the literal keywords of that call (see VALUE_KEYWORDS)
    returns_call: str | None = None
    #: ``-> type[X]`` (or ``typing.Type[X]``): it returns a class, X or one deriving from it; X qualified
    returns_class: str | None = None
    returns_keywords: tuple[tuple[str, object], ...] = ()
    #: *(rev 3)* with ``returns_call``: do the keywords it is called with reach that call? ``"yes"`` (it passes
    #: its ``**kw`` on untouched), ``"no"`` (the returned call has no ``**``), ``"unknown"`` (anything else)
    forwards: str = "unknown"


@dataclass
class ClassSummary:
    name: str
    lineno: int
    #: qualified names of the bases
    bases: list[str] = field(default_factory=list)
    #: declared column attributes (``mapped_column``/``Column``/``Mapped[...]`` annotations)
    columns: set[str] = field(default_factory=set)
    #: attributes bound in the class body or as ``self.x = ...`` in ``__init__`` (see :class:`Value`;
    #: in ``__init__`` only calls are kept: other values may be its parameters)
    attributes: dict[str, Value] = field(default_factory=dict)


#: the literal keywords of a module-level call the resolver keeps (router facts)
VALUE_KEYWORDS = ("prefix", "include_in_schema", "default_response_class", "openapi_url")


@dataclass(frozen=True)
class Value:
    """What a module-level assignment binds a name to (plain data).

    ``kind`` is ``"alias"`` (``X = Y``, ``X: TypeAlias = Y``, ``type X = Y``, ``X = NewType("X", Y)``,
    ``X = Annotated[Y, ...]``: ``target`` is ``Y`` qualified), ``"call"`` (``X = f(...)``: ``target`` is ``f``
    qualified, ``keywords`` its literal :data:`VALUE_KEYWORDS`; the value is an instance) or ``"other"``
    (anything else, or bound more than once: unknown)."""

    kind: str
    target: str = ""
    keywords: tuple[tuple[str, object], ...] = ()


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
    #: module-level names bound by assignment (see :class:`Value`), for the resolver; a name bound
    #: more than once, differently, is ``Value("other")``
    values: dict[str, Value] = field(default_factory=dict)

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
            tree = downgraded_tree(source)  # newer syntax than this interpreter's: read through libcst
            if tree is None:
                return None
    name, is_package = module_name_for(relpath)
    layer = layers_mod.layer_for(relpath, settings["layers"] if settings else None)
    summary = ModuleSummary(name, relpath, layer, ImportMap(current=name, is_package=is_package))
    summarizer = _Summarizer(summary)
    summarizer.run(tree)
    sdk = settings["external-sdk-modules"] if settings else DEFAULT_SDK_MODULES
    summary.external = module_model(tree, summary.imports.resolve_dotted, sdk)
    functions = {n.name: n for n in _toplevel(tree.body) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    facts = CallOutFacts()
    for fn_name in functions_calling_out(functions, summary.external, summarizer.walked, facts):
        summary.functions[fn_name].calls_out = True
    _escapes(summary, summarizer, functions, facts, sdk)
    return summary


def _escapes(
    summary: ModuleSummary, summarizer: _Summarizer, functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef],
    facts: CallOutFacts, sdk: Any,
) -> None:
    """*(rev 3)* The escape facts of every module-level function (``escaping_out``, ``escaping_calls``) and
    the lazily imported SDK calls (``calls_out_lazily``). Only functions holding a ``try`` are walked again."""
    model = summary.external
    lazy: set[str] = set()
    for name, node in functions.items():
        fn = summary.functions.get(name)
        if fn is None or fn.lineno != node.lineno:
            continue  # redefined: the summary is the last definition's
        walked = summarizer.walked.get(id(node), ())
        if name in facts.imports and lazy_sdk_call(node, walked, sdk):
            lazy.add(name)
        if not any(summarizer.silences(t) for t in facts.tries.get(name, ())):  # type: ignore[arg-type]
            fn.escaping_out = name in facts.direct
            fn.escaping_calls = set(fn.calls)
            continue
        clients = facts.clients.get(name, set())
        for call, nested in escape_walk(node, summarizer.silences):
            if model is not None and not fn.escaping_out and model.is_external(call_parts_ast(call), clients):
                fn.escaping_out = True
            if not nested:
                qualified = summarizer.resolve(call.func)
                if qualified:
                    fn.escaping_calls.add(qualified)
    if lazy:
        for name in transitive_callers(lazy, facts.calls):
            if name in summary.functions:
                summary.functions[name].calls_out_lazily = True


def downgraded_tree(source: bytes | str) -> ast.Module | None:
    """CPython's tree of a file this interpreter's parser rejects but libcst parses (RULES.md, *Across the
    project*: no module drops out of the index): libcst's tree with only the newer syntax rewritten to its
    older equivalent, on the same lines — ``type X = Y`` -> ``X = Y``, type parameter lists
    (``class C[T]``, ``def f[T]``) dropped, 3.14's ``except A, B:`` -> ``except (A, B):`` — parsed by
    :mod:`ast`. ``None`` when libcst cannot parse it either, or the rewrite still does not parse."""

    class Downgrade(cst.CSTTransformer):
        def on_visit(self, node: cst.CSTNode) -> bool:
            # no statement lives inside an expression: their subtrees (most of the nodes) need no visit
            return not isinstance(node, cst.BaseExpression)

        def leave_TypeAlias(self, original: cst.TypeAlias, updated: cst.TypeAlias) -> cst.Assign:
            return cst.Assign(targets=[cst.AssignTarget(updated.name)], value=updated.value)

        def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
            return updated.with_changes(type_parameters=None) if updated.type_parameters is not None else updated

        def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
            return updated.with_changes(type_parameters=None) if updated.type_parameters is not None else updated

        def leave_ExceptHandler(self, original: cst.ExceptHandler, updated: cst.ExceptHandler) -> cst.ExceptHandler:
            kind = updated.type
            if isinstance(kind, cst.Tuple) and not kind.lpar:
                return updated.with_changes(type=kind.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()]))
            return updated

        leave_ExceptStarHandler = leave_ExceptHandler  # type: ignore[assignment]

    text = _token_downgrade(source)
    if text is not None:  # the cheap way: the newer syntax rewritten token by token
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
    try:
        module = cst.parse_module(source)
        code = module.visit(Downgrade()).code
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(code)
    except Exception:  # noqa: BLE001 - any failure: the file stays out, as before
        return None


def _token_downgrade(source: bytes | str) -> str | None:
    """:func:`downgraded_tree`'s rewrite done on tokens, without a libcst parse (most files that need it), or
    ``None`` when the tokens do not allow it (a type parameter list over several lines, a 3.12 f-string the
    tokenizer rejects, an unknown encoding): then libcst does it. Edits stay on their lines."""
    try:
        text = source if isinstance(source, str) else source.decode(tokenize.detect_encoding(io.BytesIO(source).readline)[0])
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type not in (tokenize.COMMENT, tokenize.NL)]
    except (SyntaxError, LookupError, UnicodeDecodeError, ValueError, tokenize.TokenError, IndentationError):
        return None
    edits: list[tuple[int, int, int, str]] = []  # (row, start column, end column, replacement)

    def closing(i: int) -> int | None:
        """The index of the token closing the bracket at ``tokens[i]``, on the same line, else ``None``."""
        depth = 0
        for j in range(i, len(tokens)):
            if tokens[j].string in ("[", "(", "{"):
                depth += 1
            elif tokens[j].string in ("]", ")", "}"):
                depth -= 1
                if depth == 0:
                    return j if tokens[j].start[0] == tokens[i].start[0] else None
        return None

    starts_line = True
    for i, tok in enumerate(tokens[:-2]):
        nxt, after = tokens[i + 1], tokens[i + 2]
        if tok.type == tokenize.NAME and starts_line and tok.string == "type" and nxt.type == tokenize.NAME and after.string in ("=", "["):
            if after.string == "[":
                end = closing(i + 2)
                if end is None:
                    return None
                edits.append((after.start[0], after.start[1], tokens[end].end[1], ""))
            edits.append((tok.start[0], tok.start[1], nxt.start[1], ""))
        elif tok.type == tokenize.NAME and tok.string in ("class", "def") and nxt.type == tokenize.NAME and after.string == "[":
            end = closing(i + 2)
            if end is None:
                return None
            edits.append((after.start[0], after.start[1], tokens[end].end[1], ""))
        elif tok.type == tokenize.NAME and tok.string == "except" and starts_line:
            first = i + 2 if nxt.string == "*" else i + 1
            depth, comma, j = 0, False, first
            while j < len(tokens) and not (depth == 0 and tokens[j].string == ":"):
                depth += tokens[j].string in ("(", "[", "{")
                depth -= tokens[j].string in (")", "]", "}")
                comma = comma or (depth == 0 and tokens[j].string == ",")
                j += 1
            if comma and j < len(tokens):
                if tokens[first].start[0] != tokens[j].start[0]:
                    return None
                edits.append((tokens[j].start[0], tokens[j].start[1], tokens[j].start[1], ")"))
                edits.append((tokens[first].start[0], tokens[first].start[1], tokens[first].start[1], "("))
        starts_line = tok.type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT) or tok.string == ";"
    if not edits:
        return None  # nothing this rewrite knows: let libcst say
    lines = text.splitlines(keepends=True)
    for row, start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1], e[2]), reverse=True):
        line = lines[row - 1]
        lines[row - 1] = line[:start] + replacement + line[end:]
    return "".join(lines)


class _Summarizer:
    def __init__(self, summary: ModuleSummary) -> None:
        self.s = summary
        self.imports = summary.imports
        #: ``id(fn)`` -> every node of a module-level function (``ast_nodes``), walked once for all its uses
        self.walked: dict[int, list[ast.AST]] = {}
        self._resolved: dict[str, str | None] = {}
        #: module-level names bound by assignment
        self.assigned: set[str] = set()

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
        node: Any  # a statement, then every node (narrowed by kind below, without isinstance in the hot loop)
        for node in body:  # imports and local names first, so later lookups resolve
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self.imports.add_import(alias.name, alias.asname)
            elif isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    self.imports.add_from(node.module or "", node.level, alias.name, alias.asname)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.imports.bind_local(node.name)
            elif isinstance(node, ast.Assign):
                self.assigned.update(t.id for t in node.targets if isinstance(t, ast.Name))
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                self.assigned.add(node.target.id)
            elif type(node).__name__ == "TypeAlias" and isinstance(node.name, ast.Name):
                self.assigned.add(node.name.id)
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
                    for d in node.decorator_list
                ):
                    lifespans.add(node.name)
                    self.s.lifespan_targets.add(f"{self.s.name}.{node.name}")
                continue
            if kind is not ast.Call:
                continue
            app_class = self.resolve(node.func)
            if app_class == "fastapi.FastAPI":
                for kw in node.keywords:
                    if kw.arg == "lifespan":
                        self._lifespan_target(kw.value, lifespans)
                    elif kw.arg == "on_shutdown" and isinstance(kw.value, (ast.List, ast.Tuple)):
                        for element in kw.value.elts:
                            self._lifespan_target(element, lifespans)
            if app_class in ("fastapi.FastAPI", "starlette.applications.Starlette"):
                for kw in node.keywords:  # ``FastAPI(exception_handlers={E: handler})``
                    if kw.arg == "exception_handlers" and isinstance(kw.value, ast.Dict):
                        for key, value in zip(kw.value.keys, kw.value.values):
                            if key is not None:
                                self._handler(key)
                            if (fn_name := self.resolve(value)) is not None:
                                self.s.exception_handler_functions.add(fn_name)
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
        self._values(body)
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._function(node, node.name in lifespans)
            elif isinstance(node, ast.ClassDef):
                self._class(node)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                self._assign(node)

    def target(self, node: ast.AST | None) -> str | None:
        """A name or dotted expression qualified for the resolver: through the imports, or a module-level
        name bound by assignment (``<this module>.X``)."""
        if node is None:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):  # a string annotation
            try:
                node = ast.parse(node.value.strip(), mode="eval").body
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return None
        resolved = self.resolve(node)
        if resolved is None:
            dotted = _dotted(node)
            if dotted is not None and dotted.partition(".")[0] in self.assigned:
                return f"{self.s.name}.{dotted}"
        return resolved

    def value(self, node: ast.AST | None) -> Value:
        """What ``X = <node>`` binds ``X`` to."""
        if isinstance(node, (ast.Name, ast.Attribute, ast.Constant)):
            target = self.target(node)
            return Value("alias", target) if target else Value("other")
        if isinstance(node, ast.Subscript) and self.resolve(node.value) in ANNOTATED:
            first = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) and node.slice.elts else node.slice
            return self.value(first)
        if isinstance(node, ast.Call):
            callee = self.target(node.func)
            if callee in NEW_TYPES:
                return self.value(node.args[1]) if len(node.args) == 2 else Value("other")
            if callee in TYPE_ALIAS_TYPES:
                found = [kw.value for kw in node.keywords if kw.arg == "value"] or node.args[1:2]
                return self.value(found[0]) if found else Value("other")
            if callee:
                return Value("call", callee, self.keywords(node))
        return Value("other")

    def keywords(self, call: ast.Call) -> tuple[tuple[str, object], ...]:
        found: list[tuple[str, object]] = []
        for kw in call.keywords:
            if kw.arg in VALUE_KEYWORDS:
                if isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, (str, bool, type(None))):
                    found.append((kw.arg, kw.value.value))
                elif kw.arg == "default_response_class" and (qualified := self.target(kw.value)):
                    found.append((kw.arg, ("name", qualified)))
                else:
                    found.append((kw.arg, ("opaque",)))
        return tuple(found)

    def _values(self, body: list[ast.stmt]) -> None:
        values = self.s.values
        for node in body:
            if isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                bound = self.value(node.value) if len(names) == len(node.targets) else Value("other")
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                if node.value is None:
                    continue
                names = [node.target.id]
                bound = self.value(node.value)
            elif type(node).__name__ == "TypeAlias":  # PEP 695 ``type X = Y`` on 3.12+
                names = [node.name.id] if isinstance(node.name, ast.Name) else []  # type: ignore[attr-defined]
                bound = self.value(node.value)  # type: ignore[attr-defined]
            else:
                continue
            for name in names:
                _bind(values, name, bound)

    def silences(self, node: ast.Try) -> bool:
        """*(rev 3)* Does a ``try`` have a broad handler (bare, ``Exception``/``BaseException``, a tuple or a
        module-level tuple constant holding one) that does not end in a ``raise``? Then what its body calls
        out to does not escape it."""
        for handler in node.handlers:
            if handler.body and isinstance(handler.body[-1], ast.Raise):
                continue
            if handler.type is None:
                return True
            types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
            for t in types:
                qualified = self.resolve(t)
                if qualified in BROAD_EXCEPTIONS:
                    return True
                if isinstance(t, ast.Name) and set(self.s.tuple_constants.get(t.id, ())) & BROAD_EXCEPTIONS:
                    return True
        return False

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
            here: list[Any] = [self.nodes[i] for i in own if id(self.nodes[i]) in pending]  # include_router calls
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
                receiver = call.func.value
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

        fn.returns = self.target(node.returns) if isinstance(node.returns, (ast.Name, ast.Attribute, ast.Constant)) else None
        annotation = node.returns
        if isinstance(annotation, ast.Subscript) and isinstance(annotation.slice, (ast.Name, ast.Attribute)):
            if self.target(annotation.value) in ("builtins.type", "typing.Type") or (
                isinstance(annotation.value, ast.Name) and annotation.value.id == "type" and "type" not in self.assigned
            ):
                fn.returns_class = self.target(annotation.slice)
        returned = [inner.value for inner in own if isinstance(inner, ast.Return) and inner.value is not None]
        if returned and all(isinstance(r, ast.Call) for r in returned):
            callees = {self.target(r.func) for r in returned}  # type: ignore[attr-defined]
            if len(callees) == 1 and None not in callees:
                fn.returns_call = callees.pop()
                fn.forwards = _forwards(node, returned)  # type: ignore[arg-type]
                given = [self.keywords(r) for r in returned]  # type: ignore[arg-type]
                if all(k == given[0] for k in given):
                    fn.returns_keywords = given[0]
                else:  # returns that disagree: every keyword one of them gives is unknown
                    keys = sorted({key for k in given for key, _ in k})
                    fn.returns_keywords = tuple((key, ("opaque",)) for key in keys)
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
        cls = ClassSummary(node.name, node.lineno, [b for b in (self.target(base) for base in node.bases) if b])
        for stmt in _toplevel(node.body):
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
                for target in stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]:
                    if isinstance(target, ast.Name):
                        _bind(cls.attributes, target.id, self.value(stmt.value))
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == "__init__":
                for inner in _toplevel(stmt.body):
                    if isinstance(inner, (ast.Assign, ast.AnnAssign)) and inner.value is not None:
                        for target in inner.targets if isinstance(inner, ast.Assign) else [inner.target]:
                            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                                bound = self.value(inner.value) if isinstance(inner.value, ast.Call) else Value("other")
                                _bind(cls.attributes, target.attr, bound)
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


def _forwards(node: ast.FunctionDef | ast.AsyncFunctionDef, returned: list[ast.Call]) -> str:
    """:attr:`FunctionSummary.forwards` for a function whose every ``return`` returns one of ``returned``."""
    splats = [kw.value for call in returned for kw in call.keywords if kw.arg is None]
    if not splats:
        return "no"
    kwarg = node.args.kwarg.arg if node.args.kwarg is not None else None
    if kwarg is None or not all(isinstance(v, ast.Name) and v.id == kwarg for v in splats):
        return "unknown"
    uses = sum(1 for inner in ast.walk(node) if isinstance(inner, ast.Name) and inner.id == kwarg)
    return "yes" if uses == len(splats) else "unknown"  # used otherwise (``kw.setdefault(...)``): unknown


def _bind(values: dict[str, Value], name: str, bound: Value) -> None:
    """A name bound once keeps its value; bound again differently, it is unknown."""
    previous = values.get(name)
    values[name] = bound if previous is None or previous == bound else Value("other")


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


def _identifier_text(source: bytes) -> str | None:
    """The source decoded as the parser would (coding cookie or BOM, else UTF-8), NFKC-normalised like its
    identifiers; ``None`` when it does not decode."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        return unicodedata.normalize("NFKC", source.decode(encoding))
    except (SyntaxError, LookupError, UnicodeDecodeError, ValueError):
        return None


class _Entry:
    """One project file of the index: its summary, computed (or taken from the cache) on first use."""

    __slots__ = ("name", "relpath", "source", "load", "summary", "done")

    def __init__(
        self,
        name: str,
        relpath: str,
        source: bytes | str | Path | None,
        load: Callable[[bytes | str], ModuleSummary | None] | None,
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
        produces? ``False`` only when the words are not in the source's text as Python reads its identifiers:
        a pure-ASCII source without a coding cookie is searched as it is; any other is decoded (its cookie or
        BOM, else UTF-8) and NFKC-normalised first, as the parser normalises identifiers (a source that does
        not decode may say anything)."""
        if self.done:
            return self.summary is not None
        source = self.text()
        if source is None:
            return False  # unreadable: no summary
        if isinstance(source, bytes):
            if source.isascii() and b"coding" not in source:
                return any(w.encode() in source for w in words)
            text = _identifier_text(source)
            return text is None or any(w in text for w in words)
        if not source.isascii():
            source = unicodedata.normalize("NFKC", source)
        return any(w in source for w in words)


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
    def build(cls, root: Path, settings: Settings, files: Iterable[Path] | None = None) -> ProjectIndex:
        index = cls(root, settings=settings)
        for path in files if files is not None else project_files(root, settings):
            relpath = relative_path(path, root)
            index.add_source(relpath, path, functools.partial(_summarize, relpath=relpath, settings=settings))
        return index

    @classmethod
    def from_sources(cls, root: Path, sources: dict[str, str], settings: Settings | None = None) -> ProjectIndex:
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
        self, relpath: str, source: bytes | str | Path, load: Callable[[bytes | str], ModuleSummary | None]
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
        self.__init__(state["root"], state["modules"])  # type: ignore[misc]
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

    def calls_out(self, qualified: str | None, lazy: bool = False) -> bool:
        """Does this project function make external calls in its own body, nested functions or same-module
        helpers (RULES.md, *Names*; PSL801's reach)? ``lazy``: calls into SDK modules imported inside a
        function count too. False when unknown."""
        fn = self.function(qualified) if qualified else None
        return bool(fn and (fn.calls_out or (lazy and fn.calls_out_lazily)))

    def escapes_out(self, qualified: str | None, _depth: int = 0) -> bool:
        """*(rev 3)* Does this project function call out in a way that can escape it into a caller's ``try``
        (RULES.md, *Names*, for PSL202): an external call of its own body or nested functions, or a call of a
        project function (in any module, through re-exports) that escapes so, not inside a ``try`` whose broad
        handler does not re-raise. Lazily imported SDK modules do not count. ``False`` when unknown; memoized,
        cycle-safe."""
        if qualified is None:
            return False
        memo = self._memo("escapes_out")
        if qualified in memo:
            return memo[qualified]
        memo[qualified] = False  # a cycle adds nothing
        canonical = self.canonical(qualified)
        fn = self.function(canonical) if canonical is not None and self._project_split(canonical) is not None else None
        result = False
        if fn is not None:
            result = fn.escaping_out or (_depth < 100 and any(self.escapes_out(c, _depth + 1) for c in fn.escaping_calls))
        memo[qualified] = result
        return result

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

    # -- the resolver (RULES.md, *Names*: "Across the project") -----------------------
    #: hops the resolver follows before it gives up (unknown)
    MAX_HOPS = 12

    def _memo(self, kind: str) -> dict[Any, Any]:
        memo = self._project_facts.get(f"resolver:{kind}")
        if memo is None:
            memo = self._project_facts[f"resolver:{kind}"] = {}
        return memo

    def _has_module(self, name: str) -> bool:
        return name in self._by_name and self.module(name) is not None

    def _project_split(self, qualified: str) -> tuple[ModuleSummary, list[str]] | None:
        """The longest project module ``qualified`` starts with, and the attribute path after it."""
        parts = qualified.split(".")
        for cut in range(len(parts), 0, -1):
            name = ".".join(parts[:cut])
            if name in self._by_name:
                summary = self.module(name)
                if summary is not None:
                    return summary, parts[cut:]
        return None

    def resolve(self, module: str, dotted: str) -> str | None:
        """What ``dotted`` (a name or dotted expression written in project module ``module``) refers to:
        the canonical external name (``sqlalchemy.ext.asyncio.AsyncSession``, ``fastapi.APIRouter``,
        ``logging.getLogger``) or the qualified name of the project class, function, module or module-level
        instance it ends at, through imports, package re-exports, aliases, ``NewType`` and ``Annotated``;
        ``None`` when unknown."""
        summary = self.module(module)
        return self.resolve_in(summary, dotted) if summary is not None else None

    def resolve_in(self, summary: ModuleSummary, dotted: str) -> str | None:
        """:meth:`resolve` for a module's summary (the checked file's own, say, which may not be on disk)."""
        first, _, rest = dotted.partition(".")
        if first not in summary.imports.bindings and first not in summary.values:
            qualified = summary.imports.resolve_dotted(dotted)  # a builtin, or unknown
            return canonical_name(qualified) if qualified is not None and not qualified.startswith(LOCAL) else None
        found = self._attribute(summary, first, 0)
        if found is None:
            return None
        return self.canonical(f"{found}.{rest}") if rest else found

    def canonical(self, qualified: str | None, _hops: int = 0) -> str | None:
        """:meth:`resolve` for a qualified name (``app.kit.sql.select`` -> ``sqlalchemy.select``)."""
        if qualified is None:
            return None
        memo = self._memo("canonical")
        if qualified in memo:
            return memo[qualified]  # ``None`` while being computed: a cycle is unknown
        if _hops > self.MAX_HOPS:
            return None
        memo[qualified] = None
        result = self._canonical(qualified, _hops)
        memo[qualified] = result
        return result

    def _top_packages(self) -> frozenset[str]:
        found = self._project_facts.get("resolver:top")
        if found is None:
            found = self._project_facts["resolver:top"] = frozenset(name.partition(".")[0] for name in self._by_name)
        return found

    def _canonical(self, qualified: str, hops: int) -> str | None:
        split = self._project_split(qualified)
        if split is None:
            if qualified.partition(".")[0] in self._top_packages():
                return None  # in a project package, but no module the index has: unknown, not external
            return canonical_name(qualified)  # not a project name: an external one
        summary, path = split
        if not path:
            return summary.name  # a project module
        found = self._attribute(summary, path[0], hops)
        if found is None:
            return None
        return self.canonical(".".join([found, *path[1:]]), hops + 1) if len(path) > 1 else found

    def _attribute(self, summary: ModuleSummary, name: str, hops: int) -> str | None:
        """One hop: what module-level ``name`` of ``summary`` is."""
        if name in summary.classes or name in summary.functions:
            return f"{summary.name}.{name}"
        value = summary.values.get(name)
        if value is not None:
            if value.kind == "alias":
                return self.canonical(value.target, hops + 1)
            if value.kind == "call":
                return f"{summary.name}.{name}"  # an instance: see instance_of
            return None
        bound = summary.imports.bindings.get(name)
        if bound is not None and not bound.startswith(LOCAL):
            return self.canonical(bound, hops + 1)
        submodule = f"{summary.name}.{name}"
        if self._has_module(submodule):
            return submodule
        return None

    def _value(self, qualified: str) -> Value | None:
        """The module-level :class:`Value` a canonical project name is bound to."""
        module, _, name = qualified.rpartition(".")
        summary = self.module(module) if module in self._by_name else None
        return summary.values.get(name) if summary is not None else None

    def produces(self, callee: str | None) -> str | None:
        """What calling ``callee`` (a canonical name) makes: the class for a class (project or external), and
        for a project factory what its returned call produces or, failing that, its return annotation; an
        external function stands for itself (``logging.getLogger``, ``structlog.get_logger``). ``None``
        when unknown."""
        if callee is None:
            return None
        memo = self._memo("produces")
        if callee in memo:
            return memo[callee]
        memo[callee] = None
        memo[callee] = result = self._produces(callee)
        return result

    def _produces(self, callee: str) -> str | None:
        split = self._project_split(callee)
        if split is None:
            return callee
        summary, path = split
        if len(path) != 1:
            return None
        name = path[0]
        if name in summary.classes:
            return callee
        fn = summary.functions.get(name)
        if fn is None:
            # ``APIRouter = make_router_class(...)``, the maker annotated ``-> type[fastapi.APIRouter]``: calling the
            # name makes an instance of (a class deriving from) that class
            value = self._value(callee)
            target = self.canonical(value.target) if value is not None and value.kind == "call" else None
            maker = self.function(target) if target is not None else None
            return self.canonical(maker.returns_class) if maker is not None and maker.returns_class else None
        if fn.returns_call is not None:
            made = self.produces(self.canonical(fn.returns_call))
            if made is not None:
                return made
        annotation = self.canonical(fn.returns) if fn.returns else None
        return None if annotation in OPAQUE_TYPES else annotation

    def instance_of(self, qualified: str | None) -> str | None:
        """For a canonical project name bound at module level to a call (``Unauthorized = HTTPException(401)``,
        ``logger = logging.getLogger(__name__)``, ``router = make_router()``): what the call produces."""
        value = self._value(qualified) if qualified else None
        if value is None or value.kind != "call":
            return None
        return self.produces(self.canonical(value.target))

    def ancestors(self, qualified: str | None) -> frozenset[str]:
        """A canonical name and, for a project class, every base it derives from (canonical, transitively);
        empty for ``None``."""
        if qualified is None:
            return frozenset()
        memo = self._memo("ancestors")
        if qualified in memo:
            return memo[qualified]
        memo[qualified] = frozenset({qualified})  # a cycle stops here
        found = {qualified}
        cls = self.class_(qualified) if self._project_split(qualified) is not None else None
        if cls is not None:
            for base in cls.bases:
                found |= self.ancestors(self.canonical(base))
        memo[qualified] = result = frozenset(found)
        return result

    def class_attribute(self, qualified: str | None, attribute: str) -> tuple[str, Value] | None:
        """The binding of ``attribute`` in a project class or the first of its (project) bases, in
        method resolution order as far as the index sees it: (qualified owner, its :class:`Value`)."""
        seen: set[str] = set()
        queue = [self.canonical(qualified)] if qualified else []
        while queue:
            current = queue.pop(0)
            if current is None or current in seen or len(seen) > self.MAX_HOPS:
                continue
            seen.add(current)
            cls = self.class_(current) if self._project_split(current) is not None else None
            if cls is None:
                continue
            if attribute in cls.attributes:
                return current, cls.attributes[attribute]
            queue.extend(self.canonical(base) for base in cls.bases)
        return None

    def derives(self, qualified: str | None, targets: Iterable[str]) -> bool:
        """Is the canonical name one of ``targets`` or a project class deriving from one?"""
        return not self.ancestors(qualified).isdisjoint(targets)

    def router_facts(self, qualified: str | None) -> dict[str, Any] | None:
        """For a project module-level router or app (``router = APIRouter(prefix="/x")``, a project subclass,
        wrapper or factory of ``APIRouter``/``FastAPI``): ``{"kind": "fastapi.APIRouter" | "fastapi.FastAPI",
        "prefix": ..., "include_in_schema": ..., "default_response_class": ..., "openapi_url": ...}`` (a
        keyword not given is absent; a literal is its value; ``default_response_class`` is the canonical
        name; a keyword given a value the index cannot read is ``OPAQUE``). The keywords are the call's,
        with those a factory passes literally to the call it returns. ``None`` when not a router or app."""
        qualified = self.canonical(qualified) if qualified else None
        value = self._value(qualified) if qualified else None
        if value is None or value.kind != "call":
            return None
        facts = self.factory_facts(self.canonical(value.target), value.keywords)
        if facts is not None:
            facts.pop("call_keywords", None)  # the call's keywords are already weighed
        return facts

    def factory_facts(
        self, callee: str | None, keywords: Iterable[tuple[str, object]] = ()
    ) -> dict[str, Any] | None:
        """:meth:`router_facts` for a call of canonical ``callee`` given the (index-form) ``keywords``:
        ``None`` when the call makes no router or app; else its kind and the keywords (those the
        factory passes literally to the call it returns win over the given ones). A factory whose returned
        call has no ``**`` drops the keywords it is given (``"call_keywords": False`` then says so); one
        that does something else with its ``**kw`` (``kw.setdefault(...)``) leaves every keyword it does not
        pass literally ``OPAQUE``."""
        if callee is None:
            return None
        made = self.produces(callee)
        kind = next((k for k in ROUTER_KINDS if self.derives(made, (k,))), None)
        if kind is None:
            return None
        facts: dict[str, Any] = {"kind": kind}
        merged = list(keywords)
        reaches, hops = True, 0
        current: str | None = callee
        while current is not None and hops < self.MAX_HOPS:  # a factory's own literal keywords
            fn = self.function(current) if self._project_split(current) is not None else None
            if fn is None or fn.returns_call is None:
                break
            if fn.forwards == "no":  # what it was given does not reach the call it returns
                merged, reaches = [], False
            elif fn.forwards != "yes":
                merged = [(key, ("opaque",)) for key in VALUE_KEYWORDS]
            merged.extend(fn.returns_keywords)
            current, hops = self.canonical(fn.returns_call), hops + 1
        for key, given in merged:
            if isinstance(given, tuple):
                facts[key] = self.canonical(given[1]) or OPAQUE if given[0] == "name" else OPAQUE
            else:
                facts[key] = given
        if not reaches:
            facts["call_keywords"] = False
        return facts

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
