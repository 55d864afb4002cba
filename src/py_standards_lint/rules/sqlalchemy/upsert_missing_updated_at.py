from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.rule import NOT_TESTS, Invalid, Rule, Valid
from py_standards_lint.analysis.upserts import StatementTracker, is_dict_call, keyword, target_columns
from py_standards_lint.base.names import ModuleNames, string_value
from py_standards_lint.base.settings import Option

MODELS = """\
from datetime import datetime

from sqlalchemy import Column, DateTime, MetaData, String, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class TimestampMixin:
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Progress(Base):
    __tablename__ = "progress"

    user_id: Mapped[str] = mapped_column(String, primary_key=True)
    step_id: Mapped[str] = mapped_column(String, primary_key=True)
    completed: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Badge(TimestampMixin, Base):
    __tablename__ = "badges"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str] = mapped_column(String)


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    label: Mapped[str] = mapped_column(String)


metadata = MetaData()
events = Table(
    "events",
    metadata,
    Column("id", String, primary_key=True),
    Column("kind", String),
    Column("updated_at", DateTime),
)
"""
FILES = {"app/models.py": MODELS}

HEAD = "from sqlalchemy import func\nfrom sqlalchemy.dialects.postgresql import insert as pg_insert\n\nfrom app.models import Badge, Progress, Tag, events\n\n"


class UpsertMissingUpdatedAt(StatementTracker, Rule):
    code = "PSL702"
    name = "upsert-missing-updated-at"
    message = "upsert `set_` lacks the timestamp column (`updated_at`): column defaults are not applied on conflict update"
    template = "upsert `set_` lacks `{columns}`: column defaults are not applied on conflict update"
    skip_layers = NOT_TESTS
    requires_text = ("on_conflict_do_update",)
    needs_index = True
    reads_summary = True
    example_path = "app/repositories/progress.py"
    options = (
        Option(
            "timestamp-columns",
            "list",
            ("updated_at",),
            "Columns an upsert's `set_` must set explicitly when the target model declares them.",
        ),
    )
    why = (
        "Python-side column defaults and `onupdate=` are applied by SQLAlchemy to the INSERT, not to the "
        "`ON CONFLICT DO UPDATE SET ...` part: an upsert whose `set_` leaves out `updated_at` keeps the old "
        "timestamp on every update. Set it explicitly (`\"updated_at\": func.now()`). The target's columns "
        "come from the project index (mapped classes, their bases, and `Table(...)` definitions)."
    )
    example = """\
from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Progress(Base):
    __tablename__ = "progress"

    user_id: Mapped[str] = mapped_column(primary_key=True)
    step_id: Mapped[str] = mapped_column(primary_key=True)
    completed: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=datetime.now, onupdate=datetime.now)


async def save_progress(db, user_id: str, step_id: str) -> None:
    stmt = pg_insert(Progress).values(user_id=user_id, step_id=step_id, completed=True)
    stmt = stmt.on_conflict_do_update(
        index_elements=["user_id", "step_id"],
        set_={"completed": True},
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
        Valid(use_instead, files=FILES),
        Valid(HEAD + "def f(v):\n    return pg_insert(Progress).values(v).on_conflict_do_update(index_elements=['user_id'], set_=v)\n", files=FILES),
        Valid(HEAD + "def f():\n    return pg_insert(Tag).on_conflict_do_update(index_elements=['id'], set_={'label': 'x'})\n", files=FILES),
        Valid(HEAD + "def f():\n    return pg_insert(Progress).on_conflict_do_update(index_elements=['id'], set_=dict(completed=True, updated_at=func.now()))\n", files=FILES),
        Valid(HEAD + "def f():\n    return pg_insert(Progress).on_conflict_do_update(index_elements=['id'], set_={Progress.updated_at: func.now()})\n", files=FILES),
        Valid(HEAD + "def f():\n    return pg_insert(events).on_conflict_do_update(index_elements=['id'], set_={events.c.updated_at: func.now()})\n", files=FILES),
        Valid(HEAD + "def f(s):\n    return pg_insert(Progress).on_conflict_do_update(index_elements=['id'], set_={'completed': True, **s})\n", files=FILES),
        Valid(HEAD + "def f(col):\n    return pg_insert(Progress).on_conflict_do_update(index_elements=['id'], set_={col: func.now()})\n", files=FILES),
        # the target cannot be resolved: silent
        Valid(HEAD + "def f(model):\n    return pg_insert(model).on_conflict_do_update(index_elements=['id'], set_={'a': 1})\n", files=FILES),
        Valid("from sqlalchemy.dialects.postgresql import insert\nfrom app.unknown import Thing\n\ndef f():\n    return insert(Thing).on_conflict_do_update(index_elements=['id'], set_={'a': 1})\n", files=FILES),
        Valid(HEAD + "def f(stmt):\n    return stmt.on_conflict_do_update(index_elements=['id'], set_={'a': 1})\n", files=FILES),
        # a different configured timestamp column the model does not declare
        Valid(HEAD + "def f():\n    return pg_insert(Progress).on_conflict_do_update(index_elements=['id'], set_={'updated_at': 1})\n",
              files=FILES, settings={"timestamp-columns": ["updated_at", "modified_at"]}),
        Valid(HEAD + "def test_f():\n    return pg_insert(Progress).on_conflict_do_update(index_elements=['id'], set_={'a': 1})\n",
              files=FILES, path="tests/test_progress.py"),
    )
    invalid = (
        Invalid(example, line=24, col=9),
        Invalid(HEAD + "def f():\n    return pg_insert(Progress).on_conflict_do_update(index_elements=['id'], set_={'completed': True})\n",
                files=FILES, line=7, col=77),
        Invalid(HEAD + "def f():\n    stmt = pg_insert(Badge).values(id='a', name='b')\n"
                "    stmt = stmt.on_conflict_do_update(index_elements=['id'], set_={Badge.name: stmt.excluded.name})\n",
                files=FILES, line=8, col=62),
        Invalid(HEAD + "def f():\n    return pg_insert(events).on_conflict_do_update(index_elements=['id'], set_=dict(kind='x'))\n",
                files=FILES, line=7, col=75),
        Invalid(HEAD + "def f():\n    return pg_insert(Progress.__table__).on_conflict_do_update(index_elements=['id'], set_={'completed': True})\n",
                files=FILES, line=7, col=87),
        Invalid(
            "from datetime import datetime\nfrom sqlalchemy.orm import Mapped\nfrom sqlalchemy.dialects import postgresql as pg\n\n"
            "class Audit:\n    modified_at: Mapped[datetime]\n\n"
            "def f():\n    return pg.insert(Audit).on_conflict_do_update(index_elements=['id'], set_={'x': 1})\n",
            settings={"timestamp-columns": ["modified_at"]},
            line=9,
            col=74,
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "on_conflict_do_update"):
            return
        set_arg = keyword(node, "set_")
        if set_arg is None:
            return
        keys = literal_keys(set_arg.value, self.ctx.names)
        if keys is None or not keys:  # not a literal (or empty: that is PSL701)
            return
        origins = self.receiver_origins(node)
        if not origins:
            return
        targets = [target_columns(self.ctx, origin.target) for origin in origins]
        if any(columns is None for columns in targets):
            return
        missing = [
            c for c in self.ctx.settings["timestamp-columns"] if c not in keys and all(c in columns for columns in targets)  # type: ignore[operator]
        ]
        if missing:
            self.report(set_arg, self.template.format(columns="`, `".join(missing)))


def literal_keys(value: cst.BaseExpression, names: ModuleNames) -> set[str] | None:
    """The column names a literal ``set_`` sets; ``None`` when it cannot be told (not a literal,
    a ``**`` spread, a key that is a variable)."""
    keys: set[str] = set()
    if isinstance(value, cst.Dict):
        for element in value.elements:
            if not isinstance(element, cst.DictElement):
                return None
            key = _key_name(element.key)
            if key is None:
                return None
            keys.add(key)
        return keys
    if is_dict_call(value, names):
        assert isinstance(value, cst.Call)
        for arg in value.args:
            if arg.star or arg.keyword is None:
                return None
            keys.add(arg.keyword.value)
        return keys
    return None


def _key_name(key: cst.BaseExpression) -> str | None:
    text = string_value(key)
    if text is not None:
        return text
    if isinstance(key, cst.Attribute):  # Model.updated_at, table.c.updated_at
        return key.attr.value
    if isinstance(key, cst.Subscript) and len(key.slice) == 1:  # table.c["updated_at"]
        index = key.slice[0].slice
        if isinstance(index, cst.Index):
            return string_value(index.value)
    return None
