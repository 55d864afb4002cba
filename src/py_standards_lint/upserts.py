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
from typing import TYPE_CHECKING

import libcst as cst

from .names import LOCAL, ModuleNames

if TYPE_CHECKING:
    from .context import FileContext

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


class StatementTracker:
    """Mixin for a :class:`~py_standards_lint.rule.Rule`: insert statements bound to local names.

    Scopes: the module, then one per ``def``; a class body gets its own scope that its
    methods do not see. Lookups go from the innermost scope outwards (closures).
    """

    def _scopes(self) -> list[tuple[str, dict[str, InsertOrigin | None]]]:
        scopes = self.__dict__.get("_tracker_scopes")
        if scopes is None:
            scopes = self.__dict__["_tracker_scopes"] = [("module", {})]
        return scopes

    # -- scope maintenance -------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        scope: dict[str, InsertOrigin | None] = {}
        params = node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            scope[param.name.value] = None  # a parameter shadows outer names
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                scope[star.name.value] = None
        self._scopes().append(("function", scope))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._scopes().pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._scopes().append(("class", {}))

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self._scopes().pop()

    # -- bindings ----------------------------------------------------------------
    def leave_Assign(self, node: cst.Assign) -> None:
        origin = self.origin(node.value)
        for target in node.targets:
            self._bind(target.target, origin)

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind(node.target, self.origin(node.value))

    def leave_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind(node.target, self.origin(node.value))

    def leave_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind(node.target, None)

    def visit_For(self, node: cst.For) -> None:
        self._bind(node.target, None)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind(node.asname.name, None)

    def _bind(self, target: cst.BaseExpression, origin: InsertOrigin | None) -> None:
        scope = self._scopes()[-1][1]
        if isinstance(target, cst.Name):
            scope[target.value] = origin
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind(element.value, None)
        elif isinstance(target, cst.StarredElement):
            self._bind(target.value, None)

    def _lookup(self, name: str) -> InsertOrigin | None:
        scopes = self._scopes()
        for i in range(len(scopes) - 1, -1, -1):
            kind, scope = scopes[i]
            if kind == "class" and i != len(scopes) - 1:
                continue  # a class body's names are not visible in its methods
            if name in scope:
                return scope[name]
        return None

    # -- queries -----------------------------------------------------------------
    def insert_kind(self, func: cst.BaseExpression) -> str | None:
        """``"generic"``, a dialect name, or ``None`` when ``func`` is not an insert function."""
        qualified = self.ctx.names.resolve(func)  # type: ignore[attr-defined]
        if qualified is None:
            return None
        if qualified in GENERIC_INSERTS:
            return GENERIC
        return DIALECT_INSERTS.get(qualified)

    def origin(self, expr: cst.BaseExpression | None) -> InsertOrigin | None:
        """The insert call ``expr`` evaluates to (through chains and local names), else ``None``."""
        for _ in range(100):  # chains are short; bounded anyway
            if expr is None:
                return None
            if isinstance(expr, cst.Name):
                return self._lookup(expr.value)
            if not isinstance(expr, cst.Call):
                return None
            kind = self.insert_kind(expr.func)
            if kind is not None:
                return InsertOrigin(expr, kind)
            func = expr.func
            if isinstance(func, cst.Attribute) and func.attr.value in GENERATIVE:
                expr = func.value
                continue
            return None
        return None

    def receiver_origin(self, call: cst.Call) -> InsertOrigin | None:
        """For ``<receiver>.method(...)``: the receiver's insert origin."""
        func = call.func
        if isinstance(func, cst.Attribute):
            return self.origin(func.value)
        return None


# -- the insert's target model -------------------------------------------------------------


def target_columns(ctx: "FileContext", target: cst.BaseExpression | None) -> set[str] | None:
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
