from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.rule import Invalid, Rule, Valid
from py_standards_lint.base.layers import SERVICES
from py_standards_lint.base.settings import Option

from ._imports import imported, in_module, under_type_checking

HTTP_MODULES = ("fastapi", "starlette")
ALLOWLIST = Option(
    "service-http-allowlist",
    "list",
    ("fastapi.concurrency", "starlette.concurrency", "fastapi.encoders"),
    "Modules of fastapi/starlette a service may import (PSL102): helpers that are no HTTP concern.",
)


class HttpConcernInService(Rule):
    code = "PSL102"
    name = "http-concern-in-service"
    message = "Service imports fastapi/starlette: HTTP concerns (requests, responses, status codes) belong in routes"
    template = "Service imports from {module}: HTTP concerns (requests, responses, status codes) belong in routes"
    layers = frozenset({SERVICES})
    requires_text = ("fastapi", "starlette")
    options = (ALLOWLIST,)
    example_path = "app/services/steps.py"
    why = (
        "Services orchestrate business operations and must not know they are called over HTTP. Importing "
        "`Request`, `Response`, `status` or `HTTPException` into a service ties it to FastAPI and leaks "
        "status codes out of the routes layer; the service can no longer be reused from a job or a CLI."
    )
    example = """\
from fastapi import status

async def complete_step(db, step_id):
    return status.HTTP_204_NO_CONTENT
"""
    use_instead = """\
from fastapi.concurrency import run_in_threadpool

async def render_report(data):
    return await run_in_threadpool(build_pdf, data)
"""
    valid = (
        Valid("from fastapi.concurrency import run_in_threadpool\n"),
        Valid("from starlette.concurrency import run_in_threadpool\n"),
        Valid("from fastapi.encoders import jsonable_encoder\n"),
        Valid("from fastapi import concurrency\n"),
        Valid("from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from fastapi import Request\n"),
        Valid("import typing\n\nif typing.TYPE_CHECKING:\n    import starlette.requests\n"),
        Valid("from fastapi import Request\n", path="app/routes/steps.py"),
        Valid("from fastapi import Request\n", path="app/core/auth.py"),
        Valid("from fastapi_utils import tasks\nimport fastapi_cache\n"),
        Valid("# from fastapi import Request\nx = 'from fastapi import Request'\n"),
        Valid("from .fastapi import helpers\n"),
        Valid("from fastapi import Request\n", settings={"service-http-allowlist": ["fastapi"]}),
    )
    invalid = (
        Invalid("from fastapi import Request, status\n", line=1, col=1),
        Invalid("import logging\nfrom fastapi import HTTPException\n", line=2, col=1),
        Invalid("from fastapi.responses import JSONResponse\n", line=1, col=1),
        Invalid("import fastapi\n", line=1, col=1),
        Invalid("import starlette.status as st\n", line=1, col=1),
        Invalid("from starlette.requests import Request\n", line=1, col=1),
        Invalid("from fastapi import concurrency, status\n", line=1, col=1),
        Invalid("def f():\n    from fastapi import Response\n    return Response()\n", line=2, col=5),
        Invalid("from fastapi import Request\n", path="app/billing_service.py", line=1, col=1),
    )

    def visit_Import(self, node: cst.Import) -> None:
        self._check(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if not node.relative:
            self._check(node)

    def _check(self, node: cst.Import | cst.ImportFrom) -> None:
        if under_type_checking(node, self.ctx):
            return
        allowed = tuple(self.ctx.settings[ALLOWLIST.key])
        for target in imported(node, self.ctx):
            if in_module(target, HTTP_MODULES) and not in_module(target, allowed):
                self.report(node, self.template.format(module=target.split(".")[0]))
                return
