from __future__ import annotations

import ast

import libcst as cst

from py_standards_lint.analysis.gates import statements
from py_standards_lint.analysis.index import ProjectIndex
from py_standards_lint.analysis.rule import NOT_TESTS, Invalid, Rule, Valid
from py_standards_lint.base.layers import APP
from py_standards_lint.base.names import LOCAL, canonical

from .httpx_client_without_close import closed_names, is_close_function_name, is_module_client, may_close

SERVICE = """\
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

async def close_github_client() -> None:
    global _http_client
    if _http_client is not None:
        await _http_client.aclose()
        _http_client = None
"""

MAIN = """\
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.services.github import close_github_client


@asynccontextmanager
async def lifespan(app: FastAPI):
    yield
    await close_github_client()


app = FastAPI(lifespan=lifespan)
"""

MAIN_WITHOUT_CLOSE = MAIN.replace("    await close_github_client()\n", "").replace(
    "from app.services.github import close_github_client\n", ""
)

SERVICE_PATH = "app/services/github.py"

#: (rev 3) a close function not named close_*client*: PSL404 accepts it, so it must be registered too
CLOSER = """\
import httpx

_client: httpx.AsyncClient | None = None
_client = httpx.AsyncClient()


async def _close_client() -> None:
    await _client.aclose()
"""

EXAMPLE = """\
# app/main.py (the close function may live in any module; here it is next to the lifespan)
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

_http_client = httpx.AsyncClient(timeout=30.0)


async def close_http_client() -> None:
    await _http_client.aclose()


@asynccontextmanager
async def lifespan(app: FastAPI):
    yield


app = FastAPI(lifespan=lifespan)
"""


def _valid(code: str, path: str = SERVICE_PATH, **kw) -> Valid:
    return Valid(code, path=path, **kw)


def _invalid(code: str, path: str = SERVICE_PATH, **kw) -> Invalid:
    return Invalid(code, path=path, **kw)


def _function_name(index: ProjectIndex, qualified: str, depth: int = 0) -> str:
    """Follow re-exports (``from .github import close_github_client`` in a package ``__init__``)."""
    found = index.split(qualified)
    if found is None or depth > 10:
        return qualified
    module, name = found
    if name in module.functions:
        return qualified
    target = module.imports.bindings.get(name)
    if target and target != qualified and not target.startswith(LOCAL):
        return _function_name(index, target, depth + 1)
    return qualified


def reached_from_lifespan(index: ProjectIndex) -> set[str] | None:
    """Project functions the app's lifespan calls or references, transitively through project
    functions; ``None`` when there is no app-layer lifespan the index can see."""
    apps = index.modules_in_layer(APP)  # only the app layer is summarised for this
    apps = [m for m in apps if m.lifespan_targets or m.lifespan_calls or "lifespan" in m.functions]
    if not apps or any(m.lifespan_opaque for m in apps):
        return None
    stack: list[str] = []
    for m in apps:
        stack.extend(m.lifespan_calls)
        stack.extend(m.lifespan_targets)
    reached: set[str] = set()
    while stack:
        qualified = _function_name(index, stack.pop())
        if qualified in reached:
            continue
        reached.add(qualified)
        found = index.split(qualified)
        if found is None:
            continue
        module, name = found
        fn = module.functions.get(name)
        if fn is None:
            continue
        stack.extend(fn.calls)
        if name == "lifespan" or qualified in module.lifespan_targets:
            stack.extend(module.lifespan_calls)  # its references too (imported lifespans)
    return reached


class HttpxCloseNotRegistered(Rule):
    code = "PSL405"
    name = "httpx-close-not-registered"
    message = "`close_*client*()` is never called from the app's lifespan (main.py): the client is never closed"
    template = "`{name}()` is never called from the app's lifespan (main.py): the client is never closed"
    skip_layers = NOT_TESTS
    requires_text = ("close",)
    needs_index = True
    example_path = "app/main.py"
    why = (
        "A `close_*_client()` function only helps if something calls it: the standards register it in "
        "`main.py`'s `lifespan`, after the `yield`, so the shared client's connections are closed when the app "
        "shuts down. Besides `close_*client*()` functions, any function PSL404 accepts as a module-level client's "
        "close function (its name contains `close` and it calls the client's `.aclose()`/`.close()`) must be "
        "registered. This rule reads the project index: the app layer's lifespan (a function named `lifespan`, "
        "or passed to `FastAPI(lifespan=...)`, or a shutdown handler) and the project functions it calls. "
        "Under flake8 the index is built lazily once per process, so the finding is the same. When the project "
        "has no app-layer lifespan the index can see (an app factory elsewhere, `lifespan=make_lifespan()`), "
        "the rule stays silent."
    )
    example = EXAMPLE
    use_instead = EXAMPLE.replace("    yield\n", "    yield\n    await close_http_client()\n")
    valid = (
        _valid(SERVICE, files={"app/main.py": MAIN}),
        # no app-layer module in the project: nothing to check against
        _valid(SERVICE),
        # the app module has no lifespan the index can see (factory elsewhere): silent
        _valid(SERVICE, files={"app/main.py": "from app.factory import create_app\n\napp = create_app()\n"}),
        _valid(SERVICE, files={"app/main.py": "from fastapi import FastAPI\nfrom app.core import make_lifespan\n\napp = FastAPI(lifespan=make_lifespan())\n"}),
        # registered through an import of the module, a differently named lifespan, a helper
        _valid(
            SERVICE,
            files={
                "app/main.py": (
                    "from contextlib import asynccontextmanager\nfrom fastapi import FastAPI\nfrom app.services import github\n\n"
                    "async def _shutdown():\n    await github.close_github_client()\n\n"
                    "@asynccontextmanager\nasync def app_lifespan(app):\n    yield\n    await _shutdown()\n\n"
                    "app = FastAPI(lifespan=app_lifespan)\n"
                )
            },
        ),
        # referenced, not called: an exit stack callback
        _valid(
            SERVICE,
            files={
                "app/main.py": (
                    "from contextlib import AsyncExitStack, asynccontextmanager\nfrom fastapi import FastAPI\n"
                    "from app.services.github import close_github_client\n\n@asynccontextmanager\nasync def lifespan(app):\n"
                    "    async with AsyncExitStack() as stack:\n        stack.push_async_callback(close_github_client)\n        yield\n\n"
                    "app = FastAPI(lifespan=lifespan)\n"
                )
            },
        ),
        # the lifespan lives in another module, imported by main.py
        _valid(
            SERVICE,
            files={
                "app/main.py": "from fastapi import FastAPI\nfrom app.core.lifespan import lifespan\n\napp = FastAPI(lifespan=lifespan)\n",
                "app/core/lifespan.py": (
                    "from contextlib import asynccontextmanager\nfrom app.services.github import close_github_client\n\n"
                    "@asynccontextmanager\nasync def lifespan(app):\n    yield\n    await close_github_client()\n"
                ),
            },
        ),
        # re-exported from the services package
        _valid(
            SERVICE,
            files={
                "app/services/__init__.py": "from .github import close_github_client\n",
                "app/main.py": MAIN.replace("from app.services.github import", "from app.services import"),
            },
        ),
        # a shutdown handler (the older FastAPI API)
        _valid(
            SERVICE,
            files={"app/main.py": "from fastapi import FastAPI\nfrom app.services.github import close_github_client\n\napp = FastAPI(on_shutdown=[close_github_client])\n"},
        ),
        _valid(
            SERVICE,
            files={
                "app/main.py": (
                    "from fastapi import FastAPI\nfrom app.services.github import close_github_client\n\napp = FastAPI()\n\n"
                    '@app.on_event("shutdown")\nasync def shutdown():\n    await close_github_client()\n'
                )
            },
        ),
        # not a close_*client* function; a method; a test helper
        _valid("async def close_connections():\n    pass\n\nclass Api:\n    async def close_client(self):\n        pass\n", files={"app/main.py": MAIN_WITHOUT_CLOSE}),
        _valid(SERVICE, path="tests/conftest.py", files={"app/main.py": MAIN_WITHOUT_CLOSE}),
        # (rev 3) a close function of another name, registered; a `close` function that closes no module-level client
        _valid(CLOSER, files={"app/main.py": MAIN.replace("close_github_client", "_close_client")}),
        _valid(
            "import httpx\n\nasync def close_quietly(resp):\n    await resp.aclose()\n\nclass Api:\n    def __init__(self):\n"
            "        self.c = httpx.Client()\n\n    def close(self):\n        self.c.close()\n\ndef closer():\n    c = httpx.Client()\n    c.close()\n",
            files={"app/main.py": MAIN_WITHOUT_CLOSE},
        ),
    )
    invalid = (
        _invalid(SERVICE, line=14, col=1, files={"app/main.py": MAIN_WITHOUT_CLOSE}),
        # mentioned only in a comment / a string in the lifespan: not a call
        _invalid(
            SERVICE,
            line=14,
            col=1,
            files={
                "app/main.py": (
                    "from contextlib import asynccontextmanager\nfrom fastapi import FastAPI\n\n@asynccontextmanager\n"
                    "async def lifespan(app):\n    yield\n    # await close_github_client()\n    print('close_github_client')\n\n"
                    "app = FastAPI(lifespan=lifespan)\n"
                )
            },
        ),
        # another module's close function is registered, not this one
        _invalid(
            SERVICE.replace("close_github_client", "close_weather_client"),
            line=14,
            col=1,
            path="app/services/weather.py",
            files={"app/main.py": MAIN, "app/services/github.py": SERVICE},
        ),
        # (rev 3) any function PSL404 accepts as a module-level client's close function
        _invalid(CLOSER, line=7, col=1, files={"app/main.py": MAIN_WITHOUT_CLOSE}),
        _invalid(
            "import httpx\n\n_a = httpx.AsyncClient()\n_b = httpx.Client()\n\nasync def aclose_clients():\n    for c in (_a, _b):\n        await c.aclose()\n",
            line=6, col=1, files={"app/main.py": MAIN},
        ),
        _invalid(
            "import openai\n\n_llm = openai.AsyncOpenAI()\n\nasync def shutdown_close():\n    await _llm.close()\n",
            line=5, col=1, files={"app/main.py": MAIN}, settings={"shared-client-types": ["openai.AsyncOpenAI"]},
        ),
        # a sync close function, under a module-level `if`
        _invalid(
            "import sys\n\nif sys.platform:\n    def close_http_client():\n        pass\n",
            line=4,
            col=5,
            files={"app/main.py": MAIN},
        ),
    )

    @classmethod
    def gate(cls, facts) -> bool:
        """A function whose name contains ``close`` (nested ones too: a superset of the module-level
        ``close_*client*`` ones and of those PSL404 accepts as close functions)."""
        return any(
            isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and may_close(stmt.name)
            for stmt in statements(facts.tree.body)
        )

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        #: module-level functions that may be close functions (judged at the end of the module)
        self.candidates: list[cst.FunctionDef] = []
        #: module-level clients of a ``shared-client-types`` type (as PSL404 finds them)
        self.clients: set[str] = set()
        self.types = {canonical(t) for t in ctx.settings["shared-client-types"]}

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if len(self.ctx.functions) == 1 and not self.ctx.classes and may_close(node.name.value):
            self.candidates.append(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if is_module_client(self.ctx, self.types, target.target, node.value):
                self.clients.add(target.target.value)  # type: ignore[attr-defined]

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if is_module_client(self.ctx, self.types, node.target, node.value):
            self.clients.add(node.target.value)  # type: ignore[attr-defined]

    def leave_Module(self, node: cst.Module) -> None:
        """A ``close_*client*()`` function, or (rev 3) any function PSL404 accepts as a module-level client's
        close function, that the app's lifespan never reaches."""
        functions = [
            fn for fn in self.candidates if is_close_function_name(fn.name.value) or closed_names(fn) & self.clients
        ]
        if not functions or self.ctx.index is None:
            return
        reached = reached_from_lifespan(self.ctx.index)
        if reached is None:
            return
        for fn in functions:
            name = fn.name.value
            if f"{self.ctx.module_name}.{name}" not in reached:
                self.report(fn, self.template.format(name=name))
