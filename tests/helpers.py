"""Lint snippets in memory, with default settings (plus overrides) and an optional project index."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from py_standards_lint.analysis.index import ProjectIndex
from py_standards_lint.base.finding import Finding
from py_standards_lint.base.settings import Settings, all_options, parse_table
from py_standards_lint.engine.lint import lint_source
from py_standards_lint.rules import ALL_RULES

ROOT = Path("/project")


def make_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    values = parse_table(dict(overrides or {}), all_options(ALL_RULES))
    return Settings(values=values, root=ROOT, rules=ALL_RULES)


def lint(
    code: str,
    path: str = "app/core/module.py",
    settings: Mapping[str, Any] | None = None,
    files: Mapping[str, str] | None = None,
    select: tuple[str, ...] | None = None,
) -> list[Finding]:
    s = make_settings(settings)
    if select is not None:
        s = s.replace(select=select)
    sources = dict(files or {})
    sources[path] = code

    def index() -> ProjectIndex:
        return ProjectIndex.from_sources(ROOT, sources, s)

    result = lint_source(code.encode(), path, s, path, index_provider=index)
    assert not result.errors, result.errors
    return result.findings


def positions(findings: list[Finding], code: str | None = None) -> list[tuple[int, int]]:
    return [(f.line, f.column) for f in findings if code is None or f.code == code]


def fix(
    code: str,
    path: str,
    rule: type,
    settings: Mapping[str, Any] | None = None,
    files: Mapping[str, str] | None = None,
    unsafe: bool = True,
) -> str:
    """Apply one rule's fixes (safe and, by default, unsafe) to ``code``; return the new text."""
    from py_standards_lint.engine.fixes import fix_source

    s = make_settings(settings)
    sources = dict(files or {})
    sources[path] = code
    outcome = fix_source(
        code.encode(),
        path,
        s,
        path,
        unsafe=unsafe,
        rule_types=[rule],
        index_provider=lambda: ProjectIndex.from_sources(ROOT, sources, s),
    )
    assert not outcome.warnings, outcome.warnings
    return outcome.source.decode()
