from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.locks import TracksLocks
from py_standards_lint.analysis.rule import Invalid, Rule, Valid
from py_standards_lint.base.layers import CACHE_MODULE, TESTS
from py_standards_lint.base.names import iter_toplevel

CACHE_CLASSES = frozenset(
    f"cachetools.{name}" for name in ("Cache", "TTLCache", "LRUCache", "TLRUCache", "LFUCache", "RRCache", "FIFOCache", "MRUCache")
)

COMPLIANT = """\
import asyncio
from typing import Any

from cachetools import TTLCache

_cache: TTLCache[str, Any] = TTLCache(maxsize=100, ttl=300)
_cache_lock = asyncio.Lock()


async def get_progress(key: str) -> Any:
    async with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            return cached
    value = await fetch_progress(key)
    async with _cache_lock:
        _cache[key] = value
    return value


async def invalidate_progress_cache(key: str) -> None:
    async with _cache_lock:
        _cache.pop(key, None)
"""

UNLOCKED = """\
from typing import Any

from cachetools import TTLCache

_cache: TTLCache[str, Any] = TTLCache(maxsize=100, ttl=300)


async def get_progress(key: str) -> Any:
    cached = _cache.get(key)
    if cached is not None:
        return cached
    value = await fetch_progress(key)
    _cache[key] = value
    return value
"""


def _bind_target(target: cst.CSTNode, out: set[str]) -> None:
    if isinstance(target, cst.Name):
        out.add(target.value)
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            _bind_target(element.value, out)
    elif isinstance(target, cst.StarredElement):
        _bind_target(target.value, out)


def function_locals(fn: cst.FunctionDef) -> set[str]:
    """Names a function binds in its own scope (parameters, assignments, loop and ``as`` targets,
    imports, nested defs), before ``global``/``nonlocal`` declarations are taken into account."""
    out: set[str] = set()
    params = fn.params
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        out.add(param.name.value)
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            out.add(star.name.value)
    stack: list[cst.CSTNode] = [fn.body]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            out.add(node.name.value)
            continue
        if isinstance(node, cst.Assign):
            for target in node.targets:
                _bind_target(target.target, out)
        elif isinstance(node, (cst.AnnAssign, cst.AugAssign, cst.For)):
            _bind_target(node.target, out)
        elif isinstance(node, cst.Del):
            _bind_target(node.target, out)
        elif isinstance(node, (cst.WithItem, cst.ExceptHandler, cst.ExceptStarHandler)):
            asname = node.asname if isinstance(node, cst.WithItem) else node.name
            if asname is not None:
                _bind_target(asname.name, out)
        elif isinstance(node, cst.Import):
            for alias in node.names:
                if alias.asname is not None:
                    _bind_target(alias.asname.name, out)
                else:
                    dotted: cst.BaseExpression = alias.name
                    while isinstance(dotted, cst.Attribute):
                        dotted = dotted.value
                    _bind_target(dotted, out)
        elif isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                _bind_target(alias.asname.name if alias.asname is not None else alias.name, out)
        if isinstance(node, cst.BaseExpression):
            continue
        stack.extend(node.children)
    return out


def _declared(fn: cst.FunctionDef, kind: type) -> set[str]:
    """Names declared ``global`` (or ``nonlocal``) in the function's own body."""
    out: set[str] = set()
    stack: list[cst.CSTNode] = [fn.body]
    while stack:
        node = stack.pop()
        if isinstance(node, kind):
            out.update(item.name.value for item in node.names)  # type: ignore[attr-defined]
        elif isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.BaseExpression)):
            continue
        else:
            stack.extend(node.children)
    return out


class CacheAccessWithoutLock(TracksLocks, Rule):
    code = "PSL502"
    name = "cache-access-without-lock"
    message = "Module-level cachetools cache accessed outside `with <lock>:` (TTLCache is not thread-safe)"
    skip_layers = frozenset({TESTS, CACHE_MODULE})
    requires_text = ("Cache",)
    example_path = "app/services/progress.py"
    why = (
        "`cachetools` caches are not thread-safe, and a coroutine that reads, awaits and writes can interleave "
        "with another one doing the same. The standards wrap service-specific caches in an `asyncio.Lock` "
        "(`async with _cache_lock:` around each read and each write). Only a `with`/`async with` on a lock counts "
        "(a name bound to `asyncio.Lock()`, `threading.Lock()`/`RLock()`, a `Semaphore`/`Condition`, or named "
        "`*lock*`); a `with` on a session or a timeout does not. The shared cache module (`core/cache.py`, layer "
        "`cache-module`, configurable) is exempt, as the standards say: it has no `await` between read and write."
    )
    example = UNLOCKED
    use_instead = COMPLIANT
    valid = (
        Valid(COMPLIANT),
        Valid(UNLOCKED, path="app/core/cache.py"),
        Valid(UNLOCKED, path="app/shared/caching.py", settings={"layers": {"cache-module": ["app/shared/caching.py"]}}),
        Valid(UNLOCKED, path="tests/test_progress.py"),
        # module-level access; a local that shadows the cache; a parameter; another object's attribute
        Valid(
            "from cachetools import TTLCache\n\n_cache = TTLCache(maxsize=10, ttl=60)\n_cache['warm'] = 1\n\n"
            "def f(_cache):\n    return _cache.get('x')\n\ndef g():\n    _cache = {}\n    return _cache.get('x')\n\n"
            "def h(obj):\n    return obj._cache.get('x')\n"
        ),
        # a threading lock, a lock attribute, a lock bound under another name, a subscripted lock
        Valid(
            "import threading\nimport cachetools\n\n_cache = cachetools.LRUCache(maxsize=10)\n_guard = threading.RLock()\n"
            "_locks = {}\n\ndef f(key):\n    with _guard:\n        return _cache.get(key)\n\n"
            "async def g(self, key):\n    async with self._lock:\n        return _cache[key]\n\n"
            "async def h(key):\n    async with _locks[key]:\n        _cache.pop(key, None)\n"
        ),
        # a dict, or a cachetools-looking local class, is not a cachetools cache
        Valid("_cache = {}\n\ndef f(k):\n    return _cache.get(k)\n"),
        Valid("class TTLCache(dict):\n    pass\n\n_cache = TTLCache()\n\ndef f(k):\n    return _cache.get(k)\n"),
        Valid("from cachetools import TTLCache\n\n_cache = TTLCache(maxsize=1, ttl=1)\n\ndef f():\n    # _cache.get(k)\n    return '_cache[k]'\n"),
        # rebinding the name (a reset) is not an access of the cache
        Valid("from cachetools import TTLCache\n\n_cache = TTLCache(maxsize=1, ttl=1)\n\ndef reset():\n    global _cache\n    _cache = TTLCache(maxsize=1, ttl=1)\n"),
        # a decorator argument is evaluated at module level
        Valid("import threading\nfrom cachetools import TTLCache, cached\n\n_cache = TTLCache(maxsize=1, ttl=1)\n\n@cached(cache=_cache, lock=threading.Lock())\ndef f(x):\n    return x\n"),
    )
    invalid = (
        Invalid(UNLOCKED, at=[(9, 14), (13, 5)]),
        # a `with` on a timeout or a session is not a lock
        Invalid(
            "import asyncio\nfrom cachetools import TTLCache as T\n\n_c = T(maxsize=1, ttl=1)\n\n"
            "async def f(db, k):\n    async with asyncio.timeout(1):\n        async with db.begin():\n            return k in _c\n",
            line=9,
            col=25,
        ),
        # the lock block of the outer function does not protect a nested def, which runs later
        Invalid(
            "import asyncio\nimport cachetools\n\n_cache = cachetools.TTLCache(maxsize=1, ttl=1)\n_lock = asyncio.Lock()\n\n"
            "async def f(k):\n    async with _lock:\n        def later():\n            return _cache[k]\n    return later\n",
            line=10,
            col=20,
        ),
        # after the lock block; `del`; `len()`; global declared and used
        Invalid(
            "import asyncio\nfrom cachetools import LRUCache\n\n_cache = LRUCache(maxsize=2)\n_cache_lock = asyncio.Lock()\n\n"
            "async def f(k):\n    global _cache\n    async with _cache_lock:\n        pass\n    del _cache[k]\n    return len(_cache)\n",
            at=[(11, 9), (12, 16)],
        ),
        # a method, a sync function
        Invalid(
            "from cachetools import TTLCache\n\n_cache = TTLCache(maxsize=1, ttl=1)\n\nclass Svc:\n    def clear(self):\n        _cache.clear()\n",
            line=7,
            col=9,
        ),
    )

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.caches: set[str] = set()
        for stmt, _ in iter_toplevel(ctx.module.body, ctx.names.imports):
            if isinstance(stmt, cst.Assign):
                targets = [t.target for t in stmt.targets]
            elif isinstance(stmt, cst.AnnAssign) and stmt.value is not None:
                targets = [stmt.target]
            else:
                continue
            value = stmt.value
            if isinstance(value, cst.Call) and ctx.names.resolve(value.func) in CACHE_CLASSES:
                self.caches.update(t.value for t in targets if isinstance(t, cst.Name))
        self._skip: set[int] = set()
        self._scopes: dict[int, tuple[set[str], set[str], set[str]]] = {}

    # -- names that are not accesses -----------------------------------------------------
    @classmethod
    def gate(cls, facts) -> bool:
        return facts.may_reach(CACHE_CLASSES)  # a cache is built from a cachetools class the file imports

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._skip.add(id(node.attr))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._skip.add(id(node.keyword))

    def visit_NameItem(self, node: cst.NameItem) -> None:
        self._skip.add(id(node.name))

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._skip.add(id(target.target))  # rebinding the name, not using the cache

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._skip.add(id(node.target))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._skip.add(id(node.target))

    def visit_Del(self, node: cst.Del) -> None:
        self._skip.add(id(node.target))  # `del _cache` unbinds the name; `del _cache[k]` is an access

    # -- accesses ------------------------------------------------------------------------------
    def visit_Name(self, node: cst.Name) -> None:
        if node.value not in self.caches or id(node) in self._skip:
            return
        fn = self.locks.function
        if fn is None or self.locks.holds_lock:
            return
        if self._shadowed(node.value, fn):
            return
        self.report(node)

    def _shadowed(self, name: str, innermost: cst.FunctionDef) -> bool:
        """Is ``name`` a local of the function (or an enclosing one) rather than the module's cache?"""
        frames = [f.node for f in self.ctx.functions]
        if innermost in frames:
            frames = frames[: frames.index(innermost) + 1]
        for fn in reversed(frames):
            scope = self._scopes.get(id(fn))
            if scope is None:
                scope = self._scopes[id(fn)] = (function_locals(fn), _declared(fn, cst.Global), _declared(fn, cst.Nonlocal))
            bound, globals_, nonlocals = scope
            if name in globals_:
                return False
            if name in nonlocals:
                continue  # an enclosing function's local: look there
            if name in bound:
                return True
        return False
