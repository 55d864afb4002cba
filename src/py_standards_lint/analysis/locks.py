"""Lock detection, shared by the caching and httpx lifecycle rules (PSL502, PSL403).

RULES.md: only a ``with`` / ``async with`` on a lock counts as holding one. A lock is

* a name (or ``self.x`` / ``cls.x`` attribute) bound anywhere in the module to a lock
  constructor (``asyncio.Lock()``, ``threading.Lock()``/``RLock()``, a ``Semaphore``,
  ``BoundedSemaphore`` or ``Condition`` of asyncio, threading or anyio), or annotated with
  one of those types (``_lock: asyncio.Lock | None = None``, ``lock: asyncio.Lock`` parameter);
* a name whose last component is named ``*lock*`` (``_client_lock``, ``self._lock``,
  ``CACHE_LOCK``), or a subscript of one (``_locks[key]``), or a call of a function so
  named (``self._lock_for(key)``) — but not ``clock``/``block`` words;
* a direct call of a lock constructor (``with threading.Lock():``).

A ``with`` on anything else (a DB session, ``asyncio.timeout()``, a client) is not a lock.

:class:`LockTracker` follows, during the engine's one traversal, which function body the
current node belongs to and which lock-holding ``with`` bodies enclose it *in that same
function* (a nested ``def`` inside ``async with lock:`` runs later, without the lock).
Rules create one in ``__init__`` and forward the engine's block events to it.
"""

from __future__ import annotations

import re

import libcst as cst

from py_standards_lint.base.fastwalk import child_nodes
from py_standards_lint.base.names import ModuleNames, dotted_name

LOCK_TYPES = frozenset(
    f"{module}.{cls}"
    for module in ("asyncio", "threading", "anyio", "multiprocessing")
    for cls in ("Lock", "RLock", "Semaphore", "BoundedSemaphore", "Condition", "CapacityLimiter")
) | frozenset({"asyncio.locks.Lock", "asyncio.locks.Semaphore", "asyncio.locks.Condition"})

_LOCK_WORD = re.compile(r"lock", re.IGNORECASE)
_NOT_LOCK_WORDS = re.compile(r"clock|block", re.IGNORECASE)


def named_like_lock(name: str) -> bool:
    """``_client_lock``, ``LOCK``, ``rlock``, ``lock_for`` — not ``clock``, ``blocked``."""
    return bool(_LOCK_WORD.search(_NOT_LOCK_WORDS.sub("", name)))


def annotation_types(node: cst.BaseExpression | None) -> list[cst.BaseExpression]:
    """The type expressions of an annotation: ``Lock | None`` -> [Lock, None]; ``Optional[Lock]`` too."""
    out: list[cst.BaseExpression] = []
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if isinstance(current, cst.BinaryOperation) and isinstance(current.operator, cst.BitOr):
            stack.extend((current.left, current.right))
        elif isinstance(current, cst.Subscript):
            out.append(current.value)
            for element in current.slice:
                if isinstance(element.slice, cst.Index):
                    stack.append(element.slice.value)
        elif isinstance(current, cst.SimpleString):
            try:
                stack.append(cst.parse_expression(current.evaluated_value))  # type: ignore[arg-type]  # "asyncio.Lock"; bytes raise
            except Exception:
                continue
        else:
            out.append(current)
    return out


class LockNames:
    """Names bound to locks in one module (flow-insensitive: a binding anywhere counts)."""

    def __init__(self, names: ModuleNames) -> None:
        self.names = names
        #: ``_lock``, ``self._lock``, ``cls._lock``
        self.bound: set[str] = set()
        #: attribute names bound to locks (``self._guard = Lock()``, class attribute ``_guard: Lock``),
        #: so ``holder._guard`` counts whatever the object is called
        self.attrs: set[str] = set()

    def is_lock_type(self, node: cst.BaseExpression | None) -> bool:
        return any(self.names.resolve(t) in LOCK_TYPES for t in annotation_types(node))

    def note_binding(self, target: cst.BaseExpression, value: cst.BaseExpression | None, annotation: cst.BaseExpression | None = None) -> None:
        """Record ``target = asyncio.Lock()`` / ``target: asyncio.Lock = ...``."""
        is_lock = (
            isinstance(value, cst.Call) and self.names.resolve(value.func) in LOCK_TYPES
        ) or (annotation is not None and self.is_lock_type(annotation))
        if not is_lock:
            return
        dotted = dotted_name(target)
        if dotted is not None:
            self.bound.add(dotted)
            self.attrs.add(dotted.rpartition(".")[2])

    def is_lock(self, expr: cst.BaseExpression) -> bool:
        """Is this ``with`` item expression a lock?"""
        if isinstance(expr, cst.Call):
            if self.names.resolve(expr.func) in LOCK_TYPES:
                return True
            return self._named_lock(expr.func)
        if isinstance(expr, cst.Subscript):  # _locks[key]
            return self._named_lock(expr.value) or dotted_name(expr.value) in self.bound
        dotted = dotted_name(expr)
        if dotted is None:
            return False
        if dotted in self.bound or self._named_lock(expr):
            return True
        return isinstance(expr, cst.Attribute) and expr.attr.value in self.attrs

    def _named_lock(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.Name):
            return named_like_lock(expr.value)
        if isinstance(expr, cst.Attribute):
            return named_like_lock(expr.attr.value)
        return False


class LockTracker:
    """Which function body we are in, and whether a lock ``with`` of that function encloses us.

    Feed it ``visit_FunctionDef``, ``visit_With``, ``visit_Param``, ``visit_Assign``,
    ``visit_AnnAssign`` and the block visit/leave events (``IndentedBlock`` and
    ``SimpleStatementSuite``). Bindings to locks are collected in a pre-scan of the whole
    module so that a lock defined below its first use still counts.
    """

    def __init__(self, module: cst.Module, names: ModuleNames) -> None:
        self.locks = LockNames(names)
        self._functions: dict[int, cst.FunctionDef] = {}  # body id -> def
        self._lock_bodies: set[int] = set()
        #: entered function bodies (innermost last), each with the lock depth inside it
        self._stack: list[tuple[cst.FunctionDef | None, int]] = [(None, 0)]
        self._prescan(module)

    # -- queries -----------------------------------------------------------------------
    @property
    def function(self) -> cst.FunctionDef | None:
        """The function whose body holds the current node (``None`` at module/class level)."""
        return self._stack[-1][0]

    @property
    def holds_lock(self) -> bool:
        """Is the current node inside a ``with <lock>:`` body of the current function?"""
        return self._stack[-1][1] > 0

    # -- events ------------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions[id(node.body)] = node

    def visit_With(self, node: cst.With) -> None:
        if any(self.locks.is_lock(item.item) for item in node.items):
            self._lock_bodies.add(id(node.body))

    def visit_block(self, node: cst.CSTNode) -> None:
        fn = self._functions.get(id(node))
        if fn is not None:
            self._stack.append((fn, 0))
        elif id(node) in self._lock_bodies:
            current, depth = self._stack[-1]
            self._stack[-1] = (current, depth + 1)

    def leave_block(self, node: cst.CSTNode) -> None:
        if id(node) in self._functions:
            self._stack.pop()
            del self._functions[id(node)]
        elif id(node) in self._lock_bodies:
            current, depth = self._stack[-1]
            self._stack[-1] = (current, depth - 1)

    # -- pre-scan ------------------------------------------------------------------------
    def _prescan(self, module: cst.Module) -> None:
        stack: list[cst.CSTNode] = [module]
        while stack:
            node = stack.pop()
            if isinstance(node, cst.Assign):
                for target in node.targets:
                    self.locks.note_binding(target.target, node.value)
            elif isinstance(node, cst.AnnAssign):
                self.locks.note_binding(node.target, node.value, node.annotation.annotation)
            elif isinstance(node, cst.Param) and node.annotation is not None:
                self.locks.note_binding(node.name, None, node.annotation.annotation)
            elif isinstance(node, cst.BaseExpression) and not isinstance(node, cst.Lambda):
                continue  # expressions hold no bindings (walrus-bound locks are not supported)
            stack.extend(child_nodes(node))  # not .children: see base/fastwalk.py


__all__ = ["LOCK_TYPES", "LockNames", "LockTracker", "annotation_types", "named_like_lock"]


class TracksLocks:
    """Mixin for rules that need to know whether a point sits inside a ``with <lock>:`` of its
    own function: creates ``self.locks`` and keeps it up to date from the traversal."""

    locks: LockTracker

    def __init__(self, ctx) -> None:
        super().__init__(ctx)  # type: ignore[call-arg]
        self.locks = LockTracker(ctx.module, ctx.names)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.locks.visit_FunctionDef(node)

    def visit_With(self, node: cst.With) -> None:
        self.locks.visit_With(node)

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.locks.visit_block(node)

    def leave_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.locks.leave_block(node)

    visit_SimpleStatementSuite = visit_IndentedBlock
    leave_SimpleStatementSuite = leave_IndentedBlock
