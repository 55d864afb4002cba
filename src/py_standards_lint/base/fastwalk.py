"""The engine's tree walk, and the syntax children of a libcst node, cheaply.

``CSTNode.children`` and libcst's visitor protocol are generic: they run each node's
``_visit_and_replace_children``, which rebuilds the node, and they include whitespace and token
nodes. The linter only needs expressions and statements in source order, so it reads them from
per-type field tables: :func:`walk` is the engine's one traversal, and :func:`child_nodes` serves a
rule or model that walks part of a tree itself (a function body, say). An order of magnitude cheaper;
whitespace, comments and punctuation are not included. The walk is iterative: no depth limit.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Collection

import libcst as cst

#: fields that only hold whitespace, comments or punctuation tokens
SKIP_FIELDS = frozenset(
    {
        "leading_lines", "lines_after_decorators", "header", "footer", "indent", "trailing_whitespace",
        "lpar", "rpar", "comma", "equal", "dot", "semicolon", "colon", "star", "asynchronous",
        "operator", "whitespace_after_star", "whitespace_after_arg", "lbracket", "rbracket",
        "lbrace", "rbrace", "newline", "default_indent", "default_newline", "encoding",
        "has_trailing_newline", "relative", "import_star", "arrow", "whitespace_after_await",
        "whitespace_before_from",
    }
)
#: fields whose dataclass order differs from source order
SOURCE_ORDER: dict[type, tuple[str, ...]] = {
    cst.FunctionDef: ("decorators", "name", "type_parameters", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    cst.ExceptHandler: ("type", "name", "body"),
    cst.ExceptStarHandler: ("type", "name", "body"),
    cst.MatchCase: ("pattern", "guard", "body"),
    cst.IfExp: ("body", "test", "orelse"),
    cst.Arg: ("keyword", "value"),
}
_FIELDS: dict[type, tuple[str, ...]] = {}


def child_fields(node_type: type) -> tuple[str, ...]:
    fields = _FIELDS.get(node_type)
    if fields is None:
        fields = SOURCE_ORDER.get(node_type) or tuple(
            f.name
            for f in dataclasses.fields(node_type)
            if f.name not in SKIP_FIELDS and not f.name.startswith("whitespace")
        )
        _FIELDS[node_type] = fields
    return fields


_IS_NODE: dict[type, bool] = {}


def _is_node_type(value_type: type) -> bool:
    """``issubclass(value_type, CSTNode)``, memoized: ``isinstance`` on libcst's abstract base class goes
    through ``ABCMeta.__instancecheck__``, and the walk asks for every field of every node."""
    known = _IS_NODE.get(value_type)
    if known is None:
        known = _IS_NODE[value_type] = issubclass(value_type, cst.CSTNode)
    return known


def child_nodes(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The expression and statement children of ``node``, in source order."""
    out: list[cst.CSTNode] = []
    is_node = _IS_NODE.get
    for name in child_fields(type(node)):
        value = getattr(node, name)
        value_type = type(value)
        if value_type is tuple or value_type is list:
            for item in value:
                known = is_node(type(item))
                if known or (known is None and _is_node_type(type(item))):
                    out.append(item)
        else:
            known = is_node(value_type)
            if known or (known is None and _is_node_type(value_type)):
                out.append(value)
    return out


#: the node types statements nest through (and decorators, which the context keeps as statements for noqa): no
#: statement is ever inside an expression
_STATEMENT_LEVEL = (
    cst.Module, cst.BaseStatement, cst.BaseSmallStatement, cst.BaseSuite, cst.ExceptHandler, cst.ExceptStarHandler,
    cst.Else, cst.Finally, cst.MatchCase, cst.Decorator,
)
#: the fields that hold them, in source order (decorators come first, a ``try``'s handlers before its ``else``)
_BLOCK_FIELDS = ("decorators", "body", "handlers", "cases", "orelse", "finalbody")
_IS_STATEMENT_LEVEL: dict[type, bool] = {}


def is_statement_level(node_type: type) -> bool:
    known = _IS_STATEMENT_LEVEL.get(node_type)
    if known is None:
        known = _IS_STATEMENT_LEVEL[node_type] = issubclass(node_type, _STATEMENT_LEVEL)
    return known


def statement_level_names() -> frozenset[str]:
    """The names of every libcst node type statements nest through (``Raise``, ``Try``, ``IndentedBlock``...)."""
    return frozenset(
        name for name, value in vars(cst).items() if isinstance(value, type) and issubclass(value, _STATEMENT_LEVEL)
    )


def statement_children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The statement-level children of ``node`` (the statements of its blocks, its handlers, ...), in source order."""
    out: list[cst.CSTNode] = []
    for name in _BLOCK_FIELDS:
        value = getattr(node, name, None)
        if value is None:
            continue
        if type(value) is tuple or type(value) is list:
            out.extend([item for item in value if is_statement_level(type(item))])
        elif is_statement_level(type(value)):
            out.append(value)
    return out


def walk(
    root: cst.CSTNode,
    visit: Callable[[cst.CSTNode], None],
    leave: Callable[[cst.CSTNode], None],
    leave_names: Collection[str] | None = None,
    statements_only: bool = False,
) -> None:
    """Depth-first, source-order walk calling ``visit`` before and ``leave`` after the children (only for the
    node types named in ``leave_names``, when given). ``statements_only``: never descend into expressions,
    for callers that want statement-level nodes only (the same ones, in the same order)."""
    children_of = statement_children if statements_only else child_nodes
    stack: list[tuple[cst.CSTNode, bool]] = [(root, False)]
    pop = stack.pop
    push = stack.append
    leaves: dict[type, bool] = {}
    while stack:
        node, done = pop()
        if done:
            leave(node)
            continue
        visit(node)
        if leave_names is None:
            push((node, True))
        else:
            node_type = type(node)
            wanted = leaves.get(node_type)
            if wanted is None:
                wanted = leaves[node_type] = node_type.__name__ in leave_names
            if wanted:
                push((node, True))
        children = children_of(node)
        if children:
            stack.extend([(child, False) for child in reversed(children)])


__all__ = ["child_fields", "child_nodes", "is_statement_level", "statement_children", "statement_level_names", "walk"]
