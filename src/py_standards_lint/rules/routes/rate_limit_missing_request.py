from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.edits import import_name, insert_first_param
from py_standards_lint.analysis.routes import LIMITER_NAMES, Endpoint, route_label, route_model
from py_standards_lint.analysis.rule import Invalid, Rule, Valid
from py_standards_lint.base.finding import UNSAFE, Fix
from py_standards_lint.base.layers import ROUTES

HEAD = "from fastapi import APIRouter\nfrom app.core.limiter import limiter\n\nrouter = APIRouter()\n\n"
SLOWAPI_PARAMS = ("request", "websocket")


class RateLimitMissingRequest(Rule):
    code = "PSL603"
    name = "rate-limit-missing-request"
    message = "Rate-limited route `{route}` has no `request` parameter: slowapi fails at import"
    layers = frozenset({ROUTES})
    requires_text = ("limit",)
    needs_index = True  # routers built or bound in other project modules (RULES.md rev 3, Family 6)
    options = (LIMITER_NAMES,)
    fix_safety = UNSAFE
    example_path = "app/routes/items.py"
    why = (
        "slowapi's `@limiter.limit(...)` finds the request by looking for a parameter named `request` (or "
        "`websocket`) in the endpoint's signature; without one it raises as soon as the module is imported, "
        "so the whole app fails to start."
    )
    example = HEAD + '@router.post("/items")\n@limiter.limit("5/minute")\nasync def create_item(name: str) -> dict: ...\n'
    use_instead = (
        "from fastapi import APIRouter, Request\nfrom app.core.limiter import limiter\n\nrouter = APIRouter()\n\n"
        '@router.post("/items")\n@limiter.limit("5/minute")\nasync def create_item(request: Request, name: str) -> dict: ...\n'
    )
    fix_notes = (
        "Adds `request: Request` as the first parameter (after a method's `self`) and imports `Request` from fastapi (reusing an existing "
        "import or alias). Unsafe: it changes the endpoint's signature (callers that pass arguments positionally "
        "would shift)."
    )
    valid = (
        Valid(use_instead),
        Valid(HEAD + '@router.websocket("/ws")\n@limiter.limit("5/minute")\nasync def ws(websocket): ...\n'),
        Valid(HEAD + '@router.post("/items")\n@limiter.limit("5/minute")\nasync def create_item(*, request, name: str): ...\n'),
        Valid(HEAD + '@router.post("/items")\nasync def create_item(name: str): ...\n'),
        # a limit on a function that is not a route
        Valid(HEAD + '@limiter.limit("5/minute")\nasync def helper(name: str): ...\n'),
        # not a limiter
        Valid(HEAD + '@router.post("/items")\n@cache.limit(5)\nasync def create_item(name: str): ...\n'),
        # a class-based view's method with its request after `self`
        Valid(HEAD + 'class Items:\n    @router.post("/items")\n    @limiter.limit("5/minute")\n    async def create(self, request, name: str): ...\n'),
    )
    invalid = (
        Invalid(example, line=6, col=1, fixed=use_instead),
        # a Request alias is reused, positional-only and keyword-only parameters are kept valid
        Invalid(
            "from starlette.requests import Request as Req\nfrom fastapi import APIRouter\nfrom app.core.limiter import limiter\n\n"
            'router = APIRouter()\n\n@router.post("/x")\n@limiter.limit("5/minute")\ndef x(a, /, b: int = 1, *, c: str): ...\n',
            line=7,
            col=1,
            fixed="from starlette.requests import Request as Req\nfrom fastapi import APIRouter\nfrom app.core.limiter import limiter\n\n"
            'router = APIRouter()\n\n@router.post("/x")\n@limiter.limit("5/minute")\ndef x(a, /, request: Req, b: int = 1, *, c: str): ...\n',
        ),
        # no fastapi import to extend: a new import line; a multi-line signature keeps its layout
        Invalid(
            '"""Items."""\nimport fastapi\nfrom app.core.limiter import limiter\n\nrouter = fastapi.APIRouter()\n\n\n'
            '@router.put("/x")\n@limiter.limit("5/minute")\nasync def x(\n    name: str,\n    value: int = 0,\n) -> None: ...\n',
            line=8,
            col=1,
            fixed='"""Items."""\nfrom fastapi import Request\nimport fastapi\nfrom app.core.limiter import limiter\n\nrouter = fastapi.APIRouter()\n\n\n'
            '@router.put("/x")\n@limiter.limit("5/minute")\nasync def x(\n    request: Request,\n    name: str,\n    value: int = 0,\n) -> None: ...\n',
        ),
        # stacked routes: one finding, at the first route decorator; no parameters at all
        Invalid(
            HEAD + '@router.delete("/a")\n@router.delete("/b")\n@limiter.limit("5/minute")\ndef d(): ...\n',
            line=6,
            col=1,
            fixed=HEAD.replace("import APIRouter", "import APIRouter, Request")
            + '@router.delete("/a")\n@router.delete("/b")\n@limiter.limit("5/minute")\ndef d(request: Request): ...\n',
        ),
        # the name `Request` is taken by something else: flagged, no fix
        Invalid(
            HEAD + 'class Request:\n    pass\n\n@router.post("/a")\n@limiter.limit("5/minute")\ndef a(name: str): ...\n',
            line=9,
            col=1,
            fixed=HEAD + 'class Request:\n    pass\n\n@router.post("/a")\n@limiter.limit("5/minute")\ndef a(name: str): ...\n',
        ),
        # Request imported only for type checking: not there at run time, no fix
        Invalid(
            "from typing import TYPE_CHECKING\n\nfrom fastapi import APIRouter\nfrom app.core.limiter import limiter\n\nif TYPE_CHECKING:\n    from fastapi import Request\n\n"
            'router = APIRouter()\n\n@router.post("/a")\n@limiter.limit("5/minute")\ndef a(name: str): ...\n',
            line=11,
            col=1,
            fixed="from typing import TYPE_CHECKING\n\nfrom fastapi import APIRouter\nfrom app.core.limiter import limiter\n\nif TYPE_CHECKING:\n    from fastapi import Request\n\n"
            'router = APIRouter()\n\n@router.post("/a")\n@limiter.limit("5/minute")\ndef a(name: str): ...\n',
        ),
        # the limit above the route (PSL602) still needs the request
        Invalid(HEAD + '@limiter.limit("5/minute")\n@router.post("/a")\ndef a(req): ...\n', line=7, col=1),
        # a class-based view: `self` is no request; the fix adds the request after it
        Invalid(
            HEAD + '@cbv(router)\nclass Items:\n    @router.post("/items")\n    @limiter.limit("5/minute")\n    async def create(self, name: str) -> dict: ...\n',
            line=8,
            col=5,
            fixed=HEAD.replace("import APIRouter", "import APIRouter, Request")
            + '@cbv(router)\nclass Items:\n    @router.post("/items")\n    @limiter.limit("5/minute")\n    async def create(self, request: Request, name: str) -> dict: ...\n',
        ),
        Invalid(
            HEAD + 'class Items:\n    @router.post("/items")\n    @limiter.limit("5/minute")\n    async def create(self): ...\n',
            line=7,
            col=5,
            fixed=HEAD.replace("import APIRouter", "import APIRouter, Request")
            + 'class Items:\n    @router.post("/items")\n    @limiter.limit("5/minute")\n    async def create(self, request: Request): ...\n',
        ),
        Invalid(
            HEAD + 'class Items:\n    @router.post("/items")\n    @limiter.limit("5/minute")\n    async def create(\n        self,\n        name: str,\n    ): ...\n',
            line=7,
            col=5,
            fixed=HEAD.replace("import APIRouter", "import APIRouter, Request")
            + 'class Items:\n    @router.post("/items")\n    @limiter.limit("5/minute")\n    async def create(\n        self,\n        request: Request,\n        name: str,\n    ): ...\n',
        ),
    )

    def visit_Module(self, node: cst.Module) -> None:
        for endpoint in route_model(self.ctx).endpoints:
            if not endpoint.limits or any(name in SLOWAPI_PARAMS for name in endpoint.param_names):
                continue
            first = min(endpoint.routes, key=lambda r: r.decorator_index)
            self.report(first.decorator, self.message.format(route=route_label(first)), self._fix(endpoint))

    def _fix(self, endpoint: Endpoint) -> Fix | None:
        imported = import_name(self.ctx, "fastapi", "Request")
        if imported is None:
            return None
        local, edits = imported
        param = cst.Param(name=cst.Name("request"), annotation=cst.Annotation(cst.Name(local)))
        function = insert_first_param(endpoint.function, param, endpoint.receiver)
        if function is None:
            return None
        return Fix(UNSAFE, "Add a `request: Request` parameter", [(endpoint.function, function), *edits])
