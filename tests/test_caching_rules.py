"""The caching family beyond each rule's own cases: repository resolution for PSL504 through
packages and module-level instances, layer scoping, and the standards' snippets in one module."""

from __future__ import annotations

from .helpers import lint, positions

REPO = "class StepRepository:\n    async def save(self, step):\n        pass\n\n\nstep_repository = StepRepository()\n\n\nasync def upsert_step(db, step):\n    pass\n"
FILES = {
    "app/repositories/__init__.py": "from .steps import StepRepository, step_repository, upsert_step\n",
    "app/repositories/steps.py": REPO,
}
SERVICE_HEAD = "from app.core.cache import invalidate_step_cache\n"


def psl504(code: str, files=FILES) -> list[tuple[int, int]]:
    return positions(lint(SERVICE_HEAD + code, "app/services/steps.py", files=files), "PSL504")


def test_repository_function_re_exported_by_the_package():
    code = "from app.repositories import upsert_step\n\nasync def f(db, step):\n    await upsert_step(db, step)\n"
    assert psl504(code) == [(5, 11)]


def test_module_level_repository_instance_imported_from_the_repository_module():
    code = "from app.repositories.steps import step_repository\n\nasync def f(step):\n    await step_repository.save(step)\n"
    assert psl504(code) == [(5, 11)]


def test_repository_instance_built_from_a_re_exported_class():
    code = "from app.repositories import StepRepository\n\nasync def f(step):\n    repo = StepRepository()\n    await repo.save(step)\n"
    assert psl504(code) == [(6, 11)]


def test_same_calls_with_invalidation_are_fine():
    code = (
        "from app.repositories import StepRepository, upsert_step\n\nasync def f(db, step):\n"
        "    await upsert_step(db, step)\n    await StepRepository().save(step)\n    invalidate_step_cache(step.id)\n"
    )
    assert psl504(code) == []


def test_a_module_the_index_does_not_know_is_not_a_repository():
    code = "from vendor.repositories import upsert_step\n\nasync def f(db, step):\n    await upsert_step(db, step)\n"
    assert psl504(code) == []


def test_one_finding_per_function_at_its_first_mutation():
    code = (
        "from app.repositories import upsert_step\n\nasync def f(db, step):\n    if step:\n        await upsert_step(db, step)\n"
        "    await db.commit()\n\nasync def g(db):\n    await db.commit()\n"
    )
    assert psl504(code) == [(6, 15), (10, 11)]


def test_layers_of_the_caching_rules():
    code = (
        "from functools import lru_cache\nfrom cachetools import TTLCache\n\n_cache = TTLCache(maxsize=1, ttl=1)\n\n"
        "@lru_cache\nasync def f(k):\n    return _cache.get(k)\n"
    )
    codes = lambda path: sorted({f.code for f in lint(code, path) if f.code.startswith("PSL5")})  # noqa: E731
    assert codes("app/services/x.py") == ["PSL502", "PSL503"]
    assert codes("app/core/cache.py") == ["PSL503"]  # the shared cache module skips locking, not PSL503
    assert codes("tests/test_x.py") == ["PSL503"]  # a cached coroutine is a bug in tests too


def test_standards_caching_snippets_in_a_service_produce_nothing():
    code = (
        "import asyncio\nfrom typing import Any\n\nfrom cachetools import TTLCache\n\n"
        "from app.core.cache import get_cached_progress, invalidate_progress_cache\nfrom app.repositories import upsert_step\n\n"
        "_cache: TTLCache[str, Any] = TTLCache(maxsize=100, ttl=300)\n_cache_lock = asyncio.Lock()\n\n\n"
        "async def get(key: str, fetch) -> Any:\n    async with _cache_lock:\n        cached = _cache.get(key)\n"
        "        if cached is not None:\n            return cached\n    value = await fetch(key)\n"
        "    async with _cache_lock:\n        _cache[key] = value\n    return value\n\n\n"
        "async def save(db, user_id: str, step) -> None:\n    await upsert_step(db, step)\n    await db.commit()\n"
        "    invalidate_progress_cache(user_id)\n    async with _cache_lock:\n        _cache.pop(user_id, None)\n"
    )
    assert [f for f in lint(code, "app/services/progress.py", files=FILES) if f.code.startswith("PSL5")] == []
