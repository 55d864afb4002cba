from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.rule import NOT_TESTS, Invalid, Rule, Valid

from .httpx_client_per_request import LAZY_INIT

#: the module-level helpers of httpx: each builds a throw-away Client for one request
ONE_SHOT = frozenset(
    f"{module}.{verb}"
    for module in ("httpx", "httpx._api")
    for verb in ("get", "post", "put", "patch", "delete", "head", "options", "request", "stream")
)


class HttpxOneShotRequest(Rule):
    code = "PSL402"
    name = "httpx-one-shot-request"
    message = "httpx one-shot request (`httpx.get()`, `.post()`, ...) builds and discards a client: use the shared module-level client"
    #: the message reported, naming the function called
    specific = "httpx.{verb}() builds and discards a client for one request: use the shared module-level client"
    skip_layers = NOT_TESTS
    requires_text = ("httpx",)
    example_path = "app/services/weather.py"
    why = (
        "`httpx.get()`, `httpx.post()`, `httpx.request()`, `httpx.stream()` and friends open a new "
        "`httpx.Client` (its own connection pool) for every call and close it right after: no keep-alive, "
        "a new TCP and TLS handshake each time, and a blocking call when used from async code. The standards "
        "keep one shared client per module, created lazily and closed from the app's lifespan."
    )
    example = 'import httpx\n\ndef forecast(city: str) -> dict:\n    return httpx.get("https://weather.example/forecast", params={"city": city}).json()\n'
    use_instead = (
        LAZY_INIT
        + '\nasync def forecast(city: str) -> dict:\n    client = await _get_http_client()\n'
        '    response = await client.get("https://weather.example/forecast", params={"city": city})\n'
        "    return response.json()\n"
    )
    valid = (
        Valid(use_instead),
        Valid('import httpx\n\nasync def f(client: httpx.AsyncClient):\n    return await client.get("/x")\n'),
        Valid('import requests\n\ndef f():\n    return requests.get("/x")\n'),
        Valid('import httpx\n\ndef f(params):\n    return params.get("x")\n'),
        Valid('import httpx\n\ndef f():\n    # httpx.get("https://x")\n    return "httpx.get(url)"\n'),
        Valid("class httpx:\n    get = staticmethod(len)\n\ndef f():\n    return httpx.get([1])\n"),
        Valid('import httpx\n\ndef test_probe():\n    assert httpx.get("http://localhost").status_code == 200\n', path="tests/test_probe.py"),
        Valid("import httpx\n\ntimeout = httpx.Timeout(5.0)\nlimits = httpx.Limits(max_connections=10)\n"),
        Valid('from httpx import get\n\ndef get(url):\n    return url\n\nget("/x")\n'),
    )
    invalid = (
        Invalid(example, line=4, col=12),
        Invalid('import httpx as h\n\nasync def f():\n    h.post("/x", json={})\n', line=4, col=5),
        Invalid('from httpx import request, stream as st\n\ndef f():\n    request("GET", "/x")\n    with st("GET", "/y") as r:\n        pass\n', at=[(4, 5), (5, 10)]),
        Invalid('import httpx\n\nSTATUS = httpx.head("https://example.invalid").status_code\n', line=3, col=10),
        Invalid('import httpx\n\ndef f():\n    return httpx.delete("/a").raise_for_status()\n', line=4, col=12),
    )

    def visit_Call(self, node: cst.Call) -> None:
        qualified = self.ctx.names.resolve(node.func)
        if qualified in ONE_SHOT:
            self.report(node, self.specific.format(verb=qualified.rsplit(".", 1)[1]))
