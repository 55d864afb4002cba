"""DB session detection (RULES.md, *Names*), shared by PSL105 and PSL107.

A **DB session** is a name annotated ``AsyncSession``/``Session`` (directly, inside
``Annotated[...]``, ``Optional[...]`` or a ``X | None`` union) or with a configured
session alias (``session-aliases``, default ``DbSession``, ``DbSessionReadOnly``); a name
bound by ``async with <sessionmaker>() as s`` / ``s = <sessionmaker>()`` (a module-level
``async_sessionmaker(...)``/``sessionmaker(...)`` of this module or, through the project
index, of another), or by ``AsyncSession(engine)``; or one of ``session-names`` (default
``db``, ``session``, ``db_session``), also as ``self.<name>``, unless the function binds that
name to something else (a parameter with a non-session annotation, ``session = request.session``).

Only a plain name (or ``self.x``/``cls.x``) is ever a session: ``request.session.get(...)``
and ``@router.get(...)`` are not session calls.

Rules own a :class:`SessionTracker` and forward ``visit_FunctionDef``/``leave_FunctionDef``,
``visit_WithItem`` and ``visit_Assign`` to it.
"""

from __future__ import annotations

import builtins

import libcst as cst

from py_standards_lint.analysis.context import FileContext
from py_standards_lint.base.known import SESSION_FACTORIES
from py_standards_lint.base.names import dotted_name, iter_toplevel, string_value

SESSION_TYPES = frozenset(
    {
        "sqlalchemy.ext.asyncio.AsyncSession",
        "sqlalchemy.ext.asyncio.session.AsyncSession",
        "sqlalchemy.orm.Session",
        "sqlalchemy.orm.session.Session",
        "sqlmodel.Session",
        "sqlmodel.ext.asyncio.session.AsyncSession",
    }
)
#: SQLAlchemy statement builders (a route or service building SQL itself)
QUERY_BUILDERS = frozenset(
    {
        *(f"{m}.{b}" for m in ("sqlalchemy", "sqlalchemy.sql", "sqlalchemy.sql.expression") for b in ("select", "insert", "update", "delete", "text")),
        "sqlalchemy.future.select",
        "sqlalchemy.dialects.postgresql.insert",
        "sqlalchemy.dialects.postgresql.dml.insert",
        "sqlalchemy.dialects.mysql.insert",
        "sqlalchemy.dialects.sqlite.insert",
        "sqlmodel.select",
    }
)
UNION_WRAPPERS = frozenset({"typing.Optional", "typing.Union", "typing.Annotated"})


class SessionTracker:
    """Which names mean a DB session at the current point of the traversal."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.aliases = frozenset(ctx.settings["session-aliases"])
        self.names = frozenset(ctx.settings["session-names"])
        #: per enclosing function: the session names bound there (inherited by nested defs)
        self.stack: list[set[str]] = [set()]
        #: per enclosing function: configured session names bound to something else there
        #: (``db: Database`` with an explicit non-session annotation, ``session = request.session``)
        self.not_sessions: list[set[str]] = [set()]
        self.local_factories = self._module_factories()

    # -- what is a session ---------------------------------------------------------------
    def is_session_annotation(self, node: cst.BaseExpression | None) -> bool:
        return self.annotation_kind(node) is True

    def annotation_kind(self, node: cst.BaseExpression | None) -> bool | None:
        """``True`` for a session type (SQLAlchemy's/SQLModel's, a configured alias, or a project name
        resolving to one: RULES.md, *Names*), ``False`` for an annotation that resolves to something else,
        ``None`` when the resolver cannot decide (which never turns a ``session-names`` name into a
        non-session)."""
        if node is None:
            return None
        if isinstance(node, (cst.Name, cst.Attribute)):
            dotted = dotted_name(node) or ""
            if dotted.split(".")[-1] in self.aliases:
                return True
            if dotted == "None":
                return False
            resolved = self.ctx.resolve(node)
            if resolved is None:
                if isinstance(node, cst.Name) and node.value in _BUILTIN_NAMES and node.value not in self.ctx.names.imports.bindings:
                    return False  # ``str``, ``object``: a builtin
                return None
            resolver = self.ctx.resolver
            if resolved in SESSION_TYPES or (resolver is not None and resolver.derives(resolved, SESSION_TYPES)):
                return True
            return False
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            text = string_value(node)
            if text is None:
                return None
            try:
                return self.annotation_kind(cst.parse_expression(text))
            except cst.ParserSyntaxError:
                return None
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
            return _any_of([self.annotation_kind(node.left), self.annotation_kind(node.right)])
        if isinstance(node, cst.Subscript):
            wrapper = self.ctx.resolve(node.value)
            if wrapper is None:
                return None
            if wrapper not in UNION_WRAPPERS:
                # ``dict[str, str]``; a project generic alias of a session (rare) is still a session
                kind = self.annotation_kind(node.value)
                return None if kind is None else kind
            elements = [e.slice.value for e in node.slice if isinstance(e.slice, cst.Index)]
            if wrapper == "typing.Annotated":
                elements = elements[:1]
            return _any_of([self.annotation_kind(e) for e in elements])
        return None

    def is_factory_call(self, node: cst.BaseExpression | None) -> bool:
        """``SessionLocal()`` (a session factory) or ``AsyncSession(engine)``."""
        if isinstance(node, cst.Await):
            node = node.expression
        if not isinstance(node, cst.Call):
            return False
        if isinstance(node.func, cst.Name) and node.func.value in self.local_factories:
            return True
        qualified = self.ctx.resolve(node.func)  # across the project: re-exports, aliases, subclasses
        resolver = self.ctx.resolver
        if qualified is None or resolver is None:
            return False
        if resolver.derives(qualified, SESSION_TYPES):
            return True  # ``AsyncSession(engine)``, or a project subclass's
        return resolver.instance_of(qualified) in SESSION_FACTORIES  # ``SessionLocal = async_sessionmaker(...)``

    def is_session(self, node: cst.BaseExpression | None) -> bool:
        """Is this receiver expression a DB session here?"""
        if isinstance(node, cst.Name):
            if node.value in self.stack[-1]:
                return True
            return node.value in self.names and node.value not in self.not_sessions[-1]
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value in ("self", "cls"):
            return node.attr.value in self.names
        return False

    # -- traversal hooks --------------------------------------------------------------------
    def enter_function(self, node: cst.FunctionDef) -> None:
        current = set(self.stack[-1])
        excluded = set(self.not_sessions[-1])
        p = node.params
        for param in (*p.posonly_params, *p.params, *p.kwonly_params):
            name = param.name.value
            annotation = param.annotation.annotation if param.annotation is not None else None
            kind = self.annotation_kind(annotation)
            if kind is True:
                current.add(name)
                excluded.discard(name)
            else:
                current.discard(name)  # shadowed by a parameter that is no session
                if kind is False:
                    excluded.add(name)  # `session: dict`: explicitly something else
                else:
                    excluded.discard(name)  # unannotated, or an annotation nothing can decide
        self.stack.append(current)
        self.not_sessions.append(excluded)

    def leave_function(self) -> None:
        self.stack.pop()
        self.not_sessions.pop()

    def with_item(self, node: cst.WithItem) -> None:
        if node.asname is not None and isinstance(node.asname.name, cst.Name) and self.is_factory_call(node.item):
            self.stack[-1].add(node.asname.name.value)
            self.not_sessions[-1].discard(node.asname.name.value)

    def assign(self, node: cst.Assign | cst.AnnAssign) -> None:
        if isinstance(node, cst.AnnAssign):
            targets = [node.target]
            is_session = self.is_session_annotation(node.annotation.annotation) or self.is_factory_call(node.value)
        else:
            targets = [t.target for t in node.targets]
            is_session = self.is_factory_call(node.value)
        if len(self.stack) == 1:
            return  # module level: a module-level `session = ...` says nothing inside functions
        for target in targets:
            if not isinstance(target, cst.Name):
                continue
            if is_session:
                self.stack[-1].add(target.value)
                self.not_sessions[-1].discard(target.value)
            else:  # `session = request.session`: rebound to something that is no session
                self.stack[-1].discard(target.value)
                self.not_sessions[-1].add(target.value)

    def _module_factories(self) -> set[str]:
        found: set[str] = set()
        for stmt, _ in iter_toplevel(self.ctx.module.body, self.ctx.names.imports):
            if isinstance(stmt, cst.Assign) and isinstance(stmt.value, cst.Call):
                if self.ctx.names.resolve(stmt.value.func) in SESSION_FACTORIES:
                    found.update(t.target.value for t in stmt.targets if isinstance(t.target, cst.Name))
        return found


def is_query_builder(ctx: FileContext, call: cst.Call) -> bool:
    """A SQLAlchemy statement builder, also through a project module that re-exports it
    (``from app.kit import sql; sql.select(...)``)."""
    return ctx.resolve(call.func) in QUERY_BUILDERS


def _any_of(kinds: list[bool | None]) -> bool | None:
    """A union: a session if any member is one, not one if every member is decided not to be."""
    if True in kinds:
        return True
    return False if kinds and all(k is False for k in kinds) else None


_BUILTIN_NAMES = frozenset(dir(builtins))


class SessionAware:
    """Mixin for rules: keeps ``self.sessions`` (a :class:`SessionTracker`) in step with the traversal."""

    ctx: FileContext

    @property
    def sessions(self) -> SessionTracker:
        tracker = self.__dict__.get("_sessions")
        if tracker is None:
            tracker = self.__dict__["_sessions"] = SessionTracker(self.ctx)
        return tracker

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.sessions.enter_function(node)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.sessions.leave_function()

    def visit_WithItem(self, node: cst.WithItem) -> None:
        self.sessions.with_item(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        self.sessions.assign(node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self.sessions.assign(node)
