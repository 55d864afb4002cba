"""Per-file state shared by all rules during the one traversal.

The engine keeps the context stacks here (pushed before the rules' ``visit_*``,
popped after their ``leave_*``), so no rule re-derives where it is:

* ``functions``: :class:`FunctionFrame` per enclosing ``def`` (innermost last);
* ``classes``: enclosing ``class`` nodes;
* ``handlers``: enclosing ``except`` handlers (their bodies), across functions;
  :meth:`FileContext.current_handlers` gives those of the innermost function only;
* ``type_checking``: depth of ``if TYPE_CHECKING:`` blocks;
* ``statements``: the enclosing simple statement / decorator, for ``# noqa`` spans.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Protocol, TypeVar

import libcst as cst

from py_standards_lint.analysis import index as index_mod
from py_standards_lint.analysis.index import ModuleSummary, ProjectIndex
from py_standards_lint.base.finding import Fix
from py_standards_lint.base.names import ModuleNames, dotted_name, is_type_checking_test
from py_standards_lint.base.settings import Settings

_Model = TypeVar("_Model")


class Reporter(Protocol):
    """What a report keeps of the rule that made it (a ``Rule``, defined above this module: rule.py)."""

    @property
    def code(self) -> str: ...

    @property
    def name(self) -> str: ...


@dataclass
class FunctionFrame:
    node: cst.FunctionDef
    #: the class whose body directly holds this def (a method), else None
    owner: cst.ClassDef | None
    #: len(ctx.handlers) when the def was entered
    handler_depth: int

    @property
    def name(self) -> str:
        return self.node.name.value

    @property
    def is_async(self) -> bool:
        return self.node.asynchronous is not None

    @cached_property
    def globals(self) -> frozenset[str]:
        """Names declared ``global`` in this function's own body (not nested defs)."""
        found: set[str] = set()
        stack: list[cst.CSTNode] = [self.node.body]
        while stack:
            node = stack.pop()
            if isinstance(node, cst.Global):
                found.update(item.name.value for item in node.names)
                continue
            if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                continue
            if isinstance(node, cst.BaseExpression):
                continue
            stack.extend(_statement_children(node))
        return frozenset(found)


def _statement_children(node: cst.CSTNode) -> list[cst.CSTNode]:
    out: list[cst.CSTNode] = []
    for name in ("body", "orelse", "handlers", "finalbody", "cases"):
        value = getattr(node, name, None)
        if value is None:
            continue
        if isinstance(value, cst.CSTNode):
            out.append(value)
        elif isinstance(value, (list, tuple)):
            out.extend(v for v in value if isinstance(v, cst.CSTNode))
    return out


@dataclass
class Report:
    rule: Reporter
    node: cst.CSTNode
    message: str
    fix: Fix | None
    statement: cst.CSTNode | None
    #: (line delta from the node's start, 1-based column): a point inside the node (a docstring line)
    offset: tuple[int, int] | None = None


@dataclass
class FileContext:
    path: str  # as given / displayed
    relpath: str  # POSIX, relative to the project root
    module_name: str
    layer: str | None
    settings: Settings
    module: cst.Module
    names: ModuleNames
    index: ProjectIndex | None = None
    metadata: dict[type, Any] = field(default_factory=dict)
    #: the file's source as given (bytes read from disk, or text from flake8)
    source: bytes | str = b""

    functions: list[FunctionFrame] = field(default_factory=list)
    classes: list[cst.ClassDef] = field(default_factory=list)
    handlers: list[cst.ExceptHandler] = field(default_factory=list)
    statements: list[cst.CSTNode] = field(default_factory=list)
    type_checking: int = 0
    reports: list[Report] = field(default_factory=list)
    _scope_order: list[str] = field(default_factory=list, repr=False)
    _tc_blocks: set[int] = field(default_factory=set, repr=False)
    _resolved: dict[str, str | None] = field(default_factory=dict, repr=False)
    #: the shared models built for this file (loggers, routes), by builder: see :meth:`model`
    _models: dict[Callable[..., Any], Any] = field(default_factory=dict, repr=False)

    # -- queries ---------------------------------------------------------------
    @property
    def function(self) -> FunctionFrame | None:
        return self.functions[-1] if self.functions else None

    def current_handlers(self) -> list[cst.ExceptHandler]:
        """Except handlers enclosing this point within the innermost function."""
        depth = self.functions[-1].handler_depth if self.functions else 0
        return self.handlers[depth:]

    def get_metadata(self, provider: type, node: cst.CSTNode, default: Any = None) -> Any:
        return self.metadata.get(provider, {}).get(node, default)

    def model(self, build: Callable[[FileContext], _Model]) -> _Model:
        """The shared model ``build`` makes of this file, built once, when a rule first asks (the models
        live above this module: ``loggers.logger_bindings(ctx)``, ``routes.route_model(ctx)``)."""
        models = self._models
        if build not in models:
            models[build] = build(self)
        return models[build]

    @cached_property
    def summary(self) -> ModuleSummary | None:
        """This module's index summary (``index.ModuleSummary``), from the source being checked
        (not from disk: stdin and editor buffers differ); ``None`` if ``ast`` cannot parse it."""
        return index_mod.summarize(self.source, self.relpath, self.settings)  # looked up when used: tests wrap it

    # -- names across the project (RULES.md, *Names*) ---------------------------------------
    @cached_property
    def resolver(self) -> ProjectIndex | None:
        """The project index (or, without one, an index of this module alone), for :meth:`resolve`."""
        if self.index is not None:
            return self.index
        summary = self.summary
        if summary is None:
            return None
        return ProjectIndex(Path("."), {summary.name: summary})

    def resolve(self, node: cst.CSTNode | None) -> str | None:
        """What a Name/Attribute expression refers to, across the project (``index.ProjectIndex.resolve``):
        the canonical external name or the project class/function/module/instance; ``None`` if unknown."""
        dotted = dotted_name(node)
        if dotted is None:
            return None
        memo = self._resolved
        if dotted in memo:
            return memo[dotted]
        resolver, summary = self.resolver, self.summary
        if resolver is None or summary is None:
            found = self.names.imports.resolve_dotted(dotted)
            result = None if found is None or found.startswith("<") else found
        else:
            result = resolver.resolve_in(summary, dotted)
        memo[dotted] = result
        return result

    def produces(self, call: cst.CSTNode | None) -> str | None:
        """What a call expression makes (``index.ProjectIndex.produces``): a class, or an external factory's name."""
        if not isinstance(call, cst.Call) or self.resolver is None:
            return None
        return self.resolver.produces(self.resolve(call.func))

    def instance_of(self, node: cst.CSTNode | None) -> str | None:
        """For a name bound at module level (here or in another project module) to a call: what it makes."""
        resolved = self.resolve(node)
        return self.resolver.instance_of(resolved) if resolved is not None and self.resolver is not None else None

    def derives(self, node: cst.CSTNode | None, targets: frozenset[str] | set[str] | tuple[str, ...]) -> bool:
        """Does the expression name one of ``targets`` or a project class deriving from one?"""
        resolved = self.resolve(node)
        return resolved is not None and self.resolver is not None and self.resolver.derives(resolved, targets)

    # -- reporting -------------------------------------------------------------
    def add_report(
        self, rule: Reporter, node: cst.CSTNode, message: str, fix: Fix | None, offset: tuple[int, int] | None = None
    ) -> None:
        statement = self.statements[-1] if self.statements else None
        self.reports.append(Report(rule, node, message, fix, statement, offset))

    # -- stack maintenance (called by the engine) ---------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        owner = None
        if self.classes and (not self.functions or self._class_is_innermost()):
            owner = self.classes[-1]
        self.functions.append(FunctionFrame(node, owner, len(self.handlers)))
        self._scope_order.append("f")

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.pop()
        self._scope_order.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.append(node)
        self._scope_order.append("c")

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.pop()
        self._scope_order.pop()

    def _class_is_innermost(self) -> bool:
        return bool(self._scope_order) and self._scope_order[-1] == "c"

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self.handlers.append(node)

    def leave_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self.handlers.pop()

    visit_ExceptStarHandler = visit_ExceptHandler
    leave_ExceptStarHandler = leave_ExceptHandler

    def visit_If(self, node: cst.If) -> None:
        # only the body of `if TYPE_CHECKING:` counts, not its `else:`
        if is_type_checking_test(node.test, self.names.imports):
            self._tc_blocks.add(id(node.body))

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        if id(node) in self._tc_blocks:
            self.type_checking += 1

    def leave_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        if id(node) in self._tc_blocks:
            self.type_checking -= 1

    visit_SimpleStatementSuite = visit_IndentedBlock
    leave_SimpleStatementSuite = leave_IndentedBlock

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self.statements.append(node)

    def leave_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self.statements.pop()

    visit_Decorator = visit_SimpleStatementLine
    leave_Decorator = leave_SimpleStatementLine


__all__ = ["FileContext", "FunctionFrame", "Report", "Path"]
