"""The rule base class, and the test cases each rule carries.

A rule is one small class in ``rules/<family>/<rule>.py``::

    class HttpExceptionInService(Rule):
        code = "PSL101"
        name = "http-exception-in-service"
        message = "..."
        layers = frozenset({SERVICES})
        requires_text = ("HTTPException",)
        why = "..."; example = "..."; use_instead = "..."
        valid = (Valid("..."),)
        invalid = (Invalid("...", line=3, col=5),)

        def visit_Raise(self, node: cst.Raise) -> None:
            if ...:
                self.report(node)

The engine creates one instance per file and calls its ``visit_<Node>`` /
``leave_<Node>`` methods from a single batched traversal; the shared
:class:`~py_standards_lint.analysis.context.FileContext` (``self.ctx``) carries the
import map, the layer, the settings, the project index and the context stacks
(functions, classes, except handlers). Returning ``False`` from a visit method
does not prune anything: keep state in explicit stacks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping, Sequence

import libcst as cst

from py_standards_lint.analysis.context import FileContext
from py_standards_lint.analysis.gates import SyntaxFacts
from py_standards_lint.base import layers as L
from py_standards_lint.base.finding import Fix
from py_standards_lint.base.settings import Option

ALL_LAYERS: frozenset[str] | None = None
NOT_TESTS = frozenset({L.TESTS})


@dataclass(frozen=True)
class Valid:
    """Code the rule must not flag (at ``path``, which decides the layer)."""

    code: str
    path: str | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)
    #: other project files, path -> source, for rules that read the project index
    files: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Invalid:
    """Code the rule must flag at exactly ``(line, col)`` (1-based), or at each of ``at``."""

    code: str
    line: int = 0
    col: int = 0
    path: str | None = None
    at: Sequence[tuple[int, int]] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)
    files: Mapping[str, str] = field(default_factory=dict)
    #: the source after applying this rule's fix (``None``: not checked here)
    fixed: str | None = None

    @property
    def positions(self) -> list[tuple[int, int]]:
        return list(self.at) if self.at else [(self.line, self.col)]


class Rule:
    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    message: ClassVar[str] = ""
    #: layers the rule runs in (``None``: every layer, and files in no layer)
    layers: ClassVar[frozenset[str] | None] = ALL_LAYERS
    #: layers the rule never runs in
    skip_layers: ClassVar[frozenset[str]] = frozenset()
    #: libcst metadata providers the rule reads (computed only when an enabled rule asks)
    metadata: ClassVar[tuple[type, ...]] = ()
    #: the rule reads the project index
    needs_index: ClassVar[bool] = False
    #: the rule reads ``ctx.summary`` (the engine then makes it from the syntax tree it already has)
    reads_summary: ClassVar[bool] = False
    #: prefilter: the rule cannot fire unless the source contains one of these
    requires_text: ClassVar[tuple[str, ...]] = ()
    #: "safe", "unsafe" or "-"
    fix_safety: ClassVar[str] = "-"
    #: False for opt-in rules: enabled only by a selector naming them exactly, never by a prefix
    default_enabled: ClassVar[bool] = True
    options: ClassVar[tuple[Option, ...]] = ()
    #: documentation: why, a failing example, the corrected example, fix notes
    why: ClassVar[str] = ""
    example: ClassVar[str] = ""
    use_instead: ClassVar[str] = ""
    fix_notes: ClassVar[str] = ""
    #: the rule's own test cases, expanded into parametrized tests
    valid: ClassVar[tuple[Valid, ...]] = ()
    invalid: ClassVar[tuple[Invalid, ...]] = ()
    #: default path for test cases (decides the layer)
    example_path: ClassVar[str] = "app/core/module.py"
    #: other project files (path -> source) the docs examples are linted with, for project-wide rules
    example_files: ClassVar[Mapping[str, str]] = {}

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx

    # -- helpers ---------------------------------------------------------------
    def report(
        self,
        node: cst.CSTNode,
        message: str | None = None,
        fix: Fix | None = None,
        offset: tuple[int, int] | None = None,
    ) -> None:
        """Report at ``node``'s start, or at ``offset`` = (lines below the node's start, 1-based column):
        a point inside the node, such as one line of a docstring."""
        self.ctx.add_report(self, node, message or self.message, fix, offset)

    @classmethod
    def family(cls) -> str:
        return cls.__module__.split(".")[-2]

    @classmethod
    def runs_in(cls, layer: str | None) -> bool:
        if layer in cls.skip_layers:
            return False
        if cls.layers is None:
            return True
        return layer in cls.layers

    @classmethod
    def active_in(cls, layer: str | None, settings: Any = None) -> bool:
        """Can the rule fire in ``layer`` under ``settings``? ``runs_in``, narrowed by a rule whose layers
        come from an option (e.g. PSL203's ``undocumented-raise-layers``)."""
        return cls.runs_in(layer)

    @classmethod
    def settings_text(cls, settings: Any) -> tuple[str, ...]:
        """Prefilter text that depends on the settings (e.g. the configured logger names): the file must
        contain one of these *as well as* one of ``requires_text``. A rule with neither runs on every file
        of its layers."""
        return ()

    @classmethod
    def needle_groups(cls, settings: Any = None) -> tuple[tuple[bytes, ...], ...]:
        """The prefilter as bytes: every group must have one needle in the file. ``requires_text`` is
        one group (encoded once per class); ``settings_text(settings)``, when not empty, another."""
        cached = cls.__dict__.get("_needles")
        if cached is None or cached[0] is not cls.requires_text:
            cached = (cls.requires_text, tuple(needle.encode() for needle in cls.requires_text))
            cls._needles = cached  # type: ignore[attr-defined]
        groups: tuple[tuple[bytes, ...], ...] = (cached[1],) if cached[1] else ()
        if settings is not None:
            extra = cls.settings_text(settings)
            if extra:
                groups += (tuple(needle.encode() for needle in extra),)
        return groups

    @classmethod
    def gate(cls, facts: SyntaxFacts) -> bool:
        """The prefilter's second stage (gates.py): ``False`` only when CPython's tree of the file shows that
        the rule cannot fire. The default never rules a file out."""
        return True

    @classmethod
    def can_fire(cls, text: bytes, settings: Any = None) -> bool:
        return all(any(needle in text for needle in group) for group in cls.needle_groups(settings))
