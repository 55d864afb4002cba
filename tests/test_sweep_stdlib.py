"""The standard-library sweep: every ``.py`` file of the running interpreter's standard library.

* checked with every rule, each file placed in a layer (services, routes, repositories, tests, core in
  turn) with a project index of the whole library: zero internal errors; a file CPython's parser refuses is
  exactly one ``PSL000``; a file it accepts has none, except for syntax libcst does not know
  (``(name): annotation = value``, a parenthesized annotated target), which is then its only finding;
* a copy of a few hundred of them (``PSL_FIX_SWEEP_FILES``, default 300), fixed through the CLI with
  ``--fix --unsafe-fixes`` after a ``--diff --unsafe-fixes`` preview: the diff names exactly the files the
  fix changes, every changed file still compiles, no fix is dropped for breaking code, and a second pass
  changes nothing (not a byte, not an mtime).
"""

from __future__ import annotations

import os
import re
import shutil
import sysconfig
import warnings
from pathlib import Path

import pytest

from py_standards_lint.analysis.index import ProjectIndex
from py_standards_lint.engine.lint import lint_source

from .conftest import run_tool
from .helpers import ROOT, make_settings

STDLIB = Path(sysconfig.get_paths()["stdlib"])
LAYER_DIRS = ("app/services", "app/routes", "app/repositories", "tests", "app/core")
#: libcst cannot parse a parenthesized annotated assignment target, which CPython accepts
LIBCST_GAP = re.compile(r"^\s*\(\s*[\w.]+\s*\)\s*:")


def stdlib_files() -> list[Path]:
    skip = {"site-packages", "dist-packages", "__pycache__"}
    return sorted(p for p in STDLIB.rglob("*.py") if not skip.intersection(p.relative_to(STDLIB).parts) and p.is_file())


def placed(index: int, path: Path) -> str:
    """The project path a stdlib file is linted at: its layer decides which rules run."""
    return f"{LAYER_DIRS[index % len(LAYER_DIRS)]}/{path.relative_to(STDLIB).as_posix()}"


def cpython_accepts(data: bytes) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(data, "<stdlib>", "exec", flags=0x400, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


@pytest.mark.slow
def test_every_stdlib_file_checks_without_internal_error():
    files = stdlib_files()
    assert len(files) > 500, STDLIB
    sources = {placed(i, p): p.read_bytes() for i, p in enumerate(files)}
    settings = make_settings()
    index = ProjectIndex.from_sources(ROOT, sources, settings)  # type: ignore[arg-type]  # bytes are read as files are
    errors, wrong_psl000, refused = [], [], 0
    for relpath, data in sources.items():
        result = lint_source(data, relpath, settings, relpath, index_provider=lambda: index)
        errors.extend(str(e) for e in result.errors)
        syntax = [f for f in result.findings if f.code == "PSL000"]
        if not cpython_accepts(data):
            refused += 1
            if len(syntax) != 1 or len(result.findings) != 1:
                wrong_psl000.append(f"{relpath}: refused by CPython, reported {[(f.line, f.code) for f in result.findings]}")
        elif syntax:
            lines = data.splitlines()
            at = lines[syntax[0].line - 1].decode("utf-8", "replace") if syntax[0].line <= len(lines) else ""
            if len(result.findings) != 1 or not LIBCST_GAP.match(at):
                wrong_psl000.append(f"{relpath}: accepted by CPython, PSL000 at {syntax[0].line}: {at!r}")
    assert errors == []
    assert wrong_psl000 == []
    # the library's own tests ship deliberately broken files (tokenizer data), when a distribution keeps them
    assert refused > 0 or not (STDLIB / "test" / "tokenizedata").is_dir()


def _fix_sample() -> list[Path]:
    wanted = int(os.environ.get("PSL_FIX_SWEEP_FILES", "300"))
    candidates = [p for p in stdlib_files() if p.stat().st_size < 60_000 and cpython_accepts(p.read_bytes())]
    step = max(1, len(candidates) // wanted)
    return candidates[::step][:wanted]


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*.py")}


@pytest.mark.slow
def test_fixing_a_copy_of_the_stdlib_keeps_it_compiling_and_is_idempotent(tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text("[tool.py-standards-lint]\n")
    for i, path in enumerate(_fix_sample()):
        target = root / placed(i, path)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    before = _snapshot(root)

    preview = run_tool("check", "--no-cache", "--diff", "--unsafe-fixes", ".", cwd=root)
    assert preview.returncode in (0, 1), preview.stderr
    assert _snapshot(root) == before  # --diff writes nothing
    previewed = set(re.findall(r"(?m)^--- a/(\S+)", preview.stdout))

    fixed = run_tool("check", "--no-cache", "--fix", "--unsafe-fixes", ".", cwd=root)
    assert fixed.returncode in (0, 1), fixed.stderr
    assert "internal error" not in fixed.stderr and "dropped" not in fixed.stderr, fixed.stderr
    after = _snapshot(root)
    changed = {path for path in before if after[path][0] != before[path][0]}
    assert changed, "no fix applied anywhere: the sweep would prove nothing"
    assert changed == previewed
    for path in sorted(changed):
        compile(after[path][0], path, "exec", dont_inherit=True)  # compiled, never run
    for path in set(before) - changed:
        assert after[path][1] == before[path][1], f"{path} rewritten without a change"

    again = run_tool("check", "--no-cache", "--fix", "--unsafe-fixes", ".", cwd=root)
    assert again.returncode in (0, 1), again.stderr
    assert _snapshot(root) == after  # not a byte, not an mtime
    assert run_tool("check", "--no-cache", "--diff", "--unsafe-fixes", ".", cwd=root).stdout == ""
