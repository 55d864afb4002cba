"""Positions of the reported nodes only, stopping as soon as they are all known.

libcst's :class:`~libcst.metadata.PositionProvider` computes positions by generating the code of the whole
module (every token, in Python) and recording a range for every node: it costs more than the parse itself. A
linter needs the positions of a few nodes: the ones it reports and their statements. This runs the same codegen
with the same position state (so every range is exactly libcst's), and stops it once the last wanted node's range
is recorded: a file whose findings are near its top costs a fraction of a full pass.
"""

from __future__ import annotations

from typing import Iterable, Mapping

import libcst as cst
from libcst._position import CodeRange
from libcst.metadata import PositionProvider
from libcst.metadata.position_provider import PositionProvidingCodegenState


class _Done(Exception):
    pass


class _Recorder(PositionProvider):
    """Holds the computed ranges, as PositionProvider does (the codegen state writes into ``_computed``)."""


class _StoppingState(PositionProvidingCodegenState):
    __slots__ = ("wanted", "done")

    def after_codegen(self, node: cst.CSTNode) -> None:
        super().after_codegen(node)
        wanted = self.wanted
        if node in wanted:
            wanted.discard(node)
            if not wanted:
                self.done = True
                raise _Done


def positions_of(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> Mapping[cst.CSTNode, CodeRange]:
    """Node -> its :class:`CodeRange` (as ``PositionProvider`` gives it) for at least every node in ``nodes``."""
    wanted = set(nodes)
    provider = _Recorder()
    if not wanted:
        return {}
    state = _StoppingState(default_indent=module.default_indent, default_newline=module.default_newline, provider=provider)
    state.wanted = wanted
    state.done = False
    try:
        module._codegen(state)
    except Exception:
        # stopping unwinds through the codegen's context managers, which may fail on ranges never computed;
        # once every wanted node was recorded that is expected, otherwise it is a real failure
        if not state.done:
            raise
    return provider._computed


__all__ = ["positions_of"]
