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
from typing import Callable

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
SOURCE_ORDER = {
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


def child_nodes(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The expression and statement children of ``node``, in source order."""
    out: list[cst.CSTNode] = []
    CSTNode = cst.CSTNode
    for name in child_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, CSTNode):
            out.append(value)
        elif type(value) is tuple or type(value) is list:
            out.extend(v for v in value if isinstance(v, CSTNode))
    return out


def walk(root: cst.CSTNode, visit: Callable[[cst.CSTNode], None], leave: Callable[[cst.CSTNode], None]) -> None:
    """Depth-first, source-order walk calling ``visit`` before and ``leave`` after the children."""
    stack: list[tuple[cst.CSTNode, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            leave(node)
            continue
        visit(node)
        stack.append((node, True))
        for child in reversed(child_nodes(node)):
            stack.append((child, False))


__all__ = ["child_fields", "child_nodes", "walk"]
