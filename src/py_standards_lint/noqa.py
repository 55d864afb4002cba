"""``# noqa`` suppression: ``# noqa`` silences everything on its line,
``# noqa: PSL101,PSL3`` the listed codes and code prefixes.

A finding is silenced by a directive on its own line or on any line of the
statement it sits in (multi-line calls, decorators). Only real comments count:
the comment tokens are found with :mod:`tokenize`, so ``"# noqa"`` inside a
string does nothing. Computed only for files that have findings.
"""

from __future__ import annotations

import io
import re
import tokenize
from typing import Iterable

from .finding import Finding

NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]*(?:[,\s]+[A-Z]+[0-9]*)*))?", re.IGNORECASE)
ALL = None


def directives(source: str) -> dict[int, frozenset[str] | None]:
    """line -> codes silenced there (``None``: everything)."""
    found: dict[int, frozenset[str] | None] = {}
    try:
        comments = [
            (tok.start[0], tok.string)
            for tok in tokenize.generate_tokens(io.StringIO(source).readline)
            if tok.type == tokenize.COMMENT
        ]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        comments = [(n, line[line.index("#") :]) for n, line in enumerate(source.splitlines(), 1) if "#" in line]
    for line, text in comments:
        match = NOQA.search(text)
        if not match:
            continue
        codes = match.group("codes")
        if codes is None:
            found[line] = ALL
        else:
            found[line] = frozenset(c.upper() for c in re.split(r"[,\s]+", codes) if c)
    return found


def is_silenced(finding: Finding, table: dict[int, frozenset[str] | None]) -> bool:
    for line in finding.noqa_lines or (finding.line,):
        if line not in table:
            continue
        codes = table[line]
        if codes is None or any(finding.code.startswith(c) for c in codes):
            return True
    return False


def filter_findings(findings: Iterable[Finding], source: str) -> list[Finding]:
    findings = list(findings)
    if not findings or "noqa" not in source.lower():
        return findings
    table = directives(source)
    return [f for f in findings if not is_silenced(f, table)]
