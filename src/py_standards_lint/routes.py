"""The module's FastAPI route model, gathered once per file for every family-6 rule.

A route is a function decorated with ``@R.get/post/put/patch/delete/head/options/
api_route/websocket(...)`` where ``R`` is bound to ``APIRouter(...)``/``FastAPI(...)``
in the module, or is one of the configured ``router-names``. A function with two
route decorators is two routes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from .names import iter_toplevel, string_value
from .semantics import FASTAPI_ROUTERS

if TYPE_CHECKING:
    from .context import FileContext

HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
ROUTE_DECORATORS = frozenset({*HTTP_METHODS, "api_route", "websocket"})
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class Router:
    name: str
    #: the ``APIRouter(...)``/``FastAPI(...)`` call, ``None`` for a configured name
    call: cst.Call | None = None
    kwargs: dict[str, cst.Arg] = field(default_factory=dict)


@dataclass
class Route:
    router: str
    decorator: cst.Decorator
    call: cst.Call
    function: cst.FunctionDef
    #: upper-case methods; GET implies HEAD (Starlette answers HEAD for GET routes)
    methods: frozenset[str]
    #: the path literal, ``None`` when it is not a plain string
    path: str | None
    kwargs: dict[str, cst.Arg]
    #: position of the route decorator in the function's decorator list
    decorator_index: int

    @property
    def is_mutating(self) -> bool:
        return bool(self.methods & MUTATING)


@dataclass
class RouteModel:
    routers: dict[str, Router] = field(default_factory=dict)
    routes: list[Route] = field(default_factory=list)

    @classmethod
    def build(cls, ctx: "FileContext") -> "RouteModel":
        model = cls()
        names = ctx.names
        functions: list[cst.FunctionDef] = []
        for stmt, _ in iter_toplevel(ctx.module.body, names.imports):
            if isinstance(stmt, (cst.Assign, cst.AnnAssign)) and isinstance(stmt.value, cst.Call):
                if names.resolve(stmt.value.func) in FASTAPI_ROUTERS:
                    targets = [t.target for t in stmt.targets] if isinstance(stmt, cst.Assign) else [stmt.target]
                    for target in targets:
                        if isinstance(target, cst.Name):
                            model.routers[target.value] = Router(target.value, stmt.value, _kwargs(stmt.value))
            elif isinstance(stmt, cst.FunctionDef):
                functions.append(stmt)
        configured = set(ctx.settings["router-names"])
        for function in functions:
            for index, decorator in enumerate(function.decorators):
                route = model._route(decorator, function, index, configured)
                if route is not None:
                    model.routes.append(route)
        return model

    def _route(self, decorator: cst.Decorator, function: cst.FunctionDef, index: int, configured: set[str]) -> Route | None:
        call = decorator.decorator
        if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
            return None
        receiver, method = call.func.value, call.func.attr.value
        if method not in ROUTE_DECORATORS or not isinstance(receiver, cst.Name):
            return None
        name = receiver.value
        if name not in self.routers:
            if name not in configured:
                return None
            self.routers[name] = Router(name)
        kwargs = _kwargs(call)
        positional = [a for a in call.args if a.keyword is None and not a.star]
        path_arg = positional[0] if positional else kwargs.get("path")
        path = string_value(path_arg.value) if path_arg is not None else None
        return Route(name, decorator, call, function, _methods(method, kwargs), path, kwargs, index)

    def by_router(self) -> dict[str, list[Route]]:
        groups: dict[str, list[Route]] = {}
        for route in self.routes:
            groups.setdefault(route.router, []).append(route)
        return groups


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
