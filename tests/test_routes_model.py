import libcst as cst
import pytest

from py_standards_lint.analysis.context import FileContext
from py_standards_lint.analysis.index import ProjectIndex
from py_standards_lint.analysis.routes import (
    JSON,
    NON_JSON,
    OTHER,
    RouteModel,
    exempt_by_globs,
    methods_overlap,
    route_label,
    route_model,
    shadows,
    status_code_value,
)
from py_standards_lint.base.names import ModuleNames
from py_standards_lint.base.project import module_name_for

from .helpers import ROOT, make_settings


@pytest.mark.parametrize(
    "earlier,later,expected",
    [
        ("/items/{item_id}", "/items/stats", True),
        ("/items/{item_id:int}", "/items/stats", False),
        ("/items/{item_id:int}", "/items/42", True),
        ("/items/{x:float}", "/items/4.5", True),
        ("/items/{x:float}", "/items/{n:int}", True),
        ("/items/{x:int}", "/items/{n:float}", False),
        ("/items/{x:uuid}", "/items/123e4567-e89b-12d3-a456-426614174000", True),
        ("/items/{x:uuid}", "/items/stats", False),
        ("/items/{item_id}", "/items/stats/today", False),
        ("/files/{p:path}", "/files/a/b/c", True),
        ("/files/{p:path}", "/files/{name}/meta", True),
        ("/files/{p:path}/meta", "/files/a/b/meta", True),
        ("/files/{p:path}/meta", "/files/a/b/other", False),
        ("/items/{a}", "/items/{b}", True),
        ("/items/{a}.json", "/items/x.json", True),
        ("/items/{a}.json", "/items/x.xml", False),
        ("/items/stats", "/items/{a}", False),
        ("/items/{a:weird}", "/items/x", False),
        ("", "", True),
    ],
)
def test_shadows(earlier, later, expected):
    assert shadows(earlier, later) is expected


def test_methods_overlap():
    assert methods_overlap(frozenset({"GET", "HEAD"}), frozenset({"HEAD"}))
    assert not methods_overlap(frozenset({"GET", "HEAD"}), frozenset({"POST"}))
    assert methods_overlap(frozenset({"*"}), frozenset({"POST"}))
    assert not methods_overlap(frozenset({"*"}), frozenset({"WEBSOCKET"}))


# -- the route model ---------------------------------------------------------------------


def model_for(code: str, path: str = "app/routes/items.py", files: dict | None = None, settings: dict | None = None) -> RouteModel:
    s = make_settings(settings)
    module = cst.parse_module(code)
    name, is_package = module_name_for(path)
    ctx = FileContext(path, path, name, "routes", s, module, ModuleNames.build(module, name, is_package), source=code)
    ctx.index = ProjectIndex.from_sources(ROOT, {**(files or {}), path: code}, s)
    return route_model(ctx)


ROUTERS = '''
from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import HTMLResponse

from app.core.auth import require_user

router = APIRouter(prefix="/items", include_in_schema=False, default_response_class=HTMLResponse, dependencies=[Depends(require_user)])
other = APIRouter()
api = FastAPI(openapi_url=None)
opts = {}
dynamic = APIRouter(**opts)
'''


def test_router_settings():
    model = model_for(ROUTERS)
    router, other, api, dynamic = (model.routers[n] for n in ("router", "other", "api", "dynamic"))
    assert router.prefix == "/items" and other.prefix == "" and dynamic.prefix is None
    assert router.include_in_schema is False and other.include_in_schema is True and dynamic.include_in_schema is None
    assert api.is_app and api.include_in_schema is False
    assert model.response_kind(router.default_response_class) == NON_JSON
    assert isinstance(router.dependencies, cst.List) and other.dependencies is None
    assert router.qualified == "app.routes.items.router"


ROUTES = '''
from fastapi import APIRouter, Request
from app.core.limiter import limiter

router = APIRouter(prefix="/v1")
admin = APIRouter()


@router.get("/a")
async def a() -> dict: ...


@limiter.limit("1/second")
@admin.api_route("/b", methods=["PUT", "GET"], summary="B")
@router.delete("/b/{x}", status_code=204)
@traced
def b(request: Request, /, x: int, *args, y: str = "", **kw) -> None: ...


def helper(): ...


@router.websocket("/ws")
async def ws(websocket): ...
'''


def test_routes_in_registration_order_with_their_endpoints():
    model = model_for(ROUTES)
    assert [(r.router, r.path, r.kind) for r in model.routes] == [
        ("router", "/a", "get"),
        ("router", "/b/{x}", "delete"),  # nearest the def: registered first
        ("admin", "/b", "api_route"),
        ("router", "/ws", "websocket"),
    ]
    a, b_delete, b_route, ws = model.routes
    assert a.methods == {"GET", "HEAD"} and b_route.methods == {"PUT", "GET", "HEAD"} and ws.methods == {"WEBSOCKET"}
    assert b_route.is_mutating and b_delete.is_mutating and not a.is_mutating
    assert a.full_path == "/v1/a" and b_route.full_path == "/b"
    assert route_label(b_route) == "GET|PUT /b" and route_label(b_delete) == "DELETE /v1/b/{x}"
    endpoint = b_delete.endpoint
    assert endpoint is b_route.endpoint and endpoint.name == "b"
    assert [i for i, _ in endpoint.limits] == [0] and endpoint.route_indexes == [1, 2]
    assert endpoint.param_names == ["request", "x", "y"]
    assert isinstance(endpoint.returns, cst.Name) and endpoint.returns.value == "None"
    assert b_delete.kwarg("status_code") is not None and "summary" in b_route.kwargs
    assert [e.name for e in model.endpoints] == ["a", "b", "ws"]
    assert ws.include_in_schema is False and a.include_in_schema is True


def test_include_router_out_of_schema_here_and_through_the_index():
    code = "from fastapi import APIRouter\n\nrouter = APIRouter()\ninner = APIRouter()\nrouter.include_router(inner, include_in_schema=False)\n"
    model = model_for(code)
    assert model.routers["inner"].include_in_schema is False and model.routers["router"].include_in_schema is True
    main = "from fastapi import FastAPI\nfrom app.routes import items\n\ndef create():\n    app = FastAPI()\n    app.include_router(items.router, include_in_schema=False)\n"
    model = model_for(code, files={"app/main.py": main})
    assert model.routers["router"].include_in_schema is False


def test_configured_router_names_and_limiters():
    code = "from app.base import api_router\nfrom app.core.limiter import limiter as rl\n\n@api_router.post('/x')\n@rl.limit('1/second')\ndef x(request): ...\n\n@mine.post('/y')\n@throttle.limit('1/second')\ndef y(): ...\n"
    model = model_for(code)
    assert [r.path for r in model.routes] == ["/x"]
    assert model.routes[0].endpoint.limits and model.routes[0].router_info.prefix is None
    model = model_for(code, settings={"router-names": ["mine"], "limiter-names": ["throttle"]})
    assert [r.path for r in model.routes] == ["/y"]
    assert model.endpoints[0].limits


RESPONSES = '''
from typing import Optional, Union

import fastapi.responses as fr
from fastapi import Response
from pydantic import BaseModel
from starlette.responses import JSONResponse, RedirectResponse

from app.schemas import Item
from app.core.responses import CSVResponse
from somewhere import Unknown


class Local(BaseModel):
    x: int


class MyJSON(JSONResponse):
    pass
'''
FILES = {
    "app/schemas.py": "from pydantic import BaseModel\n\nclass Item(BaseModel):\n    id: str\n",
    "app/core/responses.py": "from fastapi.responses import PlainTextResponse\n\nclass CSVResponse(PlainTextResponse):\n    pass\n",
}


def test_response_kinds():
    model = model_for(RESPONSES, files=FILES)
    def kind(text: str) -> str:
        return model.response_kind(cst.parse_expression(text))

    assert kind("Response") == NON_JSON and kind("fr.HTMLResponse") == NON_JSON and kind("RedirectResponse") == NON_JSON
    assert kind("JSONResponse") == JSON and kind("fr.ORJSONResponse") == JSON and kind("MyJSON") == JSON
    assert kind("CSVResponse") == NON_JSON  # a project subclass, through the index
    assert kind("Item") == OTHER and kind("Local") == OTHER and kind("dict") == OTHER and kind("None") == OTHER
    assert kind("list[Item]") == OTHER and kind("Item | None") == OTHER and kind("Optional[Item]") == OTHER
    assert kind("Unknown") is None and kind("'Item'") is None
    assert kind("Response | None") is None and kind("Union[Item, Response]") is None
    assert kind("fr.HTMLResponse | fr.PlainTextResponse") == NON_JSON


@pytest.mark.parametrize(
    "imports,expr,expected",
    [
        ("", "204", 204),
        ("from fastapi import status", "status.HTTP_204_NO_CONTENT", 204),
        ("from starlette import status as s", "s.HTTP_202_ACCEPTED", 202),
        ("import starlette.status", "starlette.status.HTTP_410_GONE", 410),
        ("from fastapi.status import HTTP_200_OK", "HTTP_200_OK", 200),
        ("from http import HTTPStatus", "HTTPStatus.NO_CONTENT", 204),
        ("", "status.HTTP_204_NO_CONTENT", None),  # `status` not imported
        ("CODE = 204", "CODE", None),
        ("from app.codes import HTTP_204_NO_CONTENT", "HTTP_204_NO_CONTENT", None),
    ],
)
def test_status_code_value(imports, expr, expected):
    code = f"{imports}\n"
    model = model_for(code)
    assert status_code_value(cst.parse_expression(expr), model.ctx) == expected


def test_exempt_globs_over_paths_and_modules():
    model = model_for("from fastapi import APIRouter\n\nrouter = APIRouter(prefix='/hooks')\n\n@router.post('/github')\ndef hook(): ...\n")
    route, ctx = model.routes[0], model.ctx
    assert exempt_by_globs(["/hooks/**"], ctx, route) and exempt_by_globs(["/hooks"], ctx, route)
    assert exempt_by_globs(["/github"], ctx, route)  # the path as written
    assert not exempt_by_globs(["/other/**", "/hook"], ctx, route)
    assert exempt_by_globs(["app/routes/items.py"], ctx, route) and exempt_by_globs(["items.py"], ctx, route)
    assert exempt_by_globs(["app.routes.*"], ctx, route) and not exempt_by_globs(["app.services.*"], ctx, route)


def test_configured_names_bound_to_something_else_are_no_routers():
    code = "from flask import Flask\n\napp = Flask(__name__)\n\nclass Thing:\n    pass\n\nrouter = Thing()\n\n@app.post('/x')\ndef x(): ...\n\n@router.post('/y')\ndef y(): ...\n"
    assert model_for(code).routes == []
    code = "from fastapi import APIRouter\n\nclass MyRouter(APIRouter):\n    pass\n\nitems = MyRouter(prefix='/i')\n\n@items.post('/y')\ndef y(): ...\n"
    assert [r.full_path for r in model_for(code).routes] == ["/i/y"]


INNER = "from fastapi import APIRouter\n\nrouter = APIRouter()\n"


@pytest.mark.parametrize(
    "files,out",
    [
        # a parent router out of the schema takes its children out too
        (
            {
                "app/api.py": "from fastapi import APIRouter\nfrom app.routes import items\n\napi_router = APIRouter(include_in_schema=False)\napi_router.include_router(items.router)\n",
                "app/main.py": "from fastapi import FastAPI\nfrom app.api import api_router\n\napp = FastAPI()\napp.include_router(api_router)\n",
            },
            True,
        ),
        (
            {
                "app/api.py": "from fastapi import APIRouter\nfrom app.routes import items\n\napi_router = APIRouter()\napi_router.include_router(items.router)\n",
                "app/main.py": "from fastapi import FastAPI\nfrom app.api import api_router\n\napp = FastAPI()\napp.include_router(api_router, include_in_schema=False)\n",
            },
            True,
        ),
        # included twice, once in the schema: its routes are in the schema
        (
            {
                "app/main.py": "from fastapi import FastAPI\nfrom app.routes import items\n\napp = FastAPI()\napp.include_router(items.router, include_in_schema=False)\napp.include_router(items.router, prefix='/v2')\n",
            },
            False,
        ),
        # included inside a factory function: the parent is unknown, the flag still counts
        (
            {
                "app/main.py": "from fastapi import FastAPI\nfrom app.routes.items import router as items_router\n\ndef create():\n    app = FastAPI()\n    app.include_router(items_router, include_in_schema=False)\n    return app\n",
            },
            True,
        ),
        ({"app/main.py": "from fastapi import FastAPI\nfrom app.routes import items\n\napp = FastAPI()\napp.include_router(items.router)\n"}, False),
        ({}, False),
    ],
)
def test_out_of_schema_down_the_include_chain(files, out):
    model = model_for(INNER, files=files)
    assert model.routers["router"].include_in_schema is (not out)


# -- class-based views (rev 3) ------------------------------------------------------------

CBV = '''
from fastapi import APIRouter, Depends, Request
from fastapi_utils.cbv import cbv

router = APIRouter()


@router.get("/first")
def first(): ...


@cbv(router)
class Items:
    db = Depends(object)

    @router.get("/items/{item_id}")
    def get(self, item_id: int): ...

    class Nested:
        @router.post("/nested")
        def nested(self, request: Request): ...

    @staticmethod
    @router.get("/static")
    def static(self): ...

    @router.get("/plain")
    def plain(request: Request): ...

    @router.get("/cls")
    def by_cls(cls, /, q: str): ...

    def helper(self):
        @router.get("/inner")
        def inner(): ...


@router.get("/last")
def last(): ...
'''


def test_class_based_views_are_routes_in_module_order_without_self():
    model = model_for(CBV)
    assert [r.path for r in model.routes] == ["/first", "/items/{item_id}", "/nested", "/static", "/plain", "/cls", "/last"]
    by_name = {e.name: e for e in model.endpoints}
    assert by_name["get"].param_names == ["item_id"] and by_name["get"].owner.name.value == "Items"
    assert by_name["nested"].param_names == ["request"] and by_name["nested"].owner.name.value == "Nested"
    assert by_name["static"].param_names == ["self"]  # a staticmethod has no receiver
    assert by_name["plain"].param_names == ["request"]  # a namespace class: the first parameter is a real one
    assert by_name["by_cls"].param_names == ["q"]
    assert by_name["first"].owner is None and by_name["first"].receiver is None
    assert [e.position for e in model.endpoints] == sorted(e.position for e in model.endpoints)


def test_a_router_bound_in_the_class_body_is_the_class_one():
    code = (
        "from fastapi import APIRouter\n\nrouter = APIRouter()\n\nclass A:\n    router = APIRouter(prefix='/a')\n\n"
        "    @router.get('/x')\n    def x(self): ...\n\nclass B:\n    router = None\n\n    @router.get('/y')\n    def y(self): ...\n\n"
        "@router.get('/z')\ndef z(): ...\n"
    )
    model = model_for(code)
    assert [(r.router, r.full_path) for r in model.routes] == [("A.router", "/a/x"), ("router", "/z")]
    assert model.routers["A.router"].qualified == "app.routes.items.A.router"


def test_raw_depends_and_the_request_check_skip_self():
    from .helpers import lint

    files = {
        "app/core/auth.py": "from typing import Annotated\nfrom fastapi import Depends\n\ndef get_user() -> str: ...\n\nUser = Annotated[str, Depends(get_user)]\n"
    }
    code = (
        "from fastapi import APIRouter, Depends\nfrom app.core.auth import get_user\nfrom app.core.limiter import limiter\n\nrouter = APIRouter()\n\n"
        "class Items:\n    @router.get('/x')\n    def x(self, user: str = Depends(get_user)): ...\n\n"
        "    @router.post('/y')\n    @limiter.limit('1/second')\n    def y(self, request): ...\n"
    )
    found = [(f.code, f.line, f.column) for f in lint(code, "app/routes/items.py", files=files, select=("PSL609", "PSL603"))]
    assert found == [("PSL609", 8, 5)]


# -- how the project serves a router (rev 3) ------------------------------------------------

MAIN = "from fastapi import FastAPI\nfrom fastapi.responses import HTMLResponse, ORJSONResponse\nfrom app.routes import items\n\n"


@pytest.mark.parametrize(
    "main,contexts",
    [
        ("app = FastAPI()\napp.include_router(items.router)\n", {(True, "")}),
        ("bo = FastAPI(openapi_url=None)\nbo.include_router(items.router)\n", {(False, "")}),
        ("bo = FastAPI(openapi_url=None, default_response_class=HTMLResponse)\nbo.include_router(items.router)\n", {(False, "fastapi.responses.HTMLResponse")}),
        ("app = FastAPI()\napp.include_router(items.router, default_response_class=ORJSONResponse)\n", {(True, "fastapi.responses.ORJSONResponse")}),
        # the include's own default_response_class beats the app's
        ("app = FastAPI(default_response_class=HTMLResponse)\napp.include_router(items.router, default_response_class=ORJSONResponse)\n", {(True, "fastapi.responses.ORJSONResponse")}),
        # built from settings (**kwargs): no known default response class, so JSON (RULES.md PSL604)
        ("app = FastAPI(**OPTIONS)\napp.include_router(items.router)\n", {(True, "")}),
        ("app = FastAPI()\napp.include_router(items.router, **OPTIONS)\n", {(True, "")}),
        ("app = FastAPI(openapi_url='/x')\nbo = FastAPI(openapi_url=None)\napp.include_router(items.router)\nbo.include_router(items.router)\n", {(True, ""), (False, "")}),
        # an app built in a function; a name bound twice there is unknown (served in the schema, no default)
        ("def create():\n    bo = FastAPI(openapi_url=None)\n    bo.include_router(items.router)\n    return bo\n", {(False, "")}),
        ("def create(bo):\n    bo.include_router(items.router)\n", {(True, "")}),
        ("def create():\n    bo = FastAPI(openapi_url=None)\n    bo = wrap(bo)\n    bo.include_router(items.router)\n", {(True, "")}),
    ],
)
def test_router_contexts_across_modules(main, contexts):
    index = ProjectIndex.from_sources(ROOT, {"app/routes/items.py": INNER, "app/main.py": MAIN + main}, make_settings())
    assert index.router_contexts().get("app.routes.items.router", frozenset({(True, "")})) == contexts


def test_returned_responses_and_redirects():
    code = (
        "from fastapi import APIRouter\nfrom fastapi.responses import RedirectResponse, HTMLResponse\n\nrouter = APIRouter()\n\n"
        "class SeeOther(RedirectResponse):\n    pass\n\n"
        "@router.get('/a')\ndef a():\n    r = SeeOther('/')\n    return r\n\n"
        "@router.get('/b')\ndef b(r: HTMLResponse):\n    return r\n\n"
        "@router.get('/c')\ndef c():\n    for r in [HTMLResponse('')]:\n        pass\n    return r\n\n"
        "@router.get('/d')\ndef d():\n    r = HTMLResponse('')\n    def inner():\n        return {}\n    return r\n\n"
        "@router.get('/e')\ndef e():\n    return\n"
    )
    model = model_for(code)
    found = {e.name: model.returned_response(e) for e in model.endpoints}
    assert found == {"a": ["<local>.SeeOther"], "b": None, "c": None, "d": ["fastapi.responses.HTMLResponse"], "e": None}
    assert found["a"] is not None and all(model.is_redirect(q) for q in found["a"])
    assert not model.is_redirect("fastapi.responses.HTMLResponse")


# -- (rev 3) routers across the project: subclasses, wrappers, factories, imports ----------------

ROUTING = {
    "app/__init__.py": "",
    "app/kit/__init__.py": "from .routing import make_router as new_router, Hidden\nfrom . import routing\n",
    "app/kit/routing.py": (
        "import fastapi\nfrom fastapi import FastAPI\nfrom fastapi.responses import HTMLResponse\n\n"
        "class Hidden(fastapi.APIRouter):\n    pass\n\n"
        "class NotRouter:\n    pass\n\n"
        "def APIRouter(**kw) -> fastapi.APIRouter:\n    ...\n\n"
        "def make_router(**kw):\n    return fastapi.APIRouter(include_in_schema=False, **kw)\n\n"
        "def pages(**kw):\n    return make_router(default_response_class=HTMLResponse, **kw)\n\n"
        "def make_app():\n    return FastAPI(openapi_url=None)\n\n"
        "def make_dict(**kw) -> dict:\n    return {}\n\n"
        "def either(hidden):\n    if hidden:\n        return fastapi.APIRouter(include_in_schema=False)\n    return fastapi.APIRouter()\n\n"
        "def defaults(**kw):\n    kw.setdefault('include_in_schema', False)\n    return fastapi.APIRouter(**kw)\n\n"
        "def fixed(**kw):\n    return fastapi.APIRouter(prefix='/fixed')\n"
    ),
    "app/api.py": "from app.kit.routing import APIRouter, make_app\n\nrouter = APIRouter(prefix='/api')\napi = make_app()\n",
    "app/reexport.py": "from app.api import router as api_router\n",
}


def test_routers_built_by_project_factories_keep_their_keywords():
    code = (
        "from app.kit.routing import APIRouter, pages, either, NotRouter, make_dict\nfrom app.kit import new_router, Hidden\n\n"
        "a = APIRouter(prefix='/a')\nb = new_router(prefix='/b')\nc = pages(prefix='/c')\nd = Hidden(prefix='/d')\n"
        "e = either(True)\nrouter = NotRouter()\napp = make_dict()\n\n"
        + "".join(f"@{n}.post('/x')\ndef f_{n}(): ...\n\n" for n in ("a", "b", "c", "d", "e", "router", "app"))
    )
    model = model_for(code, files=ROUTING)
    assert [r.router for r in model.routes] == ["a", "b", "c", "d", "e"]  # router/app: resolved, no routers
    a, b, c, d, e = (model.routers[n] for n in "abcde")
    assert (a.prefix, a.include_in_schema) == ("/a", True)
    assert (b.prefix, b.include_in_schema) == ("/b", False)  # the factory's own include_in_schema=False
    assert c.prefix == "/c" and c.default_response_fact == "fastapi.responses.HTMLResponse"
    assert model.is_json_api(model.routes[2]) is False
    assert d.prefix == "/d" and d.include_in_schema is True
    assert e.include_in_schema is None  # its returns disagree: unknown
    assert all(r.call is not None for r in (a, b, c, d, e))


def test_routers_imported_from_project_modules():
    code = "from app.api import router, api\nfrom app.reexport import api_router as r\n\n@router.post('/x')\ndef x(): ...\n\n@api.post('/y')\ndef y(): ...\n\n@r.get('/z')\ndef z(): ...\n"
    model = model_for(code, files=ROUTING)
    assert [r.full_path for r in model.routes] == ["/api/x", "/y", "/api/z"]
    router, api, r = (model.routers[n] for n in ("router", "api", "r"))
    assert router.qualified == "app.api.router" and r.qualified == "app.api.router"
    assert api.is_app and api.include_in_schema is False and router.include_in_schema is True


def test_unresolvable_names_keep_the_configured_fallback():
    code = "from app.kit.routing import missing\nfrom app.nowhere import router\nfrom elsewhere import make\n\napp = make()\n\n@router.post('/x')\ndef x(): ...\n\n@app.post('/y')\ndef y(): ...\n\n@other.post('/z')\ndef z(): ...\n"
    model = model_for(code, files=ROUTING)
    assert [r.path for r in model.routes] == ["/x", "/y"]
    assert model.routers["router"].prefix is None and model.routers["app"].include_in_schema is True
    # a local def or class named like a router is none
    code = "def router(): ...\n\nclass app:\n    pass\n\n@router.post('/x')\ndef x(): ...\n\n@app.post('/y')\ndef y(): ...\n"
    assert model_for(code).routes == []


def test_a_factory_cycle_is_unknown():
    files = {
        "app/__init__.py": "",
        "app/loop.py": "def a(**kw):\n    return b(**kw)\n\ndef b(**kw):\n    return a(**kw)\n",
    }
    code = "from app.loop import a\n\nrouter = a(prefix='/x')\nitems = a()\n\n@router.post('/x')\ndef x(): ...\n\n@items.post('/y')\ndef y(): ...\n"
    model = model_for(code, files=files)
    assert [r.path for r in model.routes] == ["/x"]  # the configured name only, nothing known of it
    assert model.routers["router"].prefix is None


def test_no_resolution_without_a_route_receiver(monkeypatch):
    from py_standards_lint.analysis import index as index_mod

    calls = []
    original = index_mod.ProjectIndex.factory_facts
    monkeypatch.setattr(index_mod.ProjectIndex, "factory_facts", lambda self, *a: calls.append(a) or original(self, *a))
    model = model_for("from app.kit.routing import APIRouter\n\nrouter = APIRouter()\n\ndef helper(): ...\n", files=ROUTING)
    assert model.routes == [] and calls == []


def test_what_a_factory_does_with_the_keywords_it_is_given():
    code = (
        "from app.kit.routing import defaults, fixed\n\n"
        "a = defaults(prefix='/a')\nb = fixed(prefix='/ignored', include_in_schema=False, **opts)\n\n"
        "@a.post('/x')\ndef x(): ...\n\n@b.post('/y')\ndef y(): ...\n"
    )
    model = model_for(code, files=ROUTING)
    a, b = model.routers["a"], model.routers["b"]
    assert a.prefix is None and a.include_in_schema is None  # it edits its **kw: unknown
    assert b.prefix == "/fixed" and b.include_in_schema is True and not b.has_star_kwargs  # it drops them
    assert [r.full_path for r in model.routes] == [None, "/fixed/y"]
