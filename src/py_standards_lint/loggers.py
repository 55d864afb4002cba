"""Which expressions are stdlib loggers, and the shape of a logger call.

A logger is recognised by binding, not spelling (RULES.md, *Names*):

* a module-level name bound to ``logging.getLogger(...)`` (through any import
  spelling: ``import logging as lg``, ``from logging import getLogger``);
* a class-level attribute bound so, used as ``self.x`` / ``cls.x`` / ``Class.x``;
* ``self.x`` / ``cls.x`` assigned ``logging.getLogger(...)`` in a method;
* a direct ``logging.getLogger(...).info(...)`` chain;
* one of the configured ``logger-names``.

Built lazily, once per file, by the first logging rule that asks (``ctx.loggers``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

import libcst as cst

from .names import iter_toplevel
from .rule import Rule
from .semantics import GET_LOGGER, LOG_METHODS

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

if TYPE_CHECKING:
    from .context import FileContext


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

    def keyword(self, name: str) -> cst.Arg | None:
        for arg in self.keywords:
            if arg.keyword is not None and arg.keyword.value == name:
                return arg
        return None


@dataclass
class LoggerBindings:
    ctx: "FileContext"
    module_names: set[str] = field(default_factory=set)
    #: class name -> attribute names bound to loggers (class body or self./cls. in methods)
    class_attrs: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, ctx: "FileContext") -> "LoggerBindings":
        bindings = cls(ctx)
        names = ctx.names
        for stmt, _ in iter_toplevel(ctx.module.body, names.imports):
            if isinstance(stmt, (cst.Assign, cst.AnnAssign)) and bindings.is_get_logger(stmt.value):
                bindings.module_names.update(_target_names(stmt))
            elif isinstance(stmt, cst.ClassDef):
                bindings._scan_class(stmt)
        return bindings

    def _scan_class(self, node: cst.ClassDef) -> None:
        attrs = self.class_attrs.setdefault(node.name.value, set())
        if not isinstance(node.body, cst.IndentedBlock):
            return
        for stmt in node.body.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, (cst.Assign, cst.AnnAssign)) and self.is_get_logger(small.value):
                        attrs.update(_target_names(small))
            elif isinstance(stmt, cst.FunctionDef) and isinstance(stmt.body, cst.IndentedBlock):
                for inner in stmt.body.body:
                    if not isinstance(inner, cst.SimpleStatementLine):
                        continue
                    for small in inner.body:
                        if isinstance(small, (cst.Assign, cst.AnnAssign)) and self.is_get_logger(small.value):
                            attrs.update(_self_attrs(small))

    # -- queries -------------------------------------------------------------------
    def is_get_logger(self, node: cst.CSTNode | None) -> bool:
        return isinstance(node, cst.Call) and self.ctx.names.resolve(node.func) in GET_LOGGER

    def is_logger(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Name):
            if node.value in self.module_names:
                return True
            if node.value in self.ctx.settings["logger-names"]:
                # a configured name (also when imported from another module), unless it is
                # a non-stdlib logger (``from loguru import logger``) or a local def/class
                resolved = self.ctx.names.imports.bindings.get(node.value)
                if resolved is None or resolved in GET_LOGGER:
                    return True
                if resolved.startswith("<local>"):
                    return node.value not in self.ctx.names.functions and node.value not in self.ctx.names.classes
                return resolved.split(".")[0] not in NON_STDLIB_LOGGING
            return False
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            owner = node.value.value
            attr = node.attr.value
            if owner in ("self", "cls"):
                classes = [c.name.value for c in self.ctx.classes] or list(self.class_attrs)
                return any(attr in self.class_attrs.get(name, ()) for name in classes)
            if owner in self.class_attrs:
                return attr in self.class_attrs[owner]
            return False
        return self.is_get_logger(node)

    def log_call(self, node: cst.Call) -> LogCall | None:
        """The logger call this is, or None (``logging.info(...)`` is not: that is the root logger)."""
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in LOG_METHODS:
            return None
        if not self.is_logger(func.value):
            return None
        method = func.attr.value
        positional = [a for a in node.args if a.keyword is None and not a.star]
        keywords = [a for a in node.args if a.keyword is not None]
        skip = 1 if method == "log" else 0
        message: cst.Arg | None = positional[skip] if len(positional) > skip else None
        rest = positional[skip + 1 :]
        if message is None:
            message = next((a for a in keywords if a.keyword is not None and a.keyword.value == "msg"), None)
        return LogCall(node, func.value, method, message, rest, keywords)


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


def dict_entries(node: cst.BaseExpression | None, ctx: "FileContext") -> list[tuple[str, cst.CSTNode]] | None:
    """The string keys of a dict literal (``{"a": 1}``) or a builtin ``dict(a=1)`` call, each with
    the node holding it; ``None`` when ``node`` is neither. Computed keys and ``**`` are skipped."""
    from .names import string_value

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
    from .names import string_value

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
    return ("getLogger", *(f"{name}." for name in settings["logger-names"]))


class LogCallRule(Rule):
    """Base of the rules that look only at calls on a logger (``ctx.loggers.log_call``): the prefilter also
    needs the text of a logger in the file (``logger_text``)."""

    @classmethod
    def settings_text(cls, settings: Any) -> tuple[str, ...]:
        return logger_text(settings)
