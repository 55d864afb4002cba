from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.rule import NOT_TESTS, Invalid, Rule, Valid
from py_standards_lint.analysis.upserts import GENERIC_INSERTS, StatementTracker

ON_CONFLICT = frozenset({"on_conflict_do_update", "on_conflict_do_nothing"})


class UpsertGenericInsert(StatementTracker, Rule):
    code = "PSL703"
    name = "upsert-generic-insert"
    message = (
        "ON CONFLICT on a generic `sqlalchemy.insert(...)` (an AttributeError): use the dialect insert "
        "(`from sqlalchemy.dialects.postgresql import insert as pg_insert`)"
    )
    template = (
        "`.{method}()` on a generic `sqlalchemy.insert(...)` (an AttributeError): use the dialect insert "
        "(`from sqlalchemy.dialects.postgresql import insert as pg_insert`)"
    )
    skip_layers = NOT_TESTS
    requires_text = ("on_conflict_do_",)
    example_path = "app/repositories/progress.py"
    why = (
        "`sqlalchemy.insert()` builds a generic `Insert`, which has no `on_conflict_do_update` or "
        "`on_conflict_do_nothing`: the upsert fails with `AttributeError` the first time it runs. "
        "The ON CONFLICT clause is PostgreSQL (or SQLite) syntax and lives on the dialect's insert, "
        "`sqlalchemy.dialects.postgresql.insert` (usually imported as `pg_insert`)."
    )
    example = """\
from sqlalchemy import func, insert

from app.models import Progress


async def save_progress(db, user_id: str, step_id: str) -> None:
    stmt = insert(Progress).values(user_id=user_id, step_id=step_id, completed=True)
    stmt = stmt.on_conflict_do_update(
        index_elements=["user_id", "step_id"],
        set_={"completed": True, "updated_at": func.now()},
    )
    await db.execute(stmt)
"""
    use_instead = """\
from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.models import Progress


async def save_progress(db, user_id: str, step_id: str) -> None:
    stmt = pg_insert(Progress).values(user_id=user_id, step_id=step_id, completed=True)
    stmt = stmt.on_conflict_do_update(
        index_elements=["user_id", "step_id"],
        set_={"completed": True, "updated_at": func.now()},
    )
    await db.execute(stmt)
"""
    valid = (
        Valid(use_instead),
        Valid(
            "from sqlalchemy.dialects import postgresql\n\n"
            "def f(t):\n    return postgresql.insert(t).values(id=1).on_conflict_do_nothing()\n"
        ),
        Valid(
            "import sqlalchemy.dialects.sqlite as sqlite\n\n"
            "def f(t):\n    stmt = sqlite.insert(t)\n    return stmt.on_conflict_do_nothing()\n"
        ),
        Valid(
            "from sqlalchemy import insert\nfrom sqlalchemy.dialects.postgresql import insert as pg_insert\n\n"
            "def f(t):\n    stmt = insert(t)\n    stmt = pg_insert(t).values(id=1)\n    return stmt.on_conflict_do_nothing()\n"
        ),
        # a parameter, not the module-level generic insert statement
        Valid(
            "from sqlalchemy import insert\n\nstmt = insert(T)\n\n"
            "def f(stmt):\n    return stmt.on_conflict_do_nothing()\n"
        ),
        # a local function named insert is not SQLAlchemy's
        Valid("def insert(t):\n    return t\n\ndef f(t):\n    return insert(t).on_conflict_do_nothing()\n"),
        Valid("from sqlalchemy import insert\n\ndef f(t):\n    return insert(t).values(id=1)  # .on_conflict_do_nothing()\n"),
        Valid(
            "from sqlalchemy import insert\n\ndef test_x(t):\n    insert(t).on_conflict_do_nothing()\n",
            path="tests/test_progress.py",
        ),
        # a class attribute is not visible as a bare name in its methods
        Valid(
            "from sqlalchemy import insert\n\nclass Repo:\n    stmt = insert(T)\n\n"
            "    def f(self, stmt):\n        return stmt.on_conflict_do_nothing()\n"
        ),
    )
    invalid = (
        Invalid(example, line=8, col=12),
        Invalid(
            "import sqlalchemy as sa\n\ndef f(t):\n    return sa.insert(t).values(id=1).on_conflict_do_nothing()\n",
            line=4,
            col=12,
        ),
        Invalid(
            "from sqlalchemy import insert as ins\n\nasync def f(db, t):\n    stmt = ins(t)\n"
            "    stmt = stmt.values(id=1)\n    upsert = stmt.on_conflict_do_update(set_={'a': 1})\n    await db.execute(upsert)\n",
            line=6,
            col=14,
        ),
        Invalid(
            "from sqlalchemy import insert\n\nstmt = insert(T).values(id=1)\n\n"
            "def f():\n    def inner():\n        return stmt.on_conflict_do_nothing()\n    return inner\n",
            line=7,
            col=16,
        ),
        Invalid(
            "from sqlalchemy.sql.expression import insert\n\ndef f(t):\n    if (stmt := insert(t)) is not None:\n"
            "        return stmt.on_conflict_do_nothing()\n",
            line=5,
            col=16,
        ),
    )

    @classmethod
    def gate(cls, facts) -> bool:
        return facts.may_reach(GENERIC_INSERTS)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in ON_CONFLICT):
            return
        origins = self.receiver_origins(node)
        if origins and all(origin.is_generic for origin in origins):
            self.report(node, self.template.format(method=func.attr.value))
