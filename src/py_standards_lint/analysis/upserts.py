"""Following SQLAlchemy insert statements through chained calls and local variables.

Upsert rules (family 7) need to know where the receiver of ``.on_conflict_do_update(...)``
comes from::

    stmt = pg_insert(Progress).values(user_id=uid, step_id=sid)
    stmt = stmt.on_conflict_do_update(index_elements=[...], set_={...})

:class:`StatementTracker` is a mixin for rules: it records, in source order and per
function scope, which names are bound to an insert statement (``insert(...)`` resolved
through the import map to ``sqlalchemy.insert`` or a dialect insert, possibly followed by
generative methods such as ``.values(...)``/``.returning(...)``), and :meth:`origin`
answers for an expression. A binding is recorded when the assignment is *left*, so
``stmt = stmt.on_conflict_do_update(...)`` still sees the previous ``stmt`` on its right.
Anything else (parameters, loop targets, unknown calls) has no origin: rules stay silent.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from py_standards_lint.analysis.context import FileContext
from py_standards_lint.base.names import LOCAL, ModuleNames

GENERIC_INSERTS = frozenset(
    {
        "sqlalchemy.insert",
        "sqlalchemy.sql.insert",
        "sqlalchemy.sql.expression.insert",
        "sqlalchemy.sql.dml.insert",
    }
)
DIALECTS = ("postgresql", "sqlite", "mysql")
DIALECT_INSERTS: dict[str, str] = {
    f"sqlalchemy.dialects.{dialect}{sub}.insert": dialect for dialect in DIALECTS for sub in ("", ".dml")
}
GENERIC = "generic"

#: methods of an Insert that return the (modified) insert statement
GENERATIVE = frozenset(
    {
        "values",
        "returning",
        "on_conflict_do_update",
        "on_conflict_do_nothing",
        "on_duplicate_key_update",
        "prefix_with",
        "suffix_with",
        "with_dialect_options",
        "execution_options",
        "inline",
        "from_select",
        "return_defaults",
        "add_cte",
        "with_hint",
        "params",
    }
)


@dataclass(frozen=True)
class InsertOrigin:
    """The ``insert(...)`` call a statement starts from."""

    call: cst.Call
    #: ``"generic"`` (``sqlalchemy.insert``) or the dialect (``"postgresql"``, ``"sqlite"``, ``"mysql"``)
    kind: str

    @property
    def is_generic(self) -> bool:
        return self.kind == GENERIC

    @property
    def target(self) -> cst.BaseExpression | None:
        """The table or model the insert targets (first positional argument or ``table=``)."""
        for arg in self.call.args:
            if arg.keyword is None and not arg.star:
                return arg.value
            if arg.keyword is not None and arg.keyword.value == "table":
                return arg.value
        return None


def keyword(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def has_star_args(call: cst.Call) -> bool:
    return any(arg.star for arg in call.args)


def is_dict_call(value: cst.BaseExpression, names: ModuleNames) -> bool:
    """``dict(...)``, the builtin (not a local function named ``dict``)."""
    return isinstance(value, cst.Call) and names.resolve(value.func) == "builtins.dict"


def is_empty_dict(value: cst.BaseExpression, names: ModuleNames) -> bool:
    if isinstance(value, cst.Dict):
        return not value.elements
    return is_dict_call(value, names) and not value.args  # type: ignore[attr-defined]


#: a name's possible values are a frozenset of InsertOrigin, ``None`` standing for anything else
UNKNOWN: frozenset = frozenset({None})


class _Scope:
    __slots__ = ("kind", "names", "branch_depth")

    def __init__(self, kind: str, names: dict[str, frozenset] | None = None) -> None:
        self.kind = kind
        self.names: dict[str, frozenset] = names or {}
        #: how many blocks that may not run (loop bodies, except handlers, match cases) enclose this point
        self.branch_depth = 0


class StatementTracker:
    """Mixin for a :class:`~py_standards_lint.analysis.rule.Rule`: insert statements bound to local names.

    Scopes: the module, then one per ``def``; a class body gets its own scope that its
    methods do not see. Lookups go from the innermost scope outwards (closures). A binding
    at the top of a scope replaces what the name held; a binding inside a branch (``if``,
    a loop, ``try``, ``match``) adds to it, since the earlier value survives when the branch
    is not taken: a name then holds several possible origins, and rules decide only when all
    of them agree.
    """

    def _scopes(self) -> list[_Scope]:
        scopes = self.__dict__.get("_tracker_scopes")
        if scopes is None:
            scopes = self.__dict__["_tracker_scopes"] = [_Scope("module")]
        return scopes

    # -- scope maintenance -------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        params = node.params
        names: dict[str, frozenset] = {}
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            names[param.name.value] = UNKNOWN  # a parameter shadows outer names
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                names[star.name.value] = UNKNOWN
        self._scopes().append(_Scope("function", names))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._scopes().pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._scopes().append(_Scope("class"))

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self._scopes().pop()

    # a block that may not run: if/else bodies, loop bodies and their else, except handlers and
    # try's else, match cases (a test, a loop's iterable and a try body always run)
    def _branches(self) -> set[int]:
        blocks = self.__dict__.get("_tracker_branches")
        if blocks is None:
            blocks = self.__dict__["_tracker_branches"] = set()
        return blocks

    def _mark(self, *suites: object) -> None:
        for suite in suites:
            if isinstance(suite, cst.Else):
                suite = suite.body
            if isinstance(suite, cst.BaseSuite):
                self._branches().add(id(suite))

    # if/elif/else: each branch starts from the state before the `if`; afterwards a name holds
    # what either branch left (a branch that did not bind it leaves what it held before)
    def _if_frames(self) -> list[list]:
        frames = self.__dict__.get("_tracker_ifs")
        if frames is None:
            frames = self.__dict__["_tracker_ifs"] = []
        return frames

    def visit_If(self, node: cst.If) -> None:
        scope = self._scopes()[-1]
        self._if_frames().append([node, scope, {}, None])  # [if, scope, state before the body, state after it]

    def _leave_if_body(self, node: cst.BaseSuite) -> None:
        frames = self._if_frames()
        if frames and frames[-1][0].body is node:
            frame = frames[-1]
            scope = frame[1]
            frame[3] = scope.names
            scope.names = dict(frame[2])  # the else branch starts from the state before the if

    def leave_If(self, node: cst.If) -> None:
        frames = self._if_frames()
        if not frames or frames[-1][0] is not node:
            return
        _, scope, _, taken = frames.pop()
        if taken is None:
            return
        other = scope.names
        merged: dict[str, frozenset] = {}
        for name in set(taken) | set(other):
            merged[name] = taken.get(name, UNKNOWN) | other.get(name, UNKNOWN)
        scope.names = merged

    def visit_While(self, node: cst.While) -> None:
        self._mark(node.body, node.orelse)

    def visit_Try(self, node: cst.Try) -> None:
        self._mark(*(handler.body for handler in node.handlers), node.orelse)

    visit_TryStar = visit_Try

    def visit_MatchCase(self, node: cst.MatchCase) -> None:
        self._mark(node.body)

    def visit_For(self, node: cst.For) -> None:
        self._mark(node.body, node.orelse)
        self._bind(node.target, UNKNOWN)

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        if id(node) in self._branches():
            self._scopes()[-1].branch_depth += 1
        frames = self._if_frames()
        if frames and frames[-1][0].body is node:  # after the test (which always runs)
            frames[-1][2] = dict(frames[-1][1].names)

    def leave_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        if id(node) in self._branches():
            self._scopes()[-1].branch_depth -= 1
        self._leave_if_body(node)

    visit_SimpleStatementSuite = visit_IndentedBlock
    leave_SimpleStatementSuite = leave_IndentedBlock

    # -- bindings ----------------------------------------------------------------
    def leave_Assign(self, node: cst.Assign) -> None:
        origins = self.origins(node.value)
        for target in node.targets:
            self._bind(target.target, origins)

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind(node.target, self.origins(node.value))

    def leave_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind(node.target, self.origins(node.value))

    def leave_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind(node.target, UNKNOWN)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind(node.asname.name, UNKNOWN)

    def _bind(self, target: cst.BaseExpression, origins: frozenset) -> None:
        scope = self._scopes()[-1]
        if isinstance(target, cst.Name):
            name = target.value
            if scope.branch_depth and name in scope.names:
                scope.names[name] = scope.names[name] | origins
            elif scope.branch_depth:
                scope.names[name] = origins | UNKNOWN  # unbound (or an outer value) when not taken
            else:
                scope.names[name] = origins
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind(element.value, UNKNOWN)
        elif isinstance(target, cst.StarredElement):
            self._bind(target.value, UNKNOWN)

    def _lookup(self, name: str) -> frozenset:
        scopes = self._scopes()
        for i in range(len(scopes) - 1, -1, -1):
            scope = scopes[i]
            if scope.kind == "class" and i != len(scopes) - 1:
                continue  # a class body's names are not visible in its methods
            if name in scope.names:
                return scope.names[name]
        return UNKNOWN

    # -- queries -----------------------------------------------------------------
    def insert_kind(self, func: cst.BaseExpression) -> str | None:
        """``"generic"``, a dialect name, or ``None`` when ``func`` is not an insert function."""
        qualified = self.ctx.names.resolve(func)  # type: ignore[attr-defined]
        if qualified is None:
            return None
        if qualified in GENERIC_INSERTS:
            return GENERIC
        return DIALECT_INSERTS.get(qualified)

    def origins(self, expr: cst.BaseExpression | None) -> frozenset:
        """The insert calls ``expr`` may evaluate to (through chains and local names); ``None``
        among them for "something else"."""
        for _ in range(100):  # chains are short; bounded anyway
            if isinstance(expr, cst.Name):
                return self._lookup(expr.value)
            if not isinstance(expr, cst.Call):
                return UNKNOWN
            kind = self.insert_kind(expr.func)
            if kind is not None:
                return frozenset({InsertOrigin(expr, kind)})
            func = expr.func
            if isinstance(func, cst.Attribute) and func.attr.value in GENERATIVE:
                expr = func.value
                continue
            return UNKNOWN
        return UNKNOWN

    def receiver_origins(self, call: cst.Call) -> list[InsertOrigin] | None:
        """For ``<receiver>.method(...)``: every insert the receiver may be, or ``None`` when it may
        also be something else (or cannot be told)."""
        func = call.func
        if not isinstance(func, cst.Attribute):
            return None
        found = self.origins(func.value)
        if not found or None in found:
            return None
        return list(found)


# -- the insert's target model -------------------------------------------------------------


def target_columns(ctx: FileContext, target: cst.BaseExpression | None) -> set[str] | None:
    """Columns declared by an insert's target — a mapped class (with its bases, e.g. a timestamp
    mixin) or a ``Table(...)`` — resolved through the import map and the project index;
    ``None`` when the target cannot be resolved."""
    if target is None:
        return None
    if isinstance(target, cst.Attribute) and target.attr.value == "__table__":
        target = target.value  # Model.__table__ has the model's columns
    qualified = ctx.names.resolve(target)
    if qualified is None:
        return None
    if qualified.startswith(LOCAL + "."):
        qualified = f"{ctx.module_name}.{qualified[len(LOCAL) + 1:]}"
    index = ctx.index
    for _ in range(10):  # follow re-exports (``from app.models import Progress`` in a package)
        module, _, name = qualified.rpartition(".")
        own = ctx.summary if module == ctx.module_name else None
        summary = own if own is not None else (index.module(module) if index is not None else None)
        if summary is None:
            return None
        if name in summary.tables:
            return set(summary.tables[name])
        cls = summary.classes.get(name)
        if cls is not None:
            break
        binding = summary.imports.bindings.get(name)
        if binding is None or binding.startswith(LOCAL + ".") or binding == qualified:
            return None
        qualified = binding
    else:
        return None
    columns = set(cls.columns)
    if index is not None:
        for base in index.bases(qualified):
            base_cls = index.class_(base)
            if base_cls is not None:
                columns |= base_cls.columns
    if own is not None:  # bases defined in this module, as the checked source has them
        stack = list(cls.bases)
        seen: set[str] = set()
        while stack:
            base = stack.pop()
            if base in seen or not base.startswith(ctx.module_name + "."):
                continue
            seen.add(base)
            base_cls = own.classes.get(base[len(ctx.module_name) + 1 :])
            if base_cls is not None:
                columns |= base_cls.columns
                stack.extend(base_cls.bases)
    return columns
