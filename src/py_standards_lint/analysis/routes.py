"""The module's FastAPI route model, gathered once per file for every family-6 rule.

A route is a function decorated with ``@R.get/post/put/patch/delete/head/options/
api_route/websocket(...)`` where ``R`` is bound to ``APIRouter(...)``/``FastAPI(...)``
in the module, or is one of the configured ``router-names``. *(rev 3)* ``R`` may also be
built by a project subclass, wrapper or factory of one (here or in another module, through
re-exports and aliases), or be imported from a project module that binds it so: the project
index resolves it (:meth:`RouteModel._resolve_router`, only for names a route decorator
uses), and the router keeps the keywords given at the call site, with those the factory
passes literally (``index.ProjectIndex.factory_facts`` / ``router_facts``). A name that
resolves to something else (a project class or function, an instance of a project class
that is no router, a builtin, another framework's app) is no router even when it is a
configured name; a name the index cannot resolve falls back to the configured names. A function with two
route decorators is two routes; both share one :class:`Endpoint` (the function: its
decorators in order, its slowapi limit decorators, parameters and return annotation).

Methods are routes too when so decorated (class-based views: fastapi-utils ``@cbv(router)``,
a project ``@controller(router)``, or no class decorator at all), in module-level classes and
the classes nested in them. ``self``/``cls`` is no route parameter (:attr:`Endpoint.params`),
and a name the class body binds itself (``router = APIRouter()`` in the class) is that
binding, not the module's. Functions nested in functions are not routes: their router is a
local the model cannot follow.

The model holds, per module:

* ``routers``: each router's own settings (``prefix``, ``include_in_schema``,
  ``default_response_class``, ``dependencies``) and whether an ``include_router(R,
  include_in_schema=False)`` (in this module, or anywhere in the project per the index)
  takes it out of the schema;
* ``routes``: in registration order (functions top to bottom; stacked decorators bottom
  up, as Python applies them), each with its methods, path, keyword arguments and endpoint.

Family-6 rules read this model; none walks decorators on its own. Response classes are
classified (:meth:`RouteModel.response_kind`) through the import map, local class bases
and the project index; what cannot be resolved is ``None`` and rules stay silent on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Iterator

import libcst as cst

from py_standards_lint.analysis.context import FileContext
from py_standards_lint.analysis.index import OPAQUE, ProjectIndex
from py_standards_lint.base import globs
from py_standards_lint.base.known import FASTAPI_ROUTERS
from py_standards_lint.base.names import LOCAL, ModuleNames, iter_toplevel, string_value
from py_standards_lint.base.settings import Option

#: a method's first parameter that is no route parameter
RECEIVERS = frozenset({"self", "cls"})
HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
ROUTE_DECORATORS = frozenset({*HTTP_METHODS, "api_route", "websocket"})
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})

#: slowapi: ``@limiter.limit("5/minute")`` / ``@limiter.shared_limit(...)``; ``@limiter.exempt``
LIMIT_METHODS = frozenset({"limit", "shared_limit"})
LIMITER_CLASSES = frozenset({"slowapi.Limiter", "slowapi.extension.Limiter"})
LIMITER_NAMES = Option(
    "limiter-names",
    "list",
    ("limiter",),
    "Names of slowapi `Limiter` instances (a name bound to `slowapi.Limiter(...)` in the module always counts).",
)

#: modules FastAPI's / Starlette's response classes are imported from
RESPONSE_MODULES = ("fastapi.responses", "starlette.responses", "fastapi")
NON_JSON_RESPONSES = frozenset(
    {"Response", "HTMLResponse", "RedirectResponse", "PlainTextResponse", "StreamingResponse", "FileResponse"}
)
JSON_RESPONSES = frozenset({"JSONResponse", "ORJSONResponse", "UJSONResponse"})
REDIRECT = frozenset({f"{m}.RedirectResponse" for m in RESPONSE_MODULES})
#: ``templates = Jinja2Templates(...)``; ``templates.TemplateResponse(...)`` is an ``HTMLResponse``
TEMPLATES = frozenset({"fastapi.templating.Jinja2Templates", "starlette.templating.Jinja2Templates"})

JSON = "json"
NON_JSON = "non-json"
OTHER = "other"  # a known class that is no response class (a pydantic model, ``dict``)


OPENAPI_EXEMPT = Option(
    "openapi-exempt",
    "list",
    (),
    "Globs exempt from PSL604/PSL605: `/...` patterns match route paths (router prefix included, e.g. "
    '"/internal/**"); other patterns match module paths or names (e.g. "app/routes/pages.py", "app.routes.admin").',
)


#: response classes of other libraries (Starlette ``Response`` subclasses that answer no JSON)
OTHER_NON_JSON = {
    "sse_starlette.EventSourceResponse": "StreamingResponse",
    "sse_starlette.sse.EventSourceResponse": "StreamingResponse",
}


def known_response(qualified: str | None) -> str | None:
    """``"JSONResponse"``-style bare name of a FastAPI/Starlette response class, else ``None``."""
    if qualified is None:
        return None
    if qualified == "fastapi.Response":  # the canonical spelling of every ``Response``
        return "Response"
    if qualified in OTHER_NON_JSON:
        return OTHER_NON_JSON[qualified]
    module, _, name = qualified.rpartition(".")
    if module in RESPONSE_MODULES and (name in NON_JSON_RESPONSES or name in JSON_RESPONSES):
        return name
    return None


def literal_bool(node: cst.BaseExpression | None) -> bool | None:
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return node.value == "True"
    return None


@dataclass(eq=False)  # identity: hashable
class Router:
    name: str
    #: the ``APIRouter(...)``/``FastAPI(...)`` call (or a call of a project subclass, wrapper or factory of
    #: one) in this module; ``None`` for a configured name or a router imported from a project module
    call: cst.Call | None = None
    kwargs: dict[str, cst.Arg] = field(default_factory=dict)
    #: the router's qualified name (``app.routes.items.router``; an imported router's canonical name)
    qualified: str = ""
    #: out of the schema by the way it is included: ``include_router(R, include_in_schema=False)``
    #: (through the project index: every include of it, down the include chain)
    included_out_of_schema: bool = False

    #: bound to ``FastAPI(...)`` (not ``APIRouter(...)``)
    is_app: bool = False
    #: how the project serves it (project index, :meth:`ProjectIndex.router_contexts`): one ``(in the
    #: schema, inherited default response class)`` per way down the include chains
    contexts: frozenset[tuple[bool, str]] = frozenset({(True, "")})
    #: *(rev 3)* keywords known from the project index (``index.ProjectIndex.router_facts``, index form: a
    #: literal, a canonical name for ``default_response_class``, or ``index.OPAQUE``): those a project
    #: factory passes literally (they win over the call's own), or, for an imported router, all of them;
    #: ``None`` for a configured name the index knows nothing of
    facts: dict[str, object] | None = None

    @property
    def call_keywords_reach(self) -> bool:
        """Do the call's own keywords reach the router? (not when a project factory drops them)"""
        return self.facts is None or self.facts.get("call_keywords") is not False

    def setting(self, key: str) -> cst.BaseExpression | None:
        arg = self.kwargs.get(key) if self.call_keywords_reach else None
        return arg.value if arg is not None else None

    @property
    def has_star_kwargs(self) -> bool:
        return self.call is not None and self.call_keywords_reach and any(a.star == "**" for a in self.call.args)

    def _fact(self, key: str) -> tuple[bool, object]:
        """(known from the index, its value) for a keyword the factory or the imported router gives."""
        if self.facts is not None and key in self.facts and key != "call_keywords":
            return True, self.facts[key]
        return False, None

    @property
    def known(self) -> bool:
        """Is anything known of how it was built (a call here, or index facts)?"""
        return self.call is not None or self.facts is not None

    @property
    def prefix(self) -> str | None:
        """The literal ``prefix=`` (``""`` when absent), ``None`` when unknown."""
        if not self.known:
            return None
        found, value = self._fact("prefix")
        if found:
            return value if isinstance(value, str) and value != OPAQUE else None
        if self.has_star_kwargs:
            return None
        expr = self.setting("prefix")
        return "" if expr is None else string_value(expr)

    @property
    def include_in_schema(self) -> bool | None:
        """``False`` when the router is out of the schema, ``True`` when in, ``None`` when unknown."""
        if self.included_out_of_schema:
            return False
        if not self.known:
            return True  # a configured name: nothing known against it
        if self.is_app:
            found, openapi = self._fact("openapi_url")
            if found and openapi is None:
                return False  # FastAPI(openapi_url=None): no schema at all
            expr = self.setting("openapi_url")
            if not found and isinstance(expr, cst.Name) and expr.value == "None":
                return False
        found, given = self._fact("include_in_schema")
        if found:
            return given if isinstance(given, bool) else None
        if self.has_star_kwargs:
            return None
        expr = self.setting("include_in_schema")
        if expr is None:
            return True
        return literal_bool(expr)

    @property
    def default_response_class(self) -> cst.BaseExpression | None:
        """The call's own ``default_response_class=`` expression (see :attr:`default_response_fact`)."""
        if self._fact("default_response_class")[0]:
            return None
        return self.setting("default_response_class")

    @property
    def default_response_fact(self) -> str | None:
        """*(rev 3)* The canonical ``default_response_class`` a factory or an imported router gives
        (``index.OPAQUE`` when unreadable), ``None`` when it gives none."""
        found, value = self._fact("default_response_class")
        return value if found and isinstance(value, str) else OPAQUE if found else None

    @property
    def dependencies(self) -> cst.BaseExpression | None:
        return self.setting("dependencies")


@dataclass(eq=False)  # identity: hashable
class Endpoint:
    """A function carrying one or more route decorators."""

    function: cst.FunctionDef
    #: position of the function among the module's functions and methods (source order)
    position: int
    routes: list[Route] = field(default_factory=list)
    #: (index in the decorator list, decorator) of each ``@<limiter>.limit(...)``
    limits: list[tuple[int, cst.Decorator]] = field(default_factory=list)
    #: ``@<limiter>.exempt``
    exempt: bool = False
    #: the class whose body holds the function (a class-based view), ``None`` for a module-level function
    owner: cst.ClassDef | None = None
    #: the statements the function is one of: the module's body, or its class's body (see :meth:`container`)
    container: tuple[cst.CSTNode, ...] = ()

    @property
    def name(self) -> str:
        return self.function.name.value

    @property
    def decorators(self) -> tuple[cst.Decorator, ...]:
        return tuple(self.function.decorators)

    @property
    def route_indexes(self) -> list[int]:
        return sorted(r.decorator_index for r in self.routes)

    @property
    def receiver(self) -> cst.Param | None:
        """A method's ``self``/``cls`` parameter (never a route parameter), else ``None``."""
        if self.owner is None or any(_decorator_name(d) == "staticmethod" for d in self.function.decorators):
            return None
        p = self.function.params
        positional = [*p.posonly_params, *p.params]
        if positional and positional[0].name.value in RECEIVERS:
            return positional[0]
        return None

    @property
    def params(self) -> list[cst.Param]:
        """Named route parameters in order: positional-only, positional-or-keyword, keyword-only
        (a method's ``self``/``cls`` left out)."""
        p = self.function.params
        receiver = self.receiver
        return [param for param in (*p.posonly_params, *p.params, *p.kwonly_params) if param is not receiver]

    @property
    def param_names(self) -> list[str]:
        return [param.name.value for param in self.params]

    @property
    def returns(self) -> cst.BaseExpression | None:
        return self.function.returns.annotation if self.function.returns is not None else None

    def returned_values(self) -> list[cst.BaseExpression | None]:
        """The value of every ``return`` in the function's own body (not nested defs)."""
        out: list[cst.BaseExpression | None] = []
        for node in _own_nodes(self.function.body):
            if isinstance(node, cst.Return):
                out.append(node.value)
        return out


@dataclass(eq=False)  # identity: hashable
class Route:
    router: str
    decorator: cst.Decorator
    call: cst.Call
    function: cst.FunctionDef
    #: upper-case methods; GET implies HEAD (Starlette answers HEAD for GET routes);
    #: ``*`` when ``api_route(methods=...)`` cannot be read
    methods: frozenset[str]
    #: the path literal, ``None`` when it is not a plain string
    path: str | None
    kwargs: dict[str, cst.Arg]
    #: position of the route decorator in the function's decorator list
    decorator_index: int
    #: the decorator's method name: ``get``, ``post``, ``api_route``, ``websocket``...
    kind: str = ""
    endpoint: Endpoint | None = None
    router_info: Router | None = None

    @property
    def is_mutating(self) -> bool:
        return bool(self.methods & MUTATING)

    @property
    def is_websocket(self) -> bool:
        return self.kind == "websocket"

    @property
    def has_star_kwargs(self) -> bool:
        return any(a.star == "**" for a in self.call.args)

    def kwarg(self, key: str) -> cst.BaseExpression | None:
        arg = self.kwargs.get(key)
        return arg.value if arg is not None else None

    @property
    def full_path(self) -> str | None:
        """The router's prefix + the path, ``None`` when either is unknown."""
        prefix = self.router_info.prefix if self.router_info is not None else None
        if prefix is None or self.path is None:
            return None
        return prefix + self.path

    @property
    def include_in_schema(self) -> bool | None:
        """``False`` when out of the OpenAPI schema (route, router or ``include_router``)."""
        if self.is_websocket:
            return False
        own = self.kwargs.get("include_in_schema")
        values = [literal_bool(own.value) if own is not None else True]
        values.append(self.router_info.include_in_schema if self.router_info is not None else True)
        if self.has_star_kwargs:
            values.append(None)
        if False in values:
            return False
        return None if None in values else True


@dataclass
class RouteModel:
    routers: dict[str, Router] = field(default_factory=dict)
    #: in registration order
    routes: list[Route] = field(default_factory=list)
    endpoints: list[Endpoint] = field(default_factory=list)
    #: local names bound to ``slowapi.Limiter(...)`` at module level
    limiter_bindings: set[str] = field(default_factory=set)
    #: configured router names bound here to something that is surely no router
    not_routers: set[str] = field(default_factory=set)
    #: module-level names bound to ``Jinja2Templates(...)``
    templates: set[str] = field(default_factory=set)
    #: module-level names bound to a call of something else (``router = make_router(...)``): resolved
    #: through the project index only when a route decorator uses the name (see :meth:`_resolve_router`)
    calls: dict[str, cst.Call] = field(default_factory=dict)
    #: route receivers the index could not resolve (asked once)
    unresolved: set[str] = field(default_factory=set)
    ctx: FileContext | None = field(default=None, repr=False)

    @classmethod
    def build(cls, ctx: FileContext) -> RouteModel:
        model = cls(ctx=ctx)
        names = ctx.names
        functions: list[tuple[cst.FunctionDef, _Scope]] = []
        includes: list[cst.Call] = []
        module_scope = _Scope(None, tuple(ctx.module.body), {}, "")
        for stmt, _ in iter_toplevel(ctx.module.body, names.imports):
            if isinstance(stmt, (cst.Assign, cst.AnnAssign)) and isinstance(stmt.value, cst.Call):
                qualified = names.resolve(stmt.value.func)
                targets = [t.target for t in stmt.targets] if isinstance(stmt, cst.Assign) else [stmt.target]
                for target in targets:
                    if not isinstance(target, cst.Name):
                        continue
                    if qualified in FASTAPI_ROUTERS or names.refers_to(stmt.value.func, FASTAPI_ROUTERS, subclasses=True):
                        router = Router(target.value, stmt.value, _kwargs(stmt.value), f"{ctx.module_name}.{target.value}")
                        router.is_app = qualified == "fastapi.FastAPI"
                        model.routers[target.value] = router
                    elif qualified in LIMITER_CLASSES:
                        model.limiter_bindings.add(target.value)
                    elif qualified in TEMPLATES:
                        model.templates.add(target.value)
                    elif _not_a_router(qualified, names):
                        model.not_routers.add(target.value)
                    else:  # a project factory, wrapper or subclass, or not a router: asked when a route uses it
                        model.calls[target.value] = stmt.value
            elif isinstance(stmt, cst.Expr) and isinstance(stmt.value, cst.Call):
                func = stmt.value.func
                if isinstance(func, cst.Attribute) and func.attr.value == "include_router":
                    includes.append(stmt.value)
            elif isinstance(stmt, cst.FunctionDef):
                functions.append((stmt, module_scope))
            elif isinstance(stmt, cst.ClassDef):
                model._class(stmt, module_scope, functions)
        configured = set(ctx.settings["router-names"])
        for position, (function, scope) in enumerate(functions):
            endpoint = Endpoint(function, position, owner=scope.owner, container=scope.body)
            for index, decorator in enumerate(function.decorators):
                route = model._route(decorator, function, index, configured, scope)
                if route is not None:
                    route.endpoint = endpoint
                    endpoint.routes.append(route)
                else:
                    model._limit(endpoint, index, decorator)
            if endpoint.routes:
                endpoint.routes.reverse()  # the decorator nearest the def registers first
                model.endpoints.append(endpoint)
                model.routes.extend(endpoint.routes)
        if ctx.index is not None:  # every include_router of the project, down the include chain
            excluded = ctx.index.routers_out_of_schema()
            contexts = ctx.index.router_contexts()
            for router in model.routers.values():
                router.included_out_of_schema = router.qualified in excluded
                router.contexts = contexts.get(router.qualified, router.contexts)
        else:  # this module's own include_router(R, include_in_schema=False) calls
            for call in includes:
                if literal_bool(_kwargs(call).get("include_in_schema", cst.Arg(cst.Name("True"))).value) is False:
                    if call.args and call.args[0].keyword is None and isinstance(call.args[0].value, cst.Name):
                        included = model.routers.get(call.args[0].value.value)
                        if included is not None:
                            included.included_out_of_schema = True
        for route in model.routes:
            route.router_info = model.routers.get(route.router)
        return model

    def _class(self, cls: cst.ClassDef, outer: _Scope, functions: list[tuple[cst.FunctionDef, _Scope]]) -> None:
        """The methods of a class (and of the classes nested in it), in source order, each with the
        names its class body binds: a route decorator's receiver bound there is the class's."""
        if not isinstance(cls.body, cst.IndentedBlock):
            return
        body = tuple(cls.body.body)
        bindings: dict[str, Router | None] = {}
        scope = _Scope(cls, body, bindings, f"{outer.prefix}{cls.name.value}.")
        names = self.ctx.names if self.ctx is not None else None
        for stmt, _ in iter_toplevel(body, names.imports if names is not None else None):
            if isinstance(stmt, cst.FunctionDef):
                bindings.setdefault(stmt.name.value, None)
                functions.append((stmt, scope))
            elif isinstance(stmt, cst.ClassDef):
                bindings.setdefault(stmt.name.value, None)
                self._class(stmt, scope, functions)
            else:
                for target in _bound_targets(stmt):
                    router = None
                    value = getattr(stmt, "value", None)
                    if names is not None and isinstance(value, cst.Call) and names.refers_to(value.func, FASTAPI_ROUTERS, subclasses=True):
                        key = f"{scope.prefix}{target}"
                        router = Router(key, value, _kwargs(value), f"{self.ctx.module_name}.{key}" if self.ctx else key)
                        router.is_app = names.resolve(value.func) == "fastapi.FastAPI"
                        self.routers[key] = router
                    bindings[target] = router  # the latest binding counts (a rebinding to something else: no router)

    def _route(
        self, decorator: cst.Decorator, function: cst.FunctionDef, index: int, configured: set[str], scope: _Scope | None = None
    ) -> Route | None:
        call = decorator.decorator
        if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
            return None
        receiver, method = call.func.value, call.func.attr.value
        if method not in ROUTE_DECORATORS or not isinstance(receiver, cst.Name):
            return None
        name = receiver.value
        if scope is not None and name in scope.bindings:  # bound by the class body itself
            bound = scope.bindings[name]
            if bound is None:
                return None
            name = bound.name
        elif name not in self.routers:
            found = self._resolve_router(name)
            if found is False or (found is None and name not in configured):
                return None
            if found is None:
                qualified = f"{self.ctx.module_name}.{name}" if self.ctx is not None else name
                self.routers[name] = Router(name, qualified=qualified)
        kwargs = _kwargs(call)
        positional = [a for a in call.args if a.keyword is None and not a.star]
        path_arg = positional[0] if positional else kwargs.get("path")
        path = string_value(path_arg.value) if path_arg is not None else None
        return Route(name, decorator, call, function, _methods(method, kwargs), path, kwargs, index, kind=method)

    def _resolve_router(self, name: str) -> Router | bool | None:
        """*(rev 3)* A route receiver the module does not bind to ``APIRouter(...)``/``FastAPI(...)`` itself,
        through the project index (RULES.md, *Across the project*): a :class:`Router` (added to
        :attr:`routers`) when it is built by a project subclass, wrapper or factory of one, here or in
        another module, or imported from a project module that binds it so; ``False`` when it surely is
        no router (bound here to something else, or resolving to a project class, function, module or
        an instance of something that is no router); ``None`` when unknown (the configured names decide)."""
        if name in self.not_routers:
            return False
        if name in self.unresolved:
            return None
        found = self._resolve_router_once(name)
        if found is None:
            self.unresolved.add(name)
        elif found is False:
            self.not_routers.add(name)
        return found

    def _resolve_router_once(self, name: str) -> Router | bool | None:
        ctx = self.ctx
        if ctx is None or name in ctx.names.classes or name in ctx.names.functions:
            return False if ctx is not None else None
        resolver = ctx.resolver
        if resolver is None:
            return None
        call = self.calls.get(name)
        if call is not None:  # bound here to a call: what does the callee make?
            callee = ctx.resolve(call.func)
            facts = resolver.factory_facts(callee)
            if facts is not None:
                router = Router(name, call, _kwargs(call), f"{ctx.module_name}.{name}", facts=_own_facts(facts))
                router.is_app = facts["kind"] == "fastapi.FastAPI"
                self.routers[name] = router
                return router
            return False if callee is not None and _surely_no_router(resolver, resolver.produces(callee)) else None
        bound = ctx.names.imports.bindings.get(name)
        if bound is None or bound.startswith(LOCAL):
            return None  # bound here otherwise (an alias, an expression): unknown
        resolved = ctx.resolve(cst.Name(name))
        if resolved is None:
            return None
        facts = resolver.router_facts(resolved)
        if facts is not None:
            router = Router(name, None, {}, resolved, facts=_own_facts(facts))
            router.is_app = facts["kind"] == "fastapi.FastAPI"
            self.routers[name] = router
            return router
        if resolver._project_split(resolved) is None:
            return False if resolved.startswith(OTHER_FRAMEWORKS) else None  # an external name
        if resolver.class_(resolved) is not None or resolver.function(resolved) is not None or resolver.module(resolved) is not None:
            return False  # a project class, function or module is no router instance
        made = resolver.instance_of(resolved)
        return False if _surely_no_router(resolver, made) else None

    def _limit(self, endpoint: Endpoint, index: int, decorator: cst.Decorator) -> None:
        expr = decorator.decorator
        call = expr if isinstance(expr, cst.Call) else None
        target = call.func if call is not None else expr
        if not isinstance(target, cst.Attribute) or not self.is_limiter(target.value):
            return
        if call is not None and target.attr.value in LIMIT_METHODS:
            endpoint.limits.append((index, decorator))
        elif call is None and target.attr.value == "exempt":
            endpoint.exempt = True

    def is_limiter(self, expr: cst.BaseExpression) -> bool:
        """A name bound to ``slowapi.Limiter(...)`` here, or one of ``limiter-names`` (as spelled
        or as imported: ``from app.core.limiter import limiter as rl``, ``core.limiter.limiter``)."""
        if not isinstance(expr, (cst.Name, cst.Attribute)) or self.ctx is None:
            return False
        configured = set(self.ctx.settings.values.get("limiter-names", LIMITER_NAMES.default))
        if isinstance(expr, cst.Name) and (expr.value in self.limiter_bindings or expr.value in configured):
            return True
        qualified = self.ctx.names.resolve(expr)
        return qualified is not None and not qualified.startswith(LOCAL) and qualified.rpartition(".")[2] in configured

    def by_router(self) -> dict[str, list[Route]]:
        groups: dict[str, list[Route]] = {}
        for route in self.routes:
            groups.setdefault(route.router, []).append(route)
        return groups

    def is_json_api(self, route: Route) -> bool | None:
        """Is the route a JSON API route (in the OpenAPI schema, answering JSON)? ``None`` when
        that cannot be told (``**kwargs``, a response class the index cannot resolve)."""
        if route.is_websocket:
            return False
        in_schema = route.include_in_schema
        if in_schema is not True:
            return in_schema
        response_class = route.kwarg("response_class")
        router = route.router_info
        fact = router.default_response_fact if router is not None and response_class is None else None
        if fact is not None:  # a factory's or an imported router's (project index)
            kind = None if fact == OPAQUE else self._kind_of(fact, set())
            if kind != JSON:
                return False if kind == NON_JSON else None
        elif response_class is None and router is not None:
            if router.has_star_kwargs:
                return None
            response_class = router.default_response_class
        if response_class is not None:
            kind = self.response_kind(response_class)
            if kind != JSON:
                return False if kind == NON_JSON else None
        elif fact is None:  # what the apps and routers including it give it (``default_response_class`` down the chain)
            inherited = self._inherited_kind(route)
            if inherited is not True:
                return inherited
        endpoint = route.endpoint
        response_model = route.kwarg("response_model")
        if response_model is not None and self.response_kind(response_model) is None:
            return None  # a project name that cannot be resolved: unjudged
        if endpoint is not None and endpoint.returns is not None:
            kind = self.response_kind(endpoint.returns)
            if kind == NON_JSON:
                return False
            if kind is None:
                return None
        if endpoint is not None and self.returned_response(endpoint) is not None:
            return False  # every `return` answers with a non-JSON response
        return True

    def _inherited_kind(self, route: Route) -> bool | None:
        """``True`` (JSON) when one way the route is served in the schema answers JSON by default; ``False`` when
        every way in the schema has a non-JSON ``default_response_class``; ``None`` when unknown."""
        contexts = route.router_info.contexts if route.router_info is not None else frozenset({(True, "")})
        kinds = [JSON if not default else None if default == "?" else self._kind_of(default, set()) for s, default in contexts if s]
        if not kinds or JSON in kinds:
            return True
        if all(kind == NON_JSON for kind in kinds):
            return False
        return None

    # -- what a route returns --------------------------------------------------------------
    def returned_response(self, endpoint: Endpoint) -> list[str] | None:
        """The qualified response classes every ``return`` of the endpoint answers with, when each one
        returns an instance of a non-JSON response class (or a project subclass of one): a call of the
        class, ``templates.TemplateResponse(...)``, or a local name bound only to such calls; else ``None``."""
        values = endpoint.returned_values()
        if not values:
            return None
        classes: list[str] = []
        for value in values:
            calls = [value] if isinstance(value, cst.Call) else _local_values(endpoint.function, value.value) if isinstance(value, cst.Name) else None
            if not calls:
                return None
            for call in calls:
                qualified = self._instance_class(call)
                if qualified is None or self._kind_of(qualified, set()) != NON_JSON:
                    return None
                classes.append(qualified)
        return classes

    def _instance_class(self, expr: cst.BaseExpression) -> str | None:
        if not isinstance(expr, cst.Call) or self.ctx is None:
            return None
        func = expr.func
        if isinstance(func, cst.Attribute) and func.attr.value == "TemplateResponse" and isinstance(func.value, cst.Name):
            if func.value.value in self.templates and func.value.value not in self.ctx.names.imports.bindings:
                return "fastapi.responses.HTMLResponse"
            return None
        return self.ctx.names.resolve(func)

    def is_redirect(self, qualified: str | None) -> bool:
        """``RedirectResponse`` or a (local or project) subclass of it."""
        if qualified is None or self.ctx is None:
            return False
        if qualified in REDIRECT:
            return True
        seen: set[str] = set()
        stack = [qualified]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            if current in REDIRECT:
                return True
            if current.startswith(LOCAL + "."):
                cls = self.ctx.names.classes.get(current[len(LOCAL) + 1 :])
                if cls is not None:
                    stack.extend(q for q in (self.ctx.names.resolve(b.value) for b in cls.bases) if q)
            elif self.ctx.index is not None and self.ctx.index.class_(current) is not None:
                stack.extend(self.ctx.index.bases(current))
        return False

    # -- response classes ----------------------------------------------------------
    def response_kind(self, expr: cst.BaseExpression | None) -> str | None:
        """What an annotation or a ``response_class=`` names: ``json``/``non-json`` for a (subclass
        of a) FastAPI response class, ``other`` for another known type or ``None``, ``None`` when it
        cannot be resolved. A union is ``non-json``/``other`` only when all its members are."""
        if expr is None or self.ctx is None:
            return None
        if isinstance(expr, cst.Name) and expr.value == "None":
            return OTHER
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
            return _union([self.response_kind(expr.left), self.response_kind(expr.right)])
        if isinstance(expr, cst.Subscript):
            base = self.ctx.names.resolve(expr.value)
            members = [e.slice.value for e in expr.slice if isinstance(e.slice, cst.Index)]
            if base == "typing.Annotated":
                return self.response_kind(members[0]) if members else None
            if base in ("typing.Optional", "typing.Union"):
                kinds = [self.response_kind(m) for m in members]
                return _union(kinds + [OTHER] if base == "typing.Optional" else kinds)
            if base is None and not (isinstance(expr.value, cst.Name) and expr.value.value in BUILTIN_TYPES):
                return None
            return OTHER  # list[...], dict[...], a generic model
        if isinstance(expr, cst.Name) and expr.value in BUILTIN_TYPES and expr.value not in self.ctx.names.imports.bindings:
            return OTHER
        qualified = self.ctx.names.resolve(expr)
        if qualified is None:
            return None
        return self._kind_of(qualified, set())

    def _kind_of(self, qualified: str, seen: set[str]) -> str | None:
        known = known_response(qualified)
        if known is not None:
            return JSON if known in JSON_RESPONSES else NON_JSON
        if qualified in seen:
            return None
        seen.add(qualified)
        assert self.ctx is not None
        if qualified.startswith(LOCAL + "."):
            cls = self.ctx.names.classes.get(qualified[len(LOCAL) + 1 :])
            if cls is None:
                return OTHER if qualified[len(LOCAL) + 1 :] in self.ctx.names.functions else None
            kinds = [self._kind_of(q, seen) if q else None for q in (self.ctx.names.resolve(b.value) for b in cls.bases)]
            return _combine(kinds)
        if qualified.startswith("builtins.") or qualified.startswith("typing."):
            return OTHER
        index = self.ctx.index
        if index is not None and index.class_(qualified) is not None:
            bases = index.bases(qualified)
            kinds = [JSON if known_response(b) in JSON_RESPONSES else NON_JSON for b in bases if known_response(b)]
            if JSON in kinds:
                return JSON
            if kinds:
                return NON_JSON
            # a project class deriving only from classes the index can read, none a response
            if all(index.class_(b) is not None or not _may_be_response(b) for b in bases):
                return OTHER
            return None
        return None if _may_be_response(qualified) else OTHER


@dataclass
class _Scope:
    """Where a function sits: the module (``owner`` ``None``) or a class body."""

    owner: cst.ClassDef | None
    #: the statements of that body
    body: tuple[cst.CSTNode, ...]
    #: names the class body binds: the router it binds them to, or ``None`` (something else)
    bindings: dict[str, Router | None]
    #: ``Outer.Inner.`` for class-local router keys
    prefix: str


def route_model(ctx: FileContext) -> RouteModel:
    """The file's routes, built once per file (``ctx.model``) by the first rule that asks."""
    return ctx.model(RouteModel.build)


def _bound_targets(stmt: cst.CSTNode) -> list[str]:
    """Plain names a class-body small statement binds (assignments, imports)."""
    if isinstance(stmt, cst.Assign):
        targets = [t.target for t in stmt.targets]
    elif isinstance(stmt, (cst.AnnAssign, cst.AugAssign)):
        targets = [stmt.target] if not (isinstance(stmt, cst.AnnAssign) and stmt.value is None) else []
    elif isinstance(stmt, (cst.Import, cst.ImportFrom)) and not isinstance(stmt.names, cst.ImportStar):
        imported: list[str] = []
        for alias in stmt.names:
            bound: cst.BaseExpression = alias.asname.name if alias.asname is not None else alias.name
            while isinstance(bound, cst.Attribute):
                bound = bound.value
            if isinstance(bound, cst.Name):
                imported.append(bound.value)
        return imported
    else:
        return []
    out: list[str] = []
    for target in targets:
        elements = [e.value for e in target.elements] if isinstance(target, (cst.Tuple, cst.List)) else [target]
        out.extend(e.value for e in elements if isinstance(e, cst.Name))
    return out


def _decorator_name(decorator: cst.Decorator) -> str | None:
    expr = decorator.decorator
    return expr.value if isinstance(expr, cst.Name) else None


# -- helpers shared by the family-6 rules -----------------------------------------------

STATUS_NAME = re.compile(r"HTTP_(\d{3})(?:_|$)")
STATUS_MODULES = ("fastapi.status.",)  # ``starlette.status`` is canonicalised to ``fastapi.status``


def status_code_value(expr: cst.BaseExpression | None, ctx: FileContext) -> int | None:
    """``204``, ``status.HTTP_204_NO_CONTENT`` (fastapi/starlette, any alias), ``HTTPStatus.NO_CONTENT``."""
    if isinstance(expr, cst.Integer):
        value = expr.evaluated_value
        return value if isinstance(value, int) else None
    qualified = ctx.names.resolve(expr) if expr is not None else None
    if qualified is None:
        return None
    if qualified.startswith(STATUS_MODULES):
        match = STATUS_NAME.match(qualified.rpartition(".")[2])
        return int(match.group(1)) if match else None
    if qualified.startswith("http.HTTPStatus."):
        from http import HTTPStatus  # deferred: only for `http.HTTPStatus.X`; the package costs ~10 ms at start

        member = qualified.rpartition(".")[2]
        return int(HTTPStatus[member]) if member in HTTPStatus.__members__ else None
    return None


def route_label(route: Route) -> str:
    """``POST /steps/{id}`` for messages."""
    methods = sorted(route.methods - {"HEAD"} if route.methods != {"HEAD"} else route.methods)
    method = "|".join(methods) if "*" not in methods else route.kind.upper()
    path = route.full_path if route.full_path is not None else route.path
    return f"{method} {path if path is not None else '?'}"


def exempt_by_globs(patterns: tuple[str, ...] | list[str], ctx: FileContext, route: Route) -> bool:
    """A pattern starting with ``/`` is a URL-path glob, matched against the route's full path
    (router prefix included) and its path as written; any other pattern is a module glob, matched
    against the file's project-relative path (``app/routes/auth.py``, ``**/auth.py``) or its
    dotted module name (``app.routes.auth``, ``app.routes.*``)."""
    for pattern in patterns:
        if pattern.startswith("/"):
            for path in {route.full_path, route.path}:
                if path is not None and globs.match(pattern, path if path.startswith("/") else "/" + path):
                    return True
        elif globs.match(pattern, ctx.relpath) or fnmatchcase(ctx.module_name, pattern):
            return True
    return False


#: web frameworks whose apps also have ``.get``/``.post`` decorators
OTHER_FRAMEWORKS = ("flask.", "quart.", "sanic.", "bottle.", "litestar.", "aiohttp.")


def _not_a_router(qualified: str | None, names: ModuleNames) -> bool:
    """``app = Flask(__name__)``, ``router = LocalThing()``: a configured name that is no FastAPI router."""
    if qualified is None:
        return False
    if qualified.startswith(OTHER_FRAMEWORKS):
        return True
    if qualified.startswith(LOCAL + "."):
        local = qualified[len(LOCAL) + 1 :]
        return local in names.classes and not names.class_derives_from(local, FASTAPI_ROUTERS)
    return False


def _own_facts(facts: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in facts.items() if key != "kind"}


def _surely_no_router(resolver: ProjectIndex, made: str | None) -> bool:
    """Does a call surely make something that is no FastAPI router or app? (what it makes is known: a
    builtin, another framework's app, or a project class none of whose bases, all resolved, is one)"""
    if made is None or resolver.derives(made, FASTAPI_ROUTERS):
        return False
    if made.startswith(OTHER_FRAMEWORKS) or made.startswith("builtins."):
        return True
    if resolver._project_split(made) is None or resolver.class_(made) is None:
        return False  # an external class or function the index cannot see into
    for ancestor in resolver.ancestors(made):
        cls = resolver.class_(ancestor) if resolver._project_split(ancestor) is not None else None
        if cls is not None and any(resolver.canonical(base) is None for base in cls.bases):
            return False  # a base the index cannot resolve may be a router
    return True


def _may_be_response(qualified: str) -> bool:
    """Could a base the index cannot read be a response class? (pydantic, builtins: no)"""
    return not (qualified.startswith(("pydantic.", "builtins.", "typing.", "enum.", "dataclasses.", "sqlalchemy.", "sqlmodel.")))


BUILTIN_TYPES = frozenset({"dict", "list", "set", "tuple", "str", "int", "float", "bool", "bytes", "object"})


def _union(kinds: list[str | None]) -> str | None:
    """A union of annotations: its kind when every member has the same one, else ``None``
    (``HTMLResponse | None``, ``StepResponse | HTMLResponse`` are ambiguous)."""
    distinct = set(kinds)
    return kinds[0] if len(distinct) == 1 else None


def _combine(kinds: list[str | None]) -> str | None:
    if JSON in kinds:
        return JSON
    if NON_JSON in kinds:
        return NON_JSON
    if None in kinds:
        return None
    return OTHER


def _own_nodes(root: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Statement-level nodes of a function body, not descending into nested defs, classes or lambdas."""
    stack: list[cst.CSTNode] = [root]
    while stack:
        node = stack.pop()
        yield node
        for child in node.children:
            if isinstance(child, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                continue
            stack.append(child)


def _local_values(function: cst.FunctionDef, name: str) -> list[cst.BaseExpression] | None:
    """The values a function's own body assigns to the local ``name``, when it is bound only by plain
    ``name = value`` / ``name: T = value`` statements (no parameter, loop, ``with``/``except`` target,
    walrus, augmented assignment, unpacking, import, ``global``/``nonlocal``, ``del``, ``match``,
    nested def or class of that name); ``None`` otherwise."""
    p = function.params
    for param in (*p.posonly_params, *p.params, *p.kwonly_params, p.star_arg, p.star_kwarg):
        if isinstance(param, cst.Param) and param.name.value == name:
            return None
    values: list[cst.BaseExpression] = []
    stack: list[cst.CSTNode] = [function.body]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            if node.name.value == name:
                return None
            continue
        if isinstance(node, cst.Lambda):
            continue
        if isinstance(node, cst.Assign):
            for target in node.targets:
                if isinstance(target.target, cst.Name) and target.target.value == name:
                    values.append(node.value)
                elif not isinstance(target.target, cst.Name) and _binds(target.target, name):
                    return None
            stack.append(node.value)
            continue
        if isinstance(node, cst.AnnAssign) and isinstance(node.target, cst.Name) and node.target.value == name:
            if node.value is not None:
                values.append(node.value)
                stack.append(node.value)
            continue
        if isinstance(node, cst.AugAssign) and isinstance(node.target, cst.Name) and node.target.value == name:
            return None
        if isinstance(node, (cst.For, cst.CompFor)) and _binds(node.target, name):
            return None
        if isinstance(node, cst.AsName) and _binds(node.name, name):
            return None  # with ... as name, except ... as name, import ... as name
        if isinstance(node, cst.NamedExpr) and _binds(node.target, name):
            return None
        if isinstance(node, (cst.Global, cst.Nonlocal)) and any(n.name.value == name for n in node.names):
            return None
        if isinstance(node, cst.Del) and _binds(node.target, name):
            return None
        if isinstance(node, (cst.Import, cst.ImportFrom, cst.Match)) and _mentions(node, name):
            return None
        stack.extend(node.children)
    return values or None


def _binds(target: cst.CSTNode, name: str) -> bool:
    """Does an assignment target bind ``name`` (``name``, ``a, name``, ``*name``; not ``name.x``/``name[i]``)?"""
    if isinstance(target, cst.Name):
        return target.value == name
    if isinstance(target, (cst.Tuple, cst.List)):
        return any(_binds(e.value, name) for e in target.elements)
    if isinstance(target, (cst.StarredElement, cst.Element)):
        return _binds(target.value, name)
    return False


def _mentions(node: cst.CSTNode, name: str) -> bool:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name) and current.value == name:
            return True
        stack.extend(current.children)
    return False


def _kwargs(call: cst.Call) -> dict[str, cst.Arg]:
    return {a.keyword.value: a for a in call.args if a.keyword is not None}


def _methods(method: str, kwargs: dict[str, cst.Arg]) -> frozenset[str]:
    if method == "websocket":
        return frozenset({"WEBSOCKET"})
    if method == "api_route":
        arg = kwargs.get("methods")
        if arg is None:
            return frozenset({"GET", "HEAD"})
        values: list[str] = []
        if isinstance(arg.value, (cst.List, cst.Tuple, cst.Set)):
            for element in arg.value.elements:
                if isinstance(element, cst.StarredElement):
                    return frozenset({"*"})
                text = string_value(element.value)
                if text is None:
                    return frozenset({"*"})  # unknown: overlaps with everything
                values.append(text.upper())
        else:
            return frozenset({"*"})
        if "GET" in values:
            values.append("HEAD")
        return frozenset(values)
    if method == "get":
        return frozenset({"GET", "HEAD"})
    return frozenset({method.upper()})


def methods_overlap(a: frozenset[str], b: frozenset[str]) -> bool:
    if "WEBSOCKET" in a or "WEBSOCKET" in b:
        return bool(a & b)
    return "*" in a or "*" in b or bool(a & b)


# -- path matching (Starlette's convertors) -------------------------------------------

PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::([a-zA-Z_][a-zA-Z0-9_]*))?}")
CONVERTOR_REGEX = {
    "str": "[^/]+",
    "path": ".*",
    "int": "[0-9]+",
    "float": r"[0-9]+(\.[0-9]+)?",
    "uuid": "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
}
#: convertor -> the convertors whose every value it also matches
COVERS = {
    "str": {"str", "int", "float", "uuid"},
    "int": {"int"},
    "float": {"float", "int"},
    "uuid": {"uuid"},
    "path": {"str", "int", "float", "uuid", "path"},
}


@dataclass(frozen=True)
class Segment:
    text: str
    #: convertor of a segment that is exactly one parameter, else None
    convertor: str | None
    #: the segment as Starlette's regex
    regex: str


def parse_path(path: str) -> list[Segment] | None:
    """Segments of a route path; ``None`` when a convertor is unknown."""
    segments = []
    for text in path.split("/")[1:] if path.startswith("/") else path.split("/"):
        regex, last, convertor = "", 0, None
        for match in PARAM.finditer(text):
            conv = match.group(2) or "str"
            if conv not in CONVERTOR_REGEX:
                return None
            regex += re.escape(text[last : match.start()]) + f"(?:{CONVERTOR_REGEX[conv]})"
            last = match.end()
            if match.start() == 0 and match.end() == len(text):
                convertor = conv
        regex += re.escape(text[last:])
        segments.append(Segment(text, convertor, regex))
    return segments


def shadows(earlier: str, later: str) -> bool:
    """Does every path that ``later`` matches also match ``earlier`` (so ``later`` is never reached)?"""
    a, b = parse_path(earlier), parse_path(later)
    if a is None or b is None:
        return False
    return _covers(a, b)


def _covers(a: list[Segment], b: list[Segment]) -> bool:
    if not a:
        return not b
    head = a[0]
    if head.convertor == "path":
        if len(a) == 1:
            return True  # swallows everything after it
        # a path parameter followed by more segments: try every split of what it swallows
        return any(_covers(a[1:], b[i:]) for i in range(len(b) + 1))
    if not b:
        return False
    if not _segment_covers(head, b[0]):
        return False
    return _covers(a[1:], b[1:])


def _segment_covers(a: Segment, b: Segment) -> bool:
    if a.text == b.text:
        return True
    if b.convertor is not None:  # later segment is a parameter: every value must match
        return a.convertor is not None and b.convertor in COVERS[a.convertor]
    if "{" in b.text:
        return a.convertor in ("str", "path")  # a mixed segment; only a bare str param surely covers it
    return re.fullmatch(a.regex, b.text) is not None
