"""The result cache: same results as without it, invalidated by whatever a result depends on, safe to share."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from py_standards_lint.engine import cache as cache_mod
from py_standards_lint.engine.config import settings_for_folder
from py_standards_lint.engine.lint import Run, RunOptions
from py_standards_lint.rules import ALL_RULES
from py_standards_lint.rules.httpx.httpx_close_not_registered import MAIN, MAIN_WITHOUT_CLOSE, SERVICE

from .conftest import EXAMPLE, run_tool

PYPROJECT = "[project]\nname = 'demo'\n\n[tool.py-standards-lint]\n"


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache_mod.CACHE_DIR_ENV, str(folder))
    return folder


def cache_files(base: Path) -> list[Path]:
    return sorted(base.glob("projects/*/results-*.json"))


def stored(base: Path, root: Path) -> dict:
    """The results in the one cache file, as the cache verifies and decodes them."""
    (path,) = cache_files(base)
    return cache_mod.decode(path.read_bytes(), root.resolve(), cache_mod.user_key())


def snapshot(results) -> list:
    """Everything a report shows, per file, in order."""
    return [
        (r.path, [f.as_json() for f in r.findings], [str(e) for e in r.errors], r.read_error)
        for r in results
    ]


def lint(paths, **options) -> list:
    return snapshot(Run(ALL_RULES, RunOptions(**options)).lint_paths([Path(p) for p in paths]))


def write(root: Path, files: dict[str, str]) -> None:
    for relpath, text in files.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_cold_and_warm_cache_give_the_results_of_no_cache_on_the_example(cache_dir: Path) -> None:
    plain = lint([EXAMPLE])
    assert any(findings for _, findings, _, _ in plain)
    cold = lint([EXAMPLE], cache=True)
    assert cache_files(cache_dir), "the cold run wrote the cache"
    warm = lint([EXAMPLE], cache=True)
    assert cold == plain
    assert warm == plain


def test_a_warm_run_does_not_lint_again(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lint([EXAMPLE], cache=True)
    calls = []
    from py_standards_lint.engine import lint as engine

    real = engine.lint_source
    monkeypatch.setattr(engine, "lint_source", lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    lint([EXAMPLE], cache=True)
    assert calls == []


def test_the_cache_follows_the_file_content(tmp_path: Path, cache_dir: Path) -> None:
    root = tmp_path / "proj"
    write(root, {"pyproject.toml": PYPROJECT, "app/services/steps.py": "def f():\n    return 1\n"})
    assert lint([root], cache=True) == lint([root])
    write(root, {"app/services/steps.py": "from fastapi import HTTPException\n\ndef f():\n    raise HTTPException(404)\n"})
    after = lint([root], cache=True)
    assert after == lint([root])
    assert any(f["code"] == "PSL101" for _, findings, _, _ in after for f in findings)


def test_the_cache_follows_the_settings(tmp_path: Path, cache_dir: Path) -> None:
    root = tmp_path / "proj"
    code = "from fastapi import HTTPException\n\ndef f():\n    raise HTTPException(404)\n"
    write(root, {"pyproject.toml": PYPROJECT, "app/services/steps.py": code})
    everything = lint([root], cache=True)
    assert any(findings for _, findings, _, _ in everything)
    narrowed = lint([root], cache=True, ignore=("PSL101", "PSL102"))
    assert narrowed == lint([root], ignore=("PSL101", "PSL102"))
    assert narrowed != everything
    write(root, {"pyproject.toml": PYPROJECT + 'ignore = ["PSL1"]\n'})
    settings_for_folder.cache_clear()  # settings are read once per process; a new process reads the edit
    assert lint([root], cache=True) == lint([root])
    assert lint([root], cache=True) != everything


def test_the_cache_follows_the_project_index(tmp_path: Path, cache_dir: Path) -> None:
    """PSL405 in the service depends on main.py (through the index): editing main.py must re-lint it."""
    root = tmp_path / "proj"
    write(root, {"pyproject.toml": PYPROJECT, "app/__init__.py": "", "app/services/github.py": SERVICE, "app/main.py": MAIN})
    service = root / "app/services/github.py"
    before = lint([service], cache=True)
    assert before == lint([service])
    assert not any(f["code"] == "PSL405" for _, findings, _, _ in before for f in findings)
    write(root, {"app/main.py": MAIN_WITHOUT_CLOSE})
    after = lint([service], cache=True)
    assert after == lint([service])
    assert any(f["code"] == "PSL405" for _, findings, _, _ in after for f in findings)


def test_the_cache_follows_the_tool(tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "proj"
    write(root, {"pyproject.toml": PYPROJECT, "app/services/a.py": "x = 1\n"})
    lint([root], cache=True)
    first = {p.name for p in cache_files(cache_dir)}
    monkeypatch.setattr(cache_mod, "tool_fingerprint", lambda: "another-version")
    lint([root], cache=True)
    second = {p.name for p in cache_files(cache_dir)}
    assert second == {"results-another-version.json"}, "a new tool version starts afresh and prunes the old file"
    assert first != second


def test_no_cache_writes_nothing(tmp_path: Path, cache_dir: Path) -> None:
    root = tmp_path / "proj"
    write(root, {"pyproject.toml": PYPROJECT, "app/services/a.py": "x = 1\n"})
    lint([root], cache=False)
    assert not cache_dir.exists()


def test_deleted_files_are_pruned(tmp_path: Path, cache_dir: Path) -> None:
    root = tmp_path / "proj"
    write(root, {"pyproject.toml": PYPROJECT, "app/services/a.py": "x = 1\n", "app/services/b.py": "y = 2\n"})
    lint([root], cache=True)
    (root / "app/services/b.py").unlink()
    write(root, {"app/services/a.py": "x = 3\n"})  # something to store, so the cache is rewritten
    lint([root / "app/services/a.py"], cache=True)
    names = {Path(where).name for where in stored(cache_dir, root)}
    assert names == {"a.py"}


def test_concurrent_runs_merge_and_never_tear(tmp_path: Path, cache_dir: Path) -> None:
    root = tmp_path / "proj"
    write(root, {"pyproject.toml": PYPROJECT, "app/services/a.py": "x = 1\n", "app/services/b.py": "y = 2\n"})
    first, second = Run(ALL_RULES, RunOptions(cache=True)), Run(ALL_RULES, RunOptions(cache=True))
    # both load the (empty) cache before either saves, as two overlapping processes would
    first.caches.for_root(root.resolve())
    second.caches.for_root(root.resolve())
    first.lint_paths([root / "app/services/a.py"])
    second.lint_paths([root / "app/services/b.py"])
    assert {Path(where).name for where in stored(cache_dir, root)} == {"a.py", "b.py"}
    assert not list(cache_dir.glob("projects/*/.tmp-*")), "no temporary files are left behind"


def test_a_corrupt_cache_is_ignored_and_replaced(tmp_path: Path, cache_dir: Path) -> None:
    root = tmp_path / "proj"
    write(root, {"pyproject.toml": PYPROJECT, "app/services/a.py": "from fastapi import HTTPException\nraise HTTPException(1)\n"})
    expected = lint([root])
    lint([root], cache=True)
    (cache_file,) = cache_files(cache_dir)
    cache_file.write_bytes(b"\x80\x05garbage")
    assert lint([root], cache=True) == expected
    assert lint([root], cache=True) == expected


def test_an_unwritable_cache_folder_does_not_change_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv(cache_mod.CACHE_DIR_ENV, str(blocker / "cache"))
    assert lint([EXAMPLE], cache=True) == lint([EXAMPLE])


def test_the_cli_caches_outside_the_project_unless_told_not_to(tmp_path: Path, _user_cache_home: Path) -> None:
    root = tmp_path / "proj"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(cache_mod.CACHE_DIR_NAME))
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    folder = cache_mod.cache_folder(root.resolve(), _user_cache_home / "py-standards-lint")
    plain = run_tool("check", "--no-cache", ".", cwd=root)
    assert not folder.exists()
    cold = run_tool("check", ".", cwd=root)
    assert list(folder.glob("results-*.json")), "cached in the user's cache folder, by project"
    assert (folder / ".gitignore").read_text().strip().endswith("*")
    warm = run_tool("check", ".", cwd=root)
    assert plain.returncode == cold.returncode == warm.returncode == 1
    assert plain.stdout == cold.stdout == warm.stdout
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before, "nothing is written in the linted tree"
