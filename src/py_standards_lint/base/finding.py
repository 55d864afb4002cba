"""What a run produces: findings (with optional fixes) and internal errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import libcst as cst

SAFE = "safe"
UNSAFE = "unsafe"


@dataclass(frozen=True)
class Fix:
    """A fix as libcst node replacements; ``safe`` keeps behaviour, ``unsafe`` may change it."""

    applicability: str
    message: str
    #: (node in the parsed module, its replacement) pairs; a replacement of
    #: ``cst.RemovalSentinel.REMOVE`` deletes the node
    edits: Sequence[tuple[cst.CSTNode, Any]] = ()

    def as_json(self) -> dict[str, str]:
        return {"applicability": self.applicability, "message": self.message}


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    column: int  # 1-based, like flake8's and ruff's output
    code: str
    end_line: int = 0
    end_column: int = 0
    name: str = field(default="", compare=False)
    message: str = field(default="", compare=False)
    fix: Fix | None = field(default=None, compare=False)
    #: lines on which a noqa comment silences this finding
    noqa_lines: tuple[int, ...] = field(default=(), compare=False, repr=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "code": self.code,
            "name": self.name,
            "message": self.message,
            "fix": self.fix.as_json() if self.fix else None,
        }


@dataclass(frozen=True)
class InternalError:
    """A rule (or the engine) raised on a file; the run goes on, the exit code becomes 2."""

    path: str
    rule: str
    message: str
    #: "internal error" (a bug), or "configuration error" (a configured value failed on this file)
    kind: str = "internal error"

    def __str__(self) -> str:
        return f"{self.path}: {self.kind} in {self.rule}: {self.message}"


@dataclass
class FileResult:
    path: str
    findings: list[Finding] = field(default_factory=list)
    errors: list[InternalError] = field(default_factory=list)
    #: set when the file could not be read at all (exit 2 for that file)
    read_error: str | None = None
    #: the parsed module the findings' fixes refer to (None when not parsed)
    module: cst.Module | None = field(default=None, repr=False, compare=False)
