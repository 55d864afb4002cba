"""``check --add-noqa``: baselining makes `check` (and flake8) pass, is idempotent, and merges
into existing directives without breaking the code."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from py_standards_lint.frontends.add_noqa import add_noqa_to_source

from .conftest import EXAMPLE, run_tool
from .helpers import lint

SERVICE = "app/services/x.py"
HEAD = "import logging\n\nfrom fastapi import HTTPException\n\nlogger = logging.getLogger(__name__)\n\n\n"
#: only the rules these snippets are about (the catalogue grows; other rules' findings would blur the assertions)
RULES = {"select": ["PSL101", "PSL301"]}
ON = {"select": ["PSL101", "PSL001"]}


def baseline(code: str, path: str = SERVICE, settings=RULES) -> str:
    findings = lint(code, path, settings)
    assert findings, "the snippet has findings to baseline"
    new, added = add_noqa_to_source(code, findings)
    assert added >= 1
    compile(new, path, "exec")
    assert lint(new, path, settings) == [], new
    assert add_noqa_to_source(new, lint(new, path, settings)) == (new, 0)
    return new


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.py"))}


def test_example_project_passes_after_add_noqa_and_it_is_idempotent(tmp_path):
    project = tmp_path / "example_app"
    shutil.copytree(EXAMPLE, project)
    before = run_tool("check", ".", cwd=project)
    assert before.returncode == 1
    first = run_tool("check", "--add-noqa", ".", cwd=project)
    assert first.returncode == 0, first.stderr
    added = int(re.search(r"Added (\d+) noqa directives", first.stderr).group(1))
    assert 0 < added <= len(before.stdout.splitlines())  # one code per line, however many findings share it
    assert first.stdout == ""
    after = run_tool("check", ".", cwd=project)
    assert after.returncode == 0, after.stdout
    assert run_tool("--select", "PSL", ".", cwd=project, tool="flake8").returncode == 0
    files = snapshot(project)
    second = run_tool("check", "--add-noqa", ".", cwd=project)
    assert second.returncode == 0 and "Added 0 noqa directives" in second.stderr
    assert snapshot(project) == files
    for name, data in files.items():
        compile(data, name, "exec")


def test_appends_a_directive():
    new = baseline(HEAD + "def f():\n    raise HTTPException(404)\n")
    assert "    raise HTTPException(404)  # noqa: PSL101\n" in new


def test_merges_into_an_existing_directive_and_keeps_other_comments():
    code = HEAD + "def f(x):\n    logger.info(f'{x}')  # noqa: E501 -- long on purpose\n"
    new = baseline(code)
    assert "logger.info(f'{x}')  # noqa: E501, PSL301 -- long on purpose\n" in new
    code = HEAD + "def f(x):\n    logger.info(f'{x}')  # keep this\n"
    assert "logger.info(f'{x}')  # keep this  # noqa: PSL301\n" in baseline(code)


def test_several_codes_on_one_line_are_one_directive():
    code = HEAD + "def f(x):\n    logger.info(f'{x}'); raise HTTPException(404)\n"
    new = baseline(code)
    assert "raise HTTPException(404)  # noqa: PSL101, PSL301\n" in new


def test_a_line_ending_inside_a_string_gets_the_directive_on_a_later_line_of_the_statement():
    code = HEAD + 'def f(x):\n    logger.info(f"""first {x}\nsecond""")\n'
    new = baseline(code)
    assert 'second""")  # noqa: PSL301\n' in new and "first {x}\n" in new


def test_backslash_continuation_is_not_broken():
    code = HEAD + "def f(x):\n    logger.info(f'{x}' \\\n        'more')\n"
    new = baseline(code)
    assert "logger.info(f'{x}' \\\n" in new and "'more')  # noqa: PSL301\n" in new


def test_crlf_line_endings_are_kept():
    code = (HEAD + "def f():\n    raise HTTPException(404)\n").replace("\n", "\r\n")
    findings = lint(code, SERVICE, RULES)
    new, added = add_noqa_to_source(code, findings)
    assert added == len(findings) and "raise HTTPException(404)  # noqa: PSL101\r\n" in new
    assert "\n" not in new.replace("\r\n", "")


def test_unused_directive_report_is_itself_baselined():
    code = "x = 1  # noqa: PSL101\n"
    new = baseline(code, settings=ON)
    assert new == "x = 1  # noqa: PSL101, PSL001\n"


def test_stdin_cannot_be_rewritten(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.py-standards-lint]\n")
    result = run_tool(
        "check", "--add-noqa", "-", "--stdin-filename", "app/services/x.py",
        cwd=tmp_path, stdin=HEAD + "def f():\n    raise HTTPException(404)\n",
    )
    assert result.returncode == 2 and "standard input" in result.stderr
    (tmp_path / "x.py").write_text("x = 1\n")
    both = run_tool("check", "--add-noqa", "--fix", "x.py", cwd=tmp_path)
    assert both.returncode == 2 and "--fix" in both.stderr
