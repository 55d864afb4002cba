from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.rule import NOT_TESTS, Invalid, Rule, Valid
from py_standards_lint.base.names import canonical
from py_standards_lint.base.settings import Option

from .httpx_client_per_request import LAZY_INIT
from .httpx_lazy_init_without_lock import DOUBLE_CHECKED

CLOSE_METHODS = frozenset({"aclose", "close"})

CLOSE = """
async def close_http_client() -> None:
    global _http_client
    if _http_client is not None:
        await _http_client.aclose()
        _http_client = None
"""


def is_close_function_name(name: str) -> bool:
    """``close_*client*`` (RULES.md PSL405; the same test as the project index)."""
    return name.startswith("close_") and "client" in name


def may_close(name: str) -> bool:
    """(rev 3) A function whose name contains ``close`` (``close_http_client``, ``_close_client``,
    ``aclose_clients``): PSL404 accepts it as a client's close function when it calls the client's
    ``.aclose()``/``.close()``."""
    return "close" in name.lower()


def _walk(node: cst.CSTNode):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.children)


def closed_names(fn: cst.FunctionDef) -> set[str]:
    """Names whose ``.aclose()``/``.close()`` a close function calls (through simple aliases too:
    ``client = _http_client``; ``for c in (_a, _b): await c.aclose()``)."""
    aliases: dict[str, set[str]] = {}
    closed: set[str] = set()
    for node in _walk(fn.body):
        if isinstance(node, cst.Assign) and isinstance(node.value, cst.Name):
            for target in node.targets:
                if isinstance(target.target, cst.Name):
                    aliases.setdefault(target.target.value, set()).add(node.value.value)
        elif isinstance(node, (cst.For,)) and isinstance(node.target, cst.Name) and isinstance(node.iter, (cst.Tuple, cst.List)):
            names = {e.value.value for e in node.iter.elements if isinstance(e.value, cst.Name)}
            aliases.setdefault(node.target.value, set()).update(names)
        elif (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in CLOSE_METHODS
            and isinstance(node.func.value, cst.Name)
        ):
            closed.add(node.func.value.value)
    stack = list(closed)
    while stack:  # follow aliases back to the module-level names
        name = stack.pop()
        for source in aliases.get(name, ()):
            if source not in closed:
                closed.add(source)
                stack.append(source)
    return closed


class HttpxClientWithoutClose(Rule):
    code = "PSL404"
    name = "httpx-client-without-close"
    message = "Module-level client with no close function (a function whose name contains `close`) calling its `.aclose()`/`.close()`"
    skip_layers = NOT_TESTS
    example_path = "app/services/weather.py"
    options = (
        Option(
            "shared-client-types",
            "list",
            ("httpx.AsyncClient", "httpx.Client"),
            "Qualified names of client classes that hold connections and must be closed (add SDK clients that wrap HTTP).",
        ),
    )
    why = (
        "A shared client holds a connection pool. Without a close function (any function whose name contains "
        "`close`: `close_http_client`, `_close_client`, `aclose_clients`) that calls `aclose()` (and is "
        "registered in the app's lifespan, see PSL405), connections are dropped uncleanly at shutdown and tests "
        "leak `ResourceWarning`s and open sockets. The standards ask for a close function next to every shared client. "
        "The client types come from the `shared-client-types` option, so SDK clients that wrap HTTP "
        "(`openai.AsyncOpenAI`, ...) can be added."
    )
    example = 'import httpx\n\n_client = httpx.AsyncClient(base_url="https://weather.example")\n\nasync def forecast(city):\n    return (await _client.get("/forecast", params={"city": city})).json()\n'
    use_instead = (
        'import httpx\n\n_client = httpx.AsyncClient(base_url="https://weather.example")\n\n'
        "async def close_weather_client() -> None:\n    await _client.aclose()\n"
    )
    valid = (
        Valid(LAZY_INIT + CLOSE),
        Valid(DOUBLE_CHECKED),
        Valid(use_instead),
        Valid(
            "import httpx\n\n_a = httpx.AsyncClient()\n_b = httpx.Client()\n\n"
            "async def close_clients():\n    for client in (_a, _b):\n        await client.aclose()\n"
        ),
        Valid(
            "import httpx\n\n_http = None\n\ndef _get():\n    global _http\n    _http = httpx.Client()\n    return _http\n\n"
            "def close_http_client():\n    client = _http\n    if client is not None:\n        client.close()\n"
        ),
        Valid("import httpx\n\nclass Api:\n    def __init__(self):\n        self.client = httpx.AsyncClient()\n"),
        Valid("import httpx\n\nclass Api:\n    client = httpx.Client()\n"),
        Valid("import httpx\n\nasync def f():\n    client = httpx.AsyncClient()\n    return client\n"),
        Valid("import openai\n\n_llm = openai.AsyncOpenAI()\n"),
        Valid(
            "import openai\n\n_llm = openai.AsyncOpenAI()\n\nasync def close_llm_client():\n    await _llm.close()\n",
            settings={"shared-client-types": ["httpx.AsyncClient", "openai.AsyncOpenAI"]},
        ),
        Valid("import httpx\n\n_client = httpx.AsyncClient()\n", path="tests/conftest.py"),
        Valid(
            "import httpx\nfrom contextlib import asynccontextmanager\n\n_client = None\n\n@asynccontextmanager\n"
            "async def lifespan(app):\n    global _client\n    _client = httpx.AsyncClient()\n    yield\n    await _client.aclose()\n",
            path="app/main.py",
        ),
        Valid("class httpx:\n    AsyncClient = dict\n\n_client = httpx.AsyncClient()\n"),
        # (rev 3) any function whose name contains `close`
        Valid("import httpx\n\n_client = httpx.AsyncClient()\n\nasync def _close_client():\n    await _client.aclose()\n"),
        Valid("import httpx\n\n_a = httpx.AsyncClient()\n_b = httpx.Client()\n\nasync def aclose_clients():\n    await _a.aclose()\n    _b.close()\n"),
        Valid("import httpx\n\n_client = httpx.Client()\n\ndef shutdown_and_close():\n    _client.close()\n"),
    )
    invalid = (
        Invalid(example, line=3, col=11),
        Invalid(LAZY_INIT, line=11, col=28),
        # the close function closes another client; _shutdown is not named close_*client*
        Invalid(
            "from httpx import AsyncClient\n\n_a = AsyncClient()\n_b = AsyncClient()\n\n"
            "async def close_a_client():\n    await _a.aclose()\n\nasync def _shutdown():\n    await _b.aclose()\n",
            line=4,
            col=6,
        ),
        Invalid(
            "import openai\n\n_llm: openai.AsyncOpenAI = openai.AsyncOpenAI()\n",
            line=3,
            col=28,
            settings={"shared-client-types": ["openai.AsyncOpenAI"]},
        ),
        # a close function that never closes anything
        Invalid(
            "import httpx\n\n_client = httpx.Client()\n\ndef close_http_client():\n    global _client\n    _client = None\n",
            line=3,
            col=11,
        ),
        # (rev 3) a function named `close...` that closes another client; a method named close
        Invalid(
            "import httpx\n\n_a = httpx.Client()\n_b = httpx.Client()\n\ndef _close_a():\n    _a.close()\n",
            line=4,
            col=6,
        ),
        Invalid("import httpx\n\n_client = httpx.Client()\n\nclass Api:\n    def close(self):\n        _client.close()\n", line=3, col=11),
    )

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.types = {canonical(t) for t in ctx.settings["shared-client-types"]}
        self.closed: set[str] = set()
        for name, fn in ctx.names.functions.items():
            # a lifespan that builds and closes the client itself is the app's own lifecycle
            if may_close(name) or "lifespan" in name:
                self.closed |= closed_names(fn)

    @classmethod
    def settings_text(cls, settings) -> tuple[str, ...]:
        # a client type's own name appears wherever it is imported or built, however it is spelled
        return tuple(t.rpartition(".")[2] for t in settings["shared-client-types"])

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._check(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._check(node.target, node.value)

    def _check(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if is_module_client(self.ctx, self.types, target, value) and target.value not in self.closed:  # type: ignore[attr-defined]
            self.report(value)


def is_module_client(ctx, types: set[str], target: cst.BaseExpression, value: cst.BaseExpression | None) -> bool:
    """Is ``target = value`` (at this point of the walk) a module-level client of one of ``types``: built at
    module level, or by lazy ``global`` init in a function?"""
    if not isinstance(target, cst.Name) or not isinstance(value, cst.Call):
        return False
    frame = ctx.function
    if frame is None:
        if ctx.classes:
            return False  # a class attribute: not a module-level client
    elif target.value not in frame.globals:
        return False  # a local (PSL401's business)
    return ctx.names.resolve(value.func) in types
