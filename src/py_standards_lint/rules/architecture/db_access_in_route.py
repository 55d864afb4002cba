from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.rule import Invalid, Rule, Valid
from py_standards_lint.analysis.sessions import SessionAware, is_query_builder
from py_standards_lint.base.layers import ROUTES

ROUTE_SESSION_METHODS = frozenset(
    {"execute", "scalars", "scalar", "stream", "add", "add_all", "delete", "flush", "commit", "refresh", "merge", "get", "query"}
)
#: project modules of the cases below: a session NewType, alias and subclass, and a re-exported builder
KIT = {
    "app/__init__.py": "",
    "app/kit/__init__.py": "from .db import AsyncSession, ReadSession\nfrom . import sql\n",
    "app/kit/db.py": (
        "from typing import NewType, TypeAlias\nimport sqlalchemy.ext.asyncio as sa\n\n"
        "AsyncSession = NewType('AsyncSession', sa.AsyncSession)\nReadSession: TypeAlias = AsyncSession\n"
        "class WriteSession(sa.AsyncSession):\n    pass\n"
        "class Database:\n    pass\n"
    ),
    "app/kit/sql.py": "from sqlalchemy import select, text\n",
    "app/kit/pep695.py": "from sqlalchemy.orm import Session\n\ntype Sync = Session\n\nclass Box[T]:\n    pass\n",
    "app/kit/fake.py": "def select(*columns):\n    return columns\n",
}
PREAMBLE = "from fastapi import APIRouter\nfrom sqlalchemy.ext.asyncio import AsyncSession\nfrom app.core.database import DbSession\n\nrouter = APIRouter()\n\n"


class DbAccessInRoute(SessionAware, Rule):
    code = "PSL105"
    name = "db-access-in-route"
    message = "Direct DB access in a route: move the query into a repository, called through a service"
    layers = frozenset({ROUTES})
    needs_index = True
    reads_summary = True
    requires_text = (
        "sqlalchemy", "sqlmodel", "execute", "scalar", "stream", "add", "delete", "flush", "commit", "refresh", "merge", "get",
        "query", "select", "insert", "update", "text",
    )
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
        Valid(PREAMBLE + "from databases import Database\n\n@router.get('/x')\nasync def f(db: Database):\n    return await db.get('k')\n"),
        Valid("from app.kit.db import Database\n\nasync def f(db: Database):\n    return await db.get('k')\n", files=KIT),
        Valid("from app.kit.fake import select\n\nasync def f():\n    return select(1)\n", files=KIT),
        Valid("from app.kit import sql\n\nasync def f(sql_text: str):\n    return sql.quote(sql_text)\n", files=KIT),
        Valid("async def f(session: str, items: list):\n    return items.query(session)\n"),
        Valid("from app.kit.db import Database\n\nasync def f(db: Database | None):\n    return await db.query('k')\n", files=KIT),
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
        # (rev 3) session types resolved across the project: NewType, TypeAlias, re-export, subclass, PEP 695
        Invalid(
            "from app.kit import AsyncSession, ReadSession\nfrom app.kit.db import WriteSession\nfrom app.kit.pep695 import Sync\n\n"
            "async def f(a: AsyncSession, b: ReadSession, c: WriteSession, d: 'Sync'):\n"
            "    await a.get(X, 1)\n    await b.refresh(x)\n    c.add(x)\n    d.merge(x)\n",
            at=[(6, 11), (7, 11), (8, 5), (9, 5)], files=KIT,
        ),
        # (rev 3) a builder re-exported by a project module; `.query`; one finding per statement
        Invalid("from app.kit import sql\n\nasync def f(db):\n    return await db.execute(sql.select(X).where(sql.text('1')))\n",
                line=4, col=18, files=KIT),
        Invalid("def f(s: Session):\n    return s.query(User).all()\n", line=2, col=12,
                settings={"session-aliases": ["Session"]}),
        Invalid("from sqlalchemy.orm import Session\n\ndef f(db: Session):\n    if db.query(User).first():\n        db.delete(select(X))\n        db.flush()\n",
                at=[(4, 8), (5, 9), (6, 9)]),
        # (rev 3) a session alias defined by a PEP 695 statement in the checked route module itself
        Invalid("from sqlalchemy.orm import Session\n\ntype Db = Session\n\ndef f(conn: Db):\n    conn.merge(x)\n", line=6, col=5),
        # (rev 3) an annotation nothing resolves never turns a session-names name off
        Invalid(PREAMBLE + "@router.get('/x')\nasync def f(db: Database):\n    return await db.get('k')\n", line=9, col=18),
        Invalid("from app.kit.missing import Thing\n\nasync def f(session: Thing):\n    await session.commit()\n", line=4, col=11, files=KIT),
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in ROUTE_SESSION_METHODS and self.sessions.is_session(func.value):
            self._once(node)
        elif is_query_builder(self.ctx, node):
            self._once(node)

    # (rev 3) one finding per statement: the first session call or builder in it
    def _once(self, node: cst.Call) -> None:
        statement = self.ctx.statements[-1] if self.ctx.statements else (self._headers[-1] if self._headers else None)
        if statement is not None:
            if id(statement) in self._reported:
                return
            self._reported.add(id(statement))
        self.report(node)

    @property
    def _reported(self) -> set[int]:
        return self.__dict__.setdefault("_reported_statements", set())

    @property
    def _headers(self) -> list[cst.CSTNode]:
        """The compound statements whose header (``if``/``while`` test, ``for`` iterable, ``with`` items,
        ``match`` subject) the traversal is in; their bodies' simple statements are ``ctx.statements``."""
        return self.__dict__.setdefault("_header_stack", [])

    def visit_If(self, node: cst.CSTNode) -> None:
        self._headers.append(node)

    def leave_If(self, node: cst.CSTNode) -> None:
        self._headers.pop()

    visit_While = visit_For = visit_With = visit_Match = visit_If
    leave_While = leave_For = leave_With = leave_Match = leave_If
