"""Upsert rules (PSL701-PSL703): following statements through local variables, resolving the
insert function and its target model, and the `timestamp-columns` option."""

import pytest

from py_standards_lint.base.settings import ConfigError

from .helpers import lint, make_settings, positions

REPO = "app/repositories/progress.py"
MODELS = """\
from datetime import datetime

from sqlalchemy import Column, DateTime, MetaData, String, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class TimestampMixin:
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Progress(TimestampMixin, Base):
    __tablename__ = "progress"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    completed: Mapped[bool] = mapped_column(default=False)
    modified_at = Column(DateTime)


class Plain(Base):
    __tablename__ = "plain"

    id: Mapped[str] = mapped_column(String, primary_key=True)


metadata = MetaData()
audit = Table("audit", metadata, Column("id", String), Column("updated_at", DateTime))
"""
FILES = {"app/models.py": MODELS, "app/models_pkg/__init__.py": "from app.models import Progress as Progress\n"}


def codes(code: str, path: str = REPO, settings=None, files=FILES) -> list[tuple[str, int, int]]:
    return sorted((f.code, f.line, f.column) for f in lint(code, path, settings, files) if f.code.startswith("PSL70"))


def test_statement_followed_through_reassignments_and_chains():
    code = (
        "from sqlalchemy import insert\n\n"
        "async def f(db):\n"
        "    stmt = insert(T)\n"
        "    stmt = stmt.values(id=1)\n"
        "    stmt = stmt.returning(T.id)\n"
        "    done = stmt.on_conflict_do_update(index_elements=['id'], set_={'a': 1})\n"
    )
    assert codes(code) == [("PSL703", 7, 12)]


def test_a_rebinding_to_a_dialect_insert_wins_in_source_order():
    code = (
        "from sqlalchemy import insert\nfrom sqlalchemy.dialects.postgresql import insert as pg_insert\n\n"
        "def f(t):\n    stmt = pg_insert(t)\n    stmt = insert(t)\n    return stmt.on_conflict_do_nothing()\n\n"
        "def g(t):\n    stmt = insert(t)\n    stmt = pg_insert(t)\n    return stmt.on_conflict_do_nothing()\n"
    )
    assert codes(code) == [("PSL703", 7, 12)]


def test_scopes_do_not_leak_between_functions():
    code = (
        "from sqlalchemy import insert\n\n"
        "def f(t):\n    stmt = insert(t)\n    return stmt\n\n"
        "def g(stmt):\n    return stmt.on_conflict_do_nothing()\n\n"
        "def h():\n    return stmt.on_conflict_do_nothing()\n"
    )
    assert codes(code) == []  # `stmt` in h is not f's local


def test_loop_and_with_targets_and_tuple_unpacking_forget_the_statement():
    code = (
        "from sqlalchemy import insert\n\n"
        "def f(t, rows, ctx):\n"
        "    stmt = insert(t)\n    for stmt in rows:\n        stmt.on_conflict_do_nothing()\n"
        "    stmt = insert(t)\n    with ctx as stmt:\n        stmt.on_conflict_do_nothing()\n"
        "    stmt = insert(t)\n    stmt, other = rows\n    stmt.on_conflict_do_nothing()\n"
    )
    assert codes(code) == []


def test_dialect_inserts_spelled_every_way():
    for head, call in [
        ("from sqlalchemy.dialects.postgresql import insert", "insert"),
        ("from sqlalchemy.dialects.postgresql.dml import insert", "insert"),
        ("import sqlalchemy.dialects.postgresql as pg", "pg.insert"),
        ("from sqlalchemy.dialects import sqlite", "sqlite.insert"),
        ("from sqlalchemy.dialects.mysql import insert", "insert"),
    ]:
        code = f"{head}\n\ndef f(t):\n    return {call}(t).on_conflict_do_nothing()\n"
        assert codes(code) == [], head


def test_generic_insert_spelled_every_way():
    for head, call in [
        ("import sqlalchemy", "sqlalchemy.insert"),
        ("import sqlalchemy as sa", "sa.insert"),
        ("from sqlalchemy.sql import insert", "insert"),
        ("from sqlalchemy.sql.expression import insert as ins", "ins"),
    ]:
        code = f"{head}\n\ndef f(t):\n    return {call}(t).on_conflict_do_nothing()\n"
        assert codes(code) == [("PSL703", 4, 12)], head


def test_generic_insert_without_set_is_two_findings():
    code = "from sqlalchemy import insert\n\ndef f(t):\n    return insert(t).on_conflict_do_update(index_elements=['id'])\n"
    assert codes(code) == [("PSL701", 4, 12), ("PSL703", 4, 12)]


def test_updated_at_from_a_mixin_in_another_module_and_a_reexport():
    code = (
        "from sqlalchemy.dialects.postgresql import insert\nfrom app.models_pkg import Progress\n\n"
        "def f():\n    return insert(Progress).on_conflict_do_update(index_elements=['id'], set_={'completed': True})\n"
    )
    # app.models_pkg re-exports app.models.Progress, whose updated_at comes from a mixin
    assert codes(code) == [("PSL702", 5, 74)]
    direct = code.replace("from app.models_pkg import Progress", "from app.models import Progress")
    assert codes(direct) == [("PSL702", 5, 74)]
    unknown = code.replace("from app.models_pkg import Progress", "from app.models_pkg import Missing as Progress")
    assert codes(unknown) == []


def test_target_defined_in_the_checked_module_itself():
    code = (
        "from datetime import datetime\nfrom sqlalchemy.orm import Mapped\n"
        "from sqlalchemy.dialects.postgresql import insert\n\n"
        "class Stamp:\n    updated_at: Mapped[datetime]\n\n"
        "class Row(Stamp):\n    id: Mapped[int]\n\n"
        "def f():\n    return insert(Row).on_conflict_do_update(index_elements=['id'], set_={'id': 1})\n"
    )
    assert codes(code, files={}) == [("PSL702", 12, 69)]


def test_timestamp_columns_option_checks_each_declared_column():
    code = (
        "from sqlalchemy.dialects.postgresql import insert\nfrom app.models import Progress, Plain, audit\n\n"
        "def f():\n    insert(Progress).on_conflict_do_update(index_elements=['id'], set_={'updated_at': 1})\n"
        "    insert(Plain).on_conflict_do_update(index_elements=['id'], set_={'id': 1})\n"
        "    insert(audit).on_conflict_do_update(index_elements=['id'], set_={'id': 1})\n"
    )
    settings = {"timestamp-columns": ["updated_at", "modified_at"]}
    found = lint(code, REPO, settings, FILES)
    messages = {f.line: f.message for f in found if f.code == "PSL702"}
    assert sorted(messages) == [5, 7]
    assert "`modified_at`" in messages[5] and "`updated_at`" not in messages[5]
    assert "`updated_at`" in messages[7]


def test_timestamp_columns_option_is_validated():
    with pytest.raises(ConfigError, match="timestamp-columns"):
        make_settings({"timestamp-columns": "updated_at" and 3})


def test_noqa_on_the_set_line():
    code = (
        "from sqlalchemy.dialects.postgresql import insert\nfrom app.models import Progress\n\n"
        "def f():\n    return insert(Progress).on_conflict_do_update(\n        index_elements=['id'],\n"
        "        set_={'completed': True},  # noqa: PSL702\n    )\n"
    )
    assert codes(code) == []


def test_tests_layer_is_skipped():
    code = "from sqlalchemy import insert\n\ndef test_f(t):\n    insert(t).on_conflict_do_update()\n"
    assert positions(lint(code, "tests/test_upserts.py")) == []


def test_a_name_bound_differently_in_branches_is_decided_only_when_all_agree():
    code = (
        "from sqlalchemy import insert\nfrom sqlalchemy.dialects.postgresql import insert as pg_insert\n\n"
        "def multi_dialect(t, dialect):\n"
        "    if dialect == 'postgresql':\n        stmt = pg_insert(t)\n    else:\n        stmt = insert(t)\n"
        "    return stmt.on_conflict_do_nothing()\n\n"
        "def maybe_rebound(t, flag):\n"
        "    stmt = insert(t)\n    if flag:\n        stmt = pg_insert(t)\n    return stmt.on_conflict_do_nothing()\n\n"
        "def only_in_a_branch(t, flag):\n"
        "    if flag:\n        stmt = insert(t)\n    return stmt.on_conflict_do_nothing()\n\n"
        "def both_generic(t, flag):\n"
        "    if flag:\n        stmt = insert(t).values(a=1)\n    else:\n        stmt = insert(t).values(a=2)\n"
        "    return stmt.on_conflict_do_nothing()\n\n"
        "def in_a_handler(t):\n"
        "    stmt = insert(t)\n    try:\n        pass\n    except ValueError:\n        stmt = pg_insert(t)\n"
        "    return stmt.on_conflict_do_nothing()\n\n"
        "def walrus_in_a_test(t):\n"
        "    if (stmt := insert(t)) is not None:\n        pass\n    return stmt.on_conflict_do_nothing()\n"
    )
    assert [line for _, line, _ in codes(code)] == [27, 40]


def test_updated_at_checked_for_every_possible_target():
    code = (
        "from sqlalchemy.dialects.postgresql import insert\nfrom app.models import Progress, Plain\n\n"
        "def f(flag):\n"
        "    stmt = insert(Progress)\n    if flag:\n        stmt = insert(Plain)\n"
        "    return stmt.on_conflict_do_update(index_elements=['id'], set_={'id': 1})\n\n"
        "def g(flag):\n"
        "    stmt = insert(Progress)\n    if flag:\n        stmt = insert(Progress).values(id=1)\n"
        "    return stmt.on_conflict_do_update(index_elements=['id'], set_={'id': 1})\n"
    )
    assert codes(code) == [("PSL702", 14, 62)]


def test_elif_chains_and_one_line_branches():
    code = (
        "from sqlalchemy import insert\nfrom sqlalchemy.dialects.postgresql import insert as pg_insert\n\n"
        "def chain(t, a, b):\n"
        "    if a: stmt = insert(t)\n    elif b: stmt = insert(t).values(x=1)\n    else: stmt = insert(t).values(x=2)\n"
        "    return stmt.on_conflict_do_nothing()\n\n"
        "def chain_with_a_dialect(t, a, b):\n"
        "    if a: stmt = insert(t)\n    elif b: stmt = pg_insert(t)\n    else: stmt = insert(t)\n"
        "    return stmt.on_conflict_do_nothing()\n\n"
        "def chain_without_else(t, a, b):\n"
        "    if a: stmt = insert(t)\n    elif b: stmt = insert(t)\n"
        "    return stmt.on_conflict_do_nothing()\n"
    )
    assert [line for _, line, _ in codes(code)] == [8]
