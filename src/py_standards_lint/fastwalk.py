"""The syntax children of a libcst node, cheaply.

``CSTNode.children`` is generic: it runs the node's ``_visit_and_replace_children`` with a collecting visitor,
which rebuilds the node, and it returns whitespace and token nodes too. A rule or model that walks part of a tree
itself (a function body, say) and looks for statements and expressions can use :func:`child_nodes` instead: the
same expression and statement children in source order, read from per-type field tables (the engine's walk uses
the same tables), an order of magnitude cheaper. Whitespace, comments and punctuation are not included.
"""

from __future__ import annotations

from typing import Callable

import libcst as cst

_fields: Callable[[type], tuple[str, ...]] | None = None


def child_nodes(node: cst.CSTNode) -> list[cst.CSTNode]:
    global _fields
    if _fields is None:
        from .engine import _child_fields

        _fields = _child_fields
    out: list[cst.CSTNode] = []
    CSTNode = cst.CSTNode
    for name in _fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, CSTNode):
            out.append(value)
        elif type(value) is tuple or type(value) is list:
            out.extend(v for v in value if isinstance(v, CSTNode))
    return out


__all__ = ["child_nodes"]
