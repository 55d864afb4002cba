"""PSL604 / PSL605 share everything but the keyword they look for."""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from py_standards_lint.analysis.routes import OPENAPI_EXEMPT, exempt_by_globs, route_label, route_model
from py_standards_lint.analysis.rule import Invalid, Rule, Valid
from py_standards_lint.base.layers import ROUTES

from ._project import ROUTING_FILES

HEAD = "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n"
#: ``APIRouter = router_class(...)`` where ``router_class`` is annotated ``-> type[fastapi.APIRouter]``
CLASS_FACTORY = {
    "app/__init__.py": "",
    "app/kit.py": "from fastapi import APIRouter as _Router\n\n\ndef router_class(route) -> type[_Router]:\n"
    "    class Custom(_Router):\n        pass\n\n    return Custom\n\n\ndef maker_class() -> type[dict]:\n    return dict\n",
    "app/classes.py": "from app.kit import maker_class, router_class\n\nAPIRouter = router_class(None)\nMaker = maker_class()\n",
}


def cases(keyword: str, other: str) -> tuple[tuple[Valid, ...], tuple[Invalid, ...]]:
    """Valid / invalid cases for the rule requiring ``keyword=`` (``other`` is the sibling's keyword)."""
    both = 'summary="S", responses={404: {"description": "Not found"}}'
    only_other = f"{other}=X"
    valid = (
        Valid(HEAD + f'@router.get("/items", {both})\nasync def items() -> list[dict]: ...\n'),
        Valid(HEAD + f'@router.get("/items", {keyword}=X)\nasync def items(): ...\n'),
        Valid(HEAD + '@router.get("/health", include_in_schema=False)\nasync def health(): ...\n'),
        Valid('from fastapi import APIRouter\n\npages = APIRouter(include_in_schema=False)\n\n@pages.get("/")\nasync def home(): ...\n'),
        Valid(
            "from fastapi import APIRouter\nfrom fastapi.responses import HTMLResponse\n\n"
            'router = APIRouter()\n\n@router.get("/page", response_class=HTMLResponse)\nasync def page(): ...\n'
        ),
        Valid(
            "from fastapi import APIRouter\nfrom starlette.responses import StreamingResponse\n\n"
            'router = APIRouter()\n\n@router.get("/export")\nasync def export() -> StreamingResponse: ...\n'
        ),
        Valid(
            "from fastapi import APIRouter, Response\n\n"
            'router = APIRouter()\n\n@router.get("/raw")\nasync def raw() -> Response: ...\n'
        ),
        Valid(
            "import fastapi.responses as r\nfrom fastapi import APIRouter\n\n"
            'router = APIRouter(default_response_class=r.PlainTextResponse)\n\n@router.post("/text")\nasync def text(): ...\n'
        ),
        # a local subclass of a non-JSON response
        Valid(
            "from fastapi import APIRouter\nfrom fastapi.responses import Response\n\nclass CSVResponse(Response):\n    media_type = 'text/csv'\n\n"
            'router = APIRouter()\n\n@router.get("/csv", response_class=CSVResponse)\nasync def csv(): ...\n'
        ),
        # a project subclass, through the index
        Valid(
            "from fastapi import APIRouter\nfrom app.core.responses import CSVResponse\n\n"
            'router = APIRouter()\n\n@router.get("/csv", response_class=CSVResponse)\nasync def csv(): ...\n',
            files={"app/core/responses.py": "from starlette.responses import Response\n\nclass CSVResponse(Response):\n    pass\n"},
        ),
        # out of the schema through include_router(..., include_in_schema=False), here and in main.py
        Valid(
            'from fastapi import APIRouter\n\nrouter = APIRouter()\ninternal = APIRouter()\n\n@internal.get("/metrics")\nasync def metrics(): ...\n\n'
            'router.include_router(internal, include_in_schema=False)\n'
        ),
        Valid(
            HEAD + '@router.get("/metrics")\nasync def metrics(): ...\n',
            path="app/routes/internal.py",
            files={"app/main.py": "from fastapi import FastAPI\nfrom app.routes.internal import router as internal_router\n\napp = FastAPI()\napp.include_router(internal_router, include_in_schema=False)\n"},
        ),
        Valid(HEAD + '@router.get("/internal/x")\nasync def x(): ...\n', settings={"openapi-exempt": ["/internal/**"]}),
        Valid(HEAD + '@router.get("/x")\nasync def x(): ...\n', settings={"openapi-exempt": ["**/items.py"]}),
        Valid(HEAD + '@router.websocket("/ws")\nasync def ws(websocket): ...\n'),
        # cannot be told: **kwargs, an unknown response class
        Valid(HEAD + 'DOCS = {}\n\n@router.get("/x", **DOCS)\nasync def x(): ...\n'),
        Valid("from fastapi import APIRouter\nfrom somelib import MagicResponse\n\n" 'router = APIRouter()\n\n@router.get("/x", response_class=MagicResponse)\nasync def x(): ...\n'),
        Valid(HEAD + '@router.get("/x", include_in_schema=SHOW)\nasync def x(): ...\n'),
        Valid('from fastapi import FastAPI\n\napp = FastAPI(openapi_url=None)\n\n@app.get("/x")\nasync def x(): ...\n'),
        Valid(HEAD + f'# @router.get("/x")\nTEXT = "@router.get(\'/x\') needs {keyword}="\n'),
        Valid(HEAD + '@router.get("/items")\nasync def items(): ...\n', path="app/core/items.py"),
        # (rev 3) every `return` answers with a non-JSON response: a call, a local bound only to such calls,
        # a project subclass, a template
        Valid(
            "from fastapi import APIRouter\nfrom fastapi.responses import FileResponse\n\nrouter = APIRouter()\n\n"
            '@router.get("/files/{name}")\nasync def download(name: str):\n    if name == "x":\n        return FileResponse("x.bin")\n    return FileResponse(f"files/{name}")\n'
        ),
        Valid(
            "from fastapi import APIRouter\nfrom fastapi.responses import RedirectResponse\n\nrouter = APIRouter()\n\n"
            '@router.get("/go")\nasync def go(next: str = ""):\n    response = RedirectResponse("/")\n    if next:\n        response = RedirectResponse(next)\n'
            '    response.set_cookie("seen", "1")\n    response.headers["X-A"] = "b"\n    return response\n'
        ),
        Valid(
            "from fastapi import APIRouter\nfrom app.core.responses import CSVResponse\n\nrouter = APIRouter()\n\n"
            '@router.get("/export")\nasync def export():\n    return CSVResponse("a,b")\n',
            files={"app/core/responses.py": "from starlette.responses import PlainTextResponse\n\nclass CSVResponse(PlainTextResponse):\n    media_type = 'text/csv'\n"},
        ),
        Valid(
            "from fastapi import APIRouter, Request\nfrom fastapi.templating import Jinja2Templates\n\nrouter = APIRouter()\ntemplates = Jinja2Templates(directory='t')\n\n"
            '@router.get("/page")\nasync def page(request: Request):\n    return templates.TemplateResponse(request, "page.html", {})\n'
        ),
        Valid(
            "from fastapi import APIRouter\nfrom sse_starlette.sse import EventSourceResponse\n\nrouter = APIRouter()\n\n"
            '@router.get("/events")\nasync def events():\n    return EventSourceResponse(stream())\n'
        ),
        # (rev 3) included only in apps created with the literal `openapi_url=None` (another module, through a
        # chain of routers, in an app factory), or with a non-JSON `default_response_class` on the way
        Valid(
            HEAD + '@router.get("/admin/users")\nasync def users(): ...\n',
            path="app/routes/admin.py",
            files={"app/backoffice.py": "from fastapi import FastAPI\nfrom app.routes import admin\n\nbackoffice = FastAPI(openapi_url=None)\nbackoffice.include_router(admin.router)\n"},
        ),
        Valid(
            HEAD + '@router.get("/admin/users")\nasync def users(): ...\n',
            path="app/routes/admin.py",
            files={
                "app/routes/__init__.py": "from fastapi import APIRouter\nfrom app.routes.admin import router as admin_router\n\npages = APIRouter(prefix='/bo')\npages.include_router(admin_router)\n",
                "app/apps.py": "from fastapi import FastAPI\n\nbackoffice = FastAPI(openapi_url=None, title='BO')\n",
                "app/main.py": "from app.apps import backoffice\nfrom app.routes import pages\n\nbackoffice.include_router(pages)\n",
            },
        ),
        Valid(
            HEAD + '@router.get("/admin/users")\nasync def users(): ...\n',
            path="app/routes/admin.py",
            files={
                "app/main.py": "from fastapi import FastAPI\nfrom app.routes import admin\n\n\ndef create_backoffice() -> FastAPI:\n"
                "    bo = FastAPI(openapi_url=None)\n    bo.include_router(admin.router, prefix='/bo')\n    return bo\n"
            },
        ),
        Valid(
            HEAD + '@router.get("/admin/users")\nasync def users(): ...\n',
            path="app/routes/admin.py",
            files={
                "app/main.py": "from fastapi import FastAPI\nfrom fastapi.responses import HTMLResponse\nfrom app.routes import admin\n\n"
                "app = FastAPI(default_response_class=HTMLResponse)\napp.include_router(admin.router)\n"
            },
        ),
        Valid(
            HEAD + '@router.get("/admin/users")\nasync def users(): ...\n',
            path="app/routes/admin.py",
            files={
                "app/main.py": "from fastapi import FastAPI\nfrom starlette.responses import HTMLResponse\nfrom app.routes import admin\n\n"
                "app = FastAPI()\napp.include_router(admin.router, default_response_class=HTMLResponse)\n"
            },
        ),
        # (rev 3) a return annotation or response_model naming a project name that cannot be resolved
        Valid(
            "from fastapi import APIRouter\nfrom app.schemas import ItemList, Thing\n\nrouter = APIRouter()\n\n"
            '@router.get("/items", response_model=ItemList)\nasync def items(): ...\n\n@router.get("/thing")\nasync def thing() -> Thing: ...\n',
            files={"app/schemas.py": "from app.base import make_list, make_thing\n\nItemList = make_list()\nThing = make_thing()\n"},
        ),
        # a class-based view's HTML page
        Valid(
            "from fastapi import APIRouter\nfrom fastapi.responses import HTMLResponse\n\nrouter = APIRouter()\n\n"
            'class Pages:\n    @router.get("/page", response_class=HTMLResponse)\n    async def page(self): ...\n'
        ),
        # (rev 3) routers across the project: a factory taking it out of the schema (keeping the call's prefix);
        # a router imported from a module that builds it so; a page router from a factory in a package
        # __init__ (non-JSON default); a project object that is no router, even named `router`; a cycle and
        # an unresolvable factory (no configured name)
        Valid('from app.kit import make_router\n\nrouter = make_router(prefix="/x")\n\n@router.get("/y")\nasync def y(): ...\n', files=ROUTING_FILES),
        Valid('from app.hidden import router\n\n@router.get("/y")\nasync def y(): ...\n', files=ROUTING_FILES),
        Valid('from app.web import page_router\n\nrouter = page_router()\n\n@router.get("/")\nasync def home(): ...\n', files=ROUTING_FILES),
        Valid('from app.things import router\n\n@router.get("/x")\nasync def x(): ...\n', files=ROUTING_FILES),
        Valid('from app.loop import a\n\nitems = a()\n\n@items.get("/x")\nasync def x(): ...\n', files=ROUTING_FILES),
        Valid('from app.kit.routing import opaque\n\nitems = opaque()\n\n@items.get("/x")\nasync def x(): ...\n', files=ROUTING_FILES),
        # a router class made by a function annotated `-> type[APIRouter]` (a class factory), out of the schema; a
        # name that function is not (the maker returns something else) stays unjudged
        Valid("from app.classes import APIRouter\n\nitems = APIRouter(include_in_schema=False)\n\n@items.get(\"/x\")\nasync def x(): ...\n", files=CLASS_FACTORY),
        Valid("from app.classes import Maker\n\nitems = Maker(include_in_schema=True)\n\n@items.get(\"/x\")\nasync def x(): ...\n", files=CLASS_FACTORY),
        # a factory that edits the keywords it is given: its router's include_in_schema is unknown
        Valid('from app.kit.routing import hidden_by_default\n\nrouter = hidden_by_default()\n\n@router.get("/x")\nasync def x(): ...\n', files=ROUTING_FILES),
    )
    invalid = (
        Invalid(HEAD + f'@router.get("/items", {only_other})\nasync def items() -> list[dict]: ...\n', line=5, col=1),
        Invalid(
            "from fastapi import FastAPI\nfrom fastapi.responses import ORJSONResponse\n\n"
            'api = FastAPI(default_response_class=ORJSONResponse)\n\n@api.post("/x")\nasync def x(): ...\n',
            line=6,
            col=1,
        ),
        Invalid(
            "from fastapi import APIRouter\nfrom fastapi.responses import JSONResponse\n\n"
            f'router = APIRouter(prefix="/v1")\nadmin = APIRouter()\n\n@admin.api_route("/x", methods=["GET", "POST"], response_class=JSONResponse)\n'
            f'@router.delete("/x", {only_other})\nasync def x(): ...\n',
            at=[(7, 1), (8, 1)],
        ),
        # a pydantic model, known through the index; a local one
        Invalid(
            "from fastapi import APIRouter\nfrom app.schemas import Item\n\n" 'router = APIRouter()\n\n@router.get("/x")\nasync def x() -> Item: ...\n',
            line=6,
            col=1,
            files={"app/schemas.py": "from pydantic import BaseModel\n\nclass Item(BaseModel):\n    id: str\n"},
        ),
        Invalid(
            "from fastapi import APIRouter\nfrom pydantic import BaseModel\n\nclass Item(BaseModel):\n    id: str\n\n"
            'router = APIRouter()\n\n@router.get("/x")\nasync def x() -> Item | None: ...\n',
            line=9,
            col=1,
        ),
        Invalid(HEAD + '@router.get("/x", include_in_schema=True)\nasync def x(): ...\n', settings={"openapi-exempt": ["/other/**"]}, line=5, col=1),
        # (rev 3) not every return is a non-JSON response; a local rebound to a dict; a JSONResponse
        Invalid(
            "from fastapi import APIRouter\nfrom fastapi.responses import FileResponse\n\nrouter = APIRouter()\n\n"
            '@router.get("/files/{name}")\nasync def download(name: str):\n    if name == "x":\n        return FileResponse("x.bin")\n    return {"missing": name}\n',
            line=6,
            col=1,
        ),
        Invalid(
            "from fastapi import APIRouter\nfrom fastapi.responses import RedirectResponse\n\nrouter = APIRouter()\n\n"
            '@router.get("/go")\nasync def go(next: str = ""):\n    response = RedirectResponse("/")\n    if next:\n        response = {"next": next}\n    return response\n',
            line=6,
            col=1,
        ),
        Invalid(
            "from fastapi import APIRouter\nfrom fastapi.responses import JSONResponse\n\nrouter = APIRouter()\n\n"
            '@router.get("/x")\nasync def x():\n    response = JSONResponse({})\n    return response\n',
            line=6,
            col=1,
        ),
        # (rev 3) also included in an app with a schema; an app whose openapi_url is not the literal None;
        # a JSON app next to an HTML one
        Invalid(
            HEAD + '@router.get("/admin/users")\nasync def users(): ...\n',
            path="app/routes/admin.py",
            files={
                "app/main.py": "from fastapi import FastAPI\nfrom app.routes import admin\n\napp = FastAPI()\nbackoffice = FastAPI(openapi_url=None)\n"
                "app.include_router(admin.router)\nbackoffice.include_router(admin.router)\n"
            },
            line=5,
            col=1,
        ),
        Invalid(
            HEAD + '@router.get("/admin/users")\nasync def users(): ...\n',
            path="app/routes/admin.py",
            files={
                "app/main.py": "from fastapi import FastAPI\nfrom app.config import settings\nfrom app.routes import admin\n\n"
                "app = FastAPI(openapi_url=settings.openapi_url)\napp.include_router(admin.router)\n"
            },
            line=5,
            col=1,
        ),
        # an app built from settings (`**kwargs`), included with `**options`: no non-JSON condition is known
        Invalid(
            HEAD + '@router.get("/users")\nasync def users(): ...\n',
            path="app/routes/users.py",
            files={
                "app/api.py": "from fastapi import APIRouter\nfrom app.routes import users\n\napi = APIRouter()\n"
                "api.include_router(users.router, **{'prefix': '/u'})\n",
                "app/main.py": "from fastapi import FastAPI\nfrom app.api import api\nfrom app.config import settings\n\n"
                "def build():\n    app = FastAPI(**settings.fastapi_kwargs)\n    app.include_router(api, prefix=settings.prefix)\n    return app\n",
            },
            line=5,
            col=1,
        ),
        Invalid(
            HEAD + '@router.get("/admin/users")\nasync def users(): ...\n',
            path="app/routes/admin.py",
            files={
                "app/main.py": "from fastapi import FastAPI\nfrom fastapi.responses import HTMLResponse\nfrom app.routes import admin\n\n"
                "app = FastAPI()\npages = FastAPI(default_response_class=HTMLResponse)\napp.include_router(admin.router)\npages.include_router(admin.router)\n"
            },
            line=5,
            col=1,
        ),
        # (rev 3) an ORM model is a resolved, JSON answer
        Invalid(
            "from fastapi import APIRouter\nfrom app.models import ItemRow\n\nrouter = APIRouter()\n\n" '@router.get("/x")\nasync def x() -> ItemRow: ...\n',
            line=6,
            col=1,
            files={"app/models.py": "from sqlalchemy.orm import DeclarativeBase\n\nclass Base(DeclarativeBase):\n    pass\n\nclass ItemRow(Base):\n    pass\n"},
        ),
        Invalid(HEAD + f'@cbv(router)\nclass Items:\n    @router.get("/items", {only_other})\n    async def items(self) -> list[dict]: ...\n', line=7, col=5),
        # (rev 3) a router built by a project factory (a re-export chain), one imported under another name
        Invalid(f'from app.shared import Router\n\nitems = Router(prefix="/items")\n\n@items.get("/x", {only_other})\nasync def x(): ...\n', line=5, col=1, files=ROUTING_FILES),
        Invalid(f'from app.api import router as api\n\n@api.get("/x", {only_other})\nasync def x(): ...\n', line=3, col=1, files=ROUTING_FILES),
        # a factory that drops the keywords it is given: include_in_schema=False never reaches the router
        Invalid(f'from app.kit.routing import fresh\n\nrouter = fresh(include_in_schema=False)\n\n@router.get("/x", {only_other})\nasync def x(): ...\n', line=5, col=1, files=ROUTING_FILES),
        # the class-factory router in the schema: a JSON route
        Invalid(f'from app.classes import APIRouter\n\nitems = APIRouter(prefix="/i")\n\n@items.get("/x", {only_other})\nasync def x(): ...\n', line=5, col=1, files=CLASS_FACTORY),
    )
    return valid, invalid


class OpenApiDocRule(Rule):
    keyword: ClassVar[str] = ""
    layers = frozenset({ROUTES})
    needs_index = True
    options = (OPENAPI_EXEMPT,)
    example_path = "app/routes/items.py"

    def visit_Module(self, node: cst.Module) -> None:
        model = route_model(self.ctx)
        exempt = self.ctx.settings["openapi-exempt"]
        for route in model.routes:
            if self.keyword in route.kwargs or route.has_star_kwargs:
                continue
            if model.is_json_api(route) is not True or exempt_by_globs(exempt, self.ctx, route):
                continue
            self.report(route.decorator, self.message.format(route=route_label(route)))
