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
from typing import Any, Iterable, Sequence

from py_standards_lint.base.finding import Finding

NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]*(?:[,\s]+[A-Z]+[0-9]*)*))?", re.IGNORECASE)
ALL = None


UNUSED_NOQA = "PSL001"


def comments(source: str) -> list[tuple[int, int, str]]:
    """``(line, 0-based column, text)`` of every comment token."""
    try:
        return [
            (tok.start[0], tok.start[1], tok.string)
            for tok in tokenize.generate_tokens(io.StringIO(source).readline)
            if tok.type == tokenize.COMMENT
        ]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return [(n, line.index("#"), line[line.index("#") :]) for n, line in enumerate(source.splitlines(), 1) if "#" in line]


def directives(source: str) -> dict[int, frozenset[str] | None]:
    """line -> codes silenced there (``None``: everything)."""
    found: dict[int, frozenset[str] | None] = {}
    for line, _col, text in comments(source):
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


def unused_directives(
    findings: Sequence[Finding], source: str, path: str, enabled: Iterable[Any], known: Iterable[Any]
) -> list[Finding]:
    """PSL001 findings: ``# noqa: PSL...`` codes that silence none of ``findings`` (the file's
    findings before suppression). Only our own codes are judged, and only codes whose rules all
    ran on the file (a code of a rule ignored there, or an unknown code, proves nothing); a bare
    ``# noqa`` may be meant for another flake8 plugin and is never reported. ``known``: the rule catalogue
    (``settings.rules``)."""
    if "noqa" not in source.lower():
        return []
    ran = {r.code for r in enabled}
    codes = [r.code for r in known]
    out: list[Finding] = []
    for line, col, text in comments(source):
        match = NOQA.search(text)
        if not match or match.group("codes") is None:
            continue
        unused: list[str] = []
        for code in (c.upper() for c in re.split(r"[,\s]+", match.group("codes")) if c):
            if not code.startswith("PSL") or UNUSED_NOQA.startswith(code):
                continue
            named = [c for c in codes if c.startswith(code)]
            if not named or any(c not in ran for c in named):
                continue
            if not any(f.code.startswith(code) and line in (f.noqa_lines or (f.line,)) for f in findings):
                unused.append(code)
        if unused:
            start = col + match.start()
            out.append(
                Finding(
                    path=path,
                    line=line,
                    column=start + 1,
                    code=UNUSED_NOQA,
                    end_line=line,
                    end_column=col + match.end() + 1,
                    name="unused-noqa",
                    message=f"Unused noqa directive: nothing here is reported as {', '.join(unused)}",
                    noqa_lines=(line,),
                )
            )
    return out
