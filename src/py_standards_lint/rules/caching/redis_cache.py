from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.rule import NOT_TESTS, Invalid, Rule, Valid
from py_standards_lint.base.names import canonical, dotted_name, module_dotted, string_value

#: Redis clients: importing one is Redis *as a cache* in a module whose name or folder says cache
REDIS_CLIENTS = ("redis", "aioredis")
#: modules that are Redis cache backends, wherever they are imported
BACKEND_MODULES = (
    "fastapi_cache.backends.redis",
    "aiocache.backends.redis",
    "cashews.backends.redis",
    "dogpile.cache.backends.redis",
    "requests_cache.backends.redis",
    "django_redis",
    "flask_caching.backends.rediscache",
)
#: Redis backends exported by a cache library that also has in-memory ones
BACKEND_NAMES = frozenset(
    {
        "aiocache.RedisCache",
        "aiocache.Cache.REDIS",
        "fastapi_cache.backends.redis.RedisBackend",
        "requests_cache.RedisCache",
        "requests_cache.RedisDict",
        "requests_cache.backends.RedisCache",
    }
)
#: cashews' set-up calls (a ``redis://`` URL makes it a Redis cache)
CASHEWS_SETUP = frozenset({"cashews.cache.setup", "cashews.setup"})
#: requests_cache's session / install calls (``backend="redis"`` makes them a Redis cache)
REQUESTS_CACHE_CALLS = frozenset(
    {"requests_cache.CachedSession", "requests_cache.session.CachedSession", "requests_cache.install_cache", "requests_cache.patcher.install_cache"}
)
CACHE_FOLDERS = frozenset({"cache", "caching"})

MESSAGE_TAIL = "the standards cache in-process with `cachetools.TTLCache`, no Redis"


def _under(module: str, roots: tuple[str, ...]) -> bool:
    return any(module == m or module.startswith(m + ".") for m in roots)


def _backend(qualified: str) -> bool:
    """A Redis cache backend: a backend module (or something in one), a backend name, or hishel's Redis storages."""
    qualified = canonical(qualified)
    if _under(qualified, BACKEND_MODULES) or qualified in BACKEND_NAMES:
        return True
    return qualified.startswith("hishel.") and "Redis" in qualified.rpartition(".")[2]


def says_cache(relpath: str) -> str | None:
    """(rev 3) What in the path says the module is a cache: its name (``cache.py``, ``*_cache.py``, ``caching.py``)
    or a ``cache/``/``caching/`` folder; ``None`` when nothing does."""
    *folders, filename = relpath.split("/")
    stem = filename.rsplit(".", 1)[0]
    if stem in ("cache", "caching") or stem.endswith("_cache"):
        return f"`{filename}`"
    for folder in reversed(folders):
        if folder in CACHE_FOLDERS:
            return f"the `{folder}/` folder"
    return None


class RedisCache(Rule):
    code = "PSL501"
    name = "redis-cache"
    message = "Redis as a cache: " + MESSAGE_TAIL
    client_template = "Redis imported in a cache module ({where}): " + MESSAGE_TAIL
    backend_template = "Redis cache backend ({what}): " + MESSAGE_TAIL
    skip_layers = NOT_TESTS
    requires_text = ("redis", "Redis", "REDIS")
    example_path = "app/core/cache.py"
    why = (
        "The team's standards cache with `cachetools.TTLCache`, per worker/replica — no Redis as a cache: one less "
        "service to run, secure and monitor, and no network hop or serialization on a cache hit. Flagged: a Redis "
        "client (`redis`, `redis.asyncio`, `aioredis`) imported in a module whose name or folder says cache "
        "(`cache.py`, `*_cache.py`, `caching.py`, a `cache/` or `caching/` folder), and a Redis cache backend anywhere "
        "(`fastapi_cache.backends.redis`, aiocache's `RedisCache`, cashews set up with a `redis://` URL, "
        "`dogpile.cache.redis`, requests-cache's or hishel's Redis storage, `django_redis`). Redis as a message broker, "
        "lock, pub/sub channel, rate-limiter store, session store or health check is not the standard's concern."
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
        Valid("import redis\n\nclient = redis.Redis()\n", path="tests/test_cache.py"),
        Valid("from . import cache\nfrom .cache import Redisless\n"),
        # (rev 3) Redis for something other than a cache, in modules whose name does not say cache
        Valid("import redis\n\nbroker = redis.Redis.from_url('redis://broker')\n", path="app/worker/tasks.py"),
        Valid("from redis.asyncio.lock import Lock\n\nasync def once(r):\n    async with Lock(r, 'job'):\n        pass\n", path="app/services/jobs.py"),
        Valid("import redis.asyncio as redis\n\nasync def listen(r):\n    async with r.pubsub() as ps:\n        await ps.subscribe('events')\n", path="app/events/pubsub.py"),
        Valid("from slowapi import Limiter\n\nlimiter = Limiter(key_func=k, storage_uri='redis://localhost')\n", path="app/core/limiter.py"),
        Valid("import aioredis\n\nasync def ping(r: aioredis.Redis):\n    return await r.ping()\n", path="app/routes/health.py"),
        Valid("from redis import Redis\n\nsessions = Redis()\n", path="app/core/session_store.py"),
        Valid("from cashews import cache\n\ncache.setup('mem://')\ncache.setup(settings.CACHE_URL)\n"),
        Valid("from dogpile.cache import make_region\n\nregion = make_region().configure('dogpile.cache.memory')\n"),
        Valid("import requests_cache\n\ns = requests_cache.CachedSession('c', backend='sqlite')\nREDIS = 'redis'\n"),
        Valid("from app.core import redis_cache\n\nredis_cache.get('k')\n", path="app/services/users.py"),
        Valid("import redis\n", path="app/cachetools_ext/ttl.py"),
    )
    invalid = (
        Invalid(example, line=1, col=1),
        Invalid("import os, redis\n", path="app/services/user_cache.py", line=1, col=1),
        Invalid("from redis.asyncio import Redis\n", path="app/caching.py", line=1, col=1),
        Invalid("from redis import asyncio as aioredis\n", path="app/cache/__init__.py", line=1, col=1),
        Invalid("import aioredis\n", path="app/caching/store.py", line=1, col=1),
        Invalid("async def f():\n    import redis.asyncio\n    return redis.asyncio.Redis()\n", line=2, col=5),
        Invalid("from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from redis.asyncio import Redis\n", line=4, col=5),
        # (rev 3) Redis cache backends, anywhere
        Invalid("from aiocache import Cache, RedisCache\n", path="app/services/users.py", line=1, col=1),
        Invalid("from aiocache import Cache\n\n_cache = Cache(Cache.REDIS, endpoint='r')\n", path="app/services/users.py", line=3, col=10),
        Invalid("import aiocache\n\n_cache = aiocache.RedisCache()\n", path="app/services/users.py", line=3, col=10),
        Invalid("from fastapi_cache.backends.redis import RedisBackend\n", path="app/main.py", line=1, col=1),
        Invalid("from fastapi_cache.backends import redis\n", path="app/main.py", line=1, col=1),
        Invalid("from cashews import cache\n\ncache.setup('redis://localhost/0')\n", path="app/main.py", line=3, col=1),
        Invalid("import cashews\n\ncashews.cache.setup(\"rediss://h\", client_side=True)\n", path="app/main.py", line=3, col=1),
        Invalid("from dogpile.cache import make_region\n\nregion = make_region().configure('dogpile.cache.redis', arguments={})\n", path="app/services/users.py", line=3, col=10),
        Invalid("import requests_cache\n\ns = requests_cache.CachedSession('c', backend='redis')\n", path="app/clients/github.py", line=3, col=5),
        Invalid("from requests_cache import install_cache\n\ninstall_cache('c', 'redis')\n", path="app/clients/github.py", line=3, col=1),
        Invalid("from requests_cache import RedisCache\n", path="app/clients/github.py", line=1, col=1),
        Invalid("from hishel import AsyncRedisStorage\n", path="app/clients/github.py", line=1, col=1),
        Invalid("import hishel\n\nstorage = hishel.AsyncRedisStorage()\n", path="app/clients/github.py", line=3, col=11),
        Invalid("from django_redis import get_redis_connection\n", path="app/views.py", line=1, col=1),
    )

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.where = says_cache(ctx.relpath)
        #: local names bound by imports already reported (their uses are not reported again)
        self.reported: set[str] = set()

    def _report_import(self, node: cst.Import | cst.ImportFrom, message: str, bound: list[str]) -> None:
        self.reported.update(bound)
        self.report(node, message)

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            module = module_dotted(alias.name)
            bound = [alias.asname.name.value if alias.asname is not None and isinstance(alias.asname.name, cst.Name) else module.split(".")[0]]
            if _backend(module):
                self._report_import(node, self.backend_template.format(what=f"`{module}`"), bound)
                return
            if self.where and _under(module, REDIS_CLIENTS):
                self._report_import(node, self.client_template.format(where=self.where), bound)
                return

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None:
            return  # a project module
        module = module_dotted(node.module)
        names = [] if isinstance(node.names, cst.ImportStar) else list(node.names)
        bound = [
            alias.asname.name.value if alias.asname is not None and isinstance(alias.asname.name, cst.Name) else module_dotted(alias.name)
            for alias in names
        ]
        if _backend(module):
            self._report_import(node, self.backend_template.format(what=f"`{module}`"), bound)
            return
        if self.where and _under(module, REDIS_CLIENTS):
            self._report_import(node, self.client_template.format(where=self.where), bound)
            return
        for alias in names:
            qualified = f"{module}.{module_dotted(alias.name)}"
            if _backend(qualified):
                self._report_import(node, self.backend_template.format(what=f"`{qualified}`"), bound)
                return

    def visit_Call(self, node: cst.Call) -> None:
        what = self._backend_call(node)
        if what is not None:
            self.report(node, self.backend_template.format(what=what))

    def _backend_call(self, node: cst.Call) -> str | None:
        """What makes this call a Redis cache backend, or ``None``."""
        names = self.ctx.names
        resolved = names.resolve(node.func)
        positional = [a.value for a in node.args if a.keyword is None and not a.star]
        if resolved is not None:
            spelled = dotted_name(node.func) or ""
            if _backend(resolved) and spelled.split(".")[0] not in self.reported:
                return f"`{resolved}`"
            if resolved == "aiocache.Cache" and positional and names.resolve(positional[0]) == "aiocache.Cache.REDIS":
                return "aiocache's `Cache.REDIS`"
            if resolved in CASHEWS_SETUP and positional:
                url = string_value(positional[0])
                if url is not None and url.startswith(("redis://", "rediss://")):
                    return "cashews set up with a `redis://` URL"
            if resolved in REQUESTS_CACHE_CALLS:
                backend = next((a.value for a in node.args if a.keyword is not None and a.keyword.value == "backend"), None)
                if backend is None and len(positional) > 1:
                    backend = positional[1]
                if string_value(backend) == "redis":
                    return "requests-cache's Redis backend"
            return None
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "configure" and positional:
            configured = string_value(positional[0])
            if configured is not None and configured.startswith("dogpile.cache.redis") and self._imports_dogpile():
                return f"`{configured}`"
        return None

    def _imports_dogpile(self) -> bool:
        return any(target.split(".")[0] == "dogpile" for target in self.ctx.names.imports.bindings.values())
