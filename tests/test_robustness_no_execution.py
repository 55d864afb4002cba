"""The linter never imports or runs the code it reads: every module of a project whose import (or
whose run as a script, test, conftest, setup.py or site hook) would write a file is checked, fixed and
indexed through every front end, and no file ever appears."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from py_standards_lint.rules import ALL_RULES

from .conftest import run_tool


def _payload(marker: Path) -> str:
    return f"open({str(marker)!r}, 'w').write('executed')\n"


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, list[Path]]:
    root = tmp_path / "svc"
    markers_dir = tmp_path / "markers"
    markers_dir.mkdir()
    files = {
        "app/__init__.py": "",
        "app/services/__init__.py": "",
        "app/services/orders.py": (
            "from fastapi import HTTPException\nimport logging\nlogger = logging.getLogger(__name__)\n\n\n"
            "def cancel(order_id):\n    logger.info(f'cancel {order_id}')\n    raise HTTPException(404)\n"
        ),
        "app/routes/orders.py": (
            "from fastapi import APIRouter\nfrom app.services.orders import cancel\nrouter = APIRouter()\n\n\n"
            "@router.get('/orders/{order_id}')\nasync def get_order(order_id: int):\n    return cancel(order_id)\n"
        ),
        "app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
        "tests/conftest.py": "import pytest\n",
        "tests/test_orders.py": "def test_it():\n    assert True\n",
        "setup.py": "from setuptools import setup\nsetup()\n",
        "sitecustomize.py": "",
        "app/__main__.py": "if __name__ == '__main__':\n    pass\n",
    }
    markers = []
    for i, (relpath, code) in enumerate(sorted(files.items())):
        marker = markers_dir / f"marker-{i}"
        markers.append(marker)
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        # the payload runs on import, at module level, before anything else in the file
        path.write_text(_payload(marker) + code + "\n\nif __name__ == '__main__':\n    " + _payload(marker))
    (root / "pyproject.toml").write_text("[tool.py-standards-lint]\n")
    (root / "app" / "hook.pth").write_text("import os; " + _payload(markers_dir / "pth").strip() + "\n")
    markers.append(markers_dir / "pth")
    return root, markers


def _nothing_ran(markers: list[Path]) -> None:
    assert [m.name for m in markers if m.exists()] == []


def test_checking_fixing_and_indexing_never_execute_the_code(project):
    root, markers = project
    outputs = [
        run_tool("check", ".", cwd=root),
        run_tool("check", "--no-cache", "--jobs", "2", ".", cwd=root),
        run_tool("check", "--output-format", "json", "app", "tests", "setup.py", cwd=root),
        run_tool("check", "--diff", "--unsafe-fixes", ".", cwd=root),
        run_tool("check", "-", "--stdin-filename", "app/services/orders.py", cwd=root,
                 stdin=(root / "app/services/orders.py").read_text()),
        run_tool("check", "--fix", "--unsafe-fixes", ".", cwd=root),
        run_tool("--select", "PSL", ".", cwd=root, tool="flake8"),
    ]
    for result in outputs:
        assert "Traceback" not in result.stderr, result.stderr
    # the linter did its work on these files: the service's findings were reported
    assert "PSL101" in outputs[0].stdout and "PSL101" in outputs[6].stdout
    _nothing_ran(markers)


def test_in_process_nothing_is_imported(project):
    from py_standards_lint.engine.lint import Run, RunOptions

    root, markers = project
    before = set(sys.modules)
    results = Run(ALL_RULES, RunOptions()).lint_paths([root])
    assert any(f.code == "PSL101" for r in results for f in r.findings)
    new = {name for name in set(sys.modules) - before if name == "app" or name.startswith(("app.", "tests.", "setup"))}
    assert new == set()
    _nothing_ran(markers)
