"""The result cache against a hostile repository (issue #16): whatever a linted tree holds at the cache's paths
— a pickle payload, a forged or malformed cache file, a huge file, a FIFO, symlinks, a file where a folder should
be — nothing runs, nothing hangs, nothing outside the project is read, nothing outside the cache folder is
written, and the findings are those of a ``--no-cache`` run."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import pickle
import shutil
import time
from pathlib import Path

import pytest

from py_standards_lint.engine import cache as cache_mod
from py_standards_lint.engine.lint import Run, RunOptions
from py_standards_lint.rules import ALL_RULES

from .conftest import EXAMPLE, run_tool

SERVICE = "from fastapi import HTTPException\n\n\ndef f():\n    raise HTTPException(404)\n"


class Payload:
    """Unpickling this creates ``marker``: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "pwned"))


def lint(root: Path, cache: bool) -> list:
    results = Run(ALL_RULES, RunOptions(cache=cache)).lint_paths([root])
    return [(r.path, [f.as_json() for f in r.findings], [str(e) for e in r.errors], r.read_error) for r in results]


def tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every path below ``root`` (symlinks not followed) with its size and mtime: what a run may not change."""
    out = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        out[str(path.relative_to(root))] = (info.st_size, info.st_mtime_ns)
    return out


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "app/services").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (root / "app/services/steps.py").write_text(SERVICE)
    return root.resolve()


@pytest.fixture
def in_tree_base(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The worst case: the user pointed the cache into the repository (``PY_STANDARDS_LINT_CACHE_DIR``), so the
    repository controls what sits at the exact paths the cache reads."""
    base = project / ".cache-in-tree"
    monkeypatch.setenv(cache_mod.CACHE_DIR_ENV, str(base))
    return base


def cache_path(base: Path, root: Path) -> Path:
    folder = cache_mod.cache_folder(root, base)
    assert folder is not None
    return folder / f"results-{cache_mod.tool_fingerprint()}.json"


def plant(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def forged(root: Path, key: bytes, results: dict) -> bytes:
    """A cache file in the real format, signed with ``key``, claiming ``results``."""
    body = json.dumps({"format": 2, "tool": cache_mod.tool_fingerprint(), "root": str(root), "results": results}).encode()
    return b"py-standards-lint cache 2\n" + hmac.new(key, body, hashlib.sha256).hexdigest().encode() + b"\n" + body


def hiding_everything(root: Path) -> dict:
    """Entries that would hide every finding, with the right keys (an attacker can compute those)."""
    run = Run(ALL_RULES, RunOptions(cache=True))
    pending = run._prepare(root / "app/services/steps.py")
    return {pending.where: [pending.key.hex(), []]}


def test_a_pickle_payload_at_the_old_in_tree_path_never_runs(project: Path, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    old = project / cache_mod.CACHE_DIR_NAME / f"{cache_mod.tool_fingerprint()}.pickle"
    plant(old, pickle.dumps({"results": {}, "x": Payload(marker)}))
    plain = run_tool("check", "--no-cache", ".", cwd=project)
    cached = run_tool("check", ".", cwd=project)
    assert not marker.exists()
    assert cached.stdout == plain.stdout and "PSL101" in plain.stdout
    assert cached.returncode == plain.returncode == 1


@pytest.mark.parametrize("name", ["results-{fp}.json", "{fp}.pickle"])
def test_a_pickle_payload_at_the_cache_path_never_runs(project: Path, in_tree_base: Path, tmp_path: Path, name: str) -> None:
    marker = tmp_path / "marker"
    path = cache_path(in_tree_base, project).with_name(name.format(fp=cache_mod.tool_fingerprint()))
    plant(path, pickle.dumps(Payload(marker)))
    expected = lint(project, cache=False)
    assert lint(project, cache=True) == expected
    assert lint(project, cache=True) == expected  # the second run reads what the first one wrote
    assert not marker.exists()


def test_a_pickle_payload_through_the_cli_never_runs(project: Path, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    base = project / ".cache-in-tree"
    plant(cache_path(base, project), pickle.dumps(Payload(marker)))
    env_run = lambda *args: run_tool_with_env({cache_mod.CACHE_DIR_ENV: str(base)}, *args, cwd=project)  # noqa: E731
    plain, cached = env_run("check", "--no-cache", "."), env_run("check", ".")
    assert not marker.exists()
    assert cached.stdout == plain.stdout and "PSL101" in plain.stdout


def run_tool_with_env(extra: dict[str, str], *args: str, cwd: Path):
    import subprocess

    from .conftest import BIN

    env = {k: v for k, v in os.environ.items() if not k.startswith("PY_STANDARDS")} | extra
    return subprocess.run([str(BIN / "py-standards-lint"), *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


def test_a_forged_cache_cannot_hide_findings(project: Path, in_tree_base: Path) -> None:
    """Everything right but the key: the attacker does not have the user's key, so it does not verify."""
    expected = lint(project, cache=False)
    assert any(findings for _, findings, _, _ in expected)
    plant(cache_path(in_tree_base, project), forged(project, b"\0" * 32, hiding_everything(project)))
    assert lint(project, cache=True) == expected


def test_a_key_planted_in_the_cache_folder_is_not_used(project: Path, in_tree_base: Path) -> None:
    planted_key = b"k" * 32
    plant(in_tree_base / "key", planted_key)
    plant(cache_mod.cache_folder(project, in_tree_base) / "key", planted_key)
    plant(cache_path(in_tree_base, project), forged(project, planted_key, hiding_everything(project)))
    assert lint(project, cache=False) == lint(project, cache=True)


def test_the_same_forgery_signed_with_the_users_key_is_what_the_cache_trusts(project: Path, in_tree_base: Path) -> None:
    """The check above fails for the key alone: this is the control that proves the forgery is well formed."""
    plant(cache_path(in_tree_base, project), forged(project, cache_mod.user_key(), hiding_everything(project)))
    assert lint(project, cache=True)[0][1] == []


@pytest.mark.parametrize(
    "results",
    [
        {"x": ["0" * 40, [[1, 1, "PSL101", 1, 1, "n", "m", None, [10**30]]]]},  # an oversized number
        {"x": ["0" * 40, [[1, 1, "PSL101", 1, 1, "n", "m", None]]]},  # a field missing
        {"x": ["0" * 40, [["1", 1, "PSL101", 1, 1, "n", "m", None, []]]]},  # a wrong type
        {"x": ["0" * 40, [[True, 1, "PSL101", 1, 1, "n", "m", None, []]]]},  # a bool is not a number
        {"x": ["0" * 40, [[1, 1, "XYZ", 1, 1, "n", "m", None, []]]]},  # not a code
        {"x": ["0" * 40, [[1, 1, "PSL101", 1, 1, "n", "m", ["always", "x"], []]]]},  # not an applicability
        {"x": ["zz", []]},  # not a key
        {"x": {"a": 1}},
        [],
    ],
)
def test_a_well_signed_but_malformed_file_is_thrown_away(project: Path, in_tree_base: Path, results) -> None:
    path = cache_path(in_tree_base, project)
    plant(path, forged(project, cache_mod.user_key(), results))
    assert cache_mod.decode(path.read_bytes(), project, cache_mod.user_key()) is None
    assert lint(project, cache=True) == lint(project, cache=False)


def test_deep_nesting_is_thrown_away_without_a_crash(project: Path, in_tree_base: Path) -> None:
    key = cache_mod.user_key()
    body = b"[" * 200_000 + b"]" * 200_000
    data = b"py-standards-lint cache 2\n" + hmac.new(key, body, hashlib.sha256).hexdigest().encode() + b"\n" + body
    plant(cache_path(in_tree_base, project), data)
    assert cache_mod.decode(data, project, key) is None
    assert lint(project, cache=True) == lint(project, cache=False)


def test_a_2_gb_cache_file_is_not_read(project: Path, in_tree_base: Path) -> None:
    path = cache_path(in_tree_base, project)
    path.parent.mkdir(parents=True)
    with open(path, "wb") as fh:
        fh.truncate(2 * 1024**3)  # sparse: no disk used
    expected = lint(project, cache=False)
    started = time.monotonic()
    assert lint(project, cache=True) == expected
    assert time.monotonic() - started < 10


def test_a_fifo_cache_file_does_not_hang(project: Path, in_tree_base: Path) -> None:
    path = cache_path(in_tree_base, project)
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    expected = lint(project, cache=False)
    assert lint(project, cache=True) == expected


def test_a_symlinked_cache_file_is_not_followed_nor_written_through(project: Path, in_tree_base: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.json"  # outside the project: e.g. a valid cache of the user's elsewhere
    outside.write_bytes(forged(project, cache_mod.user_key(), hiding_everything(project)))
    before = outside.read_bytes()
    path = cache_path(in_tree_base, project)
    path.parent.mkdir(parents=True)
    path.symlink_to(outside)
    expected = lint(project, cache=False)
    assert lint(project, cache=True) == expected, "the file behind the link was not read"
    assert outside.read_bytes() == before, "nor written"


def test_symlinked_marker_files_are_not_written_through(project: Path, in_tree_base: Path, tmp_path: Path) -> None:
    folder = cache_mod.cache_folder(project, in_tree_base)
    folder.mkdir(parents=True)
    victim = tmp_path / "victim"
    (folder / ".gitignore").symlink_to(victim)  # dangling: a write through it would create the victim
    (folder / "CACHEDIR.TAG").symlink_to(victim)
    lint(project, cache=True)
    assert not victim.exists()


def test_a_cache_folder_that_is_a_symlink_is_not_used(project: Path, in_tree_base: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    folder = cache_mod.cache_folder(project, in_tree_base)
    folder.parent.mkdir(parents=True)
    folder.symlink_to(outside, target_is_directory=True)
    expected = lint(project, cache=False)
    assert lint(project, cache=True) == expected
    assert list(outside.iterdir()) == [], "nothing written outside"


def test_a_cache_folder_that_is_a_file(project: Path, in_tree_base: Path) -> None:
    folder = cache_mod.cache_folder(project, in_tree_base)
    folder.parent.mkdir(parents=True)
    folder.write_text("not a folder")
    expected = lint(project, cache=False)
    assert lint(project, cache=True) == expected
    assert folder.read_text() == "not a folder"


def test_nothing_outside_the_cache_folder_is_written(project: Path, in_tree_base: Path, tmp_path: Path) -> None:
    before = tree(tmp_path)
    lint(project, cache=True)
    lint(project, cache=True)
    folder = str(cache_mod.cache_folder(project, in_tree_base).relative_to(tmp_path))
    changed = {p for p in set(before) | set(tree(tmp_path)) if before.get(p) != tree(tmp_path).get(p)}
    assert changed and all(p == folder or p.startswith(folder + "/") or folder.startswith(p + "/") for p in changed)


def test_by_default_the_cache_is_outside_the_linted_tree(tmp_path: Path, _user_cache_home: Path, monkeypatch) -> None:
    monkeypatch.delenv(cache_mod.CACHE_DIR_ENV, raising=False)
    root = tmp_path / "proj"
    shutil.copytree(EXAMPLE, root)
    before = tree(root)
    Run(ALL_RULES, RunOptions(cache=True)).lint_paths([root])
    assert tree(root) == before
    assert list(cache_mod.cache_folder(root.resolve(), _user_cache_home / "py-standards-lint").glob("results-*.json"))


def test_the_key_is_the_users_alone(_user_cache_home: Path) -> None:
    key_file = _user_cache_home / "py-standards-lint" / "key"
    assert cache_mod.user_key() == cache_mod.user_key() == key_file.read_bytes()
    assert key_file.stat().st_mode & 0o077 == 0
