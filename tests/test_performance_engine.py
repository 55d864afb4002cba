"""The engine's shortcuts change nothing but the work done: positions of reported nodes only, and files no
rule can fire on are not parsed with libcst (speed itself is measured by benchmarks/bench.py, never here)."""

from __future__ import annotations

import random
import sysconfig
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from py_standards_lint.base.positions import positions_of
from py_standards_lint.engine import lint as engine

from .helpers import lint

STDLIB = Path(sysconfig.get_paths()["stdlib"])
SAMPLES = sorted((STDLIB / "logging").glob("*.py")) + sorted((STDLIB / "json").glob("*.py")) + [STDLIB / "textwrap.py"]


def all_nodes(module: cst.Module) -> list[cst.CSTNode]:
    nodes: list[cst.CSTNode] = []
    engine.walk(module, nodes.append, lambda node: None)
    return nodes


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_positions_of_some_nodes_are_libcst_positions(path: Path) -> None:
    module = cst.parse_module(path.read_bytes())
    full = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    nodes = all_nodes(module)
    rng = random.Random(path.name)
    for size in (1, 2, 5):
        wanted = rng.sample(nodes, min(size, len(nodes)))
        partial = positions_of(module, wanted)
        assert {n: partial[n] for n in wanted} == {n: full[n] for n in wanted}
    last = nodes[-1]  # the very last node: the whole codegen runs
    assert positions_of(module, [last])[last] == full[last]
    assert positions_of(module, []) == {}


def test_positions_of_nested_nodes_and_their_statement() -> None:
    module = cst.parse_module("def f():\n    if x:\n        g(a,\n          b)\n    return 1\n")
    full = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    call = next(n for n in all_nodes(module) if isinstance(n, cst.Call))
    line = next(n for n in all_nodes(module) if isinstance(n, cst.SimpleStatementLine))
    fn = module.body[0]
    partial = positions_of(module, [call, line, fn])
    assert partial[call] == full[call] and partial[line] == full[line] and partial[fn] == full[fn]
    assert (partial[line].start.line, partial[line].end.line) == (3, 4)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_positions_of_every_statement_and_call_match_libcst_whatever_the_newlines(newline: str) -> None:
    text = (STDLIB / "textwrap.py").read_text().replace("\n", newline)
    text += f"{newline}if x:{newline}    y = (1,{newline}         2)  # c{newline}else:{newline}    pass{newline}{newline}# end{newline}"
    module = cst.parse_module(text)
    full = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    nodes = [n for n in all_nodes(module) if isinstance(n, (cst.BaseStatement, cst.BaseSmallStatement, cst.Call, cst.Module))]
    assert len(nodes) > 100
    partial = positions_of(module, nodes)  # nested wanted nodes: statements inside statements, calls inside them
    assert {n: partial[n] for n in nodes} == {n: full[n] for n in nodes}


def lint_with(code: str, path: str, rules: list) -> list:
    from .helpers import make_settings

    result = engine.lint_source(code.encode(), path, make_settings(), path, rule_types=rules)
    assert not result.errors
    return result.findings


def rules_with_needles() -> list:
    """Every rule that declares the text it needs (PSL000 too: it needs none, it is the parse itself)."""
    from py_standards_lint.rules import ALL_RULES

    return [r for r in ALL_RULES if r.requires_text or r.code == engine.SYNTAX_ERROR]


def test_a_file_no_rule_can_fire_on_is_not_parsed_by_libcst(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = []
    real = cst.parse_module
    monkeypatch.setattr(engine.cst, "parse_module", lambda source, *a, **k: parsed.append(source) or real(source, *a, **k))
    rules = rules_with_needles()
    assert lint_with("def double(a):\n    return a * 2\n", "app/services/math.py", rules) == []
    assert parsed == []
    found = lint_with("from fastapi import HTTPException\n\ndef f():\n    raise HTTPException(404)\n", "app/services/x.py", rules)
    assert any(f.code == "PSL101" for f in found)
    assert len(parsed) == 1


def test_a_file_no_rule_can_fire_on_still_reports_its_syntax_error() -> None:
    found = lint_with("def add(a, b:\n    return a + b\n", "app/services/math.py", rules_with_needles())
    assert [(f.code, f.line) for f in found] == [("PSL000", 1)]
    assert found == [f for f in lint("def add(a, b:\n    return a + b\n", path="app/services/math.py") if f.code == "PSL000"]


def test_needles_are_searched_once_per_file() -> None:
    from py_standards_lint.rules import ALL_RULES

    class Counting(bytes):
        searched: list[bytes] = []

        def __contains__(self, needle: object) -> bool:
            Counting.searched.append(needle)  # type: ignore[arg-type]
            return super().__contains__(needle)  # type: ignore[operator]

    data = Counting(b"import logging\nlogger = logging.getLogger(__name__)\n")
    active = engine.prefilter(ALL_RULES, None, data)
    assert len(Counting.searched) == len(set(Counting.searched))
    assert active == [r for r in ALL_RULES if r.code != engine.SYNTAX_ERROR and r.runs_in(None) and r.can_fire(bytes(data))]


@pytest.mark.parametrize("path", SAMPLES[:3], ids=lambda p: p.name)
def test_walk_with_leave_names_leaves_those_types_only_in_the_same_order(path: Path) -> None:
    module = cst.parse_module(path.read_bytes())
    every: list[tuple[str, cst.CSTNode]] = []
    engine.walk(module, lambda n: every.append(("visit", n)), lambda n: every.append(("leave", n)))
    some: list[tuple[str, cst.CSTNode]] = []
    engine.walk(module, lambda n: some.append(("visit", n)), lambda n: some.append(("leave", n)), {"FunctionDef", "Call"})
    expected = [(k, n) for k, n in every if k == "visit" or type(n).__name__ in ("FunctionDef", "Call")]
    assert some == expected
    assert any(k == "leave" for k, _ in some)


@pytest.mark.parametrize("path", SAMPLES[:4] + [STDLIB / "asyncio" / "base_events.py"], ids=lambda p: p.name)
def test_walk_of_statements_only_visits_the_same_statements_in_the_same_order(path: Path) -> None:
    from py_standards_lint.base.fastwalk import is_statement_level

    source = path.read_text() + "\nmatch x:\n    case 1:\n        try:\n            pass\n        except* E:\n            raise\n"
    module = cst.parse_module(source)
    every: list[tuple[str, cst.CSTNode]] = []
    engine.walk(module, lambda n: every.append(("visit", n)), lambda n: every.append(("leave", n)))
    only: list[tuple[str, cst.CSTNode]] = []
    engine.walk(module, lambda n: only.append(("visit", n)), lambda n: only.append(("leave", n)), statements_only=True)
    assert only == [(k, n) for k, n in every if is_statement_level(type(n))]
    assert len(only) < len(every) / 3


def test_a_file_where_only_statement_rules_run_gets_the_same_findings() -> None:
    code = (
        "def f():\n    try:\n        g()\n    except KeyError:\n        lambda: [x for x in y]\n"
        "        raise ValueError('no')  # a statement among expressions\n"
        "    except OSError as e:\n        raise RuntimeError(e) from e\n"
    )
    found = lint_with(code, "lib/f.py", [r for r in rules_with_needles() if r.code in ("PSL000", "PSL201")])
    assert [(f.code, f.line, f.column) for f in found] == [("PSL201", 6, 9)]
