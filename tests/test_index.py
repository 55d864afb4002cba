from pathlib import Path

from py_standards_lint.analysis.index import ProjectIndex, summarize

from .helpers import make_settings

ROOT = Path("/project")

SERVICE = '''\
from app.core.exceptions import StepNotFoundError, Gone
from fastapi import HTTPException


class LocalError(StepNotFoundError):
    pass


async def complete_step(db, step_id):
    """Complete it.

    Raises:
        StepNotFoundError: when missing.
    """
    if not step_id:
        raise StepNotFoundError(step_id)
    helper(step_id)
    raise Gone() from None


def helper(x):
    def nested():
        raise KeyError(x)
    raise LocalError(x)


async def close_http_client():
    pass
'''

DEPS = '''\
from typing import Annotated
from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession
from app.core.db import get_db

DbSession = Annotated[AsyncSession, Depends(get_db)]
NotAlias = Annotated[int, "meta"]
'''

MODELS = '''\
from sqlalchemy import Column, DateTime, Table, MetaData
from sqlalchemy.orm import Mapped, mapped_column, DeclarativeBase

class Base(DeclarativeBase):
    pass

class Step(Base):
    __tablename__ = "steps"
    id: Mapped[str] = mapped_column(primary_key=True)
    updated_at = Column(DateTime)
    note: str = "not a column"

meta = MetaData()
events = Table("events", meta, Column("id"), Column("updated_at", DateTime))
'''

MAIN = '''\
from contextlib import asynccontextmanager
from fastapi import FastAPI
from app.services.steps import close_http_client
from app.core.exceptions import StepNotFoundError

@asynccontextmanager
async def app_lifespan(app):
    yield
    await close_http_client()

app = FastAPI(lifespan=app_lifespan)
app.add_exception_handler(StepNotFoundError, lambda r, e: None)

@app.exception_handler(ValueError)
async def on_value_error(request, exc):
    pass
'''


def build() -> ProjectIndex:
    return ProjectIndex.from_sources(
        ROOT,
        {
            "app/services/steps.py": SERVICE,
            "app/core/deps.py": DEPS,
            "app/models.py": MODELS,
            "app/main.py": MAIN,
            "app/core/exceptions.py": "class StepNotFoundError(Exception):\n    pass\nclass Gone(StepNotFoundError):\n    pass\n",
            "app/broken.py": "def (:\n",
        },
        make_settings(),
    )


def test_functions_raises_and_docs():
    index = build()
    fn = index.function("app.services.steps.complete_step")
    assert fn is not None and fn.is_async
    assert fn.documented == {"StepNotFoundError"}
    assert fn.raises == {"app.core.exceptions.StepNotFoundError", "app.core.exceptions.Gone"}
    assert "app.services.steps.helper" in fn.calls
    helper = index.function("app.services.steps.helper")
    assert helper.raises == {"app.services.steps.LocalError"}  # not the nested def's KeyError


def test_classes_bases_and_columns():
    index = build()
    assert index.is_subclass("app.services.steps.LocalError", {"builtins.Exception"})
    assert index.is_subclass("app.core.exceptions.Gone", {"app.core.exceptions.StepNotFoundError"})
    assert not index.is_subclass("app.core.exceptions.StepNotFoundError", {"app.core.exceptions.Gone"})
    assert index.class_("app.models.Step").columns == {"id", "updated_at"}
    assert index.module("app.models").tables == {"events": {"id", "updated_at"}}


def test_aliases_close_functions_lifespan_and_handlers():
    index = build()
    assert index.di_aliases() == {"app.core.deps.DbSession": "app.core.db.get_db"}
    assert index.module("app.services.steps").close_functions == ["close_http_client"]
    assert "app.services.steps.close_http_client" in index.module("app.main").lifespan_calls
    assert index.exception_handlers() == {"app.core.exceptions.StepNotFoundError", "builtins.ValueError"}


def test_layers_and_unparseable_modules():
    index = build()
    assert index.layer_of_module("app.services.steps") == "services"
    assert index.layer_of_module("app.services.steps.complete_step") == "services"
    assert index.layer_of_module("fastapi") is None
    assert index.module("app.broken") is None
    assert summarize("def (:\n", "x.py") is None


def test_build_from_disk(tmp_path):
    (tmp_path / "app" / "services").mkdir(parents=True)
    (tmp_path / "app" / "services" / "a.py").write_text("def f():\n    raise ValueError()\n")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "junk.py").write_text("x = 1\n")
    settings = make_settings().replace()
    index = ProjectIndex.build(tmp_path, settings)
    assert set(index.modules) == {"app.services.a"}
