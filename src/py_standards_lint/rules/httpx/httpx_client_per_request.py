from __future__ import annotations

import libcst as cst

from ...rule import NOT_TESTS, Invalid, Rule, Valid
from ...semantics import HTTPX_CLIENTS

LAZY_INIT = """\
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
"""

#: methods that build long-lived resources once per instance
INIT_METHODS = frozenset({"__init__", "__aenter__", "__enter__", "__post_init__"})


class HttpxClientPerRequest(Rule):
    code = "PSL401"
    name = "httpx-client-per-request"
    message = "httpx client built inside a function: use a shared module-level client with lazy init"
    skip_layers = NOT_TESTS
    requires_text = ("httpx",)
    example_path = "app/services/github.py"
    why = (
        "Each `httpx.AsyncClient()` opens its own connection pool: building one per request throws away "
        "keep-alive and TLS sessions, adds a handshake to every call, and under load exhausts sockets. "
        "The standards keep one shared client per module, created lazily under a lock and closed from "
        "the app's lifespan."
    )
    example = "import httpx\n\nasync def fetch(url):\n    async with httpx.AsyncClient() as client:\n        return await client.get(url)\n"
    use_instead = LAZY_INIT + "\nasync def fetch(url):\n    client = await _get_http_client()\n    return await client.get(url)\n"
    valid = (
        Valid(LAZY_INIT),
        Valid("import httpx\n\nclient = httpx.AsyncClient(timeout=30.0)\n"),
        Valid("import httpx\n\nclass Api:\n    def __init__(self):\n        self.client = httpx.AsyncClient()\n"),
        Valid("import httpx\n\nclass Api:\n    client = httpx.Client()\n"),
        Valid(
            "import httpx\nfrom contextlib import asynccontextmanager\n\n@asynccontextmanager\n"
            "async def lifespan(app):\n    app.state.http = httpx.AsyncClient()\n    yield\n    await app.state.http.aclose()\n"
        ),
        Valid(
            "import httpx\n\nasync def lifespan(app):\n    async with httpx.AsyncClient() as client:\n"
            "        app.state.http = client\n        yield\n"
        ),
        Valid("class httpx:\n    AsyncClient = dict\n\ndef f():\n    return httpx.AsyncClient()\n"),
        Valid("import httpx\n\nasync def f():\n    c = AsyncClient()\n    # httpx.AsyncClient()\n"),
        Valid("import httpx\n\nasync def test_x():\n    async with httpx.AsyncClient() as c:\n        pass\n", path="tests/test_api.py"),
        Valid("import httpx\n\ndef f(transport):\n    return httpx.MockTransport(transport)\n"),
    )
    invalid = (
        Invalid("import httpx\n\nasync def fetch(url):\n    async with httpx.AsyncClient() as client:\n        return await client.get(url)\n", line=4, col=16),
        Invalid("from httpx import AsyncClient as AC\n\nasync def f():\n    c = AC(timeout=1)\n", line=4, col=9),
        Invalid("import httpx as h\n\ndef f():\n    return use(h.Client())\n", line=4, col=16),
        Invalid(
            "import httpx\n\n_client = None\n\ndef outer():\n    global _client\n\n    def inner():\n        _client = httpx.Client()\n",
            line=9,
            col=19,
        ),
        Invalid("import httpx\n\nclass Api:\n    def call(self):\n        self.client = httpx.AsyncClient()\n", line=5, col=23),
        Invalid("import httpx\n\nasync def handler():\n    app.state.http = httpx.AsyncClient()\n", line=4, col=22),
    )

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self._allowed: set[int] = set()

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._check_target(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._check_target(node.target, node.value)

    def _check_target(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        frame = self.ctx.function
        if frame is None or not isinstance(value, cst.Call):
            return
        if isinstance(target, cst.Name) and target.value in frame.globals:
            self._allowed.add(id(value))  # lazy init of a module-level client
        elif (
            isinstance(target, cst.Attribute)
            and isinstance(target.value, cst.Name)
            and target.value.value in ("self", "cls")
            and frame.name in INIT_METHODS
        ):
            self._allowed.add(id(value))

    def visit_Call(self, node: cst.Call) -> None:
        frame = self.ctx.function
        if frame is None or id(node) in self._allowed:
            return
        if not self.ctx.names.refers_to(node.func, HTTPX_CLIENTS):
            return
        if any("lifespan" in f.name for f in self.ctx.functions):
            return  # built once per app, stored on app.state
        self.report(node)
