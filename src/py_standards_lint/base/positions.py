"""Positions of the reported nodes only, generating the code around them as plain text.

libcst's :class:`~libcst.metadata.PositionProvider` computes positions by generating the code of the whole
module and recording a range for every node (a line/column update per token, two position objects and a
context manager per node): nine times the cost of generating the same code as plain text, and more than the
parse itself. A linter needs the positions of a few nodes: the ones it reports and their statements.

So the codegen here runs libcst's own ``_codegen`` with a state that only appends tokens while outside the
wanted nodes, and turns into libcst's position state inside them: on entering a wanted node it catches the
line and column up over the text generated so far (one join and one split), and from there records every
node's range exactly as ``PositionProvider`` does (a compound statement's range is hoisted from its
children, so the whole subtree of a wanted node is recorded). It stops once the last wanted node is done.
The ranges equal ``PositionProvider``'s (tests/test_performance_engine.py compares them on the stdlib).
"""

from __future__ import annotations

from contextlib import contextmanager, nullcontext
from typing import Any, Iterable, Iterator, Mapping

import libcst as cst
from libcst._position import CodePosition, CodeRange
from libcst.metadata import PositionProvider
from libcst.metadata.position_provider import PositionProvidingCodegenState

_OUTSIDE = nullcontext()


class _Done(Exception):
    pass


class _Recorder(PositionProvider):
    """Holds the computed ranges, as PositionProvider does (the codegen state writes into ``_computed``)."""


class _SparseState(PositionProvidingCodegenState):
    __slots__ = ("wanted", "done", "inside", "synced")
    wanted: set[cst.CSTNode]
    done: bool
    inside: int
    synced: int

    # -- tokens: appended only; the position is caught up when a wanted subtree needs it
    def add_token(self, value: str) -> None:
        self.tokens.append(value)

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)

    def pop_trailing_newline(self) -> None:
        self._sync()  # as libcst: the popped newline still counted in the position
        if self.tokens:
            self.tokens.pop()
        self.synced = len(self.tokens)

    def _sync(self) -> None:
        tokens = self.tokens
        if self.synced < len(tokens):
            text = "".join(tokens[self.synced:])
            self.synced = len(tokens)
            self._update_position(text)

    # -- ranges: recorded inside wanted subtrees only
    def before_codegen(self, node: cst.CSTNode) -> None:
        if node in self.wanted:
            self.inside += 1
        if self.inside:
            self._sync()
            self._stack.append(CodePosition(self.line, self.column))

    def after_codegen(self, node: cst.CSTNode) -> None:
        if not self.inside:
            return
        self._sync()
        start = self._stack.pop()
        computed = self.provider._computed
        if node not in computed:
            computed[node] = CodeRange(start, CodePosition(self.line, self.column))
        wanted = self.wanted
        if node in wanted:
            self.inside -= 1
            wanted.discard(node)
            if not wanted:
                self.done = True
                raise _Done

    def record_syntactic_position(self, node, *, start_node=None, end_node=None):
        if not self.inside:
            return _OUTSIDE
        return self._record(node, start_node, end_node)

    @contextmanager
    def _record(self, node: cst.CSTNode, start_node: cst.CSTNode | None, end_node: cst.CSTNode | None) -> Iterator[None]:
        self._sync()
        start = CodePosition(self.line, self.column)
        try:
            yield
        finally:
            self._sync()
            end = CodePosition(self.line, self.column)
            computed: Any = self.provider._computed  # node -> CodeRange (libcst types it loosely)
            start = computed[start_node].start if start_node is not None else start
            end = computed[end_node].end if end_node is not None else end
            computed[node] = CodeRange(start, end)


def positions_of(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> Mapping[cst.CSTNode, CodeRange]:
    """Node -> its :class:`CodeRange` (as ``PositionProvider`` gives it) for at least every node in ``nodes``."""
    wanted = set(nodes)
    provider = _Recorder()
    if not wanted:
        return {}
    state = _SparseState(default_indent=module.default_indent, default_newline=module.default_newline, provider=provider)
    state.wanted = wanted
    state.done = False
    state.inside = 0
    state.synced = 0
    try:
        module._codegen(state)
    except Exception:
        # stopping unwinds through the codegen's context managers, which may fail on ranges never computed;
        # once every wanted node was recorded that is expected, otherwise it is a real failure
        if not state.done:
            raise
    return provider._computed  # type: ignore[return-value]  # only CodeRange values are recorded


__all__ = ["positions_of"]
