"""The route family's fixes on whole files and on the example project: the result compiles,
is no longer flagged, and a second run changes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from py_standards_lint.rules import BY_CODE

from .conftest import EXAMPLE, run_tool
from .helpers import fix, lint, positions

AUTH = (
    "from typing import Annotated\n\nfrom fastapi import Depends\n\n\nasync def get_user(): ...\n\n\n"
    "User = Annotated[str, Depends(get_user)]\n"
)
FILES = {"app/core/auth.py": AUTH}
PATH = "app/routes/items.py"
HEAD = "from fastapi import APIRouter, Depends\n\nfrom app.core.auth import get_user\n\nrouter = APIRouter()\n\n"


def fixed(code: str, rule: str, files=FILES) -> str:
    out = fix(code, PATH, BY_CODE[rule], files=files)
    compile(out, PATH, "exec")
    assert not positions(lint(out, PATH, files=files), rule), out
    assert fix(out, PATH, BY_CODE[rule], files=files) == out
    return out


@pytest.mark.parametrize(
    "signature,expected",
    [
        ("u: str = Depends(get_user)", "u: User"),
        ("a: int = 1, u: str = Depends(get_user)", "u: User, a: int = 1"),
        ("x, a: int = 1, u: str = Depends(get_user), b: str = 'b'", "x, u: User, a: int = 1, b: str = 'b'"),
        ("a: int = 1, *, u: str = Depends(get_user)", "a: int = 1, *, u: User"),
        ("a: int = 1, /, b: int = 2, u=Depends(get_user)", None),  # a default before it that cannot move: no fix
        ("u: Annotated[str, Depends(get_user)] = None, a: int = 1", "u: User = None, a: int = 1"),
        ("*args, u=Depends(get_user), **kw", "*args, u: User, **kw"),
    ],
)
def test_raw_depends_fix_keeps_a_valid_parameter_order(signature, expected):
    code = "from typing import Annotated\n" + HEAD + f'@router.get("/x")\nasync def x({signature}): ...\n'
    if expected is None:
        assert fix(code, PATH, BY_CODE["PSL609"], files=FILES) == code
        assert positions(lint(code, PATH, files=FILES), "PSL609")
        return
    out = fixed(code, "PSL609")
    assert f"async def x({expected}): ..." in out
    assert "from app.core.auth import get_user, User" in out


def test_raw_depends_fix_on_a_multi_line_signature_keeps_its_layout():
    code = HEAD + '@router.get("/x")\nasync def x(\n    limit: int = 10,\n    user: str = Depends(get_user),  # who asks\n) -> dict:\n    return {}\n'
    out = fixed(code, "PSL609")
    assert "async def x(\n    user: User,  # who asks\n    limit: int = 10,\n) -> dict:" in out


def test_raw_depends_same_module_alias_defined_after_the_route_is_not_used_by_the_fix():
    code = (
        "from typing import Annotated\nfrom fastapi import APIRouter, Depends\n\nrouter = APIRouter()\n\ndef get_user(): ...\n\n"
        '@router.get("/x")\ndef x(u=Depends(get_user)): ...\n\nUser = Annotated[str, Depends(get_user)]\n'
    )
    assert positions(lint(code, PATH), "PSL609") == [(8, 1)]
    assert fix(code, PATH, BY_CODE["PSL609"]) == code
    before = code.replace('@router.get("/x")\ndef x(u=Depends(get_user)): ...\n\nUser = Annotated[str, Depends(get_user)]\n', 'User = Annotated[str, Depends(get_user)]\n\n@router.get("/x")\ndef x(u=Depends(get_user)): ...\n')
    assert "def x(u: User): ..." in fixed(before, "PSL609", files={})


@pytest.mark.parametrize(
    "signature,expected",
    [
        ("", "request: Request"),
        ("item_id: str", "request: Request, item_id: str"),
        ("*, item_id: str", "request: Request, *, item_id: str"),
        ("*args", "request: Request, *args"),
        ("a, /", None),
        ("a=1, /, b=2", None),
    ],
)
def test_missing_request_fix_shapes(signature, expected):
    code = "from fastapi import APIRouter\nfrom app.core.limiter import limiter\n\nrouter = APIRouter()\n\n" f'@router.post("/x")\n@limiter.limit("1/second")\ndef x({signature}): ...\n'
    out = fix(code, PATH, BY_CODE["PSL603"])
    compile(out, PATH, "exec")
    if expected is None:
        return  # positional-only shapes: no fix, or one that compiles
    assert f"def x({expected}): ..." in out and "from fastapi import APIRouter, Request" in out
    assert not positions(lint(out, PATH), "PSL603")


def test_two_fixes_in_one_file_share_one_import():
    code = (
        "from fastapi import APIRouter\nfrom app.core.limiter import limiter\n\nrouter = APIRouter()\n\n"
        '@router.post("/a")\n@limiter.limit("1/second")\ndef a(): ...\n\n@router.post("/b")\n@limiter.limit("1/second")\ndef b(x: int): ...\n'
    )
    out = fixed(code, "PSL603", files={})
    assert out.count("Request") == 3 and "def a(request: Request)" in out and "def b(request: Request, x: int)" in out


def test_check_fix_on_a_copy_of_the_example_project_compiles(tmp_path: Path):
    project = tmp_path / "example_app"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns(".py-standards-lint-cache", ".venv", "__pycache__"))
    result = run_tool("check", ".", "--fix", "--unsafe-fixes", "--no-cache", cwd=project)
    assert result.returncode in (0, 1), result.stderr
    for path in project.rglob("*.py"):
        compile(path.read_text(), str(path), "exec")
    after = run_tool("check", ".", "--no-cache", "--select", "PSL602,PSL603,PSL606,PSL609", cwd=project)
    assert after.returncode == 0, after.stdout
    items = (project / "app/routes/items.py").read_text()
    assert "async def update_item(request: Request, item_id: str" in items
    assert "    user_id: UserId,\n    db: DbSession,\n" in items
    steps = (project / "app/routes/steps.py").read_text()
    assert steps.index('"/latest"') < steps.index('"/{step_id}"')
    again = run_tool("check", ".", "--fix", "--unsafe-fixes", "--no-cache", "--select", "PSL6", cwd=project)
    assert "0 fixed" in again.stderr or "fixed" not in again.stderr, again.stderr


def test_several_route_fixes_on_one_function_all_apply():
    from py_standards_lint.analysis.index import ProjectIndex
    from py_standards_lint.engine.fixes import fix_source

    from .helpers import ROOT, make_settings

    code = (
        "from fastapi import APIRouter, Depends\n\nfrom app.core.auth import get_user\nfrom app.core.limiter import limiter\n\nrouter = APIRouter()\n\n"
        '@router.get("/items/{item_id}")\ndef item(item_id: str): ...\n\n'
        '@limiter.limit("1/second")\n@router.get("/items/stats")\ndef stats(limit: int = 10, user: str = Depends(get_user)): ...\n'
    )
    settings = make_settings({"select": ["PSL602", "PSL603", "PSL606", "PSL609"]})
    sources = {**FILES, PATH: code}
    outcome = fix_source(
        code.encode(), PATH, settings, PATH, unsafe=True, index_provider=lambda: ProjectIndex.from_sources(ROOT, sources, settings)
    )
    out = outcome.source.decode()
    compile(out, PATH, "exec")
    assert not outcome.result.findings and not outcome.warnings, (outcome.result.findings, out)
    assert out.index('"/items/stats"') < out.index('"/items/{item_id}"')
    assert '@router.get("/items/stats")\n@limiter.limit("1/second")\ndef stats(request: Request, user: User, limit: int = 10): ...' in out
