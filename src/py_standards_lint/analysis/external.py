"""External service calls, and which functions *call out* (RULES.md, *Names*).

An **external call** is

* an ``httpx.*`` call, or a call into a module of ``external-sdk-modules``;
* a method call on an httpx client: a name bound to ``httpx.AsyncClient(...)``/``Client(...)``
  (assigned, or ``async with ... as c``), to the result of a function annotated
  ``-> httpx.AsyncClient``/``httpx.Client`` (awaited or not), or a module-level name
  annotated or built as such a client (the standards' shared ``_http_client``);
* ``.raise_for_status()`` on anything.

A function **calls out** when its body, its nested functions, or the same-module
functions it calls (transitively) make an external call. Calls that cannot be resolved
(lazy imports inside a function, another module's helper the index does not know)
count as not calling out.

The analysis runs on :mod:`ast` (it is part of the project index, see
``index.summarize``); :func:`call_parts_cst` gives libcst rules the same view of a call.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, Sequence

import libcst as cst

from py_standards_lint.base.fastwalk import walk
from py_standards_lint.base.known import DEFAULT_SDK_MODULES
from py_standards_lint.base.names import dotted_name

HTTPX_CLIENT_TYPES = frozenset({"httpx.AsyncClient", "httpx.Client"})


def in_modules(qualified: str | None, modules: Iterable[str]) -> bool:
    """Is ``qualified`` inside one of ``modules`` (``openai.OpenAI`` is inside ``openai``)?"""
    if not qualified:
        return False
    return any(qualified == m or qualified.startswith(m + ".") for m in modules)


@functools.lru_cache(maxsize=64)
def _module_prefixes(sdk_modules: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    modules = ("httpx", *sdk_modules)
    return frozenset(modules), tuple(m + "." for m in modules)


@dataclass(frozen=True)
class CallParts:
    """A call, front-end neutral: the callee as a dotted name, and for a method call its
    receiver's dotted name and the method."""

    callee: str | None
    receiver: str | None
    method: str | None


def call_parts_cst(node: cst.Call) -> CallParts:
    func = node.func
    receiver = method = None
    if isinstance(func, cst.Attribute):
        method = func.attr.value
        inner = func.value
        if isinstance(inner, cst.Await):
            inner = inner.expression
        receiver = dotted_name(inner)
    return CallParts(dotted_name(func), receiver, method)


def call_parts_ast(node: ast.Call) -> CallParts:
    func = node.func
    receiver = method = None
    if isinstance(func, ast.Attribute):
        method = func.attr
        receiver = ast_dotted(func.value)
    return CallParts(ast_dotted(func), receiver, method)


@dataclass
class ExternalModel:
    """Decides whether a call is external, given how names resolve and which names are clients."""

    resolve: Callable[[str], str | None]
    sdk_modules: Sequence[str] = DEFAULT_SDK_MODULES
    #: module-level names holding httpx clients
    module_clients: set[str] = field(default_factory=set)
    #: module-level functions annotated to return an httpx client
    client_getters: set[str] = field(default_factory=set)

    def is_external(self, call: CallParts, local_clients: Iterable[str] = ()) -> bool:
        if call.method == "raise_for_status":
            return True
        if call.callee is not None:
            qualified = self.resolve(call.callee)
            if qualified:
                exact, prefixes = _module_prefixes(tuple(self.sdk_modules))
                if qualified in exact or qualified.startswith(prefixes):  # in_modules(qualified, httpx + sdk)
                    return True
        if call.receiver is not None:
            if call.receiver in self.module_clients or call.receiver in (
                local_clients if isinstance(local_clients, (set, frozenset)) else set(local_clients)
            ):
                return True
        return False

    def is_client_type(self, qualified: str | None) -> bool:
        return qualified in HTTPX_CLIENT_TYPES


# -- ast front end (used by the project index) ----------------------------------------------

#: ASDL field types that never hold a node
_SCALAR_TYPES = frozenset({"identifier", "string", "constant", "int", "object", "bytes"})
#: node types nothing in the index looks at (``Load``/``Store``, operators): not walked
_SKIPPED_TYPES = frozenset({"expr_context", "boolop", "operator", "unaryop", "cmpop"})
_SINGLE, _LIST, _ANY = 0, 1, 2
_CHILD_FIELDS: dict[type, tuple[tuple[str, int], ...]] = {}


def _child_fields(node_type: type) -> tuple[tuple[str, int], ...]:
    """The fields of a node type that may hold nodes, in ``_fields`` order, each with its kind (one node or
    ``None``; a list of nodes and ``None``; unknown, checked at run time), read from the ASDL signature in the
    class docstring (``Compare(expr left, cmpop* ops, expr* comparators)``)."""
    names: tuple[str, ...] = getattr(node_type, "_fields", ())
    signature = (node_type.__doc__ or "").strip()
    head, _, rest = signature.partition("(")
    parts = [p.split() for p in rest.rstrip(")").split(",")] if rest.endswith(")") and head == node_type.__name__ else []
    if len(parts) == len(names) and all(len(p) == 2 and p[1] == n for p, n in zip(parts, names)):
        out = []
        for (kind, name) in parts:
            base = kind.rstrip("?*")
            if base in _SCALAR_TYPES or base in _SKIPPED_TYPES:
                continue
            out.append((name, _LIST if kind.endswith("*") else _SINGLE))
        fields = tuple(out)
    else:  # no signature to go by: every field, checked
        fields = tuple((name, _ANY) for name in names)
    _CHILD_FIELDS[node_type] = fields
    return fields


def ast_children(node: ast.AST) -> list[ast.AST]:
    """``list(ast.iter_child_nodes(node))``, cheaper, without the expression contexts and operators
    (``Load``, ``Add``, ...): the child nodes, in field order."""
    fields = _CHILD_FIELDS.get(node.__class__)
    if fields is None:
        fields = _child_fields(node.__class__)
    out: list[ast.AST] = []
    for name, kind in fields:
        value = getattr(node, name, None)
        if value is None:
            continue
        if kind == _SINGLE:
            out.append(value)
        elif kind == _LIST:
            out.extend([item for item in value if item is not None])
        elif isinstance(value, ast.AST):
            if not isinstance(value, _SKIPPED):
                out.append(value)
        elif isinstance(value, list):
            out.extend([item for item in value if isinstance(item, ast.AST) and not isinstance(item, _SKIPPED)])
    return out


_SKIPPED = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)


def ast_nodes(node: ast.AST) -> list[ast.AST]:
    """The nodes of ``ast.walk(node)``, in no particular order, without contexts and operators."""
    out = [node]
    stack = ast_children(node)
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(ast_children(current))
    return out


def ast_dotted(node: ast.AST) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _annotation_mentions_client(node: ast.AST | None, resolve: Callable[[str], str | None]) -> bool:
    if node is None:
        return False
    for sub in ast_nodes(node):
        dotted = ast_dotted(sub)
        if dotted and resolve(dotted) in HTTPX_CLIENT_TYPES:
            return True
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            if any(sub.value.replace(" ", "").startswith(t) for t in ("httpx.AsyncClient", "httpx.Client")):
                return True
    return False


def _builds_client(value: ast.AST | None, model: ExternalModel) -> bool:
    if isinstance(value, ast.Await):
        value = value.value
    if not isinstance(value, ast.Call):
        return False
    dotted = ast_dotted(value.func)
    if dotted is None:
        return False
    return model.resolve(dotted) in HTTPX_CLIENT_TYPES or dotted in model.client_getters


def module_model(tree: ast.Module, resolve: Callable[[str], str | None], sdk_modules: Sequence[str]) -> ExternalModel:
    """The module-level facts: client variables and client getters."""
    model = ExternalModel(resolve, tuple(sdk_modules))
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _annotation_mentions_client(node.returns, resolve):
            model.client_getters.add(node.name)
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if _annotation_mentions_client(node.annotation, resolve) or _builds_client(node.value, model):
                model.module_clients.add(node.target.id)
        elif isinstance(node, ast.Assign) and _builds_client(node.value, model):
            model.module_clients.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return model


def local_clients_ast(fn: ast.AST, model: ExternalModel, nodes: Sequence[ast.AST] | None = None) -> set[str]:
    """Names bound to httpx clients inside a function (nested defs included; ``nodes``: ``ast_nodes(fn)``
    when the caller has them)."""
    names: set[str] = set()
    for node in nodes if nodes is not None else ast_nodes(fn):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if _builds_client(node.value, model) or (
                isinstance(node, ast.AnnAssign) and _annotation_mentions_client(node.annotation, model.resolve)
            ):  # (rev 3) a variable annotated with an httpx client type is a client
                names.update(d for d in (ast_dotted(t) for t in targets) if d)
        elif isinstance(node, ast.arg):
            if node.annotation is not None and _annotation_mentions_client(node.annotation, model.resolve):
                names.add(node.arg)  # (rev 3) so is a parameter
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None and _builds_client(item.context_expr, model):
                    dotted = ast_dotted(item.optional_vars)
                    if dotted:
                        names.add(dotted)
    return names


@dataclass
class CallOutFacts:
    """What :func:`functions_calling_out` saw on the way, per function name (for the escape analysis)."""

    #: functions making an external call themselves (nested functions included)
    direct: set[str] = field(default_factory=set)
    #: the ``try`` statements of each function holding one (nested functions included)
    tries: dict[str, list[ast.AST]] = field(default_factory=dict)
    #: functions holding an ``import`` (a lazily imported SDK, perhaps)
    imports: set[str] = field(default_factory=set)
    #: same-module callees per function
    calls: dict[str, set[str]] = field(default_factory=dict)
    #: the httpx clients bound inside each function
    clients: dict[str, set[str]] = field(default_factory=dict)


_TRY_TYPES = (ast.Try, getattr(ast, "TryStar", ast.Try))


def functions_calling_out(
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef],
    model: ExternalModel,
    nodes: Mapping[int, Sequence[ast.AST]] | None = None,
    facts: CallOutFacts | None = None,
) -> set[str]:
    """Module-level function names that call out, transitively through same-module calls (``nodes``:
    ``id(fn)`` -> ``ast_nodes(fn)``, when the caller has them; ``facts``: filled with what was seen)."""
    facts = facts if facts is not None else CallOutFacts()
    direct = facts.direct
    calls = facts.calls
    for name, fn in functions.items():
        walked = nodes.get(id(fn)) if nodes is not None else None
        if walked is None:
            walked = ast_nodes(fn)
        clients = local_clients_ast(fn, model, walked)
        facts.clients[name] = clients
        callees: set[str] = set()
        for node in walked:  # nested functions count as the function's own body
            if not isinstance(node, ast.Call):
                if isinstance(node, _TRY_TYPES):
                    facts.tries.setdefault(name, []).append(node)
                elif isinstance(node, (ast.Import, ast.ImportFrom)):
                    facts.imports.add(name)
                continue
            parts = call_parts_ast(node)
            if model.is_external(parts, clients):
                direct.add(name)
            if parts.callee in functions:
                callees.add(parts.callee)
        calls[name] = callees
    return transitive_callers(direct, calls)


def transitive_callers(direct: set[str], calls: dict[str, set[str]]) -> set[str]:
    """``direct`` and every function that calls one of them, directly or not (``calls``: function -> callees)."""
    out = set(direct)
    changed = True
    while changed:
        changed = False
        for name, callees in calls.items():
            if name not in out and callees & out:
                out.add(name)
                changed = True
    return out


def lazy_sdk_call(fn: ast.AST, walked: Sequence[ast.AST], sdk_modules: Sequence[str]) -> bool:
    """*(rev 3)* Does the function call into an ``external-sdk-modules`` module it imports itself (inside the
    function: counts for PSL801, not for PSL202)?"""
    bound: dict[str, str] = {}
    for node in walked:
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound[alias.asname or alias.name.partition(".")[0]] = alias.name if alias.asname else alias.name.partition(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    if not bound:
        return False
    exact, prefixes = _module_prefixes(tuple(sdk_modules))
    for node in walked:
        if isinstance(node, ast.Call):
            dotted = ast_dotted(node.func)
            if dotted is None:
                continue
            head, sep, rest = dotted.partition(".")
            if head in bound:
                qualified = bound[head] + sep + rest
                if qualified in exact or qualified.startswith(prefixes):
                    return True
    return False


def escape_walk(
    fn: ast.FunctionDef | ast.AsyncFunctionDef, silences: Callable[[ast.Try], bool]
) -> Iterable[tuple[ast.Call, bool]]:
    """*(rev 3)* The calls of a function that can **escape** it (RULES.md, *Names*: not inside a ``try`` whose
    broad handler does not re-raise, ``silences``), each with whether it sits in a nested function."""
    stack: list[tuple[ast.AST, bool]] = [(child, False) for child in reversed(fn.body)]
    while stack:
        node, nested = stack.pop()
        if isinstance(node, _TRY_TYPES):
            if not silences(node):
                stack.extend((s, nested) for s in reversed(node.body))
            for part in (node.handlers, node.orelse, node.finalbody):
                stack.extend((s, nested) for s in reversed(part))
            continue
        if isinstance(node, ast.Call):
            yield node, nested
        inner = nested or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        if isinstance(node, ast.ClassDef):
            continue
        stack.extend((child, inner) for child in reversed(ast_children(node)))


# -- libcst front end ------------------------------------------------------------------------


def local_clients_cst(fn: cst.CSTNode, model: ExternalModel, resolve_node: Callable[[cst.CSTNode], str | None]) -> set[str]:
    """Names bound to httpx clients inside a libcst function (nested defs included)."""
    names: set[str] = set()

    def builds(value: cst.CSTNode | None) -> bool:
        if isinstance(value, cst.Await):
            value = value.expression
        if not isinstance(value, cst.Call):
            return False
        return resolve_node(value.func) in HTTPX_CLIENT_TYPES or dotted_name(value.func) in model.client_getters

    def annotated(annotation: cst.BaseExpression | None) -> bool:
        """(rev 3) an annotation naming an httpx client type (``httpx.AsyncClient | None``, ``Optional[...]``)"""
        if annotation is None:
            return False
        if isinstance(annotation, (cst.Name, cst.Attribute)):
            return resolve_node(annotation) in HTTPX_CLIENT_TYPES
        if isinstance(annotation, cst.BinaryOperation):
            return annotated(annotation.left) or annotated(annotation.right)
        if isinstance(annotation, cst.Subscript):
            return any(isinstance(e.slice, cst.Index) and annotated(e.slice.value) for e in annotation.slice)
        if isinstance(annotation, cst.SimpleString):
            text = annotation.raw_value.replace(" ", "")
            return text.startswith(("httpx.AsyncClient", "httpx.Client"))
        return False

    def visit(node: cst.CSTNode) -> None:
        if isinstance(node, cst.Assign) and builds(node.value):
            names.update(d for d in (dotted_name(t.target) for t in node.targets) if d)
        elif isinstance(node, cst.AnnAssign) and (builds(node.value) or annotated(node.annotation.annotation)):
            d = dotted_name(node.target)
            if d:
                names.add(d)
        elif isinstance(node, cst.Param) and node.annotation is not None and annotated(node.annotation.annotation):
            names.add(node.name.value)
        elif isinstance(node, cst.WithItem) and node.asname is not None and builds(node.item):
            d = dotted_name(node.asname.name)
            if d:
                names.add(d)

    walk(fn, visit, lambda node: None)
    return names
