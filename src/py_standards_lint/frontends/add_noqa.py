"""``check --add-noqa``: baseline a legacy codebase by silencing every current finding in place.

Each finding gets ``# noqa: CODE`` on its reported line, merged into an existing
``# noqa: ...`` comment when the line has one (``# noqa: PSL101, PSL301``) and appended
after any other comment. When the reported line ends inside a multi-line string (or
with a ``\\`` continuation), the directive goes on another line of the same statement,
which the noqa rules accept too. The comment is written in the form both this tool and
flake8 read (``# noqa: A1, B2``). Running it again adds nothing: the findings are gone.
``PSL000`` (the file does not parse) is never silenced this way.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections import defaultdict
from pathlib import Path
from typing import Iterable, Sequence

from py_standards_lint.base.finding import FileResult, Finding
from py_standards_lint.engine.noqa import NOQA, comments

CODE = re.compile(r"[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*")


def _closed_lines(text: str) -> set[int]:
    """Lines whose end is inside a token (a multi-line string) or is a ``\\`` continuation:
    a comment cannot go there."""
    blocked: set[int] = set()
    fstring_start = getattr(tokenize, "FSTRING_START", None)
    fstring_end = getattr(tokenize, "FSTRING_END", None)
    tstring_start = getattr(tokenize, "TSTRING_START", None)
    tstring_end = getattr(tokenize, "TSTRING_END", None)
    opened: list[int] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type in (fstring_start, tstring_start) and tok.type is not None:
                opened.append(tok.start[0])
            elif tok.type in (fstring_end, tstring_end) and tok.type is not None and opened:
                blocked.update(range(opened.pop(), tok.end[0]))
            elif tok.end[0] > tok.start[0] and tok.type not in (tokenize.NEWLINE, tokenize.NL):
                blocked.update(range(tok.start[0], tok.end[0]))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return set(range(1, text.count("\n") + 2))  # cannot tell: touch nothing
    for n, line in enumerate(text.splitlines(), 1):
        if line.rstrip().endswith("\\"):
            blocked.add(n)
    return blocked


def _with_codes(line: str, codes: Sequence[str], existing: tuple[int, str] | None) -> str:
    """``line`` (no newline) with ``codes`` added to its noqa directive, or a new one."""
    if existing is not None:
        col, comment = existing
        match = NOQA.search(comment)
        if match is not None:
            if match.group("codes") is None:
                return line  # a bare noqa comment silences everything already
            start = match.start("codes")
            lead = CODE.match(comment, start)
            end = lead.end() if lead else match.end("codes")
            present = {c.upper() for c in re.split(r"[,\s]+", comment[start:end]) if c}
            new = [c for c in codes if not any(c.startswith(p) for p in present)]
            if not new:
                return line
            at = col + end
            return line[:at] + ", " + ", ".join(new) + line[at:]
    return line.rstrip() + "  # noqa: " + ", ".join(codes)


def add_noqa_to_source(text: str, findings: Iterable[Finding]) -> tuple[str, int]:
    """``text`` with directives for ``findings``; the number of codes added."""
    blocked = _closed_lines(text)
    wanted: dict[int, list[str]] = defaultdict(list)
    for f in findings:
        if f.code == "PSL000":
            continue
        for line in (f.line, *sorted(f.noqa_lines)):
            if line not in blocked:
                if f.code not in wanted[line]:
                    wanted[line].append(f.code)
                break
    if not wanted:
        return text, 0
    by_line: dict[int, tuple[int, str]] = {}
    for line, col, comment in comments(text):
        by_line.setdefault(line, (col, comment))
    lines = text.splitlines(keepends=True)
    added = 0
    for n, codes in sorted(wanted.items()):
        if n > len(lines):
            continue
        raw = lines[n - 1]
        body = raw.rstrip("\r\n")
        ending = raw[len(body) :]
        new = _with_codes(body, sorted(codes), by_line.get(n))
        if new != body:
            added += len(codes)
            lines[n - 1] = new + ending
    return "".join(lines), added


def add_noqa_to_files(results: Sequence[FileResult]) -> tuple[int, list[str]]:
    """Rewrite every file of ``results`` that has findings; (directives added, errors)."""
    total = 0
    errors: list[str] = []
    for result in results:
        findings = [f for f in result.findings if f.code != "PSL000"]
        if not findings:
            continue
        if result.path == "-":
            errors.append("--add-noqa cannot rewrite standard input")
            continue
        path = Path(result.path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            errors.append(f"{path}: cannot read: {exc.strerror or exc}")
            continue
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
            text = data.decode(encoding)
        except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
            errors.append(f"{path}: cannot decode: {exc}")
            continue
        new, added = add_noqa_to_source(text, findings)
        if new != text:
            try:
                path.write_bytes(new.encode(encoding))
            except OSError as exc:
                errors.append(f"{path}: cannot write: {exc.strerror or exc}")
                continue
        total += added
    return total, errors
