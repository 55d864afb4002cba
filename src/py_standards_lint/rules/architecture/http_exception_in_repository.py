from __future__ import annotations

import libcst as cst

from ...layers import REPOSITORIES
from ...names import canonical
from ...rule import Invalid, Rule, Valid
from ...semantics import HTTP_EXCEPTION
from ._imports import imported, under_type_checking


class HttpExceptionInRepository(Rule):
    code = "PSL104"
    name = "http-exception-in-repository"
    message = "Repository raises or imports HTTPException: return None / raise a domain exception instead"
    layers = frozenset({REPOSITORIES})
    requires_text = ("HTTPException",)
    example_path = "app/repositories/steps.py"
    why = (
        "Repositories execute queries and return models; they know nothing of HTTP. An HTTPException "
        "raised in a repository skips the service's business rules and hard-codes a status code two "
        "layers away from the route that owns it."
    )
    example = """\
from fastapi import HTTPException

async def get_step(db, step_id):
    step = await db.get(Step, step_id)
    if step is None:
        raise HTTPException(404, "Not found")
    return step
"""
    use_instead = """\
async def get_step(db, step_id) -> Step | None:
    return await db.get(Step, step_id)
"""
    valid = (
        Valid("async def get_step(db, step_id):\n    return await db.get(Step, step_id)\n"),
        Valid("class HTTPException(Exception):\n    pass\n\ndef f():\n    raise HTTPException(404)\n"),
        Valid("# raise HTTPException(404)\nx = 'HTTPException'\n"),
        Valid("from fastapi import HTTPException\n", path="app/routes/steps.py"),
        Valid("from fastapi import status\n"),
        Valid("from fastapi import exceptions\n"),
        Valid("from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from fastapi import HTTPException\n"),
    )
    invalid = (
        Invalid("from fastapi import HTTPException\n", line=1, col=1),
        Invalid("from starlette.exceptions import HTTPException as HE\n", line=1, col=1),
        Invalid(
            "from fastapi import HTTPException\n\nasync def f(db):\n    raise HTTPException(404)\n",
            at=[(1, 1), (4, 5)],
        ),
        Invalid("import fastapi\n\ndef f():\n    raise fastapi.HTTPException(404)\n", line=4, col=5),
        Invalid("from app.errors import *\nimport fastapi as f\n\ndef g():\n    raise f.HTTPException\n", line=5, col=5),
        Invalid("from fastapi import HTTPException\n", path="app/steps_repo.py", line=1, col=1),
    )

    def visit_Import(self, node: cst.Import) -> None:
        self._check_import(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if not node.relative:
            self._check_import(node)

    def _check_import(self, node: cst.Import | cst.ImportFrom) -> None:
        if under_type_checking(node, self.ctx):
            return
        for target in imported(node, self.ctx):
            qualified = canonical(target)
            if qualified in HTTP_EXCEPTION:
                self.report(node)
                return

    def visit_Raise(self, node: cst.Raise) -> None:
        exc = node.exc
        if exc is None:
            return
        target = exc.func if isinstance(exc, cst.Call) else exc
        if self.ctx.names.refers_to(target, HTTP_EXCEPTION, subclasses=True):
            self.report(node)
