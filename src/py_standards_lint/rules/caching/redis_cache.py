from __future__ import annotations

import libcst as cst

from ...names import canonical, module_dotted
from ...rule import NOT_TESTS, Invalid, Rule, Valid

#: Redis clients and Redis-backed cache libraries: importing anything from them is using Redis
REDIS_MODULES = (
    "redis",
    "aioredis",
    "coredis",
    "redis_om",
    "django_redis",
    "fastapi_cache.backends.redis",
    "aiocache.backends.redis",
    "dogpile.cache.backends.redis",
    "cashews.backends.redis",
    "flask_caching.backends.rediscache",
)
#: Redis backends exported by a cache library that also has in-memory backends
REDIS_NAMES = frozenset({"aiocache.RedisCache", "fastapi_cache.backends.redis.RedisBackend"})


def is_redis_module(module: str) -> bool:
    return any(module == m or module.startswith(m + ".") for m in REDIS_MODULES)


class RedisCache(Rule):
    code = "PSL501"
    name = "redis-cache"
    message = "Redis import: the standards cache in-process with `cachetools.TTLCache`, no Redis"
    skip_layers = NOT_TESTS
    requires_text = ("redis", "Redis")
    example_path = "app/services/progress.py"
    why = (
        "The team's standards cache with `cachetools.TTLCache`, per worker/replica — no Redis: one less "
        "service to run, secure and monitor, and no network hop or serialization on a cache hit. A Redis client "
        "(`redis`, `redis.asyncio`, `aioredis`, `coredis`, `redis_om`) or a Redis cache backend (`aiocache.RedisCache`, "
        "`fastapi_cache.backends.redis`, ...) brings it back; shared caches belong in `core.cache`."
    )
    example = 'import redis.asyncio as redis\n\n_redis = redis.from_url("redis://localhost")\n'
    use_instead = (
        "import asyncio\nfrom typing import Any\n\nfrom cachetools import TTLCache\n\n"
        "_cache: TTLCache[str, Any] = TTLCache(maxsize=100, ttl=300)\n_cache_lock = asyncio.Lock()\n"
    )
    valid = (
        Valid(use_instead),
        Valid("from aiocache import Cache, cached\n\n_cache = Cache(Cache.MEMORY)\n"),
        Valid('# import redis\nREDIS_NOTE = "we used to import redis here"\n'),
        Valid("import myapp.redis_helpers\nfrom app.core import redis_free_cache\n"),
        Valid("import redis\n\nclient = redis.Redis()\n", path="tests/conftest.py"),
        Valid("from . import cache\nfrom .cache import Redisless\n"),
    )
    invalid = (
        Invalid(example, line=1, col=1),
        Invalid("import os, redis\n", line=1, col=1),
        Invalid("from redis.asyncio import Redis\n", line=1, col=1),
        Invalid("from redis import asyncio as aioredis\n", line=1, col=1),
        Invalid("import aioredis\n", line=1, col=1),
        Invalid("from aiocache import Cache, RedisCache\n", line=1, col=1),
        Invalid("from fastapi_cache.backends.redis import RedisBackend\n", line=1, col=1),
        Invalid("async def f():\n    import redis.asyncio\n    return redis.asyncio.Redis()\n", line=2, col=5),
        Invalid("from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from redis.asyncio import Redis\n", line=4, col=5),
    )

    def visit_Import(self, node: cst.Import) -> None:
        if any(is_redis_module(module_dotted(alias.name)) for alias in node.names):
            self.report(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative:
            return  # a project module
        module = module_dotted(node.module) if node.module is not None else ""
        if is_redis_module(module):
            self.report(node)
            return
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            if canonical(f"{module}.{module_dotted(alias.name)}") in REDIS_NAMES:
                self.report(node)
                return
