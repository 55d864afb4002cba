"""``--jobs``: the same results, in the same order, whatever the number of worker processes."""

from __future__ import annotations

import shutil
import sysconfig
from pathlib import Path

import pytest

from py_standards_lint.engine import cache as cache_mod
from py_standards_lint.engine.lint import Run, RunOptions
from py_standards_lint.rules import ALL_RULES

from .conftest import EXAMPLE, run_tool
from .test_cache import snapshot

STDLIB = Path(sysconfig.get_paths()["stdlib"])
#: a slice of the standard library with logging, exception handling and HTTP code in it
STDLIB_SLICE = ("logging", "json", "http", "concurrent", "wsgiref", "urllib")


@pytest.fixture(scope="module")
def stdlib_slice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("stdlib")
    for package in STDLIB_SLICE:
        shutil.copytree(STDLIB / package, root / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (root / "pyproject.toml").write_text("[project]\nname = 'slice'\n\n[tool.py-standards-lint]\n")
    return root


def results(path: Path, **options) -> list:
    return snapshot(Run(ALL_RULES, RunOptions(**options)).lint_paths([path]))


@pytest.mark.parametrize("jobs", [2, 3, 8])
def test_any_number_of_jobs_gives_the_same_results_on_the_example(jobs: int) -> None:
    serial = results(EXAMPLE, jobs=1)
    assert any(findings for _, findings, _, _ in serial)
    assert results(EXAMPLE, jobs=jobs) == serial


def test_jobs_and_cache_together_give_the_same_results_on_a_stdlib_slice(
    stdlib_slice: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cache_mod.CACHE_DIR_ENV, str(tmp_path / "cache"))
    serial = results(stdlib_slice, jobs=1)
    assert len(serial) > 25
    assert any(findings for _, findings, _, _ in serial), "the slice exercises the rules"
    assert results(stdlib_slice, jobs=2) == serial
    assert results(stdlib_slice, jobs=2, cache=True) == serial  # cold, written by a parallel run
    assert results(stdlib_slice, jobs=1, cache=True) == serial  # warm
    assert results(stdlib_slice, jobs=3, cache=True) == serial


def test_a_broken_pool_falls_back_to_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    from concurrent.futures.process import BrokenProcessPool

    from py_standards_lint.engine import parallel

    class Broken:
        def __init__(self, *args, **kwargs) -> None:
            pass

        def __enter__(self):
            raise BrokenProcessPool("a worker died")

        def __exit__(self, *exc) -> None:
            return None

    serial = results(EXAMPLE, jobs=1)
    monkeypatch.setattr(parallel, "ProcessPoolExecutor", Broken)
    assert results(EXAMPLE, jobs=2) == serial


def test_the_cli_output_does_not_depend_on_jobs() -> None:
    one = run_tool("check", "--no-cache", "--jobs", "1", str(EXAMPLE))
    two = run_tool("check", "--no-cache", "--jobs", "2", str(EXAMPLE))
    json_one = run_tool("check", "--no-cache", "-j", "1", "--output-format", "json", str(EXAMPLE))
    json_two = run_tool("check", "--no-cache", "-j", "2", "--output-format", "json", str(EXAMPLE))
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout
    assert json_one.stdout == json_two.stdout


def test_jobs_must_be_positive() -> None:
    bad = run_tool("check", "--jobs", "0", str(EXAMPLE))
    assert bad.returncode == 2
