from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.rule import Invalid, Rule, Valid
from py_standards_lint.analysis.sessions import SessionAware, is_query_builder
from py_standards_lint.base.layers import SERVICES

QUERY_METHODS = frozenset({"execute", "scalars", "scalar", "stream", "query"})
KIT = {
    "app/__init__.py": "",
    "app/kit/__init__.py": "from .db import AsyncSession\nfrom . import sql\n",
    "app/kit/db.py": (
        "from typing import Annotated, NewType\nimport sqlalchemy.orm as orm\n\n"
        "AsyncSession = NewType('AsyncSession', orm.Session)\nInjected = Annotated[AsyncSession, 'dependency']\n"
        "class Client:\n    pass\n"
    ),
    "app/kit/sql.py": "from sqlalchemy import select, insert\nfrom sqlalchemy.dialects.postgresql import insert as pg_insert\n",
}
PREAMBLE = "from sqlalchemy.ext.asyncio import AsyncSession\n\n"


class SqlInService(SessionAware, Rule):
    code = "PSL107"
    name = "sql-in-service"
    message = "SQL in a service: build and run queries in a repository; the service orchestrates and commits"
    layers = frozenset({SERVICES})
    needs_index = True
    reads_summary = True
    requires_text = ("sqlalchemy", "sqlmodel", "execute", "scalar", "stream", "query", "select", "insert", "update", "delete", "text")
    example_path = "app/services/steps.py"
    why = (
        "Services orchestrate operations and own the transaction; repositories execute queries. SQL "
        "written in a service mixes the two, so the query cannot be reused or tested on its own and the "
        "service grows database details."
    )
    example = """\
from sqlalchemy import select

async def complete_step(db: AsyncSession, step_id: str) -> None:
    step = (await db.execute(select(Step).where(Step.id == step_id))).scalar_one()
    step.completed = True
    await db.commit()
"""
    use_instead = """\
async def complete_step(db: AsyncSession, step_id: str) -> None:
    step = await steps_repo.get_step(db, step_id)
    await steps_repo.mark_complete(db, step)
    await db.commit()
"""
    valid = (
        Valid(PREAMBLE + "async def f(db: AsyncSession, x):\n    db.add(x)\n    await db.commit()\n    await db.refresh(x)\n"),
        Valid(PREAMBLE + "async def f(db: AsyncSession):\n    return await steps_repo.get_step(db, 'x')\n"),
        Valid("async def f(request):\n    return request.session.get('k')\n"),
        Valid("async def f(client):\n    return await client.execute(job)\n"),
        Valid("def select(x):\n    return x\n\ndef f():\n    return select(1)\n"),
        Valid("# select(Step)\nx = 'await db.execute(q)'\n"),
        Valid("from sqlalchemy import select\n\nasync def f(db):\n    return select(x)\n", path="app/repositories/steps.py"),
        Valid("from sqlalchemy import func, and_\n\nq = and_(func.count())\n"),
        Valid("from app.kit.db import Client\n\nasync def f(db: Client):\n    return await db.query(q)\n", files=KIT),
        Valid("from app.kit import sql\n\ndef f(items):\n    return sql.escape(items)\n", files=KIT),
        Valid("async def f(search):\n    return await search.query(q)\n"),
    )
    invalid = (
        Invalid("from sqlalchemy import select\n\nasync def f(db):\n    return select(Step)\n", line=4, col=12),
        Invalid(PREAMBLE + "async def f(s: AsyncSession):\n    await s.execute(q)\n    await s.commit()\n", line=4, col=11),
        Invalid(
            "from app.core.database import DbSessionReadOnly\n\nasync def f(reader: DbSessionReadOnly):\n    return await reader.scalar(q)\n",
            line=4, col=18,
        ),
        Invalid("async def f(db_session):\n    async for row in await db_session.stream(q):\n        yield row\n", line=2, col=28),
        Invalid(
            "from sqlalchemy import text\n\nclass StepService:\n    async def run(self):\n        return await self.db.execute(text('SELECT 1'))\n",
            at=[(5, 22), (5, 38)],
        ),
        Invalid("import sqlalchemy\n\nq = sqlalchemy.update(T)\n", path="app/billing_service.py", line=3, col=5),
        Invalid("async def f(db):\n    x = db.add(y)\n    return await db.scalars(q)\n", line=3, col=18, settings={"session-names": ["db"]}),
        # (rev 3) `.query`, session types and builders resolved across the project
        Invalid("from app.kit.db import Injected\n\ndef f(s: Injected):\n    return s.query(User).all()\n", line=4, col=12, files=KIT),
        Invalid("from app.kit import sql\n\ndef f():\n    a = sql.select(X)\n    return sql.pg_insert(T)\n", at=[(4, 9), (5, 12)], files=KIT),
        Invalid("from app.kit.missing import Unknown\n\ndef f(session: Unknown):\n    return session.query(User)\n", line=4, col=12, files=KIT),
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in QUERY_METHODS and self.sessions.is_session(func.value):
            self.report(node)
        elif is_query_builder(self.ctx, node):
            self.report(node)
