"""The fix applier: node replacements, outer-wins overlap, passes, validity, imports."""

import libcst as cst

from py_standards_lint.analysis.edits import add_import
from py_standards_lint.analysis.rule import Rule
from py_standards_lint.base.finding import SAFE, UNSAFE, Fix
from py_standards_lint.engine.fixes import fix_source

from .helpers import make_settings

PATH = "app/core/x.py"


class RenameCalls(Rule):
    """Test rule: `old(...)` -> `new(...)` (safe), and wraps `wrap(x)` -> `x` (unsafe)."""

    code = "PSL990"
    name = "rename-calls"

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "old":
            self.report(node, "old", Fix(SAFE, "rename", [(node.func, cst.Name("new"))]))
        if isinstance(node.func, cst.Name) and node.func.value == "wrap" and node.args:
            self.report(node, "wrap", Fix(UNSAFE, "unwrap", [(node, node.args[0].value)]))


class BreakCode(Rule):
    code = "PSL991"
    name = "break-code"

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "bad":
            self.report(node, "bad", Fix(SAFE, "break", [(node, cst.Name("def"))]))


class AddsImport(Rule):
    code = "PSL992"
    name = "adds-import"

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "need_os":
            edit = add_import(self.ctx.module, "import os")
            if edit:
                self.report(node, "import", Fix(SAFE, "import os", [edit]))


def run(code: str, rules, unsafe: bool = False, data: bytes | None = None):
    return fix_source(data if data is not None else code.encode(), PATH, make_settings(), PATH, unsafe=unsafe, rule_types=rules)


def test_safe_fix_applies_and_remaining_findings_are_rechecked():
    out = run("old(1)\nwrap(old(2))\n", [RenameCalls])
    assert out.source == b"new(1)\nwrap(new(2))\n"
    assert out.fixed == 2
    assert [f.code for f in out.result.findings] == ["PSL990"]  # the unsafe one remains


def test_unsafe_fixes_and_outer_wins_then_inner_next_pass():
    out = run("wrap(wrap(old(3)))\n", [RenameCalls], unsafe=True)
    assert out.source == b"new(3)\n"
    assert out.fixed == 3
    assert out.result.findings == []


def test_idempotent():
    first = run("wrap(old(1))\n", [RenameCalls], unsafe=True).source
    again = run("", [RenameCalls], unsafe=True, data=first)
    assert again.source == first and again.fixed == 0


def test_a_fix_that_breaks_the_code_is_dropped_with_a_warning():
    out = run("old(1)\nbad(2)\n", [RenameCalls, BreakCode])
    assert out.source == b"new(1)\nbad(2)\n"
    assert len(out.warnings) == 1 and "PSL991" in out.warnings[0]


def test_line_endings_bom_and_encoding_are_kept():
    out = run("", [RenameCalls], data=b"\xef\xbb\xbfx = 1\r\nold('\xc3\xa9')\r\n")
    assert out.source == b"\xef\xbb\xbfx = 1\r\nnew('\xc3\xa9')\r\n"
    latin = b"# -*- coding: latin-1 -*-\nold('\xe9')\n"
    assert run("", [RenameCalls], data=latin).source == b"# -*- coding: latin-1 -*-\nnew('\xe9')\n"


def test_add_import_after_docstring_and_future_once():
    code = '"""Doc."""\nfrom __future__ import annotations\n\nneed_os()\nneed_os()\n'
    out = run(code, [AddsImport])
    assert out.source.decode() == '"""Doc."""\nfrom __future__ import annotations\n\nimport os\nneed_os()\nneed_os()\n'
    assert out.result.findings == []


def test_nothing_to_fix_returns_input_unchanged():
    out = run("x = 1\n", [RenameCalls])
    assert out.source == b"x = 1\n" and out.fixed == 0 and not out.changed
