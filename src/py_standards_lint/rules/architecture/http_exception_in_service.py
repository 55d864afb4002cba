from __future__ import annotations

import ast

import libcst as cst

from py_standards_lint.analysis.gates import statements
from py_standards_lint.analysis.raises import raises_http_exception
from py_standards_lint.analysis.rule import Invalid, Rule, Valid
from py_standards_lint.base.known import HTTP_EXCEPTION
from py_standards_lint.base.layers import SERVICES

PREAMBLE = "from fastapi import HTTPException\n"


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


class HttpExceptionInService(Rule):
    code = "PSL101"
    name = "http-exception-in-service"
    message = "Service raises HTTPException: raise a domain exception and let the route convert it"
    layers = frozenset({SERVICES})
    requires_text = ("HTTPException", "raise")
    needs_index = True
    reads_summary = True
    example_path = "app/services/steps.py"
    why = (
        "Services hold business rules and must not know about HTTP. The standards have services raise "
        "domain exceptions (`StepNotFoundError`) that routes convert to `HTTPException`, so a service "
        "stays reusable from jobs, CLIs and other services, and status codes live in one layer."
    )
    example = """\
from fastapi import HTTPException

async def complete_step(db, step_id):
    step = await repo.get(db, step_id)
    if not step:
        raise HTTPException(404, "Not found")
"""
    use_instead = """\
from app.services.exceptions import StepNotFoundError

async def complete_step(db, step_id):
    step = await repo.get(db, step_id)
    if not step:
        raise StepNotFoundError(step_id)
"""
    valid = (
        # (rev 3) instances of other exceptions, a local variable, a name nothing resolves
        Valid("from app.errors import Missing\n\ndef f():\n    raise Missing\n", path="app/services/x.py", files=ERRORS),
        Valid("from app.gone import Unauthorized\n\ndef f():\n    raise Unauthorized\n", path="app/services/x.py", files=ERRORS),
        Valid("def f(error):\n    raise error\n", path="app/services/x.py", files=ERRORS),
        Valid("class StepNotFoundError(Exception):\n    pass\n\ndef f():\n    raise StepNotFoundError('x')\n"),
        Valid("def f():\n    # raise HTTPException(404)\n    raise ValueError('HTTPException is not raised here')\n"),
        Valid("class HTTPException(Exception):\n    pass\n\ndef f():\n    raise HTTPException(404)\n"),
        Valid(PREAMBLE + "def f():\n    raise HTTPException(404)\n", path="app/routes/steps.py"),
        Valid(PREAMBLE + "def f():\n    raise HTTPException(404)\n", path="app/core/auth.py"),
        Valid("from mylib import HTTPException\n\ndef f():\n    raise HTTPException(404)\n"),
    )
    invalid = (
        # (rev 3) a name bound to an HTTPException instance: here, imported, re-exported, a subclass's, PEP 695 module
        Invalid("from fastapi import HTTPException\n\nNotAllowed = HTTPException(status_code=403)\n\ndef f():\n    raise NotAllowed\n",
                path="app/services/x.py", line=6, col=5),
        Invalid("from app import errors\nfrom app.core import Unauthorised\nfrom app.newer import Forbidden\n\ndef f(x):\n"
                "    if x:\n        raise Unauthorised\n    if x > 1:\n        raise errors.Taken\n    raise Forbidden\n",
                path="app/services/x.py", at=[(7, 9), (9, 9), (10, 5)], files=ERRORS),
        Invalid(PREAMBLE + "async def f():\n    raise HTTPException(404, 'Not found')\n", line=3, col=5),
        Invalid("from fastapi import HTTPException as HE\n\ndef f():\n    raise HE(status_code=404)\n", line=4, col=5),
        Invalid("import fastapi as f\n\ndef g():\n    raise f.HTTPException(400)\n", line=4, col=5),
        Invalid("from starlette.exceptions import HTTPException\n\ndef g():\n    raise HTTPException(400)\n", line=4, col=5),
        Invalid(PREAMBLE + "def f():\n    raise HTTPException\n", line=3, col=5),
        Invalid(
            PREAMBLE + "class NotFound(HTTPException):\n    pass\n\nclass Gone(NotFound):\n    pass\n\n"
            "def f():\n    try:\n        pass\n    except KeyError as e:\n        raise Gone(410) from e\n",
            line=12,
            col=9,
        ),
        Invalid(PREAMBLE + "class S:\n    def m(self):\n        def inner():\n            raise HTTPException(500)\n", line=5, col=13),
        Invalid(PREAMBLE + "def f():\n    raise HTTPException(404)\n", path="app/billing_service.py", line=3, col=5),
    )

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
