"""`check --fix`, `--unsafe-fixes` and `--diff`: exact output, idempotence, encodings, atomic writes."""

from __future__ import annotations

import json
import os
import py_compile
import shutil
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from py_standards_lint.analysis.loggers import logger_bindings
from py_standards_lint.frontends import writer
from py_standards_lint.frontends.cli import app
from py_standards_lint.frontends.writer import fix_file
from py_standards_lint.rules import ALL_RULES

from .conftest import EXAMPLE, run_tool

runner = CliRunner()

BEFORE = (
    "import logging\n"
    "\n"
    'logger = logging.getLogger("users")\n'
    "\n"
    "\n"
    "def create(user):\n"
    "    try:\n"
    "        save(user)\n"
    "    except OSError:\n"
    '        logger.error("user.save_failed", user_id=user.id)\n'
    '    logger.info(f"User {user.id} created")\n'
)
AFTER_SAFE = (
    "import logging\n"
    "\n"
    "logger = logging.getLogger(__name__)\n"
    "\n"
    "\n"
    "def create(user):\n"
    "    try:\n"
    "        save(user)\n"
    "    except OSError:\n"
    '        logger.exception("user.save_failed", extra={"user_id": user.id})\n'
    '    logger.info(f"User {user.id} created")\n'
)
AFTER_UNSAFE = AFTER_SAFE.replace('logger.info(f"User {user.id} created")', 'logger.info("user.created", extra={"user_id": user.id})')


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.py-standards-lint]\n")
    services = tmp_path / "app" / "services"
    services.mkdir(parents=True)
    (services / "users.py").write_bytes(BEFORE.encode())
    (services / "clean.py").write_text("x = 1\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


USERS = Path("app/services/users.py")


def test_fix_applies_safe_fixes_and_reports_what_remains(project):
    result = runner.invoke(app, ["check", "--fix", "."])
    assert USERS.read_text() == AFTER_SAFE
    assert result.exit_code == 1
    assert result.stdout == (
        "app/services/users.py:11:5: PSL301 f-string as log message: log a dot-notation event name and pass context in `extra={...}`\n"
    )
    assert "3 fixed, 1 remaining in 2 files checked; 1 more fixable with --unsafe-fixes." in result.stderr


def test_fix_is_idempotent_and_leaves_unchanged_files_untouched(project):
    runner.invoke(app, ["check", "--fix", "."])
    os.utime(USERS, (1_000_000, 1_000_000))
    clean = Path("app/services/clean.py")
    os.utime(clean, (1_000_000, 1_000_000))
    again = runner.invoke(app, ["check", "--fix", "."])
    assert USERS.read_text() == AFTER_SAFE
    assert USERS.stat().st_mtime == 1_000_000 and clean.stat().st_mtime == 1_000_000
    assert "0 fixed, 1 remaining" in again.stderr


def test_unsafe_fixes(project):
    result = runner.invoke(app, ["check", "--fix", "--unsafe-fixes", "."])
    assert USERS.read_text() == AFTER_UNSAFE
    assert result.exit_code == 0 and result.stdout == ""
    assert "4 fixed, 0 remaining" in result.stderr
    again = runner.invoke(app, ["check", "--fix", "--unsafe-fixes", "."])
    assert USERS.read_text() == AFTER_UNSAFE and "0 fixed" in again.stderr


def test_diff_prints_writes_nothing_and_exits_1_when_there_is_a_diff(project):
    os.utime(USERS, (1_000_000, 1_000_000))
    result = runner.invoke(app, ["check", "--diff", "."])
    assert result.exit_code == 1
    assert USERS.read_bytes() == BEFORE.encode() and USERS.stat().st_mtime == 1_000_000
    assert result.stdout.startswith("--- a/app/services/users.py\n+++ b/app/services/users.py\n")
    assert '-logger = logging.getLogger("users")\n+logger = logging.getLogger(__name__)\n' in result.stdout
    assert '+        logger.exception("user.save_failed", extra={"user_id": user.id})\n' in result.stdout
    assert "f-string" not in result.stdout  # the unsafe fix is not in the diff
    assert "Would fix 3 findings in 1 file; 1 more fixable with --unsafe-fixes." in result.stderr
    unsafe = runner.invoke(app, ["check", "--diff", "--unsafe-fixes", "."])
    assert '+    logger.info("user.created", extra={"user_id": user.id})\n' in unsafe.stdout


def test_diff_exits_0_when_nothing_would_change(project):
    runner.invoke(app, ["check", "--fix", "--unsafe-fixes", "."])
    result = runner.invoke(app, ["check", "--diff", "."])
    assert result.exit_code == 0 and result.stdout == ""
    # findings without a fix do not make a diff
    USERS.write_text('import logging\n\nlogger = logging.getLogger(__name__)\nlogger.info("Hello world")\n')
    result = runner.invoke(app, ["check", "--diff", "."])
    assert result.exit_code == 0 and result.stdout == ""


def test_crlf_and_bom_are_kept(project):
    data = b"\xef\xbb\xbf" + BEFORE.replace("\n", "\r\n").encode()
    USERS.write_bytes(data)
    runner.invoke(app, ["check", "--fix", "--unsafe-fixes", "."])
    assert USERS.read_bytes() == b"\xef\xbb\xbf" + AFTER_UNSAFE.replace("\n", "\r\n").encode()


def test_latin1_source_keeps_its_encoding(project):
    source = "# -*- coding: latin-1 -*-\n" + BEFORE + "# caf\xe9\n"
    USERS.write_bytes(source.encode("latin-1"))
    runner.invoke(app, ["check", "--fix", "."])
    out = USERS.read_bytes()
    assert out.endswith("# caf\xe9\n".encode("latin-1"))
    assert b"getLogger(__name__)" in out


def test_permissions_are_kept(project):
    USERS.chmod(0o640)
    runner.invoke(app, ["check", "--fix", "."])
    assert USERS.read_text() == AFTER_SAFE
    assert stat.S_IMODE(USERS.stat().st_mode) == 0o640


def test_a_failure_mid_write_leaves_the_original_intact(project, monkeypatch):
    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer.os, "fsync", broken_fsync)
    result = runner.invoke(app, ["check", "--fix", "."])
    assert USERS.read_bytes() == BEFORE.encode()
    assert result.exit_code == 2 and "No space left on device" in result.stderr
    assert sorted(p.name for p in USERS.parent.iterdir()) == ["clean.py", "users.py"]  # no temporary file left


def test_a_failed_rename_leaves_the_original_intact(project, monkeypatch):
    def broken_replace(src, dst):
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(writer.os, "replace", broken_replace)
    with pytest.raises(OSError):
        writer.write_atomic(USERS, b"x = 2\n")
    assert USERS.read_bytes() == BEFORE.encode()
    assert sorted(p.name for p in USERS.parent.iterdir()) == ["clean.py", "users.py"]


def test_write_atomic_skips_identical_content(tmp_path):
    target = tmp_path / "a.py"
    target.write_bytes(b"x = 1\n")
    os.utime(target, (1_000_000, 1_000_000))
    assert writer.write_atomic(target, b"x = 1\n") is False
    assert target.stat().st_mtime == 1_000_000
    assert writer.write_atomic(target, b"x = 2\n") is True
    assert target.read_bytes() == b"x = 2\n"


def test_write_atomic_through_a_symlink_keeps_the_link(tmp_path):
    real = tmp_path / "real.py"
    real.write_bytes(b"x = 1\n")
    link = tmp_path / "link.py"
    link.symlink_to(real)
    writer.write_atomic(link, b"x = 2\n")
    assert link.is_symlink() and real.read_bytes() == b"x = 2\n"


def test_json_output_after_fix_has_the_fix_field(project):
    result = runner.invoke(app, ["check", "--output-format", "json", "."])
    data = json.loads(result.stdout)
    fixes = {f["code"]: f["fix"] for f in data}
    assert fixes["PSL303"] == {"applicability": "safe", "message": "move the keyword arguments into `extra={...}`"}
    assert fixes["PSL307"]["applicability"] == "safe" and fixes["PSL305"]["applicability"] == "safe"
    assert fixes["PSL301"]["applicability"] == "unsafe"


def test_text_output_marks_safe_fixable_findings(project):
    result = runner.invoke(app, ["check", "."])
    lines = result.stdout.splitlines()
    marked = {line.split()[1] for line in lines if " [*] " in line}
    assert marked == {"PSL303", "PSL305", "PSL307"}
    assert any(line.split()[1] == "PSL301" for line in lines)


def test_stdin_fix_prints_the_fixed_source(project):
    result = runner.invoke(app, ["check", "--fix", "-", "--stdin-filename", "app/services/users.py"], input=BEFORE)
    assert result.stdout == AFTER_SAFE
    assert USERS.read_text() == BEFORE  # stdin is never written to the file
    assert result.exit_code == 1


def test_a_fix_that_would_break_the_code_is_dropped_with_a_warning(project, monkeypatch):
    import libcst as cst

    from py_standards_lint.rules.logging.logging_error_in_except import LoggingErrorInExcept

    def broken(self, node):  # a buggy fix: turns the call into a keyword
        call = logger_bindings(self.ctx).log_call(node)
        if call is not None and call.method == "error" and self.ctx.current_handlers():
            from py_standards_lint.base.finding import SAFE, Fix

            self.report(node, fix=Fix(SAFE, "break", [(node, cst.Name("def"))]))

    monkeypatch.setattr(LoggingErrorInExcept, "visit_Call", broken)
    result = runner.invoke(app, ["check", "--fix", "."])
    assert "dropped the PSL307 fix" in result.stderr
    text = USERS.read_text()
    assert 'logger.error("user.save_failed"' in text and "getLogger(__name__)" in text
    compile(text, "users.py", "exec")


def test_fix_through_the_installed_script(project):
    diff = run_tool("check", "--diff", ".", cwd=project)
    assert diff.returncode == 1 and "+logger = logging.getLogger(__name__)" in diff.stdout
    assert (project / USERS).read_text() == BEFORE
    fixed = run_tool("check", "--fix", ".", cwd=project)
    assert fixed.returncode == 1, fixed.stderr
    assert (project / USERS).read_text() == AFTER_SAFE
    again = run_tool("check", "--diff", ".", cwd=project)
    assert again.returncode == 0 and again.stdout == ""


def test_fix_on_a_copy_of_the_example_project(tmp_path):
    copy = tmp_path / "example_app"
    shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns(".py-standards-lint-cache", "__pycache__"))
    result = run_tool("check", "--fix", ".", cwd=copy)
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr and "dropped" not in result.stderr
    assert " fixed," in result.stderr and not result.stderr.startswith("0 fixed")
    for path in copy.rglob("*.py"):
        py_compile.compile(str(path), cfile=str(tmp_path / "out.pyc"), doraise=True)
    after = run_tool("check", "--output-format", "json", ".", cwd=copy)
    remaining = json.loads(after.stdout)
    assert not [f for f in remaining if f["fix"] and f["fix"]["applicability"] == "safe"]
    assert run_tool("check", "--diff", ".", cwd=copy).returncode == 0
    # the fixtures themselves are untouched
    assert run_tool("check", "--diff", ".", cwd=EXAMPLE).returncode == 1


def test_run_fix_file_without_writing(project):
    from py_standards_lint.engine.lint import Run

    fixed = fix_file(Run(ALL_RULES), project / USERS, unsafe=True, write=False)
    assert fixed is not None and fixed.fixed == 4 and not fixed.written
    assert fixed.source.decode() == AFTER_UNSAFE and fixed.result.findings == []
    assert (project / USERS).read_text() == BEFORE
    assert fixed.diff().startswith(f"--- a/{project / USERS}\n")
    written = fix_file(Run(ALL_RULES), project / USERS)
    assert written is not None and written.written and (project / USERS).read_text() == AFTER_SAFE


def test_check_summary_says_what_is_fixable(project):
    result = runner.invoke(app, ["check", "."])
    assert "[*] 3 fixable with --fix (1 more with --fix --unsafe-fixes)." in result.stderr
    unsafe = runner.invoke(app, ["check", "--unsafe-fixes", "."])
    assert "[*] 4 fixable with --fix --unsafe-fixes." in unsafe.stderr
    Path("app/services/users.py").write_text("x = 1\n")
    assert "fixable" not in runner.invoke(app, ["check", "."]).stderr


def test_crlf_bom_file_through_the_installed_script(project):
    data = b"\xef\xbb\xbf" + BEFORE.replace("\n", "\r\n").encode()
    (project / USERS).write_bytes(data)
    first = run_tool("check", "--fix", "--unsafe-fixes", ".", cwd=project)
    assert first.returncode == 0, first.stderr
    expected = b"\xef\xbb\xbf" + AFTER_UNSAFE.replace("\n", "\r\n").encode()
    assert (project / USERS).read_bytes() == expected
    os.utime(project / USERS, (1_000_000, 1_000_000))
    second = run_tool("check", "--fix", "--unsafe-fixes", ".", cwd=project)
    assert second.returncode == 0 and "0 fixed" in second.stderr
    assert (project / USERS).read_bytes() == expected and (project / USERS).stat().st_mtime == 1_000_000
