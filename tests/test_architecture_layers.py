"""Architecture family: layer imports resolved through the project, and DB session detection."""

from __future__ import annotations

from pathlib import Path

from .conftest import run_tool
from .helpers import lint, positions

PROJECT = {
    "app/__init__.py": "",
    "app/routes/__init__.py": "",
    "app/services/__init__.py": "",
    "app/services/steps.py": "async def complete_step(db, step_id):\n    return None\n",
    "app/repositories/__init__.py": "",
    "app/repositories/steps.py": "async def get_step(db, step_id):\n    return None\n",
}


def codes(code: str, path: str, rule: str, files=PROJECT, settings=None) -> list[tuple[int, int]]:
    return positions(lint(code, path, settings, files), rule)


def test_route_imports_repository_through_every_import_form():
    path = "app/routes/steps.py"
    assert codes("from app.repositories import steps\n", path, "PSL106") == [(1, 1)]
    assert codes("import app.repositories.steps as r\n", path, "PSL106") == [(1, 1)]
    assert codes("from ..repositories.steps import get_step\n", path, "PSL106") == [(1, 1)]
    assert codes("from app.services import steps\nimport app.services.steps\n", path, "PSL106") == []


def test_relative_imports_from_a_package_init():
    # app/routes/__init__.py is the package itself: `..` is `app`
    assert codes("from ..repositories import steps\n", "app/routes/__init__.py", "PSL106") == [(1, 1)]
    assert codes("from .repositories import steps\n", "app/__init__.py", "PSL106") == []


def test_modules_outside_the_project_never_count():
    code = "import repositories\nfrom services import x\nfrom other_pkg.repositories import y\n"
    assert codes(code, "app/routes/steps.py", "PSL106") == []
    assert codes(code, "app/repositories/steps.py", "PSL108") == []


def test_type_checking_imports_never_count_even_in_else_branches_they_do():
    code = (
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from app.services.steps import complete_step\n"
        "else:\n    from app.services import steps\n"
    )
    assert codes(code, "app/repositories/steps.py", "PSL108") == [(6, 5)]


def test_layer_overrides_decide_the_imported_module_layer():
    settings = {"layers": {"repositories": ["app/data/**"]}}
    files = {**PROJECT, "app/data/__init__.py": "", "app/data/store.py": "x = 1\n"}
    assert codes("from app.data import store\n", "app/routes/steps.py", "PSL106", files, settings) == [(1, 1)]


def test_http_concern_allowlist_is_configurable():
    code = "from fastapi.encoders import jsonable_encoder\nfrom fastapi.concurrency import run_in_threadpool\n"
    assert codes(code, "app/services/x.py", "PSL102") == []
    settings = {"service-http-allowlist": ["fastapi.concurrency"]}
    assert codes(code, "app/services/x.py", "PSL102", settings=settings) == [(1, 1)]


def test_session_detection_does_not_match_method_names_alone():
    code = (
        "from fastapi import APIRouter, Request\n\nrouter = APIRouter()\n\n"
        "@router.get('/me')\nasync def me(request: Request):\n    user = request.session.get('user')\n"
        "    cache = {}\n    cache.get('k')\n    return user\n\n"
        "@router.delete('/x')\nasync def d(items: list):\n    items.delete(1)\n"
    )
    assert codes(code, "app/routes/me.py", "PSL105") == []


def test_session_aliases_and_names_are_configurable():
    code = "async def f(conn: Reader, db):\n    await conn.execute(q)\n    await db.execute(q)\n"
    settings = {"session-aliases": ["Reader"], "session-names": []}
    assert codes(code, "app/services/x.py", "PSL107", settings=settings) == [(2, 11)]
    assert codes(code, "app/services/x.py", "PSL107") == [(3, 11)]


def test_session_in_a_closure_and_shadowed_in_a_nested_def():
    code = (
        "from sqlalchemy.ext.asyncio import AsyncSession\n\n"
        "async def f(s: AsyncSession):\n    async def inner():\n        return await s.scalar(q)\n"
        "    def other(s):\n        return s.scalar(q)\n    return inner\n"
    )
    assert codes(code, "app/services/x.py", "PSL107") == [(5, 22)]


def test_cli_checks_layer_imports_against_the_project_on_disk(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[tool.py-standards-lint]\n")
    for rel, text in {**PROJECT, "app/routes/steps.py": "from app.repositories import steps\n"}.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    result = run_tool("check", "--select", "PSL106,PSL108", ".", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "app/routes/steps.py:1:1: PSL106" in result.stdout
