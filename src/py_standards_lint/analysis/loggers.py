"""Which expressions are loggers, with their identity, and the shape of a logger call.

A logger is recognised by binding, not spelling (RULES.md, *Names*), with names resolved across the
project (``ctx.resolve``: re-exports, aliases, project wrappers and factories):

* a name bound (module level, class level, or in a function) to a logger-producing call: ``logging.getLogger``
  (*stdlib*), ``structlog.get_logger``/``wrap_logger``, ``logger.bind(...)`` on a foreign logger (*foreign*),
  or a project function that returns one of those (either identity), whatever its spelling;
* ``loguru.logger`` / ``logfire`` (*foreign*), or a project module-level logger, imported;
* ``self.x`` / ``cls.x`` bound so in the class, or in ``__init__`` of a base class in any project module;
* a parameter annotated ``logging.Logger`` (stdlib) or with a foreign logger type (foreign);
* one of the configured ``logger-names`` with no binding the module shows, or bound to a call nothing
  classifies (*unknown*).

``LogCall.identity`` carries it: rules about the stdlib call API (PSL303, PSL309) skip foreign loggers, the
message rules run on every logger; :meth:`LoggerBindings.identity` answers for any expression (PSL305).
Built lazily, once per file, by the first logging rule that asks (:func:`logger_bindings`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import libcst as cst

from py_standards_lint.analysis.context import FileContext
from py_standards_lint.analysis.rule import Rule
from py_standards_lint.base.known import GET_LOGGER, LOG_METHODS
from py_standards_lint.base.names import dotted_name, iter_toplevel, string_value

#: logging libraries that are not the stdlib (PSL305 flags importing them)
NON_STDLIB_LOGGING = frozenset({"structlog", "loguru"})

#: ``LogRecord`` attributes: an ``extra`` key among these is a KeyError at run time
RESERVED_KEYS = frozenset(
    {
        "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module", "exc_info",
        "exc_text", "stack_info", "lineno", "funcName", "created", "msecs", "relativeCreated", "thread",
        "threadName", "processName", "process", "taskName", "message", "asctime",
    }
)



#: what a logger-producing call or a logger class resolves to, per identity (RULES.md, *Names*)
STDLIB_PRODUCERS = frozenset({"logging.getLogger", "logging.Logger", "logging.LoggerAdapter", "logging.RootLogger"})
#: libraries whose loggers are *foreign* (their keyword arguments are their API)
FOREIGN_LOGGING = frozenset({"structlog", "loguru", "logfire"})
#: names that are a foreign logger themselves (``from loguru import logger``; ``import logfire``)
FOREIGN_LOGGER_OBJECTS = frozenset({"loguru.logger", "logfire"})

#: methods of a logger that return a logger of the same library
DERIVING_METHODS = frozenset({"bind", "new", "opt", "patch", "getChild", "with_fields"})

STDLIB = "stdlib"
FOREIGN = "foreign"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class LogCall:
    """A call of a log method on a logger."""

    node: cst.Call
    receiver: cst.BaseExpression
    method: str
    #: the message argument (positional or ``msg=``), if any
    message: cst.Arg | None
    #: positional arguments after the message (and after ``log``'s level)
    extra_positional: Sequence[cst.Arg]
    keywords: Sequence[cst.Arg]
    #: the logger's identity: ``"stdlib"``, ``"foreign"`` or ``"unknown"`` (RULES.md, *Names*)
    identity: str = STDLIB

    def keyword(self, name: str) -> cst.Arg | None:
        for arg in self.keywords:
            if arg.keyword is not None and arg.keyword.value == name:
                return arg
        return None


@dataclass
class LoggerBindings:
    """The loggers of one module, each with its identity (RULES.md, *Names*): *stdlib* (bound to
    ``logging.getLogger``/``logging.Logger``, or a project function or alias returning one), *foreign*
    (``structlog``, ``loguru``, ``logfire``, or a project wrapper returning one), *unknown* (only its name,
    one of ``logger-names``, says it is a logger). Names are resolved across the project (ctx.resolve)."""

    ctx: FileContext
    #: module-level name -> identity (names bound to a logger-producing call; a configured name bound to a
    #: call nothing classifies is *unknown*)
    module_names: dict[str, str] = field(default_factory=dict)
    #: module-level names bound to something that is no logger (a configured name never overrides that)
    not_loggers: set[str] = field(default_factory=set)
    #: class name -> attribute -> identity (class body, or ``self.``/``cls.`` in its methods)
    class_attrs: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def build(cls, ctx: FileContext) -> LoggerBindings:
        bindings = cls(ctx)
        names = ctx.names
        for stmt, _ in iter_toplevel(ctx.module.body, names.imports):
            if isinstance(stmt, (cst.Assign, cst.AnnAssign)) and stmt.value is not None:
                for name in _target_names(stmt):
                    if isinstance(stmt.value, cst.Name) and stmt.value.value == "None":
                        continue  # a placeholder (``_logger = None``, set lazily later): says nothing
                    identity = bindings.bound_identity(stmt.value, name)
                    if identity is not None:
                        bindings.module_names[name] = identity
                    else:
                        bindings.not_loggers.add(name)
            elif isinstance(stmt, cst.ClassDef):
                bindings._scan_class(stmt)
        return bindings

    def _scan_class(self, node: cst.ClassDef) -> None:
        attrs = self.class_attrs.setdefault(node.name.value, {})
        if not isinstance(node.body, cst.IndentedBlock):
            return
        for stmt in node.body.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is not None:
                        for name in _target_names(small):
                            identity = self.bound_identity(small.value, name, call_only=True)
                            if identity is not None:
                                attrs[name] = identity
            elif isinstance(stmt, cst.FunctionDef) and isinstance(stmt.body, cst.IndentedBlock):
                for inner in stmt.body.body:
                    if not isinstance(inner, cst.SimpleStatementLine):
                        continue
                    for small in inner.body:
                        if isinstance(small, (cst.Assign, cst.AnnAssign)) and isinstance(small.value, (cst.Call, cst.BooleanOperation)):
                            for name in _self_attrs(small):
                                identity = self.bound_identity(small.value, name, call_only=True)
                                if identity is not None:
                                    attrs[name] = identity

    # -- identity ------------------------------------------------------------------------
    def bound_identity(self, value: cst.BaseExpression, name: str, call_only: bool = False) -> str | None:
        """The identity of a name bound to ``value`` (``None``: no logger). A call nothing classifies makes an
        *unknown* logger only of a configured logger name."""
        if isinstance(value, cst.BooleanOperation) and isinstance(value.operator, cst.Or):
            # ``logger or get_logger("x")``: whichever side is a known logger says what it is
            sides = [self.bound_identity(side, "", call_only) for side in (value.left, value.right)]
            known = {side for side in sides if side is not None}
            identity = known.pop() if len(known) == 1 else None
        elif isinstance(value, cst.Call):
            identity = self.call_identity(value)
        elif call_only:
            identity = None
        else:
            identity = self.reference_identity(value)
        if identity is None and name in self.ctx.settings["logger-names"]:
            if isinstance(value, cst.Call) and not self._known_non_logger(value):
                return UNKNOWN
            if isinstance(value, (cst.Name, cst.Attribute)) and not call_only:  # ``logger = settings.logger``
                resolver = self.ctx.resolver
                made = resolver.instance_of(self.ctx.resolve(value)) if resolver is not None else None
                if not self._project_non_logger(made):
                    return UNKNOWN
        return identity

    def call_identity(self, node: cst.Call) -> str | None:
        """The identity of what a call makes (``logging.getLogger(...)``, ``structlog.get_logger()``, a project
        wrapper of either, ``logger.bind(...)`` on a foreign logger), ``None`` when it makes no known logger."""
        found = classify(self.ctx.produces(node), self.ctx.resolver)
        if found is None and isinstance(node.func, cst.Attribute) and node.func.attr.value in DERIVING_METHODS:
            return self.identity(node.func.value)  # ``structlog.get_logger().bind(...)``, ``logger.getChild(...)``
        return found

    def reference_identity(self, node: cst.CSTNode) -> str | None:
        """The identity of a name/attribute that is a logger object itself: ``loguru.logger``, ``logfire``, or a
        project module-level logger (imported, here through ``ctx.resolve``)."""
        resolved = self.ctx.resolve(node)
        if resolved is None:
            return None
        if resolved in FOREIGN_LOGGER_OBJECTS:
            return FOREIGN
        resolver = self.ctx.resolver
        if resolver is None:
            return None
        return classify(resolver.instance_of(resolved), resolver)

    def identity(self, node: cst.CSTNode) -> str | None:
        """The identity of the logger ``node`` is (``"stdlib"``, ``"foreign"``, ``"unknown"``), ``None`` when
        it is no logger."""
        configured = self.ctx.settings["logger-names"]
        if isinstance(node, cst.Name):
            name = node.value
            for frame in reversed(self.ctx.functions):  # a parameter or a local of an enclosing function
                local = self._function_bindings(frame.node)
                if name in local:
                    found = local[name]
                    return found if found is not None else None
            if name in self.module_names:
                return self.module_names[name]
            if name in self.not_loggers or name in self.ctx.names.functions or name in self.ctx.names.classes:
                return None  # a binding the module shows wins over a configured name
            if name in self.ctx.names.imports.bindings:
                identity = self.reference_identity(node)
                if identity is not None:
                    return identity
                resolved = self.ctx.resolve(node)
                if resolved is not None and self.ctx.resolver is not None and self._project_non_logger(self.ctx.resolver.instance_of(resolved)):
                    return None  # an imported instance of a project class that is no logger
                return UNKNOWN if name in configured else None
            return UNKNOWN if name in configured else None
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            owner = node.value.value
            attr = node.attr.value
            if owner in ("self", "cls"):
                classes = [c for c in self.ctx.classes] if self.ctx.classes else []
                for cls in reversed(classes):
                    found = self.class_attrs.get(cls.name.value, {}).get(attr)
                    if found is not None:
                        return found
                    inherited = self._inherited(cls, attr)
                    if inherited is not None:
                        return inherited
                if not classes:  # not inside a class (a lambda, a module-level helper): any class's
                    for attrs in self.class_attrs.values():
                        if attr in attrs:
                            return attrs[attr]
                return None
            if owner in self.class_attrs:
                return self.class_attrs[owner].get(attr)
            return self.reference_identity(node)  # ``logs.logger``: a module-level logger of a project module
        if isinstance(node, cst.Call):
            return self.call_identity(node)
        return None

    def _function_bindings(self, function: cst.FunctionDef) -> dict[str, str | None]:
        """The names a function binds itself (parameters, assignments in its own body, not nested defs), each
        with its logger identity (``None``: bound to something known that is no logger). Computed once per
        function, when a log call first asks."""
        memo = self.__dict__.setdefault("_functions", {})
        found = memo.get(id(function))
        if found is not None:
            return found
        configured = self.ctx.settings["logger-names"]
        out: dict[str, str | None] = {}
        # in the memo at once: ``log = log.bind(...)`` asks what ``log`` is while its own binding is being read,
        # and must then see the parameters so far and fall back to the enclosing scopes, not start again
        memo[id(function)] = out
        p = function.params
        for param in (*p.posonly_params, *p.params, *p.kwonly_params):
            name = param.name.value
            annotation = param.annotation.annotation if param.annotation is not None else None
            identity = classify(self.ctx.resolve(annotation), self.ctx.resolver) if annotation is not None else None
            out[name] = identity if identity is not None else (UNKNOWN if name in configured else None)
        bound: dict[str, set[str | None]] = {}
        assignments: list[cst.Assign | cst.AnnAssign] = []
        local_imports: dict[str, str] = {}  # ``import structlog`` inside the function: name -> qualified
        stack: list[cst.CSTNode] = [function.body]
        while stack:  # statements only (no statement lives in an expression), not nested defs or classes
            node = stack.pop()
            if isinstance(node, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
                for small in node.body:
                    if isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is not None:
                        assignments.append(small)
                    elif isinstance(small, (cst.Import, cst.ImportFrom)):
                        local_imports.update(_imported_names(small))
                continue
            if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
                continue
            if isinstance(node, cst.IndentedBlock):
                stack.extend(node.body)
                continue
            for name in ("body", "orelse", "handlers", "finalbody", "cases"):
                value = getattr(node, name, None)
                if isinstance(value, cst.CSTNode):
                    stack.append(value)
                elif isinstance(value, (list, tuple)):
                    stack.extend(v for v in value if isinstance(v, cst.CSTNode))
        for name, qualified in local_imports.items():  # ``from loguru import logger`` inside the function
            identity = _local_import_identity(cst.Name(name), local_imports, self.ctx.resolver)
            if identity is None and self.ctx.resolver is not None:
                identity = classify(self.ctx.resolver.instance_of(qualified), self.ctx.resolver)
            bound.setdefault(name, set()).add(identity if identity is not None else (UNKNOWN if name in configured else None))
        for small in assignments:
            value = small.value
            assert value is not None
            for name in _target_names(small):
                identity = _local_import_identity(value, local_imports, self.ctx.resolver)
                if identity is None:
                    identity = self.bound_identity(value, name)
                    if identity is None and name in configured and not self._known_non_logger(value):
                        identity = UNKNOWN
                bound.setdefault(name, set()).add(identity)
        for name, identities in bound.items():
            out[name] = identities.pop() if len(identities) == 1 else (UNKNOWN if name in configured else None)
        return out

    def _known_non_logger(self, value: cst.BaseExpression) -> bool:
        """Does the resolver classify ``value`` as no logger: a call making a project class that derives from no
        logger class (an external callee it cannot classify leaves a configured name an *unknown* logger)?"""
        return isinstance(value, cst.Call) and self._project_non_logger(self.ctx.produces(value))

    def _project_non_logger(self, made: str | None) -> bool:
        resolver = self.ctx.resolver
        if made is None or resolver is None or resolver.class_(made) is None:
            return False
        return classify(made, resolver) is None

    def _inherited(self, cls: cst.ClassDef, attr: str) -> str | None:
        """``self.x`` bound in a base class (in any project module) to a logger-producing call."""
        resolver = self.ctx.resolver
        if resolver is None:
            return None
        for base in cls.bases:
            qualified = self.ctx.resolve(base.value)
            if qualified is None:
                continue
            found = resolver.class_attribute(qualified, attr)
            if found is None:
                continue
            owner, value = found
            if value.kind != "call":
                return None  # ``self.logger = logger`` (a parameter, say): not a binding the index can read
            identity = classify(resolver.produces(resolver.canonical(value.target)), resolver)
            if identity is None and attr in self.ctx.settings["logger-names"]:
                if resolver.produces(resolver.canonical(value.target)) is None:
                    return UNKNOWN
            return identity
        return None

    # -- queries -------------------------------------------------------------------
    def is_get_logger(self, node: cst.CSTNode | None) -> bool:
        return isinstance(node, cst.Call) and self.ctx.resolve(node.func) in GET_LOGGER

    def is_logger(self, node: cst.CSTNode) -> bool:
        return self.identity(node) is not None

    def log_call(self, node: cst.Call) -> LogCall | None:
        """The logger call this is, or None (``logging.info(...)`` is not: that is the root logger)."""
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in LOG_METHODS:
            return None
        identity = self.identity(func.value)
        if identity is None:
            return None
        method = func.attr.value
        positional = [a for a in node.args if a.keyword is None and not a.star]
        keywords = [a for a in node.args if a.keyword is not None]
        skip = 1 if method == "log" else 0
        message: cst.Arg | None = positional[skip] if len(positional) > skip else None
        rest = positional[skip + 1 :]
        if message is None:
            message = next((a for a in keywords if a.keyword is not None and a.keyword.value == "msg"), None)
        return LogCall(node, func.value, method, message, rest, keywords, identity)


def classify(produced: str | None, resolver: Any = None) -> str | None:
    """The identity of a logger made by (or being) ``produced``, a canonical name: *stdlib* for
    ``logging.getLogger``/``logging.Logger`` (or a project subclass), *foreign* for a name of a foreign logging
    library, ``None`` otherwise."""
    if produced is None:
        return None
    if produced in STDLIB_PRODUCERS or (resolver is not None and resolver.derives(produced, STDLIB_PRODUCERS)):
        return STDLIB
    if produced.partition(".")[0] in FOREIGN_LOGGING:
        return FOREIGN
    return None


def _imported_names(stmt: cst.Import | cst.ImportFrom) -> dict[str, str]:
    """What an absolute import statement binds: local name -> qualified name (relative imports: nothing)."""
    out: dict[str, str] = {}
    if isinstance(stmt.names, cst.ImportStar):
        return out
    if isinstance(stmt, cst.ImportFrom):
        module = dotted_name(stmt.module) if stmt.module is not None else None
        if stmt.relative or module is None:
            return out
    for alias in stmt.names:
        full = dotted_name(alias.name)
        if full is None:
            continue
        local = alias.asname.name if alias.asname is not None and isinstance(alias.asname.name, cst.Name) else None
        if isinstance(stmt, cst.ImportFrom):
            out[local.value if local else full] = f"{module}.{full}"
        elif local is not None:
            out[local.value] = full
        else:
            out[full.partition(".")[0]] = full.partition(".")[0]
    return out


def _local_import_identity(value: cst.BaseExpression, local_imports: dict[str, str], resolver: Any) -> str | None:
    """The identity of a logger made by a call through a function-level import (``import structlog`` inside
    the function, then ``structlog.get_logger()``), or being such an import (``from loguru import logger``)."""
    if not local_imports:
        return None
    target = value.func if isinstance(value, cst.Call) else value
    dotted = dotted_name(target)
    if dotted is None:
        return None
    head, dot, rest = dotted.partition(".")
    if head not in local_imports:
        return None
    qualified = local_imports[head] + dot + rest
    if isinstance(value, cst.Call):
        produced = resolver.produces(qualified) if resolver is not None else None
        return classify(produced or qualified, resolver)
    return FOREIGN if qualified in FOREIGN_LOGGER_OBJECTS else None


def _target_names(stmt: cst.Assign | cst.AnnAssign) -> list[str]:
    targets = [t.target for t in stmt.targets] if isinstance(stmt, cst.Assign) else [stmt.target]
    return [t.value for t in targets if isinstance(t, cst.Name)]


def _self_attrs(stmt: cst.Assign | cst.AnnAssign) -> list[str]:
    targets = [t.target for t in stmt.targets] if isinstance(stmt, cst.Assign) else [stmt.target]
    return [
        t.attr.value
        for t in targets
        if isinstance(t, cst.Attribute) and isinstance(t.value, cst.Name) and t.value.value in ("self", "cls")
    ]


def dict_entries(node: cst.BaseExpression | None, ctx: FileContext) -> list[tuple[str, cst.CSTNode]] | None:
    """The string keys of a dict literal (``{"a": 1}``) or a builtin ``dict(a=1)`` call, each with
    the node holding it; ``None`` when ``node`` is neither. Computed keys and ``**`` are skipped."""
    if isinstance(node, cst.Dict):
        out: list[tuple[str, cst.CSTNode]] = []
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                key = string_value(element.key)
                if key is not None:
                    out.append((key, element.key))
        return out
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "dict":
        if ctx.names.resolve(node.func) != "builtins.dict":
            return None  # a local or imported ``dict``
        return [(a.keyword.value, a.keyword) for a in node.args if a.keyword is not None]
    return None


# -- building fixes ---------------------------------------------------------------------

_COMMA = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
_NO_SPACE = cst.SimpleWhitespace("")


def _key(text: str) -> cst.SimpleString:
    return cst.SimpleString('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')


def literal_keys(node: cst.Dict) -> set[str]:
    return {
        key
        for element in node.elements
        if isinstance(element, cst.DictElement)
        for key in [string_value(element.key)]
        if key is not None
    }


def with_extra(
    call: cst.Call,
    entries: Sequence[tuple[str, cst.BaseExpression]],
    *,
    drop: Sequence[cst.Arg] = (),
    replace: dict[int, cst.Arg] | None = None,
) -> cst.Call | None:
    """``call`` with ``entries`` (key, value) added to its ``extra={...}``, the ``drop`` arguments
    removed and the ``replace`` ones (by id) swapped. A new ``extra=`` goes where the first dropped
    argument was (else last). ``None`` when ``extra`` is not a dict literal or a key is already there."""
    replace = replace or {}
    extra = next((a for a in call.args if a.keyword is not None and a.keyword.value == "extra"), None)
    drop_ids = {id(a) for a in drop}
    if extra is not None:
        if not isinstance(extra.value, cst.Dict):
            return None
        present = literal_keys(extra.value)
        if any(key in present for key, _ in entries):
            return None
    if len({key for key, _ in entries}) != len(entries):
        return None
    new_args: list[cst.Arg] = []
    inserted = extra is not None
    for arg in call.args:
        if id(arg) in drop_ids:
            if not inserted and entries:
                new_args.append(_extra_arg(entries).with_changes(comma=arg.comma))
                inserted = True
            continue
        if arg is extra and entries:
            assert isinstance(arg.value, cst.Dict)
            new_args.append(arg.with_changes(value=_merge(arg.value, entries)))
            continue
        new_args.append(replace.get(id(arg), arg))
    if not inserted and entries:
        if new_args and isinstance(new_args[-1].comma, cst.Comma):
            # appended after a trailing comma: indent like the argument before it
            if len(new_args) > 1 and isinstance(new_args[-2].comma, cst.Comma):
                between = new_args[-2].comma
            elif isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
                between = cst.Comma(whitespace_after=call.whitespace_before_args)
            else:
                between = _COMMA
            new_args[-1] = new_args[-1].with_changes(comma=between)
        new_args.append(_extra_arg(entries))
    # commas: every argument but the last needs one; the last keeps the original trailing comma
    last_comma = call.args[-1].comma if call.args else cst.MaybeSentinel.DEFAULT
    fixed: list[cst.Arg] = []
    for i, arg in enumerate(new_args):
        if i < len(new_args) - 1:
            if not isinstance(arg.comma, cst.Comma):
                arg = arg.with_changes(comma=_COMMA)
        else:
            arg = arg.with_changes(comma=last_comma)
        fixed.append(arg)
    return call.with_changes(args=fixed)


def _extra_arg(entries: Sequence[tuple[str, cst.BaseExpression]]) -> cst.Arg:
    elements = [
        cst.DictElement(_key(key), value, comma=_COMMA if i < len(entries) - 1 else cst.MaybeSentinel.DEFAULT)
        for i, (key, value) in enumerate(entries)
    ]
    return cst.Arg(
        value=cst.Dict(elements),
        keyword=cst.Name("extra"),
        equal=cst.AssignEqual(whitespace_before=_NO_SPACE, whitespace_after=_NO_SPACE),
    )


def _merge(node: cst.Dict, entries: Sequence[tuple[str, cst.BaseExpression]]) -> cst.Dict:
    elements = list(node.elements)
    if not elements:
        return node.with_changes(elements=_extra_arg(entries).value.elements)  # type: ignore[attr-defined]
    last = elements[-1]
    trailing = last.comma
    between = trailing if isinstance(trailing, cst.Comma) else _COMMA
    if isinstance(node.lbrace.whitespace_after, cst.ParenthesizedWhitespace) and isinstance(trailing, cst.Comma):
        # one entry per line: the new lines start like the first one
        between = trailing.with_changes(whitespace_after=node.lbrace.whitespace_after)
    elements[-1] = last.with_changes(comma=between)
    for i, (key, value) in enumerate(entries):
        comma = between if i < len(entries) - 1 else trailing
        elements.append(cst.DictElement(_key(key), value, comma=comma))
    return node.with_changes(elements=elements)


def logger_text(settings: Any) -> tuple[str, ...]:
    """Text a file must contain to hold a logger call (a prefilter): a ``getLogger`` binding, or a
    configured logger name used as ``name.method(...)``."""
    return ("getLogger", "get_logger", "structlog", "loguru", "logfire", *(f"{name}." for name in settings["logger-names"]))


def logger_bindings(ctx: FileContext) -> LoggerBindings:
    """The file's logger bindings, built once per file (``ctx.model``) by the first rule that asks."""
    return ctx.model(LoggerBindings.build)


class LogCallRule(Rule):
    """Base of the rules that look only at calls on a logger (``logger_bindings(ctx).log_call``): the prefilter also
    needs the text of a logger in the file (``logger_text``)."""

    @classmethod
    def settings_text(cls, settings: Any) -> tuple[str, ...]:
        return logger_text(settings)
