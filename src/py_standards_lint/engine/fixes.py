"""Applying fixes: libcst node replacements, in passes, until nothing changes.

A rule attaches a :class:`~py_standards_lint.base.finding.Fix` to a finding: ``edits`` are
``(node, replacement)`` pairs on the parsed module (a replacement may be
``cst.RemovalSentinel.REMOVE`` or a ``cst.FlattenSentinel``). One pass applies every
applicable fix whose edits do not sit inside another fix's edits (the outer one wins;
the inner one is retried in the next pass, on the re-parsed result). Passes repeat
until no fix applies (bounded), so applying twice gives the same result as once.

A pass whose result would not parse (or no longer compiles while the input did) is
retried fix by fix; a fix that breaks the code is dropped with a warning naming its rule,
never written.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import libcst as cst

from py_standards_lint.base.deepstack import deep
from py_standards_lint.base.fastwalk import walk
from py_standards_lint.base.finding import SAFE, FileResult, Finding, Fix
from py_standards_lint.base.settings import Settings
from py_standards_lint.engine.lint import lint_source

MAX_PASSES = 10


def is_applicable(finding: Finding, unsafe: bool) -> bool:
    return finding.fix is not None and (finding.fix.applicability == SAFE or unsafe)


def apply_fixes(module: cst.Module, findings: Sequence[Finding]) -> tuple[cst.Module, list[Finding]]:
    """Apply the non-overlapping fixes of ``findings`` to ``module`` (the one they were found in)."""
    owner: dict[int, int] = {}  # id(edited node) -> index of the fix
    for i, finding in enumerate(findings):
        assert finding.fix is not None
        for node, _ in finding.fix.edits:
            owner.setdefault(id(node), i)
    losers: set[int] = set()
    active: list[int] = []

    def visit(node: cst.CSTNode) -> None:
        i = owner.get(id(node))
        if i is None:
            return
        if any(j != i for j in active):
            losers.add(i)  # inside another fix's edit: the outer one wins this pass
        active.append(i)

    def leave(node: cst.CSTNode) -> None:
        if id(node) in owner:
            active.pop()

    walk(module, visit, leave)
    # a fix sharing a node with an earlier fix loses too
    for i, finding in enumerate(findings):
        assert finding.fix is not None
        if any(owner.get(id(node)) != i for node, _ in finding.fix.edits):
            losers.add(i)
    winners = [f for i, f in enumerate(findings) if i not in losers]
    replacements: dict[int, Any] = {}
    for finding in winners:
        assert finding.fix is not None
        for node, new in finding.fix.edits:
            replacements[id(node)] = new
    if not replacements:
        return module, []
    new_module = module.visit(_Replace(replacements))
    assert isinstance(new_module, cst.Module)
    return new_module, winners


class _Replace(cst.CSTTransformer):
    def __init__(self, replacements: dict[int, Any]) -> None:
        super().__init__()
        self.replacements = replacements

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
        return self.replacements.get(id(original_node), updated_node)


def _still_valid(new: bytes, original_compiles: bool) -> bool:
    try:
        cst.parse_module(new)
    except Exception:
        return False
    if original_compiles:
        return _compiles(new)
    return True


def _compiles(source: bytes) -> bool:
    try:
        with warnings.catch_warnings():  # the code's own SyntaxWarnings are not ours to print
            warnings.simplefilter("ignore")
            compile(source, "<fixed>", "exec", dont_inherit=True)  # compiled, never executed
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


@dataclass
class FixOutcome:
    #: the file's bytes after fixing (the input when nothing applied)
    source: bytes
    #: how many findings were fixed
    fixed: int
    #: the lint result of the fixed source: only what remains
    result: FileResult
    #: warnings about fixes that were dropped because they broke the code
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.fixed > 0


@deep  # deep trees: libcst's transformer and code generator recurse (base/deepstack.py)
def fix_source(
    source: bytes,
    display_path: str,
    settings: Settings,
    relpath: str,
    *,
    unsafe: bool = False,
    index_provider: Callable[[], object] | None = None,
    rule_types: Sequence[type] | None = None,
    max_passes: int = MAX_PASSES,
) -> FixOutcome:
    """Fix one file's source; return the new bytes, the count fixed and what remains."""

    def lint(data: bytes) -> FileResult:
        return lint_source(data, display_path, settings, relpath, index_provider=index_provider, rule_types=rule_types)

    original_compiles = _compiles(source)
    current = source
    fixed = 0
    warnings: list[str] = []
    dropped: set[tuple[str, int, int]] = set()
    result = lint(current)
    for _ in range(max_passes):
        module = result.module
        candidates = [
            f for f in result.findings if is_applicable(f, unsafe) and (f.code, f.line, f.column) not in dropped
        ]
        if module is None or not candidates:
            break
        new_module, applied = apply_fixes(module, candidates)
        new = new_module.bytes
        if not _still_valid(new, original_compiles):
            # find the culprits one by one; keep the rest
            good = []
            for finding in applied:
                alone, _ = apply_fixes(module, [finding])
                if _still_valid(alone.bytes, original_compiles):
                    good.append(finding)
                else:
                    dropped.add((finding.code, finding.line, finding.column))
                    warnings.append(
                        f"{display_path}:{finding.line}:{finding.column}: dropped the {finding.code} fix: "
                        "its result would not parse"
                    )
            new_module, applied = apply_fixes(module, good[:1]) if good else (module, [])
            new = new_module.bytes
        if not applied or new == current:
            break
        fixed += len(applied)
        current = new
        result = lint(current)
    if fixed:
        current = _keep_final_newline(source, current)
    return FixOutcome(current, fixed, result, warnings)


def _keep_final_newline(original: bytes, new: bytes) -> bytes:
    """libcst drops the final newline of a file whose line endings are a bare CR (``module.bytes`` does
    not round-trip it): put back the one the original ended with."""
    for newline in (b"\r\n", b"\n", b"\r"):
        if original.endswith(newline):
            return new if new.endswith((b"\n", b"\r")) else new + newline
    return new


__all__ = ["Fix", "FixOutcome", "apply_fixes", "fix_source", "is_applicable"]
