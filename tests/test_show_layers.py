"""``check --show-layers``: through typer's runner and as a real subprocess."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from py_standards_lint.frontends.cli import app
from py_standards_lint.frontends.show_layers import framework_imports

from .conftest import run_tool

runner = CliRunner()

FILES = {
    "pyproject.toml": '[tool.py-standards-lint]\nexclude = ["migrations/**"]\n',
    "app/__init__.py": "",
    "app/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
    "app/routes/items.py": "from fastapi import APIRouter\n\nrouter = APIRouter()\n",
    "app/routes/group_self_service.py": "from fastapi import APIRouter\n",
    "app/routes/users.py": "",
    "app/routes/orders.py": "",
    "app/services/items.py": "",
    "app/repos/users.py": "import sqlalchemy as sa\n",
    "app/repository_orders.py": "",
    "app/core/cache.py": "",
    "app/core/deps.py": "from fastapi import Depends, HTTPException\n",
    "app/db/session.py": "def make():\n    from sqlalchemy.ext.asyncio import async_sessionmaker\n",
    "app/middleware.py": "import starlette.middleware\n",
    "app/schemas.py": "import pydantic\n# from fastapi import FastAPI\nTEXT = 'import fastapi'\n",
    "app/broken.py": "from fastapi import (\n",
    "app/web/pages.py": "from . import fastapi\nfrom .fastapi import x\n",
    "tests/test_items.py": "from fastapi.testclient import TestClient\n",
    "tests/conftest.py": "",
    "migrations/env.py": "from sqlalchemy import engine\n",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for relpath, text in FILES.items():
        path = tmp_path / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def _expected(root: str) -> str:
    return (
        "18 files by layer:\n"
        f"  routes            4  {root}app/routes/group_self_service.py, {root}app/routes/items.py, {root}app/routes/orders.py, ...\n"
        f"  services          1  {root}app/services/items.py\n"
        f"  repositories      2  {root}app/repos/users.py, {root}app/repository_orders.py\n"
        f"  app               1  {root}app/main.py\n"
        f"  cache-module      1  {root}app/core/cache.py\n"
        f"  tests             2  {root}tests/conftest.py, {root}tests/test_items.py\n"
        f"  (no layer)        7  {root}app/__init__.py, {root}app/broken.py, {root}app/core/deps.py, ...\n"
        "\n"
        "In no layer, but importing fastapi, starlette or sqlalchemy (3):\n"
        f"  {root}app/core/deps.py  (fastapi)\n"
        f"  {root}app/db/session.py  (sqlalchemy)\n"
        f"  {root}app/middleware.py  (starlette)\n"
        "Route, service or repository code here is not seen by the layer rules: see [tool.py-standards-lint.layers].\n"
    )


def test_show_layers_through_the_runner(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    result = runner.invoke(app, ["check", "--show-layers", "."])
    assert result.exit_code == 0, result.output
    assert result.stdout == _expected("")


def test_show_layers_as_a_subprocess(project: Path) -> None:
    done = run_tool("check", "--show-layers", cwd=project)  # PATH defaults to .
    assert done.returncode == 0, done.stderr
    assert done.stdout == _expected("")
    done = run_tool("check", "--show-layers", str(project / "app" / "routes"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:2] == [
        "4 files by layer:",
        f"  routes            4  {project}/app/routes/group_self_service.py, {project}/app/routes/items.py, {project}/app/routes/orders.py, ...",
    ]
    assert done.stdout.endswith("Every file importing fastapi, starlette or sqlalchemy is in a layer.\n")


def test_show_layers_follows_the_configured_layers(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "pyproject.toml").write_text('[tool.py-standards-lint.layers]\nroutes = ["app/core/deps.py"]\n')
    monkeypatch.chdir(project)
    result = runner.invoke(app, ["check", "--show-layers", "app/core"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == "  routes            1  app/core/deps.py"


def test_show_layers_errors(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    assert runner.invoke(app, ["check", "--show-layers", "missing"]).exit_code == 2
    assert runner.invoke(app, ["check", "--show-layers", "-"]).exit_code == 2
    (project / "pyproject.toml").write_text("[tool.py-standards-lint]\nunknown-key = 1\n")
    result = runner.invoke(app, ["check", "--show-layers", "."])
    assert result.exit_code == 2 and "unknown-key" in result.output


@pytest.mark.parametrize(
    "source,found",
    [
        (b"import fastapi\n", ["fastapi"]),
        (b"import starlette.responses as r, os\n", ["starlette"]),
        (b"def f():\n    from sqlalchemy.orm import Session\n", ["sqlalchemy"]),
        (b"from . import fastapi\nfrom .sqlalchemy import x\n", []),
        (b"import fastapi_utils\nimport sqlalchemy_utils\n", []),
        (b"'import fastapi'\n# import fastapi\n", []),
        (b"import fastapi(\n", []),
    ],
)
def test_framework_imports(source: bytes, found: list[str]) -> None:
    assert framework_imports(source) == found
