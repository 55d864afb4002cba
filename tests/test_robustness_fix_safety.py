"""Fix safety: ``check --fix`` writes atomically, a crash mid-write leaves the original intact, and a
fixed file keeps its permissions, encoding, BOM and line endings; a file with no applicable fix is not
rewritten (its mtime stays)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from py_standards_lint.frontends import writer
from py_standards_lint.frontends.cli import app

from .conftest import run_tool

runner = CliRunner()

# PSL201 (safe fix): `raise ... from e` inside an except
BROKEN = "def load(f):\n    try:\n        f()\n    except KeyError as e:\n        raise ValueError('missing')\n"
FIXED = "def load(f):\n    try:\n        f()\n    except KeyError as e:\n        raise ValueError('missing') from e\n"
CLEAN = "def load(f):\n    return f()\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text('[tool.py-standards-lint]\nselect = ["PSL201"]\n')
    (tmp_path / "app" / "services").mkdir(parents=True)
    return tmp_path


def write(project: Path, name: str, data: bytes) -> Path:
    path = project / "app" / "services" / name
    path.write_bytes(data)
    return path


def fix(project: Path, monkeypatch, *args: str):
    monkeypatch.chdir(project)
    return runner.invoke(app, ["check", "--no-cache", "--fix", *args, "."])


def leftovers(project: Path) -> list[str]:
    return sorted(p.name for p in (project / "app" / "services").iterdir() if p.name.endswith(".tmp"))


def test_a_fix_is_written(project, monkeypatch):
    path = write(project, "a.py", BROKEN.encode())
    result = fix(project, monkeypatch)
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == FIXED.encode()
    assert leftovers(project) == []


@pytest.mark.parametrize("failing", ["write", "fsync", "chmod", "replace"])
def test_a_crash_mid_write_leaves_the_original_intact(project, monkeypatch, failing):
    path = write(project, "a.py", BROKEN.encode())
    other = write(project, "b.py", BROKEN.encode())
    real_fdopen, real_replace = os.fdopen, os.replace

    class HalfWrites:
        """A file that takes half the bytes, then fails (a full disk, a kill)."""

        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()
            return False

        def write(self, data):
            self.handle.write(data[: len(data) // 2])
            raise OSError(28, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.handle, name)

    def boom(*args, **kwargs):
        raise OSError(5, "Input/output error")

    def replace_fails_for_a(source, target, *args, **kwargs):
        if Path(str(target)).name == "a.py":
            boom()
        return real_replace(source, target, *args, **kwargs)

    if failing == "write":
        monkeypatch.setattr(os, "fdopen", lambda fd, mode="r", *a, **k: HalfWrites(real_fdopen(fd, mode, *a, **k)))
    elif failing == "replace":
        monkeypatch.setattr(os, "replace", replace_fails_for_a)
    else:
        monkeypatch.setattr(os, failing, boom)
    result = fix(project, monkeypatch)
    monkeypatch.undo()
    assert result.exit_code == 2
    assert "a.py: cannot write the fixes" in result.stderr
    assert path.read_bytes() == BROKEN.encode()  # untouched, not truncated
    assert leftovers(project) == []  # the temporary file is removed
    if failing == "replace":  # only a.py failed: the other file was fixed
        assert other.read_bytes() == FIXED.encode()


def test_a_killed_process_leaves_the_original_or_the_fix_never_a_mix(project):
    """A real process killed at the moment it writes (SIGKILL from inside ``os.fsync``)."""
    path = write(project, "a.py", BROKEN.encode())
    script = (
        "import os, signal, sys\n"
        "os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)\n"
        "from py_standards_lint.frontends.cli import main\n"
        "sys.argv = ['py-standards-lint', 'check', '--no-cache', '--fix', '.']\n"
        "main()\n"
    )
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", script], cwd=project, capture_output=True, timeout=300)
    assert done.returncode == -9
    assert path.read_bytes() == BROKEN.encode()


@pytest.mark.parametrize("mode", [0o644, 0o600, 0o755, 0o640])
def test_permissions_are_kept(project, monkeypatch, mode):
    path = write(project, "a.py", BROKEN.encode())
    path.chmod(mode)
    fix(project, monkeypatch)
    assert path.read_bytes() == FIXED.encode()
    assert stat.S_IMODE(path.stat().st_mode) == mode


@pytest.mark.parametrize(
    "before, after",
    [
        (BROKEN.replace("\n", "\r\n").encode(), FIXED.replace("\n", "\r\n").encode()),
        (BROKEN.replace("\n", "\r").encode(), FIXED.replace("\n", "\r").encode()),
        (b"\xef\xbb\xbf" + BROKEN.encode(), b"\xef\xbb\xbf" + FIXED.encode()),
        (b"\xef\xbb\xbf" + BROKEN.replace("\n", "\r\n").encode(), b"\xef\xbb\xbf" + FIXED.replace("\n", "\r\n").encode()),
        (
            ("# -*- coding: latin-1 -*-\n" + BROKEN.replace("'missing'", "'caf\xe9'")).encode("latin-1"),
            ("# -*- coding: latin-1 -*-\n" + FIXED.replace("'missing'", "'caf\xe9'")).encode("latin-1"),
        ),
        (BROKEN.replace("'missing'", "'caf\xe9 \U0001f600'").encode(), FIXED.replace("'missing'", "'caf\xe9 \U0001f600'").encode()),
        (BROKEN.replace("    ", "\t").encode(), FIXED.replace("    ", "\t").encode()),
        (BROKEN.rstrip("\n").encode(), FIXED.rstrip("\n").encode()),
    ],
    ids=["crlf", "cr", "bom", "bom-crlf", "latin1", "utf8-non-ascii", "tabs", "no-final-newline"],
)
def test_encoding_bom_and_line_endings_are_kept(project, monkeypatch, before, after):
    path = write(project, "a.py", before)
    result = fix(project, monkeypatch)
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == after


def test_lines_a_fix_adds_use_the_files_line_ending(tmp_path, monkeypatch):
    """A fix that rewrites a whole statement (PSL305: the logger's name) in a CRLF file adds no bare LF."""
    (tmp_path / "pyproject.toml").write_text('[tool.py-standards-lint]\nselect = ["PSL305"]\n')
    (tmp_path / "app" / "services").mkdir(parents=True)
    path = tmp_path / "app" / "services" / "users.py"
    path.write_bytes(b"import logging\r\n\r\nlogger = logging.getLogger('users')\r\nlogger.info('a.b')\r\n")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["check", "--no-cache", "--fix", "."])
    assert result.exit_code == 0, result.output
    data = path.read_bytes()
    assert data == b"import logging\r\n\r\nlogger = logging.getLogger(__name__)\r\nlogger.info('a.b')\r\n"


def test_files_without_an_applicable_fix_are_not_rewritten(project, monkeypatch):
    clean = write(project, "clean.py", CLEAN.encode())
    broken = write(project, "broken.py", b"def f(:\n")
    unfixable = write(project, "other.py", BROKEN.encode())
    past = 1_000_000_000
    for path in (clean, broken, unfixable):
        os.utime(path, ns=(past, past))
    # other.py's fix is selected away: nothing applicable there either
    monkeypatch.chdir(project)
    result = runner.invoke(app, ["check", "--no-cache", "--fix", "--select", "PSL0", "."])
    assert result.exit_code == 1  # the PSL000 remains
    for path in (clean, broken, unfixable):
        assert path.stat().st_mtime_ns == past, path.name
    assert leftovers(project) == []


def test_a_second_fix_run_rewrites_nothing(project, monkeypatch):
    path = write(project, "a.py", BROKEN.encode())
    fix(project, monkeypatch)
    past = 1_000_000_000
    os.utime(path, ns=(past, past))
    result = fix(project, monkeypatch)
    assert result.exit_code == 0 and path.stat().st_mtime_ns == past


def test_diff_writes_nothing(project, monkeypatch):
    path = write(project, "a.py", BROKEN.encode())
    past = 1_000_000_000
    os.utime(path, ns=(past, past))
    monkeypatch.chdir(project)
    result = runner.invoke(app, ["check", "--no-cache", "--diff", "."])
    assert result.exit_code == 1 and "+        raise ValueError('missing') from e" in result.stdout
    assert path.read_bytes() == BROKEN.encode() and path.stat().st_mtime_ns == past


def test_a_symlinked_file_is_fixed_through_the_link(project, monkeypatch):
    real = project / "real.py"
    real.write_text(BROKEN)
    link = project / "app" / "services" / "a.py"
    link.symlink_to(real)
    fix(project, monkeypatch)
    assert link.is_symlink() and real.read_text() == FIXED


def test_stdin_is_never_written(project):
    result = run_tool("check", "--no-cache", "--fix", "-", "--stdin-filename", "app/services/a.py", cwd=project, stdin=BROKEN)
    assert result.stdout == FIXED
    assert not (project / "app" / "services" / "a.py").exists()


def test_write_atomic_directly(tmp_path):
    path = tmp_path / "x.py"
    path.write_bytes(b"a = 1\n")
    path.chmod(0o600)
    assert writer.write_atomic(path, b"a = 1\n") is False  # same bytes: not written
    assert writer.write_atomic(path, b"a = 2\n") is True
    assert path.read_bytes() == b"a = 2\n" and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.py"]


def test_the_codes_own_syntax_warnings_are_not_printed(project):
    """Compiling the user's code (to check a fix keeps it compiling) must not print its SyntaxWarnings."""
    write(project, "a.py", ("x = 1(2)\ny = '\\d'\n" + BROKEN).encode())
    result = run_tool("check", "--no-cache", "--fix", ".", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "SyntaxWarning" not in result.stderr and "DeprecationWarning" not in result.stderr
    assert (project / "app" / "services" / "a.py").read_text().endswith(FIXED)
    result = run_tool("check", "--no-cache", ".", cwd=project)
    assert "Warning" not in result.stderr


def test_deep_code_is_fixed_without_recursion_errors(project, monkeypatch):
    """libcst's transformer and code generator recurse once per level: a fix in a file as deep as CPython
    accepts runs on the large-stack thread (deepstack.py) like the check does."""
    deep = "total = " + " + ".join(["1"] * 2500) + "\nvalue = " + "(" * 190 + "1" + ")" * 190 + "\n"
    path = write(project, "a.py", (deep + BROKEN).encode())
    result = fix(project, monkeypatch)
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == (deep + FIXED).encode()
