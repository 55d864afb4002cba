from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.rule import NOT_TESTS, Invalid, Rule, Valid
from py_standards_lint.analysis.upserts import has_star_args, is_empty_dict, keyword

#: ``on_conflict_do_update(constraint, index_elements, index_where, set_, where)``
SET_POSITION = 3


class UpsertWithoutSet(Rule):
    code = "PSL701"
    name = "upsert-without-set"
    message = "`.on_conflict_do_update()` without `set_=`: say explicitly which columns the upsert updates"
    skip_layers = NOT_TESTS
    requires_text = ("on_conflict_do_update",)
    example_path = "app/repositories/progress.py"
    why = (
        "The standards' upsert is `pg_insert(...).on_conflict_do_update(...)` with an explicit `set_`. "
        "Without `set_` (or with an empty one) SQLAlchemy raises `ValueError` when the statement is built: "
        "there is nothing to update on conflict. Listing the columns also makes it visible which values "
        "an upsert overwrites."
    )
    example = """\
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.models import Progress


async def save_progress(db, user_id: str, step_id: str) -> None:
    stmt = pg_insert(Progress).values(user_id=user_id, step_id=step_id, completed=True)
    stmt = stmt.on_conflict_do_update(index_elements=["user_id", "step_id"])
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
        set_={"completed": stmt.excluded.completed, "updated_at": func.now()},
    )
    await db.execute(stmt)
"""
    valid = (
        Valid(use_instead),
        Valid(
            "from sqlalchemy.dialects.postgresql import insert\n\n"
            "def f(t, values):\n"
            "    return insert(t).values(values).on_conflict_do_update(index_elements=['id'], set_=values)\n"
        ),
        Valid("def f(stmt, opts):\n    return stmt.on_conflict_do_update(**opts)\n"),
        Valid("def f(stmt, c, s):\n    return stmt.on_conflict_do_update(c, None, None, s)\n"),
        Valid("def f(stmt):\n    return stmt.on_conflict_do_nothing(index_elements=['id'])\n"),
        # a local function named dict is not the builtin
        Valid("def dict():\n    return {'a': 1}\n\ndef f(stmt):\n    return stmt.on_conflict_do_update(constraint='pk', set_=dict())\n"),
        Valid("# stmt.on_conflict_do_update(index_elements=['id'])\nx = 'stmt.on_conflict_do_update()'\n"),
        Valid(
            "def test_upsert(stmt):\n    stmt.on_conflict_do_update(index_elements=['id'])\n",
            path="tests/test_progress.py",
        ),
    )
    invalid = (
        Invalid(example, line=8, col=12),
        Invalid(
            "from sqlalchemy.dialects import postgresql\n\n"
            "def f(t):\n"
            "    return postgresql.insert(t).values(id=1).on_conflict_do_update(\n"
            "        index_elements=['id'],\n"
            "    )\n",
            line=4,
            col=12,
        ),
        Invalid("def f(stmt):\n    return stmt.on_conflict_do_update(index_elements=['id'], set_={})\n", line=2, col=12),
        Invalid("def f(stmt):\n    return stmt.on_conflict_do_update(constraint='pk', set_=dict())\n", line=2, col=12),
        Invalid("def f(stmt):\n    return stmt.on_conflict_do_update(constraint='pk', set_=None)\n", line=2, col=12),
        Invalid("class Repo:\n    def f(self, stmt):\n        def inner():\n            return stmt.on_conflict_do_update()\n", line=4, col=20),
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "on_conflict_do_update"):
            return
        if has_star_args(node):
            return
        set_arg = keyword(node, "set_")
        if set_arg is None:
            positional = [arg for arg in node.args if arg.keyword is None]
            if len(positional) > SET_POSITION:
                return
            self.report(node)
        elif isinstance(set_arg.value, cst.Name) and set_arg.value.value == "None":
            self.report(node)
        elif is_empty_dict(set_arg.value, self.ctx.names):
            self.report(node, "`.on_conflict_do_update()` with an empty `set_`: list the columns the upsert updates")

