"""Writing fixes back: ``check --fix``, ``--diff`` and ``--unsafe-fixes``.

* :func:`write_atomic` replaces a file's bytes atomically: a temporary file in the
  same folder, flushed and synced, given the file's permissions, then ``os.replace``.
  A failure at any point leaves the original untouched (and removes the temporary
  file). When the bytes are unchanged nothing is written: the mtime stays.
* :func:`fix_file` fixes one file through :func:`fixes.fix_source` (which keeps the
  encoding, BOM and line endings: it edits libcst's tree and writes ``module.bytes``).
* :func:`run_fix_command` is what ``check --fix`` / ``--diff`` do over many paths.
"""

from __future__ import annotations

import difflib
import os
import stat
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from py_standards_lint.base.finding import SAFE, UNSAFE, FileResult, Finding
from py_standards_lint.base.project import is_excluded, iter_python_files, relative_path
from py_standards_lint.engine.fixes import fix_source
from py_standards_lint.engine.lint import Run


def write_atomic(path: Path, data: bytes) -> bool:
    """Give ``path`` the content ``data``; ``False`` (nothing written) when it already has it."""
    target = Path(os.path.realpath(path))  # through a symlink: replace the file, keep the link
    try:
        if target.read_bytes() == data:
            return False
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = None
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return True


@dataclass
class FixedFile:
    """One file after fixing: what remains, how many findings were fixed, the bytes before and after."""

    display: str
    result: FileResult
    fixed: int = 0
    original: bytes = b""
    source: bytes = b""
    warnings: list[str] = field(default_factory=list)
    written: bool = False

    @property
    def changed(self) -> bool:
        return self.source != self.original

    def diff(self) -> str:
        """A unified diff of the change (empty when nothing changed)."""
        if not self.changed:
            return ""
        before = _text(self.original).splitlines(keepends=True)
        after = _text(self.source).splitlines(keepends=True)
        lines = list(difflib.unified_diff(before, after, f"a/{self.display}", f"b/{self.display}"))
        return "".join(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n" for line in lines)


def _text(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", errors="replace")


def fix_file(
    run: Run,
    path: Path,
    *,
    unsafe: bool = False,
    write: bool = True,
    data: bytes | None = None,
    display: str | None = None,
) -> FixedFile | None:
    """Fix one file (``data`` given for stdin: never written); ``None`` when the file is excluded."""
    settings = run.settings_for(path)
    relpath = relative_path(path, settings.root)
    if is_excluded(relpath, settings):
        return None
    display = display or str(path)
    from_disk = data is None
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            return FixedFile(display, FileResult(display, read_error=f"{display}: cannot read: {exc.strerror or exc}"))
    outcome = fix_source(data, display, settings, relpath, unsafe=unsafe, index_provider=lambda: run.index_for(settings))
    fixed = FixedFile(display, outcome.result, outcome.fixed, data, outcome.source, list(outcome.warnings))
    if write and from_disk and fixed.changed:
        try:
            fixed.written = write_atomic(path, outcome.source)
        except OSError as exc:
            fixed.result.read_error = f"{display}: cannot write the fixes: {exc.strerror or exc}"
    return fixed


def fix_paths(run: Run, paths: Sequence[Path], *, unsafe: bool = False, write: bool = True) -> list[FixedFile]:
    out = []
    for path in iter_python_files(paths, run.warn):
        fixed = fix_file(run, path, unsafe=unsafe, write=write)
        if fixed is not None:
            out.append(fixed)
    return out


def _count(findings: Sequence[Finding], applicability: str) -> int:
    return sum(1 for f in findings if f.fix is not None and f.fix.applicability == applicability)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def fixable_summary(findings: Sequence[Finding], unsafe: bool = False) -> str:
    """``"[*] 3 fixable with --fix (1 more with --fix --unsafe-fixes)."``, or ``""`` when nothing is fixable."""
    safe, more = _count(findings, SAFE), _count(findings, UNSAFE)
    if unsafe:
        safe, more = safe + more, 0
    if not safe and not more:
        return ""
    flag = "--fix --unsafe-fixes" if unsafe else "--fix"
    line = f"[*] {safe} fixable with {flag}"
    if more:
        line += f" ({more} more with --fix --unsafe-fixes)"
    return line + "."


def run_fix_command(
    run: Run,
    targets: Sequence[str],
    *,
    stdin_filename: str | None,
    unsafe: bool,
    diff: bool,
    report: Callable[[list[Finding]], None],
    err: Callable[[str], None],
    quiet: bool = False,
    exit_zero: bool = False,
) -> int:
    """``check --fix`` / ``check --diff``; returns the exit code.

    ``--fix``: write the fixes, report what remains (exit 1 if anything remains).
    ``--diff``: print the diff of what ``--fix`` would do, write nothing (exit 1 if there is a diff).
    Standard input (``-``) is never written: with ``--fix`` the fixed code goes to stdout.
    """
    files: list[FixedFile] = []
    stdin_file: FixedFile | None = None
    if "-" in targets:
        data = sys.stdin.buffer.read()
        name = stdin_filename or "stdin.py"
        stdin_file = fix_file(run, Path(name), unsafe=unsafe, write=False, data=data, display=name if stdin_filename else "-")
        if stdin_file is None:  # excluded: passed through unchanged
            stdin_file = FixedFile("-", FileResult("-"), 0, data, data)
        files.append(stdin_file)
    file_targets = [Path(p) for p in targets if p != "-"]
    if file_targets:
        files.extend(fix_paths(run, file_targets, unsafe=unsafe, write=not diff))
    remaining = sorted(f for item in files for f in item.result.findings)
    fixed = sum(item.fixed for item in files)
    more_unsafe = 0 if unsafe else _count(remaining, UNSAFE)
    errors = [str(e) for item in files for e in item.result.errors]
    errors += [item.result.read_error for item in files if item.result.read_error]
    if diff:
        changed = [item for item in files if item.changed]
        for item in changed:
            sys.stdout.write(item.diff())
        sys.stdout.flush()
    elif stdin_file is not None and not file_targets:
        sys.stdout.buffer.write(stdin_file.source)
        sys.stdout.flush()
    else:
        report(remaining)
    for item in files:
        for message in item.warnings:
            err(f"warning: {message}")
    for message in errors:
        err(f"error: {message}")
    if not quiet:
        if diff:
            changed_files = sum(1 for item in files if item.changed)
            line = f"Would fix {_plural(fixed, 'finding')} in {_plural(changed_files, 'file')}"
        else:
            line = f"{fixed} fixed, {len(remaining)} remaining in {_plural(len(files), 'file')} checked"
        if more_unsafe:
            line += f"; {more_unsafe} more fixable with --unsafe-fixes"
        err(line + ".")
    if errors:
        return 2
    if diff:
        return 1 if any(item.changed for item in files) else 0
    return 1 if remaining and not exit_zero else 0


__all__ = ["FixedFile", "fix_file", "fix_paths", "fixable_summary", "run_fix_command", "write_atomic", "SAFE", "UNSAFE"]
