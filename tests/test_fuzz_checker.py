"""Fuzzing with hypothesis + hypothesmith: the checker never fails on a program, and fixes are safe.

* random programs from Python's grammar (``hypothesmith.from_grammar``) and from libcst's node types
  (``hypothesmith.from_node``), linted at a route / service / repository / test / core path with every rule
  enabled: no internal error, at most one ``PSL000`` and nothing else when there is one;
* programs stitched from the rules' own test cases, examples and compliant code (what the rules look for,
  so they do fire), nested at random inside functions, classes, ``try`` / ``with`` blocks and
  ``if TYPE_CHECKING:``, with random programs between them, at random layer paths: no internal error, and
  ``--unsafe-fixes`` (the superset of fixes) gives code that parses, still compiles when the input did,
  and is a fixed point (fixing again changes nothing).

Sized for CI (well under two minutes on two cores); ``PSL_FUZZ_EXAMPLES=2000`` (examples per test) runs a
longer campaign.
"""

from __future__ import annotations

import os
import textwrap
import warnings

import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from py_standards_lint.analysis.index import ProjectIndex
from py_standards_lint.engine.fixes import fix_source
from py_standards_lint.engine.lint import lint_source
from py_standards_lint.rules import ALL_RULES

from .helpers import ROOT, make_settings

EXAMPLES = int(os.environ.get("PSL_FUZZ_EXAMPLES", "0"))
PATHS = (
    "app/routes/orders.py",
    "app/api/orders_routes.py",
    "app/services/orders.py",
    "app/repositories/orders.py",
    "tests/test_orders.py",
    "tests/conftest.py",
    "app/core/cache.py",
    "app/main.py",
    "app/core/config.py",
)
SETTINGS = make_settings().replace(select=tuple(r.code for r in ALL_RULES))  # every rule, the opt-in ones too


def fuzz_settings(default: int):
    return settings(
        max_examples=EXAMPLES or default,
        deadline=None,
        database=None,
        derandomize=not EXAMPLES,  # CI: the same examples every run; a campaign explores
        suppress_health_check=list(HealthCheck),
    )


def lint(code: str, path: str, files: dict[str, str] | None = None):
    sources = {**(files or {}), path: code}
    result = lint_source(
        code.encode("utf-8", "surrogatepass"), path, SETTINGS, path,
        index_provider=lambda: ProjectIndex.from_sources(ROOT, sources, SETTINGS),
    )
    assert result.errors == [], (path, code, result.errors)
    syntax = [f for f in result.findings if f.code == "PSL000"]
    assert len(syntax) <= 1 and (not syntax or len(result.findings) == 1), result.findings
    return result


def compiles(data: bytes) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(data, "<fuzz>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


@fuzz_settings(100)
@given(code=hypothesmith.from_grammar(), path=st.sampled_from(PATHS))
def test_random_grammar_programs_never_fail(code, path):
    lint(code, path)


@fuzz_settings(25)
@given(code=hypothesmith.from_node(), path=st.sampled_from(PATHS))
def test_random_libcst_programs_never_fail(code, path):
    lint(code, path)


# -- programs made of what the rules look for -------------------------------------------------------------


def _snippets() -> list[tuple[str, dict[str, str]]]:
    out = []
    for rule in ALL_RULES:
        for case in (*rule.valid, *rule.invalid):
            out.append((case.code, dict(case.files)))
        for code in (rule.example, rule.use_instead):
            if code:
                out.append((code, {}))
    return [(textwrap.dedent(code), files) for code, files in out if code.strip()]


SNIPPETS = _snippets()

WRAPPERS = (
    "{body}",
    "def outer():\n{body}",
    "async def outer(request, db):\n{body}",
    "class Outer:\n{body}",
    "class Outer(Base):\n    def method(self):\n{body2}",
    "try:\n{body}\nexcept Exception as exc:\n    raise",
    "try:\n    pass\nexcept (ValueError, KeyError) as err:\n{body}",
    "with lock:\n{body}",
    "if TYPE_CHECKING:\n{body}",
    "def factory():\n    def inner():\n{body2}\n    return inner",
)


@st.composite
def stitched_programs(draw):
    parts, files = [], {}
    for _ in range(draw(st.integers(1, 4))):
        code, case_files = draw(st.sampled_from(SNIPPETS))
        files.update(case_files)
        wrapper = draw(st.sampled_from(WRAPPERS))
        body = textwrap.indent(code, "    ") or "    pass\n"
        parts.append(wrapper.format(body=body.rstrip("\n") or "    pass", body2=textwrap.indent(body, "    ").rstrip("\n")))
        if draw(st.booleans()):
            parts.append(draw(hypothesmith.from_grammar(auto_target=False)).rstrip("\n"))
    separator = draw(st.sampled_from(["\n\n", "\n\n\n", "\n# comment\n"]))
    return separator.join(parts) + "\n", files


@pytest.mark.slow
@fuzz_settings(40)
@given(program=stitched_programs(), path=st.sampled_from(PATHS))
def test_stitched_programs_never_fail_and_fixes_are_safe_and_idempotent(program, path):
    code, files = program
    result = lint(code, path, files)
    sources = {**files, path: code}

    def index():
        return ProjectIndex.from_sources(ROOT, sources, SETTINGS)

    data = code.encode("utf-8", "surrogatepass")
    first = fix_source(data, path, SETTINGS, path, unsafe=True, index_provider=index)
    assert first.result.errors == []
    if not first.changed:
        assert first.source == data
        return
    assert any(f.fix is not None for f in result.findings)
    cst.parse_module(first.source)  # parses
    if compiles(data):
        assert compiles(first.source), first.source.decode()
    fixed_sources = {**files, path: first.source.decode("utf-8", "surrogatepass")}
    second = fix_source(
        first.source, path, SETTINGS, path, unsafe=True,
        index_provider=lambda: ProjectIndex.from_sources(ROOT, fixed_sources, SETTINGS),
    )
    assert second.source == first.source, (code, first.source.decode(), second.source.decode())
    assert second.fixed == 0
