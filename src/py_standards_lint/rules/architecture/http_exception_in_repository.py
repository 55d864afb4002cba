from __future__ import annotations

import ast

import libcst as cst

from py_standards_lint.analysis.gates import statements
from py_standards_lint.analysis.raises import raises_http_exception
from py_standards_lint.analysis.rule import Invalid, Rule, Valid
from py_standards_lint.base.known import HTTP_EXCEPTION
from py_standards_lint.base.layers import REPOSITORIES
from py_standards_lint.base.names import canonical

from ._imports import imported, under_type_checking

#: (rev 3) HTTPException instances bound in project modules (one defined next to PEP 695 syntax)
ERRORS = {
    "app/__init__.py": "",
    "app/errors.py": (
        "from fastapi import HTTPException\n\nclass Conflict(HTTPException):\n    pass\n\n"
        "Unauthorized = HTTPException(401)\nTaken = Conflict(409)\nclass Domain(Exception):\n    pass\n\nMissing = Domain('x')\n"
    ),
    "app/core/__init__.py": "from app.errors import Unauthorized as Unauthorised\n",
    "app/newer.py": "from fastapi import HTTPException\n\ntype Code = int\n\nForbidden = HTTPException(403)\n",
}


class HttpExceptionInRepository(Rule):
    code = "PSL104"
    name = "http-exception-in-repository"
    message = "Repository raises or imports HTTPException: return None / raise a domain exception instead"
    layers = frozenset({REPOSITORIES})
    requires_text = ("HTTPException", "raise")
    needs_index = True
    reads_summary = True
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
        # (rev 3) instances of other exceptions, a local variable, a name nothing resolves
        Valid("from app.errors import Missing\n\ndef f():\n    raise Missing\n", path="app/repositories/x.py", files=ERRORS),
        Valid("from app.gone import Unauthorized\n\ndef f():\n    raise Unauthorized\n", path="app/repositories/x.py", files=ERRORS),
        Valid("def f(error):\n    raise error\n", path="app/repositories/x.py", files=ERRORS),
        Valid("async def get_step(db, step_id):\n    return await db.get(Step, step_id)\n"),
        Valid("class HTTPException(Exception):\n    pass\n\ndef f():\n    raise HTTPException(404)\n"),
        Valid("# raise HTTPException(404)\nx = 'HTTPException'\n"),
        Valid("from fastapi import HTTPException\n", path="app/routes/steps.py"),
        Valid("from fastapi import status\n"),
        Valid("from fastapi import exceptions\n"),
        Valid("from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from fastapi import HTTPException\n"),
    )
    invalid = (
        # (rev 3) a name bound to an HTTPException instance: here, imported, re-exported, a subclass's, PEP 695 module
        Invalid("from fastapi import HTTPException\n\nNotAllowed = HTTPException(status_code=403)\n\ndef f():\n    raise NotAllowed\n",
                path="app/repositories/x.py", at=[(1, 1), (6, 5)]),
        Invalid("from app import errors\nfrom app.core import Unauthorised\nfrom app.newer import Forbidden\n\ndef f(x):\n"
                "    if x:\n        raise Unauthorised\n    if x > 1:\n        raise errors.Taken\n    raise Forbidden\n",
                path="app/repositories/x.py", at=[(7, 9), (9, 9), (10, 5)], files=ERRORS),
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

    @classmethod
    def gate(cls, facts) -> bool:
        """A name that may reach HTTPException, or a ``raise NAME`` (an instance, perhaps imported)."""
        return facts.may_reach(HTTP_EXCEPTION) or any(
            isinstance(n, ast.Raise) and isinstance(n.exc, (ast.Name, ast.Attribute)) for n in statements(facts.tree.body)
        )

    def visit_Raise(self, node: cst.Raise) -> None:
        exc = node.exc
        if exc is None:
            return
        if raises_http_exception(self.ctx, exc):
            self.report(node)
