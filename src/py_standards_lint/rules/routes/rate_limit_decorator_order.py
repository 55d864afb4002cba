from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.routes import LIMITER_NAMES, Endpoint, route_label, route_model
from py_standards_lint.analysis.rule import Invalid, Rule, Valid
from py_standards_lint.base.finding import SAFE, Fix
from py_standards_lint.base.layers import ROUTES

HEAD = "from fastapi import APIRouter, Request\nfrom app.core.limiter import limiter\n\nrouter = APIRouter()\n\n"


class RateLimitDecoratorOrder(Rule):
    code = "PSL602"
    name = "rate-limit-decorator-order"
    message = "`@limiter.limit` sits above the route decorator of `{route}`: the registered endpoint is not limited"
    layers = frozenset({ROUTES})
    requires_text = ("limit",)
    needs_index = True  # routers built or bound in other project modules (RULES.md rev 3, Family 6)
    options = (LIMITER_NAMES,)
    fix_safety = SAFE
    example_path = "app/routes/items.py"
    why = (
        "Decorators apply bottom-up. The route decorator registers the function it receives with FastAPI; "
        "when `@limiter.limit(...)` sits above it, FastAPI has already registered the *unwrapped* function "
        "and the limit silently does nothing. The limit decorator goes directly below the route decorator."
    )
    example = HEAD + '@limiter.limit("5/minute")\n@router.post("/items")\nasync def create_item(request: Request) -> dict: ...\n'
    use_instead = HEAD + '@router.post("/items")\n@limiter.limit("5/minute")\nasync def create_item(request: Request) -> dict: ...\n'
    fix_notes = (
        "Moves the limit decorator(s) directly below the lowest route decorator. Offered only when nothing but "
        "route decorators sits between them (a third decorator in between could depend on the order)."
    )
    valid = (
        Valid(use_instead),
        Valid(HEAD + '@router.post("/a")\n@router.post("/b")\n@limiter.limit("5/minute")\nasync def a(request: Request): ...\n'),
        # not a limiter
        Valid(HEAD + '@throttle.limit("5/minute")\n@router.post("/items")\nasync def a(request: Request): ...\n'),
        # not a route
        Valid(HEAD + '@limiter.limit("5/minute")\nasync def helper(request: Request): ...\n'),
        Valid(HEAD + '# @limiter.limit("5/minute")\n@router.post("/items")\n@limiter.limit("5/minute")\nasync def a(request: Request): ...\n'),
        Valid(HEAD + '@limiter.limit("5/minute")\n@other.post("/items")\nasync def a(request: Request): ...\n'),
        # a class-based view in the right order
        Valid(HEAD + 'class Items:\n    @router.post("/items")\n    @limiter.limit("5/minute")\n    async def create(self, request: Request): ...\n'),
    )
    invalid = (
        Invalid(example, line=7, col=1, fixed=use_instead),
        Invalid(
            "from fastapi import FastAPI, Request\nfrom app.core.limiter import limiter as rl\n\napi = FastAPI()\n\n"
            '# writes\n@rl.limit("5/minute")  # per client\n@api.api_route("/x", methods=["PUT"], summary="X")\ndef x(request: Request): ...\n',
            line=8,
            col=1,
            fixed="from fastapi import FastAPI, Request\nfrom app.core.limiter import limiter as rl\n\napi = FastAPI()\n\n"
            '# writes\n@api.api_route("/x", methods=["PUT"], summary="X")\n@rl.limit("5/minute")  # per client\ndef x(request: Request): ...\n',
        ),
        # stacked route decorators: both are registered unwrapped
        Invalid(
            HEAD + 'admin = APIRouter()\n\n@limiter.shared_limit("5/minute", scope="w")\n@admin.delete("/a")\n@router.delete("/b")\nasync def d(request: Request): ...\n',
            at=[(9, 1), (10, 1)],
            fixed=HEAD + 'admin = APIRouter()\n\n@admin.delete("/a")\n@router.delete("/b")\n@limiter.shared_limit("5/minute", scope="w")\nasync def d(request: Request): ...\n',
        ),
        # between two route decorators: the upper one registers the limited function, the lower one not
        Invalid(
            HEAD + '@router.post("/a")\n@limiter.limit("5/minute")\n@router.post("/b")\nasync def d(request: Request): ...\n',
            line=8,
            col=1,
            fixed=HEAD + '@router.post("/a")\n@router.post("/b")\n@limiter.limit("5/minute")\nasync def d(request: Request): ...\n',
        ),
        # another decorator in between: flagged, but no fix (the order of the two could matter)
        Invalid(
            HEAD + '@limiter.limit("5/minute")\n@traced\n@router.post("/a")\nasync def d(request: Request): ...\n',
            line=8,
            col=1,
            fixed=HEAD + '@limiter.limit("5/minute")\n@traced\n@router.post("/a")\nasync def d(request: Request): ...\n',
        ),
        # a class-based view's method: same position (the route decorator), same fix
        Invalid(
            HEAD + '@cbv(router)\nclass Items:\n    @limiter.limit("5/minute")\n    @router.post("/items")\n    async def create(self, request: Request): ...\n',
            line=9,
            col=5,
            fixed=HEAD + '@cbv(router)\nclass Items:\n    @router.post("/items")\n    @limiter.limit("5/minute")\n    async def create(self, request: Request): ...\n',
        ),
    )

    def visit_Module(self, node: cst.Module) -> None:
        for endpoint in route_model(self.ctx).endpoints:
            if not endpoint.limits:
                continue
            top_limit = min(index for index, _ in endpoint.limits)
            below = sorted((r for r in endpoint.routes if r.decorator_index > top_limit), key=lambda r: r.decorator_index)
            if not below:
                continue
            fix = self._fix(endpoint)
            for i, route in enumerate(below):
                self.report(route.decorator, self.message.format(route=route_label(route)), fix if i == 0 else None)

    def _fix(self, endpoint: Endpoint) -> Fix | None:
        decorators = list(endpoint.function.decorators)
        lowest_route = max(endpoint.route_indexes)
        moving = [index for index, _ in endpoint.limits if index < lowest_route]
        routes = set(endpoint.route_indexes)
        limits = {index for index, _ in endpoint.limits}
        if any(i not in routes and i not in limits for i in range(min(moving), lowest_route)):
            return None
        reordered = [d for i, d in enumerate(decorators[: lowest_route + 1]) if i not in moving]
        reordered += [decorators[i] for i in moving] + decorators[lowest_route + 1 :]
        new = endpoint.function.with_changes(decorators=reordered)
        return Fix(SAFE, "Move the limit decorator below the route decorator", [(endpoint.function, new)])
