from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.rule import NOT_TESTS, Invalid, Rule, Valid
from py_standards_lint.base.fastwalk import child_nodes
from py_standards_lint.base.known import HTTPX_CLIENTS
from py_standards_lint.base.names import string_value

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
#: (rev 3) top-level folders of standalone scripts
SCRIPT_FOLDERS = frozenset({"scripts", "bin", "tools"})

POLLER = (
    "import httpx\n\nasync def poll(url, stop):\n    async with httpx.AsyncClient() as client:\n"
    "        while not stop.is_set():\n            try:\n                await client.get(url)\n"
    "            except httpx.HTTPError:\n                pass\n"
)
RETRY = (
    "import httpx\n\nasync def fetch(url):\n    async with httpx.AsyncClient() as client:\n"
    "        for attempt in range(3):\n            response = await client.get(url)\n            if response.is_success:\n"
    "                return response\n"
)


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
        "the app's lifespan. Not flagged: standalone scripts (a module with an `if __name__ == \"__main__\":` block, "
        "or under a top-level `scripts/`, `bin/` or `tools/` folder), and a client whose `with` block holds a `while` "
        "loop making its calls (one client for a worker's or poller's whole run; a bounded retry `for` loop is still "
        "per request)."
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
        # (rev 3) standalone scripts
        Valid("import httpx\n\nasync def main():\n    async with httpx.AsyncClient() as c:\n        await c.get('/x')\n\nif __name__ == '__main__':\n    main()\n"),
        Valid("import httpx\n\ndef main():\n    return httpx.Client().get('/x')\n\nif \"__main__\" == __name__:\n    main()\n", path="app/cli/sync.py"),
        Valid(RETRY, path="scripts/seed.py"),
        Valid(RETRY, path="bin/sync_users.py"),
        Valid(RETRY, path="tools/release/notes.py"),
        # (rev 3) one client for a worker's whole loop
        Valid(POLLER),
        Valid("import httpx\n\ndef worker(queue):\n    with httpx.Client() as c:\n        while True:\n            job = queue.get()\n            send(c, job)\n"),
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
        # (rev 3) a bounded retry loop is still a client per request; a loop outside the block, or one that
        # does not use the client; a `__main__` test that is not at module level; scripts/ not at the top
        Invalid(RETRY, line=4, col=16),
        Invalid("import httpx\n\nasync def f(url):\n    while True:\n        async with httpx.AsyncClient() as c:\n            await c.get(url)\n", line=5, col=20),
        Invalid("import httpx\n\nasync def f(url):\n    async with httpx.AsyncClient() as c:\n        await c.get(url)\n        while busy():\n            await sleep(1)\n", line=4, col=16),
        Invalid("import httpx\n\nasync def f(url):\n    async with httpx.AsyncClient() as c:\n        def g():\n            while True:\n                c.get(url)\n        await c.get(url)\n", line=4, col=16),
        Invalid("import httpx\n\ndef f():\n    if __name__ == '__main__':\n        pass\n    return httpx.Client()\n", line=6, col=12),
        Invalid("import httpx\n\nif __name__ == 'main':\n    pass\n\ndef f():\n    return httpx.Client()\n", line=7, col=12),
        Invalid(RETRY, path="app/scripts/seed.py", line=4, col=16),
    )

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self._allowed: set[int] = set()
        #: (rev 3) a standalone script: one run, one client
        self._script = ctx.relpath.split("/", 1)[0] in SCRIPT_FOLDERS or _has_main_block(ctx.module)

    def visit_With(self, node: cst.With) -> None:
        """(rev 3) ``with httpx.Client() as c:`` whose block holds a ``while`` loop using ``c``: one long-lived
        client for a worker's or poller's whole run."""
        if self.ctx.function is None or self._script:
            return
        for item in node.items:
            call, target = item.item, item.asname.name if item.asname is not None else None
            if not isinstance(call, cst.Call) or not isinstance(target, cst.Name):
                continue
            if self.ctx.names.refers_to(call.func, HTTPX_CLIENTS) and _loop_uses(node.body, target.value):
                self._allowed.add(id(call))

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
        if frame is None or self._script or id(node) in self._allowed:
            return
        if not self.ctx.names.refers_to(node.func, HTTPX_CLIENTS):
            return
        if any("lifespan" in f.name for f in self.ctx.functions):
            return  # built once per app, stored on app.state
        self.report(node)


_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


def _has_main_block(module: cst.Module) -> bool:
    """A module-level ``if __name__ == "__main__":`` (either way round)."""
    for stmt in module.body:
        if not isinstance(stmt, cst.If) or not isinstance(stmt.test, cst.Comparison):
            continue
        test = stmt.test
        if len(test.comparisons) != 1 or not isinstance(test.comparisons[0].operator, cst.Equal):
            continue
        sides = (test.left, test.comparisons[0].comparator)
        if any(isinstance(x, cst.Name) and x.value == "__name__" for x in sides) and any(string_value(x) == "__main__" for x in sides):
            return True
    return False


def _loop_uses(body: cst.CSTNode, name: str) -> bool:
    """Does ``body`` hold (outside nested scopes) a ``while`` loop that refers to ``name``?"""
    stack: list[cst.CSTNode] = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, _SCOPES):
            continue
        if isinstance(node, cst.While) and _refers(node, name):
            return True
        stack.extend(child_nodes(node))
    return False


def _refers(node: cst.CSTNode, name: str) -> bool:
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name) and current.value == name:
            return True
        if isinstance(current, _SCOPES):
            continue
        if isinstance(current, cst.Attribute):
            stack.append(current.value)  # `x.c` is not `c`
            continue
        stack.extend(child_nodes(current))
    return False
