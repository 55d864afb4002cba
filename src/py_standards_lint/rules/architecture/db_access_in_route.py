from __future__ import annotations

import libcst as cst

from ...layers import ROUTES
from ...rule import Invalid, Rule, Valid
from ...sessions import SessionAware, is_query_builder

ROUTE_SESSION_METHODS = frozenset(
    {"execute", "scalars", "scalar", "stream", "add", "add_all", "delete", "flush", "commit", "refresh", "merge", "get"}
)
PREAMBLE = "from fastapi import APIRouter\nfrom sqlalchemy.ext.asyncio import AsyncSession\nfrom app.core.database import DbSession\n\nrouter = APIRouter()\n\n"


class DbAccessInRoute(SessionAware, Rule):
    code = "PSL105"
    name = "db-access-in-route"
    message = "Direct DB access in a route: move the query into a repository, called through a service"
    layers = frozenset({ROUTES})
    needs_index = True
    requires_text = ("sqlalchemy", "sqlmodel", "execute", "scalar", "stream", "add", "delete", "flush", "commit", "refresh", "merge", "get")
    example_path = "app/routes/steps.py"
    why = (
        "Routes validate input, call services and return responses; they do no direct DB access. A query "
        "in a route bypasses the service's business rules and transaction handling, and cannot be reused "
        "or tested without HTTP."
    )
    example = """\
@router.get("/{step_id}")
async def get_step(step_id: str, db: DbSession) -> StepResponse:
    step = await db.get(Step, step_id)
    return StepResponse.model_validate(step)
"""
    use_instead = """\
@router.get("/{step_id}")
async def get_step(step_id: str, db: DbSession) -> StepResponse:
    step = await step_service.get_step(db, step_id)
    return StepResponse.model_validate(step)
"""
    valid = (
        Valid(PREAMBLE + "@router.get('/x')\nasync def f(db: DbSession):\n    return await step_service.get_step(db, 'x')\n"),
        Valid(PREAMBLE + "@router.get('/x')\nasync def f(request: Request):\n    return request.session.get('user')\n"),
        Valid(PREAMBLE + "@router.get('/x')\nasync def f(cache: dict):\n    return cache.get('k')\n"),
        Valid(PREAMBLE + "@router.get('/x')\nasync def f(request: Request):\n    session = request.session\n    return session.get('user')\n"),
        Valid(PREAMBLE + "@router.get('/x')\nasync def f(db: Database):\n    return await db.get('k')\n"),
        Valid(PREAMBLE + "@router.get('/x')\ndef f(session: dict[str, str]):\n    return session.get('k')\n"),
        Valid(PREAMBLE + "@router.delete('/x')\nasync def f(items: list, client: Client):\n    await client.delete('/x')\n"),
        Valid("def select(x):\n    return x\n\ndef f():\n    return select(1)\n"),
        Valid("# await db.execute(select(Step))\nx = 'db.execute(select(Step))'\n"),
        Valid(PREAMBLE + "async def f(db: DbSession):\n    await db.execute(x)\n", path="app/repositories/steps.py"),
        Valid(PREAMBLE + "async def f(session: DbSession):\n    def inner(session: dict):\n        return session.get('k')\n    return inner\n", settings={"session-names": []}),
    )
    invalid = (
        Invalid(PREAMBLE + "@router.get('/x')\nasync def f(db: DbSession):\n    return await db.get(Step, 1)\n", line=9, col=18),
        Invalid(PREAMBLE + "async def f(s: AsyncSession):\n    s.add(x)\n    await s.commit()\n", at=[(8, 5), (9, 11)]),
        Invalid(
            "from typing import Annotated, Optional\nfrom sqlalchemy.orm import Session\n\n"
            "def f(a: Annotated[Session, Depends(get_db)], b: Optional[Session], c: 'Session | None'):\n"
            "    a.flush()\n    b.merge(x)\n    c.refresh(x)\n",
            at=[(5, 5), (6, 5), (7, 5)],
        ),
        Invalid("from sqlalchemy import select, text\n\ndef f():\n    q = select(Step)\n    return text('SELECT 1')\n", at=[(4, 9), (5, 12)]),
        Invalid("import sqlalchemy as sa\nfrom sqlalchemy.dialects.postgresql import insert as pg_insert\n\nq = sa.delete(T)\nr = pg_insert(T)\n", at=[(4, 5), (5, 5)]),
        Invalid(
            "from sqlalchemy.ext.asyncio import async_sessionmaker\n\nSessionLocal = async_sessionmaker(engine)\n\n"
            "async def f():\n    async with SessionLocal() as s:\n        await s.execute(q)\n",
            line=7, col=15,
        ),
        Invalid(
            "from app.core.database import SessionLocal\n\nasync def f():\n    async with SessionLocal() as conn:\n        await conn.scalars(q)\n",
            line=5, col=15,
            files={"app/__init__.py": "", "app/core/__init__.py": "", "app/core/database.py": "from sqlalchemy.orm import sessionmaker\n\nSessionLocal = sessionmaker(engine)\n"},
        ),
        Invalid("async def f(db):\n    rows = (await db.execute(q)).all()\n", line=2, col=19),
        Invalid("from app.db import SessionLocal\n\nasync def f(db: DbSession):\n    db = other\n    async with SessionLocal() as db:\n        await db.delete(x)\n", line=6, col=15,
                files={"app/__init__.py": "", "app/db.py": "from sqlalchemy.orm import sessionmaker\nSessionLocal = sessionmaker()\n"}),
        Invalid("class Handler:\n    def run(self):\n        return self.session.scalar(q)\n", line=3, col=16),
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in ROUTE_SESSION_METHODS and self.sessions.is_session(func.value):
            self.report(node)
        elif is_query_builder(self.ctx, node):
            self.report(node)
