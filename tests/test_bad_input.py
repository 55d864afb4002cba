"""The bad-input matrix: every odd file a repository can hold has one clear outcome, and none of them
stops the other files from being checked.

Outcomes (README, *Guarantees*):
* decodable Python in any encoding CPython accepts (a coding cookie, a UTF-8 BOM), with any line endings
  (LF, CRLF, CR, mixed): linted normally, positions in the file's own lines;
* anything CPython's parser refuses (syntax errors, undecodable bytes, NUL bytes, an unknown coding,
  nesting deeper than CPython allows): exactly one ``PSL000`` at the place CPython names, nothing else;
* a file that cannot be read (permissions, vanished since the folder was listed, a symlink loop named
  explicitly): ``error: <path>: cannot read: <reason>`` on stderr, exit 2, the other files still reported;
* a file named explicitly is checked as Python whatever its extension (like flake8 and ruff), so a
  non-Python file is one ``PSL000``; in folders only ``*.py`` / ``*.pyi`` files are picked up;
* a folder without Python files: exit 0, ``0 findings in 0 files checked.``;
* an invalid ``pyproject.toml``, an option of the wrong type, an unknown code in ``select``: exit 2 with a
  message naming the file / the key / the code, and no findings printed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from py_standards_lint.engine.lint import lint_source
from py_standards_lint.frontends.cli import app

from .conftest import run_tool
from .helpers import make_settings

runner = CliRunner()
SERVICE = "app/services/orders.py"
VIOLATION = "from fastapi import HTTPException\n\n\ndef f():\n    raise HTTPException(404)\n"


def run(data: bytes | str, path: str = SERVICE):
    result = lint_source(data, path, make_settings(), path)
    assert not result.errors, result.errors
    return result.findings


def codes_at(findings) -> list[tuple[int, int, str]]:
    return [(f.line, f.column, f.code) for f in findings]


def only_psl000(findings) -> tuple[int, int, str]:
    assert [f.code for f in findings] == ["PSL000"], codes_at(findings)
    return findings[0].line, findings[0].column, findings[0].message


# -- encodings and line endings: linted normally ---------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbf" + VIOLATION.encode(),
        VIOLATION.replace("\n", "\r\n").encode(),
        VIOLATION.replace("\n", "\r").encode(),
        b"from fastapi import HTTPException\r\n\n\rdef f():\r\n    raise HTTPException(404)\n",
        b"\xef\xbb\xbf" + VIOLATION.replace("\n", "\r\n").encode(),
    ],
    ids=["bom", "crlf", "cr", "mixed", "bom-crlf"],
)
def test_bom_and_line_endings_keep_positions(data):
    assert ("PSL101", 5, 5) in [(f.code, f.line, f.column) for f in run(data)]


def test_latin1_coding_cookie_is_honoured():
    text = "# -*- coding: latin-1 -*-\n" + VIOLATION.replace("(404)", "(404, 'caf\xe9')")
    findings = run(text.encode("latin-1"))
    assert ("PSL101", 6, 5) in [(f.code, f.line, f.column) for f in findings]
    assert "PSL000" not in [f.code for f in findings]


def test_non_ascii_text_before_a_finding_does_not_shift_its_column():
    code = "from fastapi import HTTPException\n\n\ndef f():\n    x = 'é€😀'; raise HTTPException(404)\n"
    assert ("PSL101", 5, 16) in [(f.code, f.line, f.column) for f in run(code.encode())]  # characters, not bytes


# -- what CPython refuses: one PSL000, where CPython says ----------------------------------------------------


def test_invalid_utf8_is_one_psl000_on_the_line_of_the_byte():
    line, _, message = only_psl000(run(b"from fastapi import HTTPException\n\nx = 'caf\xe9'\n"))
    assert line == 3 and "decode" in message


def test_unknown_coding_cookie():
    line, _, message = only_psl000(run(b"# -*- coding: klingon -*-\n" + VIOLATION.encode()))
    assert line == 1 and "klingon" in message


def test_utf16_is_not_python_source():
    only_psl000(run(b"\xff\xfe" + VIOLATION.encode("utf-16-le")))


@pytest.mark.parametrize(
    "data, where",
    [
        (b"from fastapi import HTTPException\nx = 1\x00\n", (2, 6)),
        (b"from fastapi import HTTPException\nx = '\x00'\ny = (\n", None),
        (b"\x00\x00\x00\x00", (1, 1)),
    ],
    ids=["nul-in-code", "nul-in-string-and-broken", "only-nuls"],
)
def test_nul_bytes_are_one_psl000(data, where):
    line, column, _ = only_psl000(run(data))
    if where is not None:
        assert (line, column) == where


#: (code, CPython's (line, column) of the error) — every kind of error CPython's parser reports
SYNTAX_ERRORS = {
    "unclosed-paren": ("x = (1,\n", (1, 5)),
    "unterminated-string": ("x = 1\ns = 'abc\n", (2, 5)),
    "unterminated-triple-quote": ('x = 1\ns = """abc\n\n', (2, 5)),
    "unexpected-indent": ("x = 1\n  y = 2\n", (2, 2)),
    "bad-dedent": ("if x:\n  a\n b\n", (3, 3)),
    "tabs-and-spaces": ("if x:\n\tif y:\n\t    a\n        b\n", (4, 1)),
    "invalid-character": ("x = $\n", (1, 5)),
    "bad-parameters": ("def f(:\n    pass\n", (1, 7)),
    "missing-colon": ("if x\n    pass\n", (1, 5)),
    "python2-print": ('print "x"\n', (1, 1)),
    "dangling-operator": ("a = 1 +\n", (1, 8)),
    "assign-to-call": ("f() = 1\n", (1, 1)),
    "delete-call": ("del f()\n", (1, 5)),
    "assign-to-keyword": ("True = 1\n", (1, 1)),
    "unparenthesized-generator": ("f(x for x in y, 1)\n", (1, 3)),
    "unpacking-order": ("f(**a, *b)\n", (1, 8)),
    "walrus-statement": ("x := 1\n", (1, 3)),
    "keyword-as-name": ("async = 1\n", (1, 7)),
    "stray-except-star": ("except* ValueError:\n    pass\n", (1, 1)),
    "unclosed-bracket-at-eof": ("items = [\n    1,\n    2,\n", (1, 9)),
    "mismatched-brackets": ("x = (1, 2]\n", (1, 10)),
    "eof-in-def": ("def f():\n", (1, 9)),
}


@pytest.mark.parametrize("name", sorted(SYNTAX_ERRORS))
def test_every_kind_of_syntax_error_is_one_psl000_at_cpythons_position(name):
    code, where = SYNTAX_ERRORS[name]
    source = "from fastapi import HTTPException\n" + code  # a rule could fire: the file is parsed
    line, column, message = only_psl000(run(source.encode()))
    assert (line - 1, column) == where, message
    assert message.startswith("Cannot parse: ") and "\n" not in message


@pytest.mark.parametrize("name", sorted(SYNTAX_ERRORS))
def test_syntax_errors_with_no_rule_to_run_are_still_reported(name):
    code, where = SYNTAX_ERRORS[name]
    line, column, _ = only_psl000(run(code.encode(), path="app/core/settings.py"))
    assert (line, column) == where


def test_cpython_position_wins_over_libcst_message():
    # libcst names the end of the file; CPython names the bracket that was never closed
    line, column, _ = only_psl000(run(b"from fastapi import HTTPException\nx = [\n    1,\n\n\ny = 2\n"))
    assert (line, column) == (2, 5)


# -- nesting ------------------------------------------------------------------------------------------------

DEEP = {
    "parentheses-1000": "x = " + "(" * 1000 + "1" + ")" * 1000 + "\n",
    "lists-1000": "x = " + "[" * 1000 + "]" * 1000 + "\n",
    "calls-1000": "x = " + "f(" * 1000 + ")" * 1000 + "\n",
    "dicts-1000": "x = " + "{'a': " * 1000 + "1" + "}" * 1000 + "\n",
    "blocks-1000": "".join(" " * i + "if x:\n" for i in range(1000)) + " " * 1000 + "pass\n",
    "defs-1000": "".join(" " * i + "def f():\n" for i in range(1000)) + " " * 1000 + "pass\n",
    "binop-chain-20000": "x = " + " + ".join(["1"] * 20000) + "\n",
    "attribute-chain-20000": "x = a" + ".b" * 20000 + "\n",
    "subscript-chain-20000": "x = a" + "[0]" * 20000 + "\n",
    "not-chain-20000": "x = " + "not " * 20000 + "a\n",
    "lambda-chain-5000": "x = " + "lambda: " * 5000 + "1\n",
}


@pytest.mark.parametrize("name", sorted(DEEP))
def test_nesting_deeper_than_cpython_accepts_is_one_psl000_not_a_crash(name):
    line, _, message = only_psl000(run(("from fastapi import HTTPException\n" + DEEP[name]).encode()))
    assert message.startswith("Cannot parse: too deeply nested (") and line >= 1


def test_deep_but_valid_code_is_linted_with_positions():
    """As deep as CPython accepts: parsed, traversed and positioned without RecursionError."""
    nested = "".join("    " * i + "if x:\n" for i in range(90))
    code = (
        "from fastapi import HTTPException\n"
        "total = " + " + ".join(["1"] * 1500) + "\n"
        "value = " + "(" * 190 + "1" + ")" * 190 + "\n"
        "def f():\n" + "".join("    " + line + "\n" for line in nested.splitlines())
        + "    " * 91 + "raise HTTPException(404)\n"
    )
    findings = run(code.encode())
    assert ("PSL101", 95, 365) in [(f.code, f.line, f.column) for f in findings]
    assert "PSL000" not in [f.code for f in findings]


def test_deep_nesting_through_the_cli_in_a_subprocess(tmp_path):
    """A native stack overflow would kill the process: check it as a real process, next to a normal file."""
    (tmp_path / "pyproject.toml").write_text("[tool.py-standards-lint]\n")
    services = tmp_path / "app" / "services"
    services.mkdir(parents=True)
    (services / "deep.py").write_text("x = " + " + ".join(["1"] * 30000) + "\n")
    (services / "chain.py").write_text("from fastapi import HTTPException\nx = a" + "[0]" * 30000 + "\n")
    (services / "steps.py").write_text(VIOLATION)
    result = run_tool("check", ".", "--no-cache", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert reported_codes(result.stdout) == [
        ("app/services/chain.py", "PSL000"), ("app/services/deep.py", "PSL000"), ("app/services/steps.py", "PSL101")
    ]
    assert "app/services/steps.py:5:5: PSL101" in result.stdout


# -- new syntax ---------------------------------------------------------------------------------------------

NEW_SYNTAX = {
    "pep695-generic-function": "def f[T: int, *Ts, **P](x: T) -> T:\n    raise HTTPException(404)\n",
    "pep695-generic-class": "class Box[T]:\n    def get(self) -> T:\n        raise HTTPException(404)\n",
    "pep695-type-alias": "type Pair[T] = tuple[T, T]\ndef f():\n    raise HTTPException(404)\n",
    "pep701-nested-fstrings": "def f(a):\n    x = f\"{f\"{f\"{a}\"}\"}\"\n    raise HTTPException(404)\n",
    "pep701-fstring-backslash": "def f(a):\n    x = f\"{'\\n'.join(a)}\"\n    raise HTTPException(404)\n",
    "pep750-template-string": "def f(a):\n    x = t'{a}'\n    raise HTTPException(404)\n",
    "except-star": "def f():\n    try:\n        pass\n    except* ValueError:\n        raise HTTPException(404)\n",
    "match": "def f(x):\n    match x:\n        case {'a': [1, *rest]} if rest:\n            raise HTTPException(404)\n",
}


@pytest.mark.parametrize("name", sorted(NEW_SYNTAX))
def test_python_312_to_314_syntax_is_linted(name):
    code = "from fastapi import HTTPException\n\n\n" + NEW_SYNTAX[name]
    findings = run(code.encode())
    assert "PSL000" not in [f.code for f in findings], codes_at(findings)
    raise_line = code.splitlines().index(next(line for line in code.splitlines() if "raise HTTPException" in line)) + 1
    assert "PSL101" in [f.code for f in findings if f.line == raise_line]


# -- empty and trivial files --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data", [b"", b"\n\n\n", b"   \n\t\n", b"# only a comment\n", b"\xef\xbb\xbf", b"\r\n", b"\x0c\n", b'"""doc"""'],
    ids=["empty", "newlines", "whitespace", "comment", "bom-only", "crlf-only", "formfeed", "no-final-newline"],
)
def test_empty_and_trivial_files_have_no_findings(data):
    assert run(data) == []


# -- a big file ---------------------------------------------------------------------------------------------


def test_a_10_mb_file_next_to_a_normal_one(tmp_path):
    """A generated 10 MB data module is read and checked, and the file after it is still reported.

    With the architecture rules (``--select PSL0,PSL1``) nothing can fire on its text, so CPython's parser
    vouches for its syntax and libcst is not needed. (Through libcst, with rules whose prefilter lets every
    file through, a file this size takes minutes and gigabytes: slow, not broken.)"""
    (tmp_path / "pyproject.toml").write_text("[tool.py-standards-lint]\n")
    services = tmp_path / "app" / "services"
    services.mkdir(parents=True)
    rows = b"".join(b'    ("sku-%08d", %d, %d.25, "a description of the item"),\n' % (i, i, i) for i in range(180_000))
    big = b'"""Generated price table."""\n\nPRICES = [\n' + rows + b"]\n"
    assert len(big) >= 10 * 1024 * 1024
    (services / "a_prices.py").write_bytes(big)
    (services / "b_steps.py").write_text(VIOLATION)
    result = run_tool("check", ".", "--no-cache", "--select", "PSL0,PSL1", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert reported_codes(result.stdout) == [("app/services/b_steps.py", "PSL101")]
    assert "app/services/b_steps.py:5:5: PSL101" in result.stdout
    assert "in 2 files checked" in result.stderr and "error" not in result.stderr


# -- files on disk: the whole matrix in one run -------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.py-standards-lint]\n")
    services = tmp_path / "app" / "services"
    services.mkdir(parents=True)
    (services / "steps.py").write_text(VIOLATION)
    return tmp_path


def check(project: Path, monkeypatch, *args: str):
    monkeypatch.chdir(project)
    return runner.invoke(app, ["check", "--no-cache", *args])


def reported_codes(stdout: str) -> list[tuple[str, str]]:
    """(path, code) of the PSL000 and PSL101 findings printed (other rules may fire on VIOLATION too)."""
    out = []
    for line in stdout.splitlines():
        path, _, _, rest = line.split(":", 3)
        if rest.split()[0] in ("PSL000", "PSL101"):
            out.append((path, rest.split()[0]))
    return out


def test_every_bad_file_together_does_not_stop_the_others(project, monkeypatch):
    services = project / "app" / "services"
    files = {
        "a_invalid_utf8.py": b"x = '\xff\xfe'\n",
        "b_latin1.py": "# -*- coding: latin-1 -*-\nx = 'caf\xe9'\n".encode("latin-1"),
        "c_bom.py": b"\xef\xbb\xbf" + VIOLATION.encode(),
        "d_crlf.py": VIOLATION.replace("\n", "\r\n").encode(),
        "e_nul.py": b"x = 1\x00\n",
        "f_deep.py": ("x = " + "(" * 1000 + ")" * 1000 + "\n").encode(),
        "g_syntax.py": b"def f(:\n",
        "h_empty.py": b"",
        "i_new_syntax.py": b"type X[T] = list[T]\nx = t'{X}'\n",
    }
    for name, data in files.items():
        (services / name).write_bytes(data)
    result = check(project, monkeypatch, ".")
    assert result.exit_code == 1, result.output
    assert reported_codes(result.stdout) == [
        ("app/services/a_invalid_utf8.py", "PSL000"),
        ("app/services/c_bom.py", "PSL101"),
        ("app/services/d_crlf.py", "PSL101"),
        ("app/services/e_nul.py", "PSL000"),
        ("app/services/f_deep.py", "PSL000"),
        ("app/services/g_syntax.py", "PSL000"),
        ("app/services/steps.py", "PSL101"),
    ]
    assert "10 files checked" in result.stderr and "error" not in result.stderr


def test_unreadable_file_is_an_error_and_the_rest_is_checked(project, monkeypatch):
    locked = project / "app" / "services" / "locked.py"
    locked.write_text(VIOLATION)
    from py_standards_lint.analysis import index
    from py_standards_lint.base import safeio
    from py_standards_lint.engine import lint as engine

    def read_regular(path, *args, **kwargs):
        if Path(path).name == "locked.py":  # as root, chmod 000 does not stop a read: refuse it the way the OS would
            raise PermissionError(13, "Permission denied", str(path))
        return safeio.read_regular(path, *args, **kwargs)

    monkeypatch.setattr(engine, "read_regular", read_regular)
    monkeypatch.setattr(index, "read_regular", read_regular)
    result = check(project, monkeypatch, ".")
    assert result.exit_code == 2
    assert reported_codes(result.stdout) == [("app/services/steps.py", "PSL101")]
    assert "error: app/services/locked.py: cannot read: Permission denied" in result.stderr


def test_file_that_vanishes_mid_run(project, monkeypatch):
    services = project / "app" / "services"
    (services / "a_gone.py").write_text(VIOLATION)
    from py_standards_lint.base import safeio
    from py_standards_lint.engine import lint as engine

    def read_regular(path, *args, **kwargs):
        if Path(path).name == "a_gone.py":  # listed, then deleted before it is read
            os.unlink(path)
        return safeio.read_regular(path, *args, **kwargs)

    monkeypatch.setattr(engine, "read_regular", read_regular)
    result = check(project, monkeypatch, ".")
    assert result.exit_code == 2
    assert reported_codes(result.stdout) == [("app/services/steps.py", "PSL101")]
    assert "error: app/services/a_gone.py: cannot read: No such file or directory" in result.stderr


def test_symlink_loops(project, monkeypatch):
    services = project / "app" / "services"
    (services / "loop_a.py").symlink_to(services / "loop_b.py")
    (services / "loop_b.py").symlink_to(services / "loop_a.py")
    (services / "dangling.py").symlink_to(services / "missing.py")
    (project / "app" / "again").symlink_to(project / "app")  # a folder loop
    # in a folder: not files, skipped
    result = check(project, monkeypatch, ".")
    assert result.exit_code == 1 and reported_codes(result.stdout) == [("app/services/steps.py", "PSL101")]
    # named explicitly: an error naming the file, the others still checked
    result = check(project, monkeypatch, "app/services/loop_a.py", "app/services/steps.py")
    assert result.exit_code == 2
    assert reported_codes(result.stdout) == [("app/services/steps.py", "PSL101")]
    assert "app/services/loop_a.py: cannot read: Too many levels of symbolic links" in result.stderr


def test_symlink_loop_as_a_real_process(project):
    services = project / "app" / "services"
    (services / "loop_a.py").symlink_to(services / "loop_b.py")
    (services / "loop_b.py").symlink_to(services / "loop_a.py")
    result = run_tool("check", "--no-cache", "app/services/loop_a.py", ".", cwd=project)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stdout.count("PSL101") == 1


def test_non_python_files_named_explicitly_are_checked_as_python(project, monkeypatch):
    (project / "README.md").write_text("# The service\n\nRun it with `make`.\n")
    (project / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    (project / "manage").write_text("#!/usr/bin/env python\n" + VIOLATION)  # a script without an extension
    result = check(project, monkeypatch, "README.md", "logo.png", "manage", "app")
    assert result.exit_code == 1
    assert reported_codes(result.stdout) == [
        ("README.md", "PSL000"),
        ("app/services/steps.py", "PSL101"),
        ("logo.png", "PSL000"),
    ]
    # in a folder, only Python files are picked up
    result = check(project, monkeypatch, ".")
    assert reported_codes(result.stdout) == [("app/services/steps.py", "PSL101")]


def test_folder_without_python_files(tmp_path, monkeypatch):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Docs\n")
    (docs / "data.json").write_text("{}\n")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["check", "--no-cache", "docs"])
    assert result.exit_code == 0 and result.stdout == ""
    assert "0 findings in 0 files checked." in result.stderr


def test_missing_path_is_named(project, monkeypatch):
    result = check(project, monkeypatch, "nope.py", ".")
    assert "nope.py: no such file or folder" in result.stderr
    assert reported_codes(result.stdout) == [("app/services/steps.py", "PSL101")]


# -- configuration errors: exit 2, naming the problem, nothing checked --------------------------------------


@pytest.mark.parametrize(
    "pyproject, named",
    [
        ("[tool.py-standards-lint\nselect = [\"PSL\"]\n", ["pyproject.toml", "invalid TOML"]),
        ("[tool.py-standards-lint]\nselect = [\"PSL1\"\n", ["pyproject.toml", "invalid TOML"]),
        ("[tool.py-standards-lint]\nlogger-names = 5\n", ["logger-names", "list of strings"]),
        ("[tool.py-standards-lint]\nselect = \"PSL1\"\nexclude = { a = 1 }\n", ["exclude"]),
        ("[tool.py-standards-lint]\nper-file-ignores = [\"PSL101\"]\n", ["per-file-ignores"]),
        ("[tool.py-standards-lint]\nselect = [\"PSL999\"]\n", ["PSL999"]),
        ("[tool.py-standards-lint]\nignore = [\"no-such-rule\"]\n", ["no-such-rule"]),
        ("[tool.py-standards-lint]\nlogger_names = [\"log\"]\n", ["logger_names"]),
        ("[tool.py-standards-lint.layers]\nmodels = [\"app/models/**\"]\n", ["models"]),
        ("[tool]\npy-standards-lint = 3\n", ["must be a table"]),
    ],
    ids=[
        "broken-toml", "unclosed-list", "wrong-type", "wrong-type-table", "wrong-type-map", "unknown-select-code",
        "unknown-ignore-name", "unknown-key", "unknown-layer", "table-not-a-table",
    ],
)
def test_configuration_errors_exit_2_naming_the_problem(project, monkeypatch, pyproject, named):
    (project / "pyproject.toml").write_text(pyproject)
    result = check(project, monkeypatch, ".")
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    for word in named:
        assert word in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_configuration_error_as_a_real_process(project):
    (project / "pyproject.toml").write_text("[tool.py-standards-lint]\nlogger-names = 5\n")
    result = run_tool("check", "--no-cache", ".", cwd=project)
    assert result.returncode == 2 and "logger-names" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_unknown_code_on_the_command_line(project, monkeypatch):
    result = check(project, monkeypatch, "--select", "PSL1,PSL998", ".")
    assert result.exit_code == 2 and "PSL998" in result.stderr and result.stdout == ""
