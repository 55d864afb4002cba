"""The engine on odd input, and its guarantees: one parse, errors contained, no pruning surprises."""

import libcst as cst
import pytest

from py_standards_lint.analysis.rule import Rule
from py_standards_lint.base.fastwalk import walk
from py_standards_lint.engine.lint import lint_source

from .helpers import lint, make_settings

SERVICE = "app/services/x.py"
RAISE = "from fastapi import HTTPException\n\ndef f():\n    raise HTTPException(404)\n"


ONLY = make_settings({"select": ["PSL000", "PSL101"]})  # exact expectations: one rule and syntax errors


def run(data: bytes, path: str = SERVICE):
    return lint_source(data, path, ONLY, path)


def test_syntax_error_is_one_psl000_and_nothing_else():
    result = run(b"from fastapi import HTTPException\ndef f(:\n    raise HTTPException(1)\n")
    assert [(f.line, f.code) for f in result.findings] == [(2, "PSL000")]
    assert "Cannot parse" in result.findings[0].message and not result.errors


@pytest.mark.parametrize(
    "data",
    [
        RAISE.encode(),
        b"\xef\xbb\xbf" + RAISE.encode(),
        RAISE.replace("\n", "\r\n").encode(),
        RAISE.replace("    ", "\t").encode(),
        b"# -*- coding: latin-1 -*-\n" + RAISE.replace("404", "404, '\xe9'").encode("latin-1"),
        b"\x0c" + RAISE.encode(),
    ],
    ids=["plain", "bom", "crlf", "tabs", "latin1", "formfeed"],
)
def test_encodings_and_line_endings(data):
    result = run(data)
    assert [f.code for f in result.findings] == ["PSL101"] and not result.errors


def test_undecodable_bytes_are_psl000():
    result = run(b"from fastapi import HTTPException\nx = '\xff\xfe'\n")
    assert [f.code for f in result.findings] == ["PSL000"]


@pytest.mark.parametrize(
    "code",
    [
        "",
        "\n\n",
        "type Point[T] = tuple[T, T]\ndef f[T](x: T) -> T:\n    return x\n",
        "x = f'{f\"{1}\"}'\n",
        "try:\n    pass\nexcept* ValueError:\n    pass\n",
        "match x:\n    case {'a': 1}:\n        pass\n",
    ],
    ids=["empty", "blank", "pep695", "pep701", "except-star", "match"],
)
def test_new_and_empty_syntax(code):
    result = run(code.encode())
    assert not result.errors
    assert all(f.code == "PSL000" for f in result.findings) or not result.findings


def test_a_rule_that_raises_does_not_stop_the_others(monkeypatch):
    class Boom(Rule):
        code = "PSL999"
        name = "boom"

        def visit_Raise(self, node):
            raise RuntimeError("kaboom")

    from py_standards_lint.rules import ALL_RULES

    rules = [r for r in ALL_RULES if r.code == "PSL101"] + [Boom]
    result = lint_source(RAISE.encode(), SERVICE, make_settings(), SERVICE, rule_types=rules)
    assert [f.code for f in result.findings] == ["PSL101"]
    assert len(result.errors) == 1 and result.errors[0].rule == "PSL999" and "kaboom" in result.errors[0].message


def test_prefilter_skips_parsing(monkeypatch):
    calls = []
    real = cst.parse_module
    monkeypatch.setattr(cst, "parse_module", lambda src: calls.append(1) or real(src))
    rules = [r for r in _rules() if r.requires_text]
    assert len(rules) > 5
    result = lint_source(b"x = 1\n", SERVICE, make_settings(), SERVICE, rule_types=rules)
    assert not result.findings and calls == []


def _rules():
    from py_standards_lint.rules import ALL_RULES

    return ALL_RULES


def test_walk_is_source_order_and_visits_decorators_outside_the_function():
    module = cst.parse_module("@dec(a)\ndef f(x=b):\n    try:\n        c\n    except E as e:\n        d\n")
    seen: list[str] = []
    walk(module, lambda n: seen.append(n.value) if isinstance(n, cst.Name) else None, lambda n: None)
    assert seen == ["dec", "a", "f", "x", "b", "c", "E", "e", "d"]


def test_walk_survives_deep_nesting():
    code = "x = " + "(" * 200 + "1" + ")" * 200 + "\n"
    module = cst.parse_module(code)
    count = []
    walk(module, lambda n: count.append(1), lambda n: None)
    assert len(count) > 3


def test_context_stacks_nested_defs_and_handlers():
    code = (
        "import logging\nlogger = logging.getLogger(__name__)\n"
        "def f():\n    try:\n        pass\n    except Exception:\n        def g():\n            logger.info(f'{x}')\n"
    )
    assert [(f.line, f.code) for f in lint(code)] == [(8, "PSL301")]


def test_prefilter_text_can_depend_on_settings():
    """The logging rules' prefilter follows `logger-names`; PSL404's follows `shared-client-types`."""
    from py_standards_lint.engine.lint import prefilter
    from py_standards_lint.rules import BY_CODE

    code = 'def f(user):\n    audit.info("user.created", user_id=user.id)\n'
    kwargs = BY_CODE["PSL303"]
    assert kwargs not in prefilter([kwargs], None, code.encode(), make_settings())
    custom = make_settings({"logger-names": ["audit"]})
    assert kwargs in prefilter([kwargs], None, code.encode(), custom)
    assert [(f.line, f.code) for f in lint(code, settings={"logger-names": ["audit"]}) if f.code == "PSL303"] == [(2, "PSL303")]
    close = BY_CODE["PSL404"]
    sdk = b"import openai\n\nclient = openai.OpenAI()\n"
    assert close not in prefilter([close], None, sdk, make_settings())
    assert close in prefilter([close], None, sdk, make_settings({"shared-client-types": ["openai.OpenAI"]}))
