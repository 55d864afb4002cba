from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.locks import TracksLocks
from py_standards_lint.analysis.rule import NOT_TESTS, Invalid, Rule, Valid
from py_standards_lint.base.known import HTTPX_CLIENTS

from .httpx_client_per_request import LAZY_INIT

DOUBLE_CHECKED = """\
import asyncio
import httpx

_http_client: httpx.AsyncClient | None = None
_client_lock = asyncio.Lock()

async def _get_http_client() -> httpx.AsyncClient:
    global _http_client
    if _http_client is not None:
        return _http_client
    async with _client_lock:
        if _http_client is None:
            _http_client = httpx.AsyncClient(timeout=30.0)
    return _http_client

async def close_http_client() -> None:
    global _http_client
    if _http_client is not None:
        await _http_client.aclose()
        _http_client = None
"""

UNLOCKED = """\
import httpx

_http_client: httpx.AsyncClient | None = None

async def _get_http_client() -> httpx.AsyncClient:
    global _http_client
    if _http_client is None:
        _http_client = httpx.AsyncClient(timeout=30.0)
    return _http_client
"""


class HttpxLazyInitWithoutLock(TracksLocks, Rule):
    code = "PSL403"
    name = "httpx-lazy-init-without-lock"
    message = "Lazy init of a module-level httpx client outside `async with <lock>:`: concurrent first calls build several clients"
    skip_layers = NOT_TESTS
    requires_text = ("httpx",)
    example_path = "app/services/weather.py"
    why = (
        "In a coroutine, `if _client is None:` followed by an `await` anywhere before the assignment lets "
        "several requests see `None` and each build a client; all but the last leak their connection pool and "
        "are never closed. The standards' pattern creates the client under an `asyncio.Lock` (a double-checked "
        "fast path that reads the global outside the lock is fine; so is a `lifespan` building it once at start-up). Only a `with`/`async with` on a lock counts: "
        "a name bound to `asyncio.Lock()`/`threading.Lock()`/`RLock()`/`Semaphore`/`Condition`, annotated so, "
        "or named `*lock*`."
    )
    example = UNLOCKED
    use_instead = LAZY_INIT
    valid = (
        Valid(LAZY_INIT),
        Valid(DOUBLE_CHECKED),
        Valid(
            "import asyncio, httpx\n\n_client = None\n_mutex = asyncio.Lock()\n\nasync def get():\n    global _client\n"
            "    async with _mutex:\n        if _client is None:\n            _client = httpx.AsyncClient()\n    return _client\n"
        ),
        Valid(
            "import asyncio, httpx\n\nclass Holder:\n    _guard: asyncio.Lock\n\n_client = None\n\n"
            "async def get(holder):\n    global _client\n    async with holder._guard:\n        _client = httpx.AsyncClient()\n"
        ),
        # a sync getter: no await can interleave between the check and the assignment
        Valid("import httpx\n\n_client = None\n\ndef get():\n    global _client\n    if _client is None:\n        _client = httpx.Client()\n    return _client\n"),
        # a local, not a global: that is PSL401 (client per request)
        Valid("import httpx\n\nasync def f():\n    client = httpx.AsyncClient()\n    return client\n"),
        Valid("import httpx\n\n_client = httpx.AsyncClient()\n"),
        Valid("_client = None\n\nasync def get():\n    global _client\n    _client = AsyncClient()  # httpx.AsyncClient()\n"),
        Valid(UNLOCKED, path="tests/conftest.py"),
        Valid(
            "import httpx\nfrom contextlib import asynccontextmanager\n\n_client = None\n\n@asynccontextmanager\n"
            "async def lifespan(app):\n    global _client\n    _client = httpx.AsyncClient()\n    yield\n    await _client.aclose()\n",
            path="app/main.py",
        ),
    )
    invalid = (
        Invalid(UNLOCKED, line=8, col=24),
        # a `with` on a session or a timeout is not a lock
        Invalid(
            "import asyncio, httpx\n\n_client = None\n\nasync def get(db):\n    global _client\n"
            "    async with asyncio.timeout(5):\n        async with db.begin():\n            _client = httpx.AsyncClient()\n",
            line=9,
            col=23,
        ),
        # the lock is held by the outer function, not by the nested one that runs later
        Invalid(
            "import asyncio, httpx\n\n_client = None\n_lock = asyncio.Lock()\n\nasync def outer():\n    async with _lock:\n"
            "        async def build():\n            global _client\n            _client = httpx.AsyncClient()\n        return build\n",
            line=10,
            col=23,
        ),
        # the lock block ends before the assignment
        Invalid(
            "import asyncio\nfrom httpx import AsyncClient as AC\n\n_client = None\n_client_lock = asyncio.Lock()\n\n"
            "async def get():\n    global _client\n    async with _client_lock:\n        pass\n    _client = AC()\n",
            line=11,
            col=15,
        ),
        Invalid(
            "import httpx\n\n_client = None\n\nclass Api:\n    async def client(self):\n        global _client\n        _client = httpx.Client()\n",
            line=8,
            col=19,
        ),
    )

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._check(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._check(node.target, node.value)

    def _check(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        fn = self.locks.function
        frame = self.ctx.function
        if fn is None or fn.asynchronous is None or frame is None or frame.node is not fn:
            return
        if not (isinstance(target, cst.Name) and target.value in frame.globals):
            return
        if any("lifespan" in f.name for f in self.ctx.functions):
            return  # the lifespan runs once, at start-up: nothing to race with
        if not (isinstance(value, cst.Call) and self.ctx.names.refers_to(value.func, HTTPX_CLIENTS)):
            return  # `_client = None` in a close function is a reset, not an init
        if not self.locks.holds_lock:
            self.report(value)
