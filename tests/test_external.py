"""External calls and functions that call out, as the project index sees them."""

from pathlib import Path

from py_standards_lint.analysis.index import ProjectIndex

from .helpers import make_settings

GITHUB = '''\
import asyncio
import httpx
import openai
from app.core import helpers

_http_client: httpx.AsyncClient | None = None
_client_lock = asyncio.Lock()


async def _get_http_client() -> httpx.AsyncClient:
    global _http_client
    async with _client_lock:
        if _http_client is None:
            _http_client = httpx.AsyncClient(timeout=30.0)
        return _http_client


async def via_getter(url):
    client = await _get_http_client()
    return await client.get(url)


async def via_module_client(url):
    return await _http_client.get(url)


async def via_context(url):
    async with httpx.AsyncClient() as c:
        return await c.get(url)


def one_shot(url):
    return httpx.get(url)


def sdk():
    return openai.OpenAI().chat.completions.create()


def raises_for_status(response):
    response.raise_for_status()


def nested():
    def inner():
        return httpx.get("x")
    return inner


def transitive():
    return via_getter("x")


def twice_removed():
    return transitive()


def other_module_helper():
    return helpers.fetch()


def lazy_import():
    import requests
    return requests.get("x")


def pure(x):
    return {"x": x}


async def uses_a_dict(cache):
    return cache.get("key")
'''


def test_calls_out():
    index = ProjectIndex.from_sources(Path("/p"), {"app/services/github.py": GITHUB}, make_settings())
    out = {name for name, fn in index.module("app.services.github").functions.items() if fn.calls_out}
    assert out == {
        "_get_http_client",
        "via_getter",
        "via_module_client",
        "via_context",
        "one_shot",
        "sdk",
        "raises_for_status",
        "nested",
        "transitive",
        "twice_removed",
    }
    assert index.calls_out("app.services.github.twice_removed")
    assert not index.calls_out("app.services.github.pure")
    assert not index.calls_out("app.services.unknown.f")


def test_sdk_modules_are_configurable():
    settings = make_settings({"external-sdk-modules": ["mycorp.payments"]})
    src = "import mycorp.payments\nimport openai\n\ndef pay():\n    mycorp.payments.charge()\n\ndef ai():\n    openai.x()\n"
    index = ProjectIndex.from_sources(Path("/p"), {"app/services/pay.py": src}, settings)
    functions = index.module("app.services.pay").functions
    assert functions["pay"].calls_out and not functions["ai"].calls_out
