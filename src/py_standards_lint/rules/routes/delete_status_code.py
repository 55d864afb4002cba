from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.routes import route_label, route_model, status_code_value
from py_standards_lint.analysis.rule import Invalid, Rule, Valid
from py_standards_lint.base.layers import ROUTES

from ._project import ROUTING_FILES

HEAD = "from fastapi import APIRouter, status\n\nrouter = APIRouter()\n\n"


class DeleteStatusCode(Rule):
    code = "PSL607"
    name = "delete-status-code"
    message = "DELETE route `{route}` answers {status}: a DELETE answers 204 (no content) or 200"
    layers = frozenset({ROUTES})
    requires_text = ("status_code",)
    needs_index = True  # routers built or bound in other project modules (RULES.md rev 3, Family 6)
    example_path = "app/routes/items.py"
    why = (
        "The standards fix DELETE's status: 204 No Content (nothing to return) or 200 (returning the deleted "
        "resource). 201, 202 or a 4xx as the *success* status mislead clients and generated SDKs. Numbers, "
        "`status.HTTP_*` names (from fastapi or starlette, any alias) and `http.HTTPStatus` members are read."
    )
    example = HEAD + '@router.delete("/items/{item_id}", status_code=status.HTTP_202_ACCEPTED)\nasync def delete_item(item_id: str) -> None: ...\n'
    use_instead = HEAD + '@router.delete("/items/{item_id}", status_code=status.HTTP_204_NO_CONTENT)\nasync def delete_item(item_id: str) -> None: ...\n'
    valid = (
        Valid(use_instead),
        Valid(HEAD + '@router.delete("/items/{item_id}")\nasync def delete_item(item_id: str) -> dict: ...\n'),
        Valid(HEAD + '@router.delete("/items/{item_id}", status_code=200)\nasync def delete_item(item_id: str) -> dict: ...\n'),
        Valid(HEAD + '@router.delete("/items/{item_id}", status_code=204)\nasync def delete_item(item_id: str): ...\n'),
        Valid("from http import HTTPStatus\nfrom fastapi import APIRouter\n\nrouter = APIRouter()\n\n" '@router.delete("/x", status_code=HTTPStatus.NO_CONTENT)\ndef x(): ...\n'),
        Valid(HEAD + '@router.post("/items", status_code=201)\nasync def create(): ...\n'),
        # unresolvable: stay silent
        Valid(HEAD + 'CODE = 202\n\n@router.delete("/x", status_code=CODE)\ndef x(): ...\n'),
        Valid(HEAD + '@router.delete("/x", status_code=other.HTTP_202_ACCEPTED)\ndef x(): ...\n'),
        # a local `status` object is not fastapi's
        Valid("from fastapi import APIRouter\n\nclass status:\n    HTTP_202_ACCEPTED = 204\n\nrouter = APIRouter()\n\n" '@router.delete("/x", status_code=status.HTTP_202_ACCEPTED)\ndef x(): ...\n'),
        Valid(HEAD + '@router.api_route("/x", methods=["DELETE", "POST"], status_code=202)\ndef x(): ...\n'),
        Valid(HEAD + '# @router.delete("/x", status_code=202)\n'),
        Valid(HEAD + 'class Items:\n    @router.delete("/x", status_code=204)\n    def x(self) -> None: ...\n'),
        # (rev 3) a project object that is no router, even named `router`
        Valid('from app.things import router\n\n@router.delete("/x", status_code=202)\ndef x(): ...\n', files=ROUTING_FILES),
        Valid('from app.kit.routing import registry\n\napp = registry()\n\n@app.delete("/x", status_code=202)\ndef x(): ...\n', files=ROUTING_FILES),
    )
    invalid = (
        Invalid(example, line=5, col=1),
        Invalid(HEAD + '@router.delete("/x", status_code=201)\ndef x(): ...\n', line=5, col=1),
        Invalid("from starlette import status as st\nfrom fastapi import APIRouter\n\nitems = APIRouter()\n\n" '@items.delete("/x", status_code=st.HTTP_200_OK)\n@items.delete("/y", status_code=st.HTTP_410_GONE)\ndef x(): ...\n', line=7, col=1),
        Invalid("from fastapi.status import HTTP_202_ACCEPTED\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n" '@app.delete("/x", status_code=HTTP_202_ACCEPTED)\ndef x(): ...\n', line=6, col=1),
        Invalid("import http\nfrom fastapi import APIRouter\n\nrouter = APIRouter()\n\n" '@router.delete("/x", status_code=http.HTTPStatus.ACCEPTED)\ndef x(): ...\n', line=6, col=1),
        Invalid(HEAD + '@router.api_route("/x", methods=["DELETE"], status_code=202)\ndef x(): ...\n', line=5, col=1),
        Invalid(HEAD + 'class Items:\n    @router.delete("/x", status_code=201)\n    def x(self): ...\n', line=6, col=5),
        # (rev 3) a router imported from a project module; one built by a project factory (a re-export chain)
        Invalid('from app.api import router as api\n\n@api.delete("/x", status_code=202)\ndef x(): ...\n', line=3, col=1, files=ROUTING_FILES),
        Invalid('from app.shared import Router\n\nitems = Router()\n\n@items.delete("/x", status_code=201)\ndef x(): ...\n', line=5, col=1, files=ROUTING_FILES),
    )

    def visit_Module(self, node: cst.Module) -> None:
        for route in route_model(self.ctx).routes:
            if route.kind != "delete" and not (route.kind == "api_route" and route.methods == {"DELETE"}):
                continue
            status = status_code_value(route.kwarg("status_code"), self.ctx)
            if status is not None and status not in (200, 204):
                self.report(route.decorator, self.message.format(route=route_label(route), status=status))
