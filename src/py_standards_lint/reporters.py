"""Output formats. Each writes findings to a stream; nothing else goes to stdout."""

from __future__ import annotations

import json
from typing import Callable, Sequence, TextIO

from .finding import Finding


def text(findings: Sequence[Finding], out: TextIO) -> None:
    for f in findings:
        marker = " [*]" if f.fix is not None and f.fix.applicability == "safe" else ""
        out.write(f"{f.path}:{f.line}:{f.column}: {f.code}{marker} {f.message}\n")


def json_(findings: Sequence[Finding], out: TextIO) -> None:
    json.dump([f.as_json() for f in findings], out, indent=2)
    out.write("\n")


REPORTERS: dict[str, Callable[[Sequence[Finding], TextIO], None]] = {
    "text": text,
    "json": json_,
}
