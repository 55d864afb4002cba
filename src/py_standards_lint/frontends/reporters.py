"""Output formats. Each writes findings to a stream; nothing else goes to stdout.

``text`` (``path:line:col: CODE message``), ``grouped`` (per file), ``json`` (one
array), ``json-lines`` (one object a line), ``github`` (GitHub Actions workflow
commands: inline annotations) and ``sarif`` (SARIF 2.1.0 for code scanning).
``--statistics`` replaces the listing with a count per code (see :func:`statistics`).
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path, PurePath
from typing import Any, Callable, Sequence, TextIO

from py_standards_lint import __version__
from py_standards_lint.analysis.rule import Rule
from py_standards_lint.base.finding import Finding
from py_standards_lint.frontends.docs import rule_markdown
from py_standards_lint.rules import ALL_RULES

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
TOOL_NAME = "py-standards-lint"
#: formats whose whole stdout is machine-readable
MACHINE_FORMATS = frozenset({"json", "json-lines", "github", "sarif"})


def _fixable(f: Finding) -> bool:
    return f.fix is not None and f.fix.applicability == "safe"


def text(findings: Sequence[Finding], out: TextIO) -> None:
    for f in findings:
        marker = " [*]" if _fixable(f) else ""
        out.write(f"{f.path}:{f.line}:{f.column}: {f.code}{marker} {f.message}\n")


def grouped(findings: Sequence[Finding], out: TextIO) -> None:
    """One block per file: the path, then ``line:col CODE message`` lines, aligned."""
    by_path: dict[str, list[Finding]] = {}
    for f in findings:
        by_path.setdefault(f.path, []).append(f)
    for i, (path, items) in enumerate(by_path.items()):
        if i:
            out.write("\n")
        out.write(f"{path}:\n")
        width = max(len(f"{f.line}:{f.column}") for f in items)
        for f in items:
            marker = " [*]" if _fixable(f) else ""
            out.write(f"  {f'{f.line}:{f.column}':<{width}} {f.code}{marker} {f.message}\n")


def json_(findings: Sequence[Finding], out: TextIO) -> None:
    json.dump([f.as_json() for f in findings], out, indent=2)
    out.write("\n")


def json_lines(findings: Sequence[Finding], out: TextIO) -> None:
    for f in findings:
        out.write(json.dumps(f.as_json()) + "\n")


# -- GitHub Actions ---------------------------------------------------------------------


def escape_data(value: str) -> str:
    """A workflow command's message: ``%``, CR and LF escaped."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """A workflow command's property value: as the message, plus ``:`` and ``,``."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(findings: Sequence[Finding], out: TextIO) -> None:
    for f in findings:
        props = [("file", f.path), ("line", str(f.line)), ("col", str(f.column))]
        if f.end_line:
            props.append(("endLine", str(f.end_line)))
            if f.end_column:
                props.append(("endColumn", str(f.end_column)))
        props.append(("title", f.code))
        rendered = ",".join(f"{key}={escape_property(value)}" for key, value in props)
        out.write(f"::error {rendered}::{escape_data(f.message)}\n")


# -- SARIF ------------------------------------------------------------------------------


def _uri(path: str) -> str:
    """A repository-relative ``/`` URI for a reported path (relative to the working folder)."""
    pure = PurePath(path)
    if pure.is_absolute():
        try:
            pure = Path(path).resolve().relative_to(Path(os.getcwd()).resolve())
        except (ValueError, OSError):
            pass
    posix = pure.as_posix()
    while posix.startswith("./"):
        posix = posix[2:]
    return posix


def _level(code: str) -> str:
    return "error" if code == "PSL000" else "warning"


def _rule_descriptor(rule: type[Rule]) -> dict[str, Any]:
    short = rule.message or rule.name
    full = " ".join((rule.why or short).split())
    descriptor: dict[str, Any] = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": full, "markdown": rule_markdown(rule, heading_level=0)},
        "defaultConfiguration": {"level": _level(rule.code)},
        "properties": {"tags": [rule.family()], "fixSafety": rule.fix_safety},
    }
    uri = getattr(rule, "help_uri", "")
    if uri:
        descriptor["helpUri"] = uri
    return descriptor


def sarif_log(findings: Sequence[Finding]) -> dict[str, Any]:
    rules = list(ALL_RULES)
    index = {r.code: i for i, r in enumerate(rules)}
    results = []
    for f in findings:
        region: dict[str, int] = {"startLine": f.line, "startColumn": f.column}
        if f.end_line >= f.line:
            region["endLine"] = f.end_line
            if f.end_column and (f.end_line > f.line or f.end_column >= f.column):
                region["endColumn"] = f.end_column
        result: dict[str, Any] = {
            "ruleId": f.code,
            "level": _level(f.code),
            "message": {"text": f.message or f.code},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(f.path) or f.path, "uriBaseId": "%SRCROOT%"},
                        "region": region,
                    }
                }
            ],
        }
        if f.code in index:
            result["ruleIndex"] = index[f.code]
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "version": __version__,
                        "rules": [_rule_descriptor(r) for r in rules],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def sarif(findings: Sequence[Finding], out: TextIO) -> None:
    json.dump(sarif_log(findings), out, indent=2)
    out.write("\n")


REPORTERS: dict[str, Callable[[Sequence[Finding], TextIO], None]] = {
    "text": text,
    "json": json_,
    "json-lines": json_lines,
    "github": github,
    "sarif": sarif,
    "grouped": grouped,
}

# -- statistics -------------------------------------------------------------------------


def count_by_code(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    """``[{code, name, count, fixable}]``, most frequent first."""
    counts = Counter(f.code for f in findings)
    names = {f.code: f.name for f in findings}
    fixable = Counter(f.code for f in findings if _fixable(f))
    return [
        {"code": code, "name": names[code], "count": n, "fixable": fixable[code]}
        for code, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def statistics(findings: Sequence[Finding], out: TextIO, fmt: str = "text") -> None:
    """The count per code: a table, or JSON for ``json`` / ``json-lines``."""
    rows = count_by_code(findings)
    if fmt == "json":
        json.dump(rows, out, indent=2)
        out.write("\n")
        return
    if fmt == "json-lines":
        for row in rows:
            out.write(json.dumps(row) + "\n")
        return
    width = max((len(str(row["count"])) for row in rows), default=1)
    for row in rows:
        marker = "[*]" if row["fixable"] else "   "
        out.write(f"{row['count']:>{width}}  {row['code']}  {marker} {row['name']}\n")


#: formats that can print statistics
STATISTICS_FORMATS = frozenset({"text", "grouped", "json", "json-lines"})


def emit(findings: Sequence[Finding], fmt: str, out: TextIO, *, show_statistics: bool = False) -> None:
    """Write the report for ``findings`` in format ``fmt`` (the findings or their statistics)."""
    if show_statistics:
        statistics(findings, out, fmt)
    else:
        REPORTERS[fmt](findings, out)


def write_report(findings: Sequence[Finding], fmt: str, output_file: Path | None = None, *, show_statistics: bool = False) -> None:
    """The CLI's report: to ``output_file`` (folders created) or to stdout."""
    if output_file is None:
        emit(findings, fmt, sys.stdout, show_statistics=show_statistics)
        sys.stdout.flush()
        return
    output_file.parent.mkdir(parents=True, exist_ok=True)
    with open(output_file, "w", encoding="utf-8", newline="\n") as out:
        emit(findings, fmt, out, show_statistics=show_statistics)
