from __future__ import annotations

import libcst as cst

from ...layers import ROUTES
from ...routes import methods_overlap, shadows
from ...rule import Invalid, Rule, Valid

HEAD = "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n"


class RouteShadowed(Rule):
    code = "PSL606"
    name = "route-shadowed"
    message = "Route `{path}` can never be reached: the earlier route `{earlier}` on `{router}` matches it first"
    layers = frozenset({ROUTES})
    requires_text = ("{",)
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
    )
    invalid = (
        Invalid(example, line=8, col=1),
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
    )

    def visit_Module(self, node: cst.Module) -> None:
        for router, routes in self.ctx.routes.by_router().items():
            for j, later in enumerate(routes):
                if later.path is None:
                    continue
                for earlier in routes[:j]:
                    if earlier.path is None or earlier.function is later.function and earlier.path == later.path:
                        continue
                    if methods_overlap(earlier.methods, later.methods) and shadows(earlier.path, later.path):
                        message = self.message.format(path=later.path, earlier=earlier.path, router=router)
                        self.report(later.decorator, message)
                        break
