from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.routes import OTHER, Route, route_label, route_model, status_code_value
from py_standards_lint.analysis.rule import Invalid, Rule, Valid
from py_standards_lint.base.layers import ROUTES

HEAD = "from fastapi import APIRouter, Response, status\n\nrouter = APIRouter()\n\n"
SCHEMAS = {"app/schemas.py": "from pydantic import BaseModel\n\nclass Item(BaseModel):\n    id: str\n"}


class NoContentWithBody(Rule):
    code = "PSL608"
    name = "no-content-with-body"
    message = "Route `{route}` answers 204 No Content but declares a body ({why}): FastAPI fails at start-up"
    layers = frozenset({ROUTES})
    requires_text = ("status_code",)
    needs_index = True
    example_path = "app/routes/items.py"
    why = (
        "A 204 response has no body. FastAPI refuses a route with `status_code=204` and a response model "
        "(`response_model=` or one inferred from the return annotation) with an assertion at start-up. Annotate "
        "such routes `-> None` (or `-> Response`), or pass `response_model=None`."
    )
    example = HEAD + '@router.delete("/items/{item_id}", status_code=204, response_model=dict)\nasync def delete_item(item_id: str): ...\n'
    use_instead = HEAD + '@router.delete("/items/{item_id}", status_code=204)\nasync def delete_item(item_id: str) -> None: ...\n'
    valid = (
        Valid(use_instead),
        Valid(HEAD + '@router.delete("/x", status_code=status.HTTP_204_NO_CONTENT)\nasync def x() -> Response: ...\n'),
        Valid(HEAD + '@router.delete("/x", status_code=204)\nasync def x(): ...\n'),
        Valid(HEAD + '@router.delete("/x", status_code=200, response_model=dict)\nasync def x() -> dict: ...\n'),
        # response_model=None switches off the model inferred from the annotation
        Valid(HEAD + '@router.post("/x", status_code=204, response_model=None)\nasync def x() -> dict: ...\n'),
        Valid("from fastapi import APIRouter\nfrom fastapi.responses import JSONResponse\n\nrouter = APIRouter()\n\n" '@router.post("/x", status_code=204)\nasync def x() -> JSONResponse: ...\n'),
        # unresolvable annotation or status: silent
        Valid("from fastapi import APIRouter\nfrom somewhere import Thing\n\nrouter = APIRouter()\n\n" '@router.post("/x", status_code=204)\nasync def x() -> Thing: ...\n'),
        Valid(HEAD + 'NO_CONTENT = 204\n\n@router.post("/x", status_code=NO_CONTENT, response_model=dict)\nasync def x(): ...\n'),
        Valid(HEAD + '@router.post("/x", status_code=204)\nasync def x() -> Response | None: ...\n'),
        Valid(HEAD + '# @router.post("/x", status_code=204, response_model=dict)\n'),
        Valid(HEAD + 'class Items:\n    @router.delete("/x", status_code=204)\n    async def x(self) -> None: ...\n'),
    )
    invalid = (
        Invalid(example, line=5, col=1),
        Invalid(
            "from fastapi import APIRouter\nfrom starlette import status\nfrom app.schemas import Item\n\nrouter = APIRouter()\n\n"
            '@router.put("/x", status_code=status.HTTP_204_NO_CONTENT)\nasync def x() -> Item: ...\n',
            line=7,
            col=1,
            files=SCHEMAS,
        ),
        Invalid(HEAD + '@router.post("/x", status_code=204)\nasync def x() -> dict[str, str] | None: ...\n', line=5, col=1),
        Invalid(
            "from http import HTTPStatus\nfrom fastapi import FastAPI\n\napi = FastAPI()\n\n"
            '@api.api_route("/x", methods=["POST"], status_code=HTTPStatus.NO_CONTENT, response_model=list[str])\n@api.get("/y")\ndef x() -> list[str]: ...\n',
            line=6,
            col=1,
        ),
        Invalid(HEAD + 'class Items:\n    @router.delete("/x", status_code=204)\n    async def x(self) -> dict: ...\n', line=6, col=5),
    )

    def visit_Module(self, node: cst.Module) -> None:
        model = route_model(self.ctx)
        for route in model.routes:
            if status_code_value(route.kwarg("status_code"), self.ctx) != 204:
                continue
            reason = self._body(route)
            if reason is not None:
                self.report(route.decorator, self.message.format(route=route_label(route), why=reason))

    def _body(self, route: Route) -> str | None:
        response_model = route.kwarg("response_model")
        if response_model is not None:
            if isinstance(response_model, cst.Name) and response_model.value == "None":
                return None  # no model, whatever the annotation says
            return "`response_model=`"
        returns = route.endpoint.returns if route.endpoint is not None else None
        if returns is None or isinstance(returns, cst.Name) and returns.value == "None":
            return None
        if route_model(self.ctx).response_kind(returns) == OTHER:
            return f"`-> {self.ctx.module.code_for_node(returns)}`"
        return None
