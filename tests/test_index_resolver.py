"""The project-wide resolver (RULES.md, *Names*: "Across the project") and router facts."""

from __future__ import annotations

import sys
from pathlib import Path

from py_standards_lint.analysis.index import OPAQUE, ProjectIndex, summarize

KIT = {
    "app/__init__.py": "",
    "app/kit/__init__.py": "from .db import AsyncSession as Session\nfrom . import sql\nfrom .errors import *\n",
    "app/kit/db.py": (
        "from typing import Annotated, NewType, TypeAlias\nimport sqlalchemy.ext.asyncio as sa\n\n"
        "AsyncSession = NewType('AsyncSession', sa.AsyncSession)\n"
        "ReadSession: TypeAlias = AsyncSession\n"
        "Injected = Annotated[ReadSession, 'marker']\n"
        "class Sub(ReadSession):\n    pass\n"
        "Quoted: TypeAlias = 'sa.AsyncSession'\n"
    ),
    "app/kit/sql.py": "from sqlalchemy import select, insert\n",
    "app/kit/errors.py": "class E(Exception):\n    pass\n",
    "app/cycle.py": "from app.cycle2 import B as A\n",
    "app/cycle2.py": "from app.cycle import A as B\n",
    "app/twice.py": "import os\nX = os.getenv\nX = sorted\n",
    "app/use.py": "from app.kit import Session, sql\nfrom app import kit\nimport app.kit.db as db\nfrom app.nowhere import Missing\n",
}


def index(sources: dict[str, str]) -> ProjectIndex:
    return ProjectIndex.from_sources(Path("."), sources)


def test_reexports_aliases_newtype_annotated() -> None:
    i = index(KIT)
    assert i.resolve("app.use", "Session") == "sqlalchemy.ext.asyncio.AsyncSession"
    assert i.resolve("app.use", "sql.select") == "sqlalchemy.select"
    assert i.resolve("app.use", "kit.sql.insert") == "sqlalchemy.insert"
    assert i.resolve("app.use", "db.ReadSession") == "sqlalchemy.ext.asyncio.AsyncSession"
    assert i.resolve("app.use", "db.Injected") == "sqlalchemy.ext.asyncio.AsyncSession"
    assert i.resolve("app.use", "db.Quoted") == "sqlalchemy.ext.asyncio.AsyncSession"
    assert i.resolve("app.use", "db.Sub") == "app.kit.db.Sub"
    assert i.derives("app.kit.db.Sub", {"sqlalchemy.ext.asyncio.AsyncSession"})
    assert i.resolve("app.use", "kit") == "app.kit"
    assert i.resolve("app.use", "dict") == "builtins.dict"


def test_unknown_stays_unknown() -> None:
    i = index(KIT)
    assert i.resolve("app.use", "Missing") is None  # a project package with no such module
    assert i.resolve("app.use", "nothing") is None
    assert i.resolve("app.use", "kit.E") is None  # star re-exports are not followed
    assert i.resolve("app.twice", "X") is None  # bound twice, differently
    assert i.resolve("app.cycle", "A") is None  # a cycle
    assert i.resolve("app.nowhere", "x") is None
    assert i.canonical("app.nowhere.Thing") is None  # a project package's missing module is unknown, not external
    assert i.canonical("databases.Database") == "databases.Database"


def test_factories_and_instances() -> None:
    i = index({
        "app/__init__.py": "",
        "app/log.py": (
            "import logging\nimport structlog\n\n"
            "def get_logger(name):\n    return logging.getLogger(name)\n\n"
            "def get_struct():\n    return structlog.get_logger()\n\n"
            "def annotated(name) -> logging.Logger:\n    return make(name)\n\n"
            "def opaque(name) -> 'Any':\n    return make(name)\n\n"
            "def outer():\n    return get_struct()\n\n"
            "logger = get_logger(__name__)\n"
        ),
        "app/errors.py": "from fastapi import HTTPException\n\nUnauthorized = HTTPException(401)\n",
        "app/use.py": "from app.errors import Unauthorized\nfrom app.log import logger\n",
    })
    assert i.produces("app.log.get_logger") == "logging.getLogger"
    assert i.produces("app.log.get_struct") == "structlog.get_logger"
    assert i.produces("app.log.outer") == "structlog.get_logger"
    assert i.produces("app.log.annotated") == "logging.Logger"
    assert i.produces("app.log.opaque") is None
    assert i.instance_of(i.resolve("app.use", "Unauthorized")) == "fastapi.HTTPException"
    assert i.instance_of(i.resolve("app.use", "logger")) == "logging.getLogger"


ROUTING = {
    "app/__init__.py": "",
    "app/routing.py": (
        "from fastapi import APIRouter as _R, FastAPI\nfrom fastapi.responses import HTMLResponse\n\n"
        "class MyRouter(_R):\n    pass\n\n"
        "def make_router(**kw) -> _R:\n    return MyRouter(include_in_schema=False, **kw)\n\n"
        "def APIRouter(**kw) -> _R:\n    ...\n\n"
        "def make_app():\n    return FastAPI(openapi_url=None)\n"
    ),
    "app/routes/__init__.py": "",
    "app/routes/x.py": (
        "from app.routing import make_router, MyRouter, APIRouter, make_app\nfrom fastapi.responses import HTMLResponse\n"
        "import fastapi\n\n"
        "router = make_router(prefix='/x', default_response_class=HTMLResponse)\n"
        "plain = MyRouter()\n"
        "wrapped = APIRouter(prefix=PREFIX)\n"
        "app = make_app()\n"
        "direct = fastapi.APIRouter(prefix='/d', include_in_schema=True)\n"
        "other = dict(prefix='/x')\n"
    ),
    "app/main.py": "from app.routes.x import router as r\n",
}


def test_router_facts() -> None:
    i = index(ROUTING)
    assert i.router_facts("app.routes.x.router") == {
        "kind": "fastapi.APIRouter", "prefix": "/x", "default_response_class": "fastapi.responses.HTMLResponse",
        "include_in_schema": False,
    }
    assert i.router_facts("app.main.r") == i.router_facts("app.routes.x.router")  # through an import
    assert i.router_facts("app.routes.x.plain") == {"kind": "fastapi.APIRouter"}
    assert i.router_facts("app.routes.x.wrapped") == {"kind": "fastapi.APIRouter", "prefix": OPAQUE}
    assert i.router_facts("app.routes.x.app") == {"kind": "fastapi.FastAPI", "openapi_url": None}
    assert i.router_facts("app.routes.x.direct") == {"kind": "fastapi.APIRouter", "prefix": "/d", "include_in_schema": True}
    assert i.router_facts("app.routes.x.other") is None
    assert i.router_facts("app.routes.x.nothing") is None


def test_newer_syntax_is_summarised() -> None:
    source = (
        "from sqlalchemy.ext.asyncio import AsyncSession\n\n"
        "type ReadSession = AsyncSession\n\n"
        "class Box[T](Exception):\n    pass\n\n"
        "def first[T](items: list[T]) -> T:\n    try:\n        return items[0]\n    except IndexError, KeyError:\n        raise Box()\n"
    )
    summary = summarize(source, "app/kit/types.py")
    assert summary is not None
    assert "Box" in summary.classes and summary.classes["Box"].bases == ["builtins.Exception"]
    assert summary.functions["first"].lineno == 8
    assert summary.functions["first"].raises == {"app.kit.types.Box"}
    i = index({"app/__init__.py": "", "app/kit/__init__.py": "", "app/kit/types.py": source, "app/use.py": "from app.kit.types import ReadSession\n"})
    assert i.resolve("app.use", "ReadSession") == "sqlalchemy.ext.asyncio.AsyncSession"
    if sys.version_info < (3, 12):
        assert summarize("type X = (\n", "app/bad.py") is None  # neither parser: still out


def test_escapes_out_across_modules() -> None:
    i = index({
        "app/__init__.py": "",
        "app/a.py": "from app.b import pull, guarded\n\ndef outer(u):\n    return pull(u)\n\ndef quiet(u):\n    return guarded(u)\n\ndef loop(u):\n    return loop2(u)\n\ndef loop2(u):\n    return loop(u)\n",
        "app/b.py": (
            "import httpx\n\ndef pull(u):\n    return httpx.get(u)\n\n"
            "def guarded(u):\n    try:\n        return pull(u)\n    except Exception:\n        return None\n\n"
            "def lazy(u):\n    import openai\n    return openai.OpenAI()\n\ndef uses_lazy(u):\n    return lazy(u)\n"
        ),
    })
    assert i.escapes_out("app.a.outer") and i.escapes_out("app.b.pull")
    assert not i.escapes_out("app.a.quiet") and not i.escapes_out("app.b.guarded")
    assert not i.escapes_out("app.a.loop")  # a cycle, no external call
    assert not i.escapes_out("app.b.lazy")  # a lazily imported SDK does not count for PSL202 ...
    assert i.calls_out("app.b.uses_lazy", lazy=True) and not i.calls_out("app.b.uses_lazy")  # ... but does for PSL801
    assert not i.calls_out("app.a.outer")  # PSL801's reach: not through other modules


def test_class_attributes_through_bases() -> None:
    i = index({
        "app/__init__.py": "",
        "app/base.py": "import logging\n\nclass Base:\n    level = 1\n\n    def __init__(self, logger):\n        self.logger = logging.getLogger(__name__)\n        self.given = logger\n",
        "app/x.py": "from app.base import Base\n\nclass X(Base):\n    pass\n",
    })
    owner, value = i.class_attribute("app.x.X", "logger")
    assert owner == "app.base.Base" and value.kind == "call" and i.produces(i.canonical(value.target)) == "logging.getLogger"
    assert i.class_attribute("app.x.X", "given")[1].kind == "other"  # a parameter: not read
    assert i.class_attribute("app.x.X", "missing") is None
