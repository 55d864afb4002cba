from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from py_standards_lint.analysis.locks import annotation_types
from py_standards_lint.analysis.rule import Invalid, Rule, Valid
from py_standards_lint.base.layers import REPOSITORIES, SERVICES
from py_standards_lint.base.names import LOCAL, dotted_name

MUTATING_VERBS = (
    "create", "update", "delete", "upsert", "insert", "remove", "add", "save", "set", "mark", "increment", "reset", "clear",
)


def is_mutating_name(name: str) -> bool:
    """``update``, ``set_score``, ``mark_complete`` — not ``settings``, ``updated``, ``get_step``."""
    return any(name == verb or name.startswith(verb + "_") for verb in MUTATING_VERBS)


def is_invalidation_name(name: str) -> bool:
    """``invalidate_progress_cache``, and a private ``_invalidate_user_cache`` helper too."""
    return name.lstrip("_").startswith("invalidate_")


def _callee_name(func: cst.BaseExpression) -> str | None:
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


REPOSITORY = """\
from sqlalchemy import select


class StepRepository:
    def __init__(self, db):
        self.db = db

    async def update_step(self, step):
        await self.db.flush()

    async def get(self, step_id):
        return await self.db.get(Step, step_id)


async def get_step(db, step_id):
    return (await db.execute(select(Step).where(Step.id == step_id))).scalar_one_or_none()


async def mark_complete(db, step):
    step.completed = True
    await db.flush()


async def settings(db):
    return {}
"""
FILES = {"app/repositories/steps.py": REPOSITORY, "app/repositories/__init__.py": ""}

COMPLIANT = """\
from app.core.cache import get_cached_progress, invalidate_progress_cache
from app.repositories import steps as steps_repo


async def complete_step(db, user_id: str, step_id: str) -> None:
    step = await steps_repo.get_step(db, step_id)
    await steps_repo.mark_complete(db, step)
    await db.commit()
    invalidate_progress_cache(user_id)


async def get_progress(db, user_id: str):
    return get_cached_progress(user_id)
"""


@dataclass
class _Frame:
    node: cst.FunctionDef
    invalidates: bool
    first: cst.Call | None = None
    #: first mutations of nested functions that do not invalidate themselves
    inner: list[cst.Call] = field(default_factory=list)


class MutationWithoutCacheInvalidation(Rule):
    code = "PSL504"
    name = "mutation-without-cache-invalidation"
    message = "Function mutates (commit or repository write) without calling any `invalidate_*()`: the cache serves stale data"
    layers = frozenset({SERVICES})
    requires_text = ("invalidate_",)
    needs_index = True
    example_path = "app/services/progress.py"
    why = (
        "The standards say: call `invalidate_*_cache()` after mutations. In a service module that caches (it "
        "defines or imports an `invalidate_*` function), a function that commits or calls a repository-layer "
        "mutator (`create`, `update`, `delete`, `upsert`, `insert`, `remove`, `add`, `save`, `set`, `mark`, "
        "`increment`, `reset`, `clear`, alone or followed by `_`) without calling any `invalidate_*` function "
        "leaves the per-worker TTLCache serving the old value until it expires. Repository calls are recognised "
        "through the project index: functions of a repositories-layer module (imported module or name) and "
        "methods of repository instances (`StepRepository(db)`, a parameter or attribute annotated with one)."
    )
    example = COMPLIANT.replace("    invalidate_progress_cache(user_id)\n", "")
    use_instead = COMPLIANT
    valid = (
        Valid(COMPLIANT, files=FILES),
        # modules that never invalidate
        Valid("from app.repositories import steps as steps_repo\n\nasync def f(db, step):\n    await steps_repo.mark_complete(db, step)\n    await db.commit()\n", files=FILES),
        # invalidation under an `if`, through a module attribute, after the commit
        Valid(
            "from app.core import cache\nfrom app.repositories.steps import mark_complete\n\nasync def f(db, step, user_id):\n"
            "    await mark_complete(db, step)\n    await db.commit()\n    if user_id:\n        cache.invalidate_progress_cache(user_id)\n",
            files=FILES,
        ),
        # reads, a name that only starts with a verb's letters, a dict's update, another service's setter
        Valid(
            "from app.core.cache import invalidate_progress_cache\nfrom app.repositories import steps as steps_repo\n"
            "from app.services.scores import set_score\n\nasync def f(db, step_id, data):\n"
            "    step = await steps_repo.get_step(db, step_id)\n    conf = await steps_repo.settings(db)\n"
            "    data.update({'a': 1})\n    await set_score(db, 1)\n    return step, conf\n",
            files={**FILES, "app/services/scores.py": "async def set_score(db, n):\n    pass\n"},
        ),
        # a nested function's mutation, the outer function invalidates
        Valid(
            "from app.core.cache import invalidate_progress_cache\n\nasync def f(db, user_id):\n    async def save():\n"
            "        await db.commit()\n    await save()\n    invalidate_progress_cache(user_id)\n",
            files=FILES,
        ),
        # a private invalidation helper
        Valid(
            "from app.core.cache import invalidate_progress_cache\n\ndef _invalidate_user(uid):\n    invalidate_progress_cache(uid)\n\n"
            "async def f(db, uid):\n    await db.commit()\n    _invalidate_user(uid)\n",
            files=FILES,
        ),
        # the invalidation function itself
        Valid("from app.core.cache import _cache\n\ndef invalidate_all_caches(db):\n    _cache.clear()\n    db.commit()\n", files=FILES),
        # other layers
        Valid("from app.core.cache import invalidate_x\n\nasync def f(db):\n    await db.commit()\n", path="app/routes/steps.py", files=FILES),
        Valid("# invalidate_progress_cache()\nasync def f(db):\n    await db.commit()\n    return 'invalidate_x'\n", files=FILES),
    )
    invalid = (
        Invalid(example, line=7, col=11, files=FILES),
        Invalid(
            "from app.core.cache import invalidate_progress_cache\nfrom app.repositories import steps as steps_repo\n\n"
            "async def reopen(db, step):\n    await steps_repo.mark_complete(db, step)\n    await db.commit()\n",
            line=5,
            col=11,
            files=FILES,
        ),
        Invalid(
            "from app.core.cache import invalidate_progress_cache\nfrom app.repositories.steps import mark_complete\n\n"
            "async def reopen(db, step):\n    if step:\n        await mark_complete(db, step)\n",
            line=6,
            col=15,
            files=FILES,
        ),
        # repository instances: built locally, held on self, received as an annotated parameter
        Invalid(
            "from app.core import cache\nfrom app.repositories.steps import StepRepository\n\n"
            "async def rename(db, step):\n    repo = StepRepository(db)\n    await repo.update_step(step)\n\n"
            "class StepService:\n    def __init__(self, repo: StepRepository):\n        self.repo = repo\n\n"
            "    async def touch(self, step):\n        await self.repo.update_step(step)\n\n"
            "    async def touch_and_forget(self, step):\n        await self.repo.update_step(step)\n        cache.invalidate_step_cache(step.id)\n\n"
            "async def edit(repo: StepRepository | None, step):\n    await repo.update_step(step)\n",
            at=[(6, 11), (13, 15), (20, 11)],
            files=FILES,
        ),
        # a nested function mutates and neither it nor its enclosing function invalidates
        Invalid(
            "def invalidate_local_cache():\n    pass\n\nasync def f(db):\n    async def save():\n        await db.commit()\n    await save()\n",
            line=6,
            col=15,
            files=FILES,
        ),
    )

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.invalidates = any(is_invalidation_name(name) for name in ctx.names.imports.bindings)
        self.stack: list[_Frame] = []
        self.pending: list[cst.Call] = []
        self.instances: set[str] = set()
        self._prescan(ctx.module)

    # -- repository-layer facts ---------------------------------------------------------------
    def _repository_member(self, qualified: str | None) -> bool:
        index = self.ctx.index
        if not qualified or qualified.startswith(LOCAL) or index is None:
            return False
        return index.layer_of_module(qualified.rpartition(".")[0]) == REPOSITORIES

    def _repository_class(self, expr: cst.BaseExpression) -> bool:
        qualified = self.ctx.names.resolve(expr)
        if not self._repository_member(qualified):
            return False
        assert qualified is not None and self.ctx.index is not None
        return self.ctx.index.class_(qualified) is not None or qualified.rpartition(".")[2][:1].isupper()

    def _prescan(self, module: cst.Module) -> None:
        """Names (``repo``, ``self.repo``) bound anywhere in the module to a repository instance."""
        aliases: list[tuple[str, str]] = []
        stack: list[cst.CSTNode] = [module]
        while stack:
            node = stack.pop()
            if isinstance(node, (cst.Assign, cst.AnnAssign)):
                targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
                value = node.value
                is_repo = isinstance(value, cst.Call) and self._repository_class(value.func)
                if isinstance(node, cst.AnnAssign):
                    is_repo = is_repo or any(self._repository_class(t) for t in annotation_types(node.annotation.annotation))
                for target in targets:
                    dotted = dotted_name(target)
                    if dotted is None:
                        continue
                    if is_repo:
                        self.instances.add(dotted)
                    elif isinstance(value, cst.Name):
                        aliases.append((dotted, value.value))
            elif isinstance(node, cst.Param) and node.annotation is not None:
                if any(self._repository_class(t) for t in annotation_types(node.annotation.annotation)):
                    self.instances.add(node.name.value)
            elif isinstance(node, cst.BaseExpression):
                continue
            stack.extend(node.children)
        for alias, source in aliases:  # self.repo = repo
            if source in self.instances:
                self.instances.add(alias)

    def _is_mutation(self, node: cst.Call) -> bool:
        func = node.func
        name = _callee_name(func)
        if name is None:
            return False
        if isinstance(func, cst.Attribute) and name == "commit":
            return True
        if not is_mutating_name(name):
            return False
        if self._repository_member(self.ctx.names.resolve(func)):
            return True
        if isinstance(func, cst.Attribute):
            receiver = dotted_name(func.value)
            return receiver is not None and receiver in self.instances
        return False

    # -- traversal -------------------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        own = is_invalidation_name(node.name.value)
        self.stack.append(_Frame(node, invalidates=own))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        frame = self.stack.pop()
        if frame.invalidates:
            return
        found = ([frame.first] if frame.first is not None else []) + frame.inner
        if self.stack:
            self.stack[-1].inner.extend(found)  # the enclosing function may still invalidate
        else:
            self.pending.extend(found)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if not isinstance(node.names, cst.ImportStar):
            if any(is_invalidation_name(dotted_name(a.name) or "") for a in node.names):
                self.invalidates = True  # a lazy import inside a function

    def visit_Call(self, node: cst.Call) -> None:
        name = _callee_name(node.func)
        if name is not None and is_invalidation_name(name):
            self.invalidates = True
            for frame in self.stack:
                frame.invalidates = True
            return
        if self.stack and self.stack[-1].first is None and self._is_mutation(node):
            self.stack[-1].first = node

    def leave_Module(self, node: cst.Module) -> None:
        if self.invalidates:
            for call in self.pending:
                self.report(call)
