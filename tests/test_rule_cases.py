"""Every rule's own VALID / INVALID cases, expanded into parametrized tests.

A valid case must produce no finding of that rule; an invalid case must produce
exactly the listed (line, column) findings of that rule.
"""

from __future__ import annotations

import re

import pytest

from py_standards_lint.analysis.rule import Invalid, Valid
from py_standards_lint.rules import ALL_RULES

from .helpers import fix, lint, positions


def _cases(kind: str):
    for rule in ALL_RULES:
        for i, case in enumerate(getattr(rule, kind)):
            yield pytest.param(rule, case, id=f"{rule.code}-{kind}-{i}")


def _list(kind: str):
    return list(_cases(kind))


@pytest.mark.parametrize("rule,case", _list("valid"))
def test_valid(rule, case: Valid) -> None:
    findings = lint(case.code, case.path or rule.example_path, case.settings, case.files)
    assert positions(findings, rule.code) == []


@pytest.mark.parametrize("rule,case", _list("invalid"))
def test_invalid(rule, case: Invalid) -> None:
    findings = lint(case.code, case.path or rule.example_path, case.settings, case.files)
    assert positions(findings, rule.code) == sorted(case.positions)


@pytest.mark.parametrize("rule,case", [p for p in _list("invalid") if p.values[1].fixed is not None])
def test_fix(rule, case: Invalid) -> None:
    """The rule's own fix (safe or unsafe) turns the case into ``fixed``, which it no longer flags."""
    path = case.path or rule.example_path
    fixed = fix(case.code, path, rule, case.settings, case.files)
    assert fixed == case.fixed
    assert fix(fixed, path, rule, case.settings, case.files) == fixed, "fixes are idempotent"


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_rule_is_complete(rule) -> None:
    assert re.fullmatch(r"PSL\d{3}", rule.code)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)
    assert rule.message and rule.why and rule.example and rule.use_instead
    assert rule.fix_safety in ("safe", "unsafe", "-")
    assert rule.valid and rule.invalid, "every rule carries cases it must flag and must not flag"


@pytest.mark.parametrize("rule", [r for r in ALL_RULES if r.code != "PSL000"], ids=lambda r: r.code)
def test_docs_examples(rule) -> None:
    """The documented failing example is flagged; the corrected one is not."""
    opt_in = {} if getattr(rule, "default_enabled", True) else {"extend-select": [rule.code]}
    files = rule.example_files
    assert positions(lint(rule.example, rule.example_path, opt_in, files), rule.code)
    assert not positions(lint(rule.use_instead, rule.example_path, opt_in, files), rule.code)
