from __future__ import annotations

import libcst as cst

from ...layers import SERVICES
from ...rule import Invalid, Rule, Valid
from ...semantics import HTTP_EXCEPTION

PREAMBLE = "from fastapi import HTTPException\n"


class HttpExceptionInService(Rule):
    code = "PSL101"
    name = "http-exception-in-service"
    message = "Service raises HTTPException: raise a domain exception and let the route convert it"
    layers = frozenset({SERVICES})
    requires_text = ("HTTPException",)
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
        Valid("class StepNotFoundError(Exception):\n    pass\n\ndef f():\n    raise StepNotFoundError('x')\n"),
        Valid("def f():\n    # raise HTTPException(404)\n    raise ValueError('HTTPException is not raised here')\n"),
        Valid("class HTTPException(Exception):\n    pass\n\ndef f():\n    raise HTTPException(404)\n"),
        Valid(PREAMBLE + "def f():\n    raise HTTPException(404)\n", path="app/routes/steps.py"),
        Valid(PREAMBLE + "def f():\n    raise HTTPException(404)\n", path="app/core/auth.py"),
        Valid("from mylib import HTTPException\n\ndef f():\n    raise HTTPException(404)\n"),
    )
    invalid = (
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

    def visit_Raise(self, node: cst.Raise) -> None:
        exc = node.exc
        if exc is None:
            return
        target = exc.func if isinstance(exc, cst.Call) else exc
        if self.ctx.names.refers_to(target, HTTP_EXCEPTION, subclasses=True):
            self.report(node)
