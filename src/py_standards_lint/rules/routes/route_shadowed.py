from __future__ import annotations

from typing import Sequence

import libcst as cst

from py_standards_lint.analysis.routes import Route, methods_overlap, route_model, shadows
from py_standards_lint.analysis.rule import Invalid, Rule, Valid
from py_standards_lint.base.finding import UNSAFE, Fix
from py_standards_lint.base.layers import ROUTES

from ._project import ROUTING_FILES

HEAD = "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n"


class RouteShadowed(Rule):
    code = "PSL606"
    name = "route-shadowed"
    message = "Route `{path}` can never be reached: the earlier route `{earlier}` on `{router}` matches it first"
    layers = frozenset({ROUTES})
    requires_text = ("{",)
    needs_index = True  # routers built or bound in other project modules (RULES.md rev 3, Family 6)
    fix_safety = UNSAFE
    fix_notes = (
        "Moves the shadowed route's function directly above the function of the route that swallows it. Offered "
        "only when both are module-level functions or methods of the same class, nothing the moved `def` evaluates (decorators, defaults, "
        "annotations) is bound between the two places, and the new order shadows no route that was reachable. "
        "Unsafe: it changes the registration order of the routes."
    )
    example_path = "app/routes/items.py"
    why = (
        "Starlette tries routes in the order they were added and takes the first match. A parameterised "
        "path declared before a literal one (`/items/{item_id}` before `/items/stats`) swallows it: "
        "`stats` is passed as `item_id` and the literal route never runs. Declare literal paths first."
    )
    example = HEAD + '@router.get("/items/{item_id}")\nasync def get_item(item_id: str): ...\n\n@router.get("/items/stats")\nasync def stats(): ...\n'
    use_instead = HEAD + '@router.get("/items/stats")\nasync def stats(): ...\n\n@router.get("/items/{item_id}")\nasync def get_item(item_id: str): ...\n'
    valid = (
        Valid(use_instead),
        Valid(HEAD + '@router.get("/items/{item_id:int}")\ndef a(): ...\n\n@router.get("/items/stats")\ndef b(): ...\n'),
        Valid(HEAD + '@router.post("/items/{item_id}")\ndef a(): ...\n\n@router.get("/items/stats")\ndef b(): ...\n'),
        Valid(HEAD + '@router.get("/items/{item_id}")\ndef a(): ...\n\n@router.get("/items/stats/today")\ndef b(): ...\n'),
        Valid(HEAD + 'other = APIRouter()\n\n@router.get("/items/{item_id}")\ndef a(): ...\n\n@other.get("/items/stats")\ndef b(): ...\n'),
        Valid(HEAD + '@router.get("/items/{item_id}")\ndef a(): ...\n\n@router.websocket("/items/stats")\ndef b(): ...\n'),
        Valid(HEAD + '@router.get("/items/{item_id:uuid}")\ndef a(): ...\n\n@router.get("/items/{n:int}")\ndef b(): ...\n'),
        Valid(HEAD + '@router.get("/items/{item_id:int}")\ndef a(): ...\n\n@router.get("/items/{name}")\ndef b(): ...\n'),
        Valid('class R:\n    def get(self, p):\n        return lambda f: f\n\nr = R()\n\n@r.get("/{x}")\ndef a(): ...\n\n@r.get("/stats")\ndef b(): ...\n'),
        Valid(HEAD + '# @router.get("/items/{id}")\n@router.get("/items/stats")\ndef b(): ...\n'),
        Valid(HEAD + 'M = ["GET"]\n\n@router.api_route("/items/{item_id}", methods=M)\ndef a(): ...\n\n@router.get("/items/stats")\ndef b(): ...\n'),
        # class-based views: the literal first; two classes each binding its own router
        Valid(HEAD + 'class Items:\n    @router.get("/items/stats")\n    def stats(self): ...\n\n    @router.get("/items/{item_id}")\n    def get(self, item_id: str): ...\n'),
        Valid(
            HEAD + 'class A:\n    router = APIRouter()\n\n    @router.get("/{x}")\n    def a(self): ...\n\n'
            'class B:\n    router = APIRouter()\n\n    @router.get("/stats")\n    def b(self): ...\n'
        ),
        Valid(HEAD + 'class Items:\n    @router.get("/items/{item_id}")\n    def get(self, item_id: str):\n        @router.get("/items/stats")\n        def nested(): ...\n'),
        # (rev 3) a project object that is no router; two routers from the same project factory
        Valid('from app.things import router\n\n@router.get("/items/{item_id}")\ndef a(): ...\n\n@router.get("/items/stats")\ndef b(): ...\n', files=ROUTING_FILES),
        Valid(
            'from app.shared import Router\n\nitems = Router(prefix="/items")\nother = Router(prefix="/items")\n\n'
            '@items.get("/{item_id}")\ndef a(): ...\n\n@other.get("/stats")\ndef b(): ...\n',
            files=ROUTING_FILES,
        ),
    )
    invalid = (
        Invalid(example, line=8, col=1, fixed=use_instead),
        # the comment above the moved function moves with it
        Invalid(
            HEAD + '\n@router.get("/items/{item_id}")\ndef get_item(item_id: str): ...\n\n\n# Statistics\n@router.get("/items/stats")\ndef stats(): ...\n',
            line=11,
            col=1,
            fixed=HEAD + '\n# Statistics\n@router.get("/items/stats")\ndef stats(): ...\n\n\n@router.get("/items/{item_id}")\ndef get_item(item_id: str): ...\n',
        ),
        # the moved def would evaluate a name bound in between: flagged, no fix
        Invalid(
            HEAD + '@router.get("/items/{item_id}")\ndef get_item(item_id: str): ...\n\nLIMIT = 5\n\n@router.get("/items/stats")\ndef stats(limit: int = LIMIT): ...\n',
            line=10,
            col=1,
            fixed=HEAD + '@router.get("/items/{item_id}")\ndef get_item(item_id: str): ...\n\nLIMIT = 5\n\n@router.get("/items/stats")\ndef stats(limit: int = LIMIT): ...\n',
        ),
        # moving it would shadow `/other` (its other route `/{anything}` would come first): no fix
        Invalid(
            HEAD + '@router.get("/items/{item_id}")\ndef get_item(item_id: str): ...\n\n@router.get("/other")\ndef other(): ...\n\n'
            '@router.get("/items/stats")\n@router.get("/{anything}")\ndef stats(anything: str = ""): ...\n',
            line=11,
            col=1,
            fixed=HEAD + '@router.get("/items/{item_id}")\ndef get_item(item_id: str): ...\n\n@router.get("/other")\ndef other(): ...\n\n'
            '@router.get("/items/stats")\n@router.get("/{anything}")\ndef stats(anything: str = ""): ...\n',
        ),
        # stacked decorators register bottom-up: `/a/{x}` (nearest the def) comes first
        Invalid(HEAD + '@router.get("/a/stats")\n@router.get("/a/{x}")\ndef a(x: str = ""): ...\n', line=5, col=1),
        Invalid(HEAD + '@router.get("/files/{p:path}")\ndef a(): ...\n\n@router.get("/files/{name}/meta")\ndef b(): ...\n', line=8, col=1),
        Invalid(HEAD + '@router.get("/items/{n:int}")\ndef a(): ...\n\n@router.get("/items/42")\ndef b(): ...\n', line=8, col=1),
        Invalid(
            'from fastapi import FastAPI\n\napi = FastAPI()\n\n@api.api_route("/x/{a}", methods=["GET", "POST"])\ndef a(): ...\n\n'
            '@api.post("/x/new")\ndef b(): ...\n',
            line=8,
            col=1,
        ),
        Invalid(
            HEAD + 'admin = APIRouter(prefix="/admin")\n\n@admin.delete("/u/{uid}")\ndef a(): ...\n\n@router.delete("/u/me")\ndef b(): ...\n\n'
            '@admin.delete("/u/me")\ndef c(): ...\n',
            line=13,
            col=1,
        ),
        Invalid(HEAD + '@router.get("/a/{x}")\n@router.get("/b/{x}")\ndef a(): ...\n\n@router.head("/b/c")\ndef b(): ...\n', line=9, col=1),
        Invalid('from fastapi import APIRouter as AR\n\nitems = AR()\n\n@items.patch("/{a}/{b}")\ndef a(): ...\n\n@items.patch("/x/{b:int}")\ndef b(): ...\n', line=8, col=1),
        # inside a class-based view (a `GET /minimal` declared after `GET /{id}` answers 422): the fix moves the method
        Invalid(
            HEAD + '@cbv(router)\nclass Items:\n    @router.get("/items/{item_id}")\n    def get(self, item_id: int): ...\n\n'
            '    # the short form\n    @router.get("/items/minimal")\n    def minimal(self): ...\n',
            line=11,
            col=5,
            fixed=HEAD + '@cbv(router)\nclass Items:\n    # the short form\n    @router.get("/items/minimal")\n    def minimal(self): ...\n\n'
            '    @router.get("/items/{item_id}")\n    def get(self, item_id: int): ...\n',
        ),
        # order across a class body and module functions: flagged, no fix (not in the same body)
        Invalid(
            HEAD + '@router.get("/items/{item_id}")\ndef get(item_id: str): ...\n\nclass Items:\n    @router.get("/items/stats")\n    def stats(self): ...\n',
            line=9,
            col=5,
            fixed=HEAD + '@router.get("/items/{item_id}")\ndef get(item_id: str): ...\n\nclass Items:\n    @router.get("/items/stats")\n    def stats(self): ...\n',
        ),
        Invalid(
            HEAD + 'class Items:\n    @router.get("/items/{item_id}")\n    def get(self, item_id: str): ...\n\n@router.get("/items/stats")\ndef stats(): ...\n',
            line=9,
            col=1,
        ),
        # a class-local router, in a nested class
        Invalid(
            "from fastapi import APIRouter\n\nclass Outer:\n    class Items:\n        router = APIRouter()\n\n"
            '        @router.get("/{x}")\n        def a(self): ...\n\n        @router.get("/stats")\n        def b(self): ...\n',
            line=10,
            col=9,
        ),
        # (rev 3) a router built by a project factory with a prefix (a re-export chain), and one imported
        Invalid(
            'from app.shared import Router\n\nitems = Router(prefix="/items")\n\n@items.get("/{item_id}")\ndef a(): ...\n\n@items.get("/stats")\ndef b(): ...\n',
            line=8,
            col=1,
            files=ROUTING_FILES,
        ),
        Invalid('from app.api import router as api\n\n@api.get("/{x}")\ndef a(): ...\n\n@api.get("/stats")\ndef b(): ...\n', line=6, col=1, files=ROUTING_FILES),
    )

    def visit_Module(self, node: cst.Module) -> None:
        shadowed = _shadowed(route_model(self.ctx).routes)
        for later, earlier in shadowed.items():
            # with the router's prefix when it is known: the URL a client sends
            message = self.message.format(path=later.full_path or later.path, earlier=earlier.full_path or earlier.path, router=later.router)
            self.report(later.decorator, message, self._fix(later, earlier, shadowed))

    def _fix(self, later: Route, earlier: Route, shadowed: dict[Route, Route]) -> Fix | None:
        """Move the shadowed route's function right above the function of the route shadowing it,
        when both are module-level statements, nothing the moved ``def`` evaluates is bound in
        between, and the new order shadows nothing that was reachable before."""
        model = route_model(self.ctx)
        moved, target = later.endpoint, earlier.endpoint
        if moved is None or target is None or moved is target or moved.owner is not target.owner:
            return None
        body = list(moved.container)  # the module's statements, or the class body both methods sit in
        positions = {id(stmt): i for i, stmt in enumerate(body)}
        if id(moved.function) not in positions or id(target.function) not in positions:
            return None
        start, end = positions[id(target.function)], positions[id(moved.function)]
        if start >= end or _evaluated_names(moved.function, self.ctx.module) & _bound_names(body[start:end]):
            return None
        reordered = [r for e in model.endpoints if e is not moved for r in ([*moved.routes, *e.routes] if e is target else e.routes)]
        after = _shadowed(reordered)
        if set(after) - set(shadowed) or later in after:
            return None
        # the blank lines stay where they were, the comments go with their def
        moved_blank, moved_comments = _split_leading(moved.function)
        target_blank, target_comments = _split_leading(target.function)
        edits = [
            (moved.function, cst.RemovalSentinel.REMOVE),
            (
                target.function,
                cst.FlattenSentinel(
                    [
                        moved.function.with_changes(leading_lines=[*target_blank, *moved_comments]),
                        target.function.with_changes(leading_lines=[*moved_blank, *target_comments]),
                    ]
                ),
            ),
        ]
        return Fix(UNSAFE, f"Move `{moved.name}` above `{target.name}`", edits)


def _split_leading(function: cst.FunctionDef) -> tuple[list[cst.EmptyLine], list[cst.EmptyLine]]:
    """A def's leading lines: the blank ones before its first comment, and the rest."""
    lines = list(function.leading_lines)
    first = next((i for i, line in enumerate(lines) if line.comment is not None), len(lines))
    return lines[:first], lines[first:]


def _shadowed(routes: list[Route]) -> dict[Route, Route]:
    """Each unreachable route -> the first earlier route (same router) that swallows it."""
    found: dict[Route, Route] = {}
    groups: dict[str, list[Route]] = {}
    for route in routes:
        groups.setdefault(route.router, []).append(route)
    for group in groups.values():
        for j, later in enumerate(group):
            if later.path is None:
                continue
            for earlier in group[:j]:
                if earlier.path is None or earlier.function is later.function and earlier.path == later.path:
                    continue
                if "*" in earlier.methods or "*" in later.methods:
                    continue  # methods that cannot be read: no claim either way
                if methods_overlap(earlier.methods, later.methods) and shadows(earlier.path, later.path):
                    found[later] = earlier
                    break
    return found


def _evaluated_names(function: cst.FunctionDef, module: cst.Module) -> set[str]:
    """Names a ``def`` statement evaluates when it runs: decorators, defaults, and annotations
    (unless ``from __future__ import annotations`` defers them)."""
    roots: list[cst.CSTNode] = [d.decorator for d in function.decorators]
    params = function.params
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    for extra in (params.star_arg, params.star_kwarg):
        if isinstance(extra, cst.Param):
            every.append(extra)
    roots += [p.default for p in every if p.default is not None]
    if not _future_annotations(module):
        roots += [p.annotation for p in every if p.annotation is not None]
        if function.returns is not None:
            roots.append(function.returns)
    names: set[str] = set()
    stack = roots
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            names.add(current.value)
        elif isinstance(current, cst.Attribute):  # `router.get`: only `router` is looked up
            stack.append(current.value)
            continue
        stack.extend(current.children)
    return names


def _future_annotations(module: cst.Module) -> bool:
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.ImportFrom) and isinstance(small.module, cst.Name) and small.module.value == "__future__":
                    if not isinstance(small.names, cst.ImportStar) and any(
                        isinstance(a.name, cst.Name) and a.name.value == "annotations" for a in small.names
                    ):
                        return True
    return False


def _bound_names(statements: Sequence[cst.CSTNode]) -> set[str]:
    """Every name the statements bind or rebind (conservatively: any Name in a binding position,
    and every name of a compound statement such as ``if``/``try``/``with``)."""
    names: set[str] = set()
    for stmt in statements:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            names.add(stmt.name.value)
            continue
        stack: list[cst.CSTNode] = [stmt]
        while stack:
            current = stack.pop()
            if isinstance(current, cst.Name):
                names.add(current.value)  # over-approximation: every name mentioned in between
            stack.extend(current.children)
    return names
