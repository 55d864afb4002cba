from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.rule import Invalid, Rule, Valid

#: decorators that memoize the *return value*: on an ``async def`` that is a coroutine object
CACHE_DECORATORS = frozenset(
    {
        "functools.lru_cache",
        "functools.cache",
        "functools.cached_property",
        "cachetools.cached",
        "cachetools.cachedmethod",
    }
    | {f"cachetools.func.{name}" for name in ("ttl_cache", "lru_cache", "lfu_cache", "fifo_cache", "rr_cache", "mru_cache")}
)


class CacheDecoratorOnAsync(Rule):
    code = "PSL503"
    name = "cache-decorator-on-async"
    message = "Caching decorator on an `async def` caches the coroutine object, which can be awaited only once"
    requires_text = ("cache",)
    example_path = "app/services/progress.py"
    why = (
        "`functools.lru_cache`, `functools.cache` and `cachetools.cached` memoize what the function returns; "
        "an `async def` returns a coroutine. The second caller with the same arguments gets the already-awaited "
        "coroutine and fails with `RuntimeError: cannot reuse already awaited coroutine` (and exceptions are "
        "cached as well). Cache the awaited value instead: a `TTLCache` under an `asyncio.Lock`, or an "
        "async-aware decorator (`async_lru.alru_cache`, `cachetools_async`, `aiocache.cached`)."
    )
    example = "from functools import lru_cache\n\n\n@lru_cache(maxsize=32)\nasync def get_settings(tenant: str) -> dict:\n    return await load_settings(tenant)\n"
    use_instead = (
        "import asyncio\nfrom typing import Any\n\nfrom cachetools import TTLCache\n\n"
        "_cache: TTLCache[str, Any] = TTLCache(maxsize=32, ttl=300)\n_cache_lock = asyncio.Lock()\n\n\n"
        "async def get_settings(tenant: str) -> dict:\n    async with _cache_lock:\n        cached = _cache.get(tenant)\n"
        "        if cached is not None:\n            return cached\n    value = await load_settings(tenant)\n"
        "    async with _cache_lock:\n        _cache[tenant] = value\n    return value\n"
    )
    valid = (
        Valid(use_instead),
        Valid("from functools import lru_cache\n\n@lru_cache\ndef get_settings():\n    return {}\n"),
        Valid("from async_lru import alru_cache\n\n@alru_cache(maxsize=32)\nasync def f(x):\n    return x\n"),
        Valid("from cachetools_async import cached\nfrom cachetools import TTLCache\n\n@cached(TTLCache(maxsize=1, ttl=1))\nasync def f(x):\n    return x\n"),
        Valid("from aiocache import cached\n\n@cached(ttl=10)\nasync def f(x):\n    return x\n"),
        Valid("def lru_cache(fn):\n    return fn\n\n@lru_cache\nasync def f():\n    pass\n"),
        # a sync function nested in an async def; a decorator inside the body
        Valid(
            "import functools\n\nasync def outer():\n    @functools.cache\n    def inner(x):\n        return x\n    return inner(1)\n"
        ),
        Valid("# @lru_cache\nasync def f():\n    return 'functools.cache'\n"),
    )
    invalid = (
        Invalid(example, line=4, col=1),
        Invalid("from functools import lru_cache\n\n@lru_cache\nasync def f():\n    pass\n", line=3, col=1),
        Invalid("import functools\n\n@functools.lru_cache(maxsize=32)\nasync def f():\n    pass\n", line=3, col=1),
        Invalid("import functools as ft\n\nclass S:\n    @staticmethod\n    @ft.cache\n    async def f():\n        pass\n", line=5, col=5),
        Invalid(
            "import cachetools\nfrom cachetools import TTLCache\n\n@cachetools.cached(TTLCache(maxsize=1, ttl=1))\nasync def f(x):\n    return x\n",
            line=4,
            col=1,
        ),
        Invalid("from cachetools.func import ttl_cache\n\n@ttl_cache(ttl=60)\nasync def f(x):\n    return x\n", line=3, col=1),
        Invalid("from functools import cached_property\n\nclass S:\n    @cached_property\n    async def data(self):\n        return 1\n", line=4, col=5),
        Invalid(
            "from functools import cache\n\ndef outer():\n    @cache\n    async def inner():\n        pass\n    return inner\n",
            line=4,
            col=5,
            path="tests/test_x.py",
        ),
    )

    @classmethod
    def gate(cls, facts) -> bool:
        return facts.decorated_async_def

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.asynchronous is None:
            return
        for decorator in node.decorators:
            expr = decorator.decorator
            if isinstance(expr, cst.Call):
                expr = expr.func
            if self.ctx.names.resolve(expr) in CACHE_DECORATORS:
                self.report(decorator)
