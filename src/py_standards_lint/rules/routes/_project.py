"""*(rev 3)* Project files for the family-6 cases about routers built or bound in other modules (RULES.md,
Family 6: "R may also be imported from a project module where it is so bound, or be built by a project
subclass, wrapper or factory of APIRouter/FastAPI from any module")."""

from __future__ import annotations

ROUTING_FILES = {
    "app/__init__.py": "",
    # a re-export chain: app.shared.Router -> app.kit.APIRouter -> app.kit.routing.APIRouter -> Router
    "app/kit/__init__.py": "from .routing import APIRouter, make_router\n",
    "app/kit/routing.py": (
        "import fastapi\nfrom fastapi.responses import RedirectResponse\n\nfrom elsewhere import build\n\n\n"
        "class Router(fastapi.APIRouter):\n    pass\n\n\n"
        "class Registry:\n    def get(self, path): ...\n    def post(self, path): ...\n    def delete(self, path, status_code=200): ...\n\n\n"
        "def APIRouter(**kw) -> fastapi.APIRouter:\n    return Router(**kw)\n\n\n"
        "def make_router(**kw):\n    return fastapi.APIRouter(include_in_schema=False, **kw)\n\n\n"
        "def auth_router(**kw):\n    return fastapi.APIRouter(include_in_schema=False, default_response_class=RedirectResponse, **kw)\n\n\n"
        "def registry():\n    return Registry()\n\n\n"
        "def opaque(**kw):\n    return build(**kw)\n\n\n"
        "def hidden_by_default(**kw):\n    kw.setdefault('include_in_schema', False)\n    return fastapi.APIRouter(**kw)\n\n\n"
        "def fresh(**kw):\n    return fastapi.APIRouter(prefix='/fresh')\n"
    ),
    "app/shared.py": "from app.kit import APIRouter as Router\n",
    # a factory in a package __init__
    "app/web/__init__.py": (
        "from fastapi import APIRouter\nfrom fastapi.responses import HTMLResponse\n\n\n"
        "def page_router(**kw):\n    return APIRouter(default_response_class=HTMLResponse, **kw)\n"
    ),
    # a cycle: neither says what it makes
    "app/loop.py": "def a(**kw):\n    return b(**kw)\n\n\ndef b(**kw):\n    return a(**kw)\n",
    "app/api.py": "from app.shared import Router\n\nrouter = Router(prefix='/api')\n",
    "app/hidden.py": "from app.kit import make_router\n\nrouter = make_router(prefix='/hidden')\n",
    "app/things.py": "from app.kit.routing import registry\n\nrouter = registry()\n",
}
