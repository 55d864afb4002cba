"""The httpx lifecycle rules beyond their own cases: lock detection, the lifespan facts of the
project index, and PSL405 end to end through the CLI and real flake8 on a project on disk."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from py_standards_lint.analysis.index import summarize
from py_standards_lint.analysis.locks import LockNames, named_like_lock
from py_standards_lint.base.names import ModuleNames

from .conftest import run_tool
from .helpers import lint, positions


@pytest.mark.parametrize("name", ["_client_lock", "LOCK", "lock", "self_lock", "_rlock", "lock_for", "CacheLock"])
def test_named_like_lock(name):
    assert named_like_lock(name)


@pytest.mark.parametrize("name", ["clock", "block", "_blocked", "timeout", "session", "db"])
def test_not_named_like_lock(name):
    assert not named_like_lock(name)


def _lock_names(source: str) -> tuple[LockNames, cst.Module]:
    module = cst.parse_module(source)
    names = ModuleNames.build(module)
    locks = LockNames(names)
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Assign):
                locks.note_binding(small.targets[0].target, small.value)
            elif isinstance(small, cst.AnnAssign):
                locks.note_binding(small.target, small.value, small.annotation.annotation)
    return locks, module


def _expr(code: str) -> cst.BaseExpression:
    return cst.parse_expression(code)


def test_lock_bindings_through_aliases_and_annotations():
    locks, _ = _lock_names(
        "from asyncio import Lock as L, Semaphore\nimport threading as t\nimport asyncio\n"
        "mutex = L()\nsem = Semaphore(3)\nguard = t.RLock()\ncond: asyncio.Condition | None = None\nother = object()\n"
    )
    for expr in ("mutex", "sem", "guard", "cond", "asyncio.Lock()", "t.Lock()", "_locks[key]", "self._lock", "get_lock(key)"):
        assert locks.is_lock(_expr(expr)), expr
    for expr in ("other", "db.begin()", "asyncio.timeout(5)", "session", "client", "clock"):
        assert not locks.is_lock(_expr(expr)), expr


def test_a_local_class_named_lock_is_not_asyncio_lock():
    locks, _ = _lock_names("class Lock:\n    pass\n\nthing = Lock()\n")
    assert not locks.is_lock(_expr("thing"))


def test_index_records_lifespan_targets_references_and_shutdown_handlers():
    main = summarize(
        "from contextlib import AsyncExitStack, asynccontextmanager\nfrom fastapi import FastAPI\n"
        "from app.core.life import app_lifespan\nfrom app.services import github, weather\n\n"
        "app = FastAPI(lifespan=app_lifespan, on_shutdown=[weather.close_weather_client])\n"
        "app.add_event_handler('shutdown', github.close_github_client)\n\n"
        "@app.on_event('shutdown')\nasync def bye():\n    pass\n",
        "app/main.py",
    )
    assert main is not None
    assert main.lifespan_targets == {
        "app.core.life.app_lifespan",
        "app.services.weather.close_weather_client",
        "app.services.github.close_github_client",
        "app.main.bye",
    }
    assert not main.lifespan_opaque
    life = summarize(
        "from contextlib import AsyncExitStack, asynccontextmanager\nfrom app.services.github import close_github_client\n\n"
        "@asynccontextmanager\nasync def lifespan(app):\n    async with AsyncExitStack() as stack:\n"
        "        stack.push_async_callback(close_github_client)\n        yield\n",
        "app/core/life.py",
    )
    assert life is not None and "app.services.github.close_github_client" in life.lifespan_calls
    opaque = summarize("from fastapi import FastAPI\nfrom x import make\n\napp = FastAPI(lifespan=make())\n", "app/main.py")
    assert opaque is not None and opaque.lifespan_opaque


WEATHER = """\
import asyncio

import httpx

_http_client: httpx.AsyncClient | None = None
_client_lock = asyncio.Lock()


async def _get_http_client() -> httpx.AsyncClient:
    global _http_client
    async with _client_lock:
        if _http_client is None:
            _http_client = httpx.AsyncClient(timeout=30.0)
        return _http_client


async def close_weather_client() -> None:
    global _http_client
    if _http_client is not None:
        await _http_client.aclose()
        _http_client = None
"""

MAIN = """\
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.services.weather import close_weather_client


@asynccontextmanager
async def lifespan(app: FastAPI):
    yield
{body}

app = FastAPI(lifespan=lifespan)
"""


def _project(tmp_path: Path, registered: bool) -> Path:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "0"\n\n[tool.py-standards-lint]\n')
    services = tmp_path / "app" / "services"
    services.mkdir(parents=True)
    for folder in (tmp_path / "app", services):
        (folder / "__init__.py").write_text("")
    (services / "weather.py").write_text(WEATHER)
    body = "    await close_weather_client()\n" if registered else "    pass\n"
    (tmp_path / "app" / "main.py").write_text(MAIN.format(body=body))
    return tmp_path


def _lines(stdout: str) -> list[str]:
    return sorted(line.removeprefix("./").replace(" [*]", "") for line in stdout.splitlines() if line.strip())


@pytest.mark.parametrize("registered", [False, True])
def test_close_not_registered_same_in_cli_and_flake8(tmp_path: Path, registered: bool):
    root = _project(tmp_path, registered)
    cli = run_tool("check", "--select", "PSL4", ".", cwd=root)
    flake8 = run_tool("--select", "PSL4", ".", cwd=root, tool="flake8")
    assert "Traceback" not in cli.stderr + flake8.stderr
    if registered:
        assert cli.returncode == 0, cli.stdout + cli.stderr
        assert _lines(cli.stdout) == [] == _lines(flake8.stdout)
    else:
        assert _lines(cli.stdout) == ["app/services/weather.py:17:1: PSL405 " + _message("close_weather_client")]
        assert _lines(flake8.stdout) == _lines(cli.stdout)
        # flake8 on the single file still sees the whole project through its lazily built index
        single = run_tool("--select", "PSL405", "app/services/weather.py", cwd=root, tool="flake8")
        assert _lines(single.stdout) == _lines(cli.stdout)


def _message(name: str) -> str:
    from py_standards_lint.rules.httpx.httpx_close_not_registered import HttpxCloseNotRegistered

    return HttpxCloseNotRegistered.template.format(name=name)


def test_standards_patterns_produce_no_httpx_or_caching_finding():
    """The standards' compliant snippets, as a service and the app module registering the close function."""
    cache_module = (
        "import asyncio\nfrom typing import Any\n\nfrom cachetools import TTLCache\n\n"
        "_cache: TTLCache[str, Any] = TTLCache(maxsize=100, ttl=300)\n_cache_lock = asyncio.Lock()\n\n"
        "async def cached_value(key, fetch):\n"
        "    async with _cache_lock:\n        cached = _cache.get(key)\n        if cached is not None:\n            return cached\n"
        "    value = await fetch(key)\n    async with _cache_lock:\n        _cache[key] = value\n    return value\n"
    )
    files = {"app/main.py": MAIN.format(body="    await close_weather_client()\n")}
    found = lint(WEATHER + "\n\n" + cache_module.replace("import asyncio\n", ""), "app/services/weather.py", files=files)
    assert [f for f in found if f.code[:4] in ("PSL4", "PSL5")] == []


def test_psl405_points_at_the_def_line_even_when_decorated():
    code = "import functools\n\n@functools.wraps(print)\nasync def close_http_client():\n    pass\n"
    main = MAIN.format(body="    pass\n").replace("from app.services.weather import close_weather_client\n", "")
    assert positions(lint(code, "app/services/x.py", files={"app/main.py": main}), "PSL405") == [(4, 1)]
