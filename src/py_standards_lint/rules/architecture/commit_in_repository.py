from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.rule import Invalid, Rule, Valid
from py_standards_lint.base.layers import REPOSITORIES


class CommitInRepository(Rule):
    code = "PSL103"
    name = "commit-in-repository"
    message = "Repository calls commit(): services own the transaction and call `await db.commit()`"
    layers = frozenset({REPOSITORIES})
    requires_text = ("commit",)
    example_path = "app/repositories/steps.py"
    why = (
        "Repositories execute queries; services own the transaction. A repository that commits makes "
        "a service's multi-step operation non-atomic: a failure after the first repository call leaves "
        "half the change written."
    )
    example = """\
async def upsert_step(db: AsyncSession, step: Step) -> None:
    db.add(step)
    await db.commit()
"""
    use_instead = """\
async def upsert_step(db: AsyncSession, step: Step) -> None:
    db.add(step)
    await db.flush()  # the service calls `await db.commit()`
"""
    valid = (
        Valid("async def f(db):\n    db.add(x)\n    await db.flush()\n    await db.refresh(x)\n"),
        Valid("class Repo:\n    def commit(self):\n        return None\n"),
        Valid("class Repo:\n    def commit(self):\n        return None\n\n    def save(self):\n        self.commit()\n"),
        Valid("async def f(db):\n    # await db.commit()\n    x = 'db.commit()'\n"),
        Valid("async def f(db):\n    await db.commit()\n", path="app/services/steps.py"),
        Valid("def commit():\n    pass\n\ndef f():\n    commit()\n"),
    )
    invalid = (
        Invalid("async def f(db):\n    db.add(x)\n    await db.commit()\n", line=3, col=11),
        Invalid("class Repo:\n    def save(self, x):\n        self.session.commit()\n", line=3, col=9),
        Invalid("class Repo:\n    async def save(self):\n        async def inner():\n            await self.db.commit()\n", line=4, col=19),
        Invalid("def f(get_session):\n    get_session().commit()\n", line=2, col=5),
        Invalid("async def f(db):\n    await db.commit()\n", path="app/step_repo.py", line=2, col=11),
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "commit"):
            return
        if self._own_method(func):
            return
        self.report(node)

    def _own_method(self, func: cst.Attribute) -> bool:
        """``self.commit()`` inside a class that defines ``commit`` calls that method, not a session."""
        if not (isinstance(func.value, cst.Name) and func.value.value in ("self", "cls")):
            return False
        frame = self.ctx.function
        owner = frame.owner if frame else None
        if owner is None or not isinstance(owner.body, cst.IndentedBlock):
            return False
        return any(isinstance(s, cst.FunctionDef) and s.name.value == "commit" for s in owner.body.body)
