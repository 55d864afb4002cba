from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.routes import LIMITER_NAMES, Route, exempt_by_globs, route_label, route_model
from py_standards_lint.analysis.rule import Invalid, Rule, Valid
from py_standards_lint.base.layers import ROUTES
from py_standards_lint.base.settings import Option

from ._project import ROUTING_FILES

HEAD = (
    "from fastapi import APIRouter, Request\n"
    "from app.core.limiter import limiter\n\n"
    "router = APIRouter()\n\n"
)

RATE_LIMIT_EXEMPT = Option(
    "rate-limit-exempt",
    "list",
    (),
    "Globs exempt from PSL601: `/...` patterns match route paths (router prefix included, e.g. "
    '"/webhooks/**"); other patterns match module paths or names (e.g. "app/routes/auth.py", "app.routes.pages").',
)


class RouteMissingRateLimit(Rule):
    code = "PSL601"
    name = "route-missing-rate-limit"
    message = "Mutating route `{route}` has no `@limiter.limit(...)`"
    layers = frozenset({ROUTES})
    requires_text = ("post", "put", "patch", "delete", "api_route")
    needs_index = True
    options = (LIMITER_NAMES, RATE_LIMIT_EXEMPT)
    example_path = "app/routes/items.py"
    why = (
        "The standards put `@limiter.limit()` on every mutating API and HTMX endpoint: writes are what an "
        "abusive client (or a retry loop) hammers. GET routes, auth redirect routes (out of the schema, "
        "answering only with a `RedirectResponse`), `@limiter.exempt` routes and paths or modules listed "
        "in `rate-limit-exempt` are not flagged."
    )
    example = HEAD + '@router.post("/items")\nasync def create_item(request: Request) -> dict: ...\n'
    use_instead = HEAD + '@router.post("/items")\n@limiter.limit("30/minute")\nasync def create_item(request: Request) -> dict: ...\n'
    valid = (
        Valid(use_instead),
        Valid(HEAD + '@router.get("/items")\nasync def list_items(): ...\n'),
        Valid(HEAD + '@router.api_route("/items", methods=["GET", "HEAD"])\nasync def list_items(): ...\n'),
        Valid(HEAD + '@router.websocket("/ws")\nasync def ws(websocket): ...\n'),
        # an auth redirect route: out of the schema, answering only with a redirect
        Valid(
            "from fastapi import APIRouter\nfrom fastapi.responses import RedirectResponse\n\nrouter = APIRouter()\n\n"
            '@router.post("/auth/callback", include_in_schema=False)\nasync def callback(code: str):\n'
            '    if code:\n        return RedirectResponse("/")\n    return RedirectResponse("/login")\n'
        ),
        Valid(
            "from fastapi import APIRouter\nfrom starlette.responses import RedirectResponse as RR\n\n"
            'router = APIRouter(include_in_schema=False)\n\n@router.post("/logout", response_class=RR)\nasync def logout(): ...\n'
        ),
        Valid(
            "from fastapi import APIRouter\nfrom fastapi.responses import RedirectResponse\n\nauth = APIRouter()\n\n"
            '@auth.post("/logout", include_in_schema=False)\nasync def logout() -> RedirectResponse: ...\n'
        ),
        # out of the schema through include_router(..., include_in_schema=False) in another module
        Valid(
            "from fastapi import APIRouter\nfrom fastapi.responses import RedirectResponse\n\nrouter = APIRouter()\n\n"
            '@router.post("/logout")\nasync def logout():\n    return RedirectResponse("/")\n',
            path="app/routes/auth.py",
            files={"app/main.py": "from fastapi import FastAPI\nfrom app.routes import auth\n\napp = FastAPI()\napp.include_router(auth.router, include_in_schema=False)\n"},
        ),
        Valid(HEAD + '@router.post("/webhooks/github")\nasync def hook(request: Request): ...\n', settings={"rate-limit-exempt": ["/webhooks/**"]}),
        Valid(
            HEAD.replace("APIRouter()", 'APIRouter(prefix="/webhooks")') + '@router.post("/github")\nasync def hook(request: Request): ...\n',
            settings={"rate-limit-exempt": ["/webhooks/*"]},
        ),
        Valid(HEAD + '@router.post("/x")\nasync def x(request: Request): ...\n', settings={"rate-limit-exempt": ["app/routes/items.py"]}),
        Valid(HEAD + '@router.post("/x")\nasync def x(request: Request): ...\n', settings={"rate-limit-exempt": ["app.routes.*"]}),
        Valid(HEAD + '@router.post("/x")\n@limiter.exempt\nasync def x(request: Request): ...\n'),
        # the limit above the route is PSL602's business, not a missing limit
        Valid(HEAD + '@limiter.limit("5/minute")\n@router.post("/x")\nasync def x(request: Request): ...\n'),
        Valid(
            "from fastapi import APIRouter, Request\nfrom app.core.limiter import limiter as rl\n\nrouter = APIRouter()\n\n"
            '@router.post("/x")\n@rl.limit("5/minute")\nasync def x(request: Request): ...\n'
        ),
        Valid(
            "from fastapi import APIRouter, Request\nfrom slowapi import Limiter\n\nthrottle = Limiter(key_func=None)\nrouter = APIRouter()\n\n"
            '@router.post("/x")\n@throttle.limit("5/minute")\nasync def x(request: Request): ...\n'
        ),
        Valid(
            "from fastapi import APIRouter, Request\nfrom app.core import limiter as limits\n\nrouter = APIRouter()\n\n"
            '@router.post("/x")\n@limits.limiter.limit("5/minute")\nasync def x(request: Request): ...\n'
        ),
        Valid(
            HEAD + '@router.post("/x")\n@my_limiter.limit("5/minute")\nasync def x(request: Request): ...\n',
            settings={"limiter-names": ["my_limiter"]},
        ),
        # not a router: a local object with a post method
        Valid("class Client:\n    def post(self, path):\n        return lambda f: f\n\nclient = Client()\n\n@client.post('/x')\ndef x(): ...\n"),
        # methods that cannot be read: stay silent
        Valid(HEAD + 'METHODS = ["POST"]\n\n@router.api_route("/x", methods=METHODS)\nasync def x(): ...\n'),
        # words in strings and comments
        Valid(HEAD + '# @router.post("/x")\nNOTE = "@router.post without a limit"\n'),
        Valid(HEAD + '@router.post("/items")\nasync def create_item(request: Request): ...\n', path="app/core/items.py"),
        # class-based views: a limited method; a class body rebinding `router` to something that is no router
        Valid(
            HEAD + "from fastapi_utils.cbv import cbv\n\n@cbv(router)\nclass Items:\n    @router.post(\"/items\")\n"
            '    @limiter.limit("5/minute")\n    async def create(self, request: Request) -> dict: ...\n'
        ),
        Valid(HEAD + "class Fake:\n    router = object()\n\n    @router.post('/x')\n    def x(self): ...\n"),
        Valid(HEAD + "class Fake:\n    from app.fake import router\n\n    @router.post('/x')\n    def x(self): ...\n"),
        # a def nested in a function: its router is nothing the model follows
        Valid(HEAD + "def register(router):\n    @router.post('/x')\n    def x(): ...\n"),
        # (rev 3) a local bound to a redirect on every path; a project subclass of RedirectResponse; out of the
        # schema by an app created with `openapi_url=None` in another module
        Valid(
            "from fastapi import APIRouter\nfrom fastapi.responses import RedirectResponse\n\nrouter = APIRouter(include_in_schema=False)\n\n"
            '@router.post("/login")\nasync def login(ok: bool):\n    response = RedirectResponse("/", status_code=303)\n    if not ok:\n'
            '        response = RedirectResponse("/login?failed=1", status_code=303)\n    response.set_cookie("session", "x")\n    return response\n'
        ),
        Valid(
            "from fastapi import APIRouter\nfrom app.core.responses import SeeOther\n\nrouter = APIRouter()\n\n"
            '@router.post("/logout", include_in_schema=False)\nasync def logout():\n    return SeeOther("/")\n',
            files={"app/core/responses.py": "from fastapi.responses import RedirectResponse\n\nclass SeeOther(RedirectResponse):\n    pass\n"},
        ),
        Valid(
            "from fastapi import APIRouter\nfrom fastapi.responses import RedirectResponse\n\nrouter = APIRouter()\n\n"
            '@router.post("/logout")\nasync def logout():\n    return RedirectResponse("/")\n',
            path="app/routes/auth.py",
            files={"app/main.py": "from fastapi import FastAPI\nfrom app.routes import auth\n\nsite = FastAPI(openapi_url=None)\nsite.include_router(auth.router)\n"},
        ),
        # a class-based view's redirect route: out of the schema, every return a RedirectResponse
        Valid(
            "from fastapi import APIRouter\nfrom fastapi.responses import RedirectResponse\n\nrouter = APIRouter()\n\n"
            "class Auth:\n    @router.post('/logout', include_in_schema=False)\n    async def logout(self):\n        return RedirectResponse('/')\n"
        ),
        # (rev 3) receivers resolved across the project: an instance of a project class that is no router,
        # even named `router`; a cycle or an unresolvable factory (not a configured name); an auth router
        # whose factory takes it out of the schema and answers with redirects
        Valid('from app.things import router\n\n@router.post("/x")\nasync def x(): ...\n', files=ROUTING_FILES),
        Valid('from app.kit.routing import Registry\n\nrouter = Registry()\n\n@router.post("/x")\nasync def x(): ...\n', files=ROUTING_FILES),
        Valid('from app.loop import a\n\nitems = a()\n\n@items.post("/x")\nasync def x(): ...\n', files=ROUTING_FILES),
        Valid('from app.kit.routing import opaque\n\nitems = opaque(prefix="/i")\n\n@items.post("/x")\nasync def x(): ...\n', files=ROUTING_FILES),
        Valid('from app.kit.routing import auth_router\n\nrouter = auth_router()\n\n@router.post("/login")\nasync def login(): ...\n', files=ROUTING_FILES),
    )
    invalid = (
        Invalid(example, line=6, col=1),
        Invalid(HEAD + '@router.delete("/items/{item_id}", status_code=204)\nasync def delete_item(item_id: str) -> None: ...\n', line=6, col=1),
        Invalid(HEAD + '@router.api_route("/items", methods=["GET", "PUT"])\nasync def put_item(): ...\n', line=6, col=1),
        # a route that redirects but is in the schema is not an auth redirect route
        Invalid(
            "from fastapi import APIRouter\nfrom fastapi.responses import RedirectResponse\n\nrouter = APIRouter()\n\n"
            '@router.post("/go")\nasync def go():\n    return RedirectResponse("/")\n',
            line=6,
            col=1,
        ),
        # out of the schema but not only redirecting
        Invalid(
            "from fastapi import APIRouter\nfrom fastapi.responses import RedirectResponse\n\nrouter = APIRouter()\n\n"
            '@router.post("/go", include_in_schema=False)\nasync def go(x: int):\n    if x:\n        return RedirectResponse("/")\n    return {"ok": True}\n',
            line=6,
            col=1,
        ),
        # two routers in one module, one of them named otherwise; stacked route decorators
        Invalid(
            HEAD + 'admin = APIRouter(prefix="/admin")\n\n@admin.patch("/users/{uid}")\n@router.patch("/me")\nasync def patch_user(request: Request): ...\n\n'
            '@router.post("/ok")\n@limiter.limit("1/second")\nasync def ok(request: Request): ...\n',
            at=[(8, 1), (9, 1)],
        ),
        Invalid(
            "import fastapi\n\napi = fastapi.FastAPI()\n\n@api.put('/settings')\ndef put_settings(): ...\n",
            line=5,
            col=1,
        ),
        Invalid(HEAD + '@router.post("/x")\nasync def x(request: Request): ...\n', settings={"rate-limit-exempt": ["/webhooks/**", "app/routes/other.py"]}, line=6, col=1),
        # a limit by an object that is not a limiter does not count
        Invalid(HEAD + '@router.post("/x")\n@cache.limit(5)\nasync def x(request: Request): ...\n', line=6, col=1),
        # (rev 3) a local redirect, but the route is in the schema (its app's openapi_url is not the literal None)
        Invalid(
            "from fastapi import APIRouter\nfrom fastapi.responses import RedirectResponse\n\nrouter = APIRouter()\n\n"
            '@router.post("/login")\nasync def login():\n    response = RedirectResponse("/", status_code=303)\n    return response\n',
            path="app/routes/auth.py",
            files={"app/main.py": "from fastapi import FastAPI\nfrom app.routes import auth\n\nsite = FastAPI(openapi_url='/openapi.json')\nsite.include_router(auth.router)\n"},
            line=6,
            col=1,
        ),
        # out of the schema, but one path answers JSON
        Invalid(
            "from fastapi import APIRouter\nfrom fastapi.responses import RedirectResponse\n\nrouter = APIRouter(include_in_schema=False)\n\n"
            '@router.post("/login")\nasync def login(ok: bool):\n    response = RedirectResponse("/", status_code=303)\n    if not ok:\n        response = {"error": "no"}\n    return response\n',
            line=6,
            col=1,
        ),
        # class-based views: any class decorator or none, nested classes, a router the class body binds
        Invalid(
            HEAD + "from fastapi_utils.cbv import cbv\n\n@cbv(router)\nclass Items:\n    @router.get('/items')\n    async def list(self) -> list: ...\n\n"
            "    @router.post('/items')\n    async def create(self, request: Request) -> dict: ...\n",
            line=13,
            col=5,
        ),
        Invalid(HEAD + "@controller(router)\nclass Items:\n    @router.delete('/items/{i}')\n    def delete(self, i: int): ...\n", line=8, col=5),
        Invalid(HEAD + "class Outer:\n    class Inner:\n        @router.put('/x')\n        def x(self): ...\n", line=8, col=9),
        Invalid(
            "from fastapi import APIRouter\n\nclass Items:\n    router = APIRouter(prefix='/items')\n\n    @router.patch('/{i}')\n    def patch(self, i: int): ...\n",
            line=6,
            col=5,
        ),
        # (rev 3) a project factory reached through a re-export chain; a router imported under another name;
        # a page router from a factory in a package __init__; a cycle named `router` (the configured name)
        Invalid('from app.shared import Router\n\nitems = Router(prefix="/items")\n\n@items.post("/x")\nasync def x(): ...\n', line=5, col=1, files=ROUTING_FILES),
        Invalid('from app.api import router as api\n\n@api.post("/x")\nasync def x(): ...\n', line=3, col=1, files=ROUTING_FILES),
        Invalid('from app.web import page_router\n\npages = page_router()\n\n@pages.post("/form")\nasync def form(request): ...\n', line=5, col=1, files=ROUTING_FILES),
        Invalid('from app.loop import a\n\nrouter = a()\n\n@router.post("/x")\nasync def x(): ...\n', line=5, col=1, files=ROUTING_FILES),
    )

    def visit_Module(self, node: cst.Module) -> None:
        model = route_model(self.ctx)
        exempt = self.ctx.settings["rate-limit-exempt"]
        for route in model.routes:
            if not route.is_mutating or "*" in route.methods or route.is_websocket:
                continue
            endpoint = route.endpoint
            if endpoint is None or endpoint.limits or endpoint.exempt:
                continue
            if self._is_auth_redirect(route) or exempt_by_globs(exempt, self.ctx, route):
                continue
            self.report(route.decorator, self.message.format(route=route_label(route)))

    def _is_auth_redirect(self, route: Route) -> bool:
        if route.include_in_schema is not False:
            return False
        names, model = self.ctx.names, route_model(self.ctx)
        response_class = route.kwarg("response_class")
        if response_class is None and route.router_info is not None:
            response_class = route.router_info.default_response_class
        if response_class is not None and model.is_redirect(names.resolve(response_class)):
            return True
        if response_class is None and route.router_info is not None and model.is_redirect(route.router_info.default_response_fact):
            return True  # a factory's or an imported router's default_response_class (project index)
        endpoint = route.endpoint
        assert endpoint is not None
        if endpoint.returns is not None and model.is_redirect(names.resolve(endpoint.returns)):
            return True
        # every `return` answers with a redirect: a call of it, or a local bound only to such calls
        returned = model.returned_response(endpoint)
        return returned is not None and all(model.is_redirect(q) for q in returned)
