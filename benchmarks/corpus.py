"""The benchmark corpora: copies of real trees and a generated FastAPI-shaped project.

Everything is written under a work folder the benchmark owns (default: a ``benchmarks/.work`` folder, ignored
by git); nothing generated is committed. The generated project is deterministic: the same arguments give the same
bytes, so runs on different days measure the same code.
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import sysconfig
from pathlib import Path

#: folders no tool should walk into (the linter skips these too, so every tool sees the same files)
SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", "build", "dist", ".tox", ".nox",
        ".mypy_cache", ".pytest_cache", ".ruff_cache", ".py-standards-lint-cache", "site-packages",
    }
)


def python_files(root: Path) -> list[Path]:
    """Every ``.py`` file under ``root`` in a stable order, skipping tool folders."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info"))
        found.extend(Path(folder, name) for name in sorted(files) if name.endswith(".py"))
    return found


def copy_tree(source: Path, target: Path) -> Path:
    """Copy the ``.py`` files of ``source`` (skipping tool folders) to ``target``, once."""
    marker = target / ".complete"
    if marker.exists():
        return target
    if target.exists():
        shutil.rmtree(target)
    for path in python_files(source):
        dest = target / path.relative_to(source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
    marker.write_text(str(source))
    return target


def stdlib_dir() -> Path:
    return Path(sysconfig.get_paths()["stdlib"])


def site_packages_dir(venv: Path) -> Path | None:
    found = sorted(venv.glob("lib/python*/site-packages"))
    return found[0] if found else None


# -- the generated FastAPI project ---------------------------------------------------------

ENTITIES = (
    "account", "address", "alert", "answer", "article", "asset", "audit", "badge", "balance", "basket", "batch",
    "bill", "booking", "branch", "budget", "campaign", "card", "cart", "category", "channel", "charge", "checkout",
    "claim", "clinic", "comment", "company", "contact", "contract", "coupon", "course", "credit", "customer",
    "dashboard", "deal", "delivery", "department", "device", "discount", "document", "donation", "draft", "employee",
    "enrollment", "event", "expense", "export", "feature", "feedback", "file", "folder", "forecast", "friend",
    "goal", "grade", "group", "guest", "habit", "importer", "incident", "invoice", "issue", "item", "job", "journal",
    "label", "lead", "lesson", "license", "listing", "location", "log", "loyalty", "member", "message", "metric",
    "milestone", "module", "note", "notice", "offer", "order", "package", "page", "partner", "payment", "payout",
    "permission", "photo", "plan", "playlist", "policy", "post", "price", "product", "profile", "project",
    "promotion", "purchase", "question", "quiz", "quote", "rating", "receipt", "referral", "refund", "region",
    "reminder", "report", "request", "reservation", "review", "reward", "role", "route", "schedule", "score",
    "seat", "segment", "session", "shipment", "skill", "slot", "snapshot", "source", "sprint", "stage", "step",
    "store", "subscription", "supplier", "survey", "tag", "task", "team", "template", "tenant", "ticket",
    "timesheet", "token", "topic", "tour", "trade", "transfer", "trip", "unit", "upload", "user", "vehicle",
    "vendor", "visit", "voucher", "wallet", "warehouse", "webhook", "widget", "workflow", "workspace",
)

ROUTE_HEAD = '''"""HTTP endpoints for {plural}."""

from fastapi import APIRouter, HTTPException, Request, status

from app.core.auth import UserId
from app.core.database import DbSession
from app.core.exceptions import {Cls}AlreadyExistsError, {Cls}NotFoundError
from app.core.limiter import limiter
from app.schemas.{name} import {Cls}Create, {Cls}Response, {Cls}Update
from app.services import {name} as {name}_service

router = APIRouter(prefix="/{plural}", tags=["{plural}"])
'''

ROUTE_FN = '''

@router.get(
    "/{{{name}_id}}/{action}",
    response_model={Cls}Response,
    summary="{Action} a {name}",
    responses={{404: {{"description": "{Cls} not found"}}}},
)
async def {action}_{name}(request: Request, {name}_id: str, user_id: UserId, db: DbSession) -> {Cls}Response:
    try:
        item = await {name}_service.{action}_{name}(db, user_id, {name}_id)
    except {Cls}NotFoundError as e:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail=str(e))
    return {Cls}Response.model_validate(item)


@router.post(
    "/{{{name}_id}}/{action}",
    status_code=status.HTTP_201_CREATED,
    summary="{Action} a {name} from a payload",
    responses={{409: {{"description": "{Cls} exists"}}}},
)
@limiter.limit("{limit}/minute")
async def {action}_{name}_from_payload(
    request: Request, {name}_id: str, payload: {Cls}Create, user_id: UserId, db: DbSession
) -> {Cls}Response:
    try:
        item = await {name}_service.create_{name}(db, user_id, payload.model_dump())
    except {Cls}AlreadyExistsError as e:
        raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail=str(e)) from e
    return {Cls}Response.model_validate(item)
'''

SERVICE_HEAD = '''"""Business rules for {plural}."""

import logging
from datetime import datetime, timezone

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.exceptions import {Cls}AlreadyExistsError, {Cls}NotFoundError
from app.core.http import get_http_client
from app.repositories import {name} as {name}_repo

logger = logging.getLogger(__name__)
'''

SERVICE_FN = '''

async def {action}_{name}(db: AsyncSession, user_id: str, {name}_id: str) -> dict:
    """{Action} one {name}.

    Raises:
        {Cls}NotFoundError: the {name} does not exist.
    """
    item = await {name}_repo.get_{name}(db, {name}_id)
    if item is None:
        raise {Cls}NotFoundError({name}_id)
    if item.get("archived"):
        logger.warning("{name}.{action}.archived", extra={{"{name}_id": {name}_id, "user_id": user_id}})
        return item
    item["updated_at"] = datetime.now(timezone.utc).isoformat()
    await {name}_repo.update_{name}(db, {name}_id, item)
    await db.commit()
    logger.info("{name}.{action}", extra={{"{name}_id": {name}_id, "user_id": user_id}})
    return item


async def sync_{name}_{action}(user_id: str, {name}_id: str) -> dict:
    client = get_http_client()
    try:
        response = await client.get(f"/{plural}/{{{name}_id}}", params={{"user": user_id}})
        response.raise_for_status()
    except httpx.HTTPStatusError as e:
        logger.exception("{name}.{action}.sync_failed", extra={{"status": e.response.status_code}})
        raise
    payload = response.json()
    values = [value for value in payload.get("values", []) if value is not None]
    return {{"count": len(values), "total": sum(int(v) for v in values if str(v).isdigit())}}
'''

SERVICE_TAIL = '''

async def create_{name}(db: AsyncSession, user_id: str, values: dict) -> dict:
    """Create a {name}.

    Raises:
        {Cls}AlreadyExistsError: one with the same key exists.
    """
    existing = await {name}_repo.find_{name}_by_key(db, values.get("key", ""))
    if existing is not None:
        raise {Cls}AlreadyExistsError(values.get("key", ""))
    item = await {name}_repo.insert_{name}(db, {{**values, "owner_id": user_id}})
    await db.commit()
    logger.info("{name}.created", extra={{"user_id": user_id}})
    return item
'''

REPO_HEAD = '''"""Queries for {plural}."""

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import {Cls}


async def get_{name}(db: AsyncSession, {name}_id: str) -> dict | None:
    row = (await db.execute(select({Cls}).where({Cls}.id == {name}_id))).scalar_one_or_none()
    return row.as_dict() if row is not None else None


async def find_{name}_by_key(db: AsyncSession, key: str) -> dict | None:
    row = (await db.execute(select({Cls}).where({Cls}.key == key))).scalar_one_or_none()
    return row.as_dict() if row is not None else None


async def insert_{name}(db: AsyncSession, values: dict) -> dict:
    statement = insert({Cls}).values(**values).on_conflict_do_nothing(index_elements=["key"]).returning({Cls})
    row = (await db.execute(statement)).scalar_one()
    await db.flush()
    return row.as_dict()


async def update_{name}(db: AsyncSession, {name}_id: str, values: dict) -> None:
    await db.execute(update({Cls}).where({Cls}.id == {name}_id).values(**values))
    await db.flush()
'''

REPO_FN = '''

async def list_{name}_{action}(db: AsyncSession, owner_id: str, limit: int = 50, offset: int = 0) -> list[dict]:
    statement = (
        select({Cls})
        .where({Cls}.owner_id == owner_id, {Cls}.stage == "{action}")
        .order_by({Cls}.created_at.desc())
        .limit(limit)
        .offset(offset)
    )
    rows = (await db.execute(statement)).scalars().all()
    return [row.as_dict() for row in rows]
'''

TEST_HEAD = '''"""Tests for the {plural} service."""

from unittest.mock import AsyncMock

import pytest

from app.core.exceptions import {Cls}NotFoundError
from app.services import {name} as {name}_service
'''

TEST_FN = '''

@pytest.mark.asyncio
async def test_{action}_{name}_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr({name}_service.{name}_repo, "get_{name}", AsyncMock(return_value=None))
    db = AsyncMock()
    with pytest.raises({Cls}NotFoundError):
        await {name}_service.{action}_{name}(db, "user-1", "{name}-1")
    db.commit.assert_not_awaited()


@pytest.mark.asyncio
async def test_{action}_{name}_updates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr({name}_service.{name}_repo, "get_{name}", AsyncMock(return_value={{"id": "{name}-1"}}))
    monkeypatch.setattr({name}_service.{name}_repo, "update_{name}", AsyncMock())
    db = AsyncMock()
    item = await {name}_service.{action}_{name}(db, "user-1", "{name}-1")
    assert item["id"] == "{name}-1"
    db.commit.assert_awaited_once()
'''

#: violations sprinkled in deterministically (so findings, and their positions, are part of the work)
VIOLATIONS = {
    "services": '''

async def legacy_{name}_lookup(db: AsyncSession, {name}_id: str) -> dict:
    item = await {name}_repo.get_{name}(db, {name}_id)
    if item is None:
        from fastapi import HTTPException

        raise HTTPException(404, "Not found")
    logger.info(f"{name} {{{name}_id}} looked up")
    async with httpx.AsyncClient() as client:
        await client.post("https://example.invalid/audit", json={{"id": {name}_id}})
    return item
''',
    "repositories": '''

async def delete_{name}(db: AsyncSession, {name}_id: str) -> None:
    row = await get_{name}(db, {name}_id)
    if row is not None:
        await db.execute(update({Cls}).where({Cls}.id == {name}_id).values(deleted=True))
        await db.commit()
''',
}

ACTIONS = (
    "approve", "archive", "assign", "cancel", "close", "complete", "confirm", "duplicate", "escalate", "export",
    "flag", "freeze", "merge", "open", "pause", "publish", "refresh", "reject", "release", "renew", "reopen",
    "restore", "resume", "schedule", "share", "submit", "suspend", "transfer", "unlock", "verify",
)

CORE = {
    "app/__init__.py": "",
    "app/core/__init__.py": "",
    "app/routes/__init__.py": "",
    "app/services/__init__.py": "",
    "app/repositories/__init__.py": "",
    "app/schemas/__init__.py": "",
    "tests/__init__.py": "",
    "app/core/auth.py": '''from typing import Annotated

from fastapi import Depends, HTTPException, Request


async def get_current_user(request: Request) -> str:
    user = request.headers.get("x-user")
    if not user:
        raise HTTPException(status_code=401, detail="Not authenticated")
    return user


UserId = Annotated[str, Depends(get_current_user)]
''',
    "app/core/database.py": '''from typing import Annotated, AsyncIterator

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("postgresql+asyncpg://localhost/app")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)


async def get_db() -> AsyncIterator[AsyncSession]:
    async with SessionLocal() as session:
        yield session


DbSession = Annotated[AsyncSession, Depends(get_db)]
''',
    "app/core/limiter.py": '''from slowapi import Limiter
from slowapi.util import get_remote_address

limiter = Limiter(key_func=get_remote_address)
''',
    "app/core/http.py": '''import asyncio

import httpx

_client: httpx.AsyncClient | None = None
_lock = asyncio.Lock()


def get_http_client() -> httpx.AsyncClient:
    global _client
    if _client is None:
        _client = httpx.AsyncClient(base_url="https://api.example.invalid", timeout=10.0)
    return _client


async def close_http_client() -> None:
    global _client
    if _client is not None:
        await _client.aclose()
        _client = None
''',
}


def _cls(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def generate_fastapi_project(target: Path, modules: int = 520, seed: int = 9) -> Path:
    """A FastAPI service laid out as routes/services/repositories/tests, ``modules`` modules or more."""
    marker = target / ".complete"
    stamp = f"2:{modules}:{seed}:{sys.version_info[:2]}"
    if marker.exists() and marker.read_text() == stamp:
        return target
    if target.exists():
        shutil.rmtree(target)
    rng = random.Random(seed)
    files: dict[str, str] = dict(CORE)
    files["pyproject.toml"] = '[project]\nname = "generated-app"\nversion = "0.0.0"\n\n[tool.py-standards-lint]\n'
    entities = [ENTITIES[i % len(ENTITIES)] + ("" if i < len(ENTITIES) else f"_{i // len(ENTITIES)}") for i in range(modules)]
    entities = entities[: max(1, (modules - len(CORE)) // 5 + 1)]
    exceptions = ['"""Domain exceptions."""\n']
    models = ['"""ORM models."""\n\nfrom sqlalchemy import Boolean, DateTime, String\nfrom sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\n\nclass Base(DeclarativeBase):\n    pass\n']
    includes = []
    for number, name in enumerate(entities):
        cls = _cls(name)
        values = {"name": name, "plural": name + "s", "Cls": cls}
        actions = rng.sample(ACTIONS, rng.randint(8, 16))
        route = [ROUTE_HEAD.format(**values)]
        service = [SERVICE_HEAD.format(**values)]
        repo = [REPO_HEAD.format(**values)]
        test = [TEST_HEAD.format(**values)]
        for action in actions:
            more = dict(values, action=action, Action=action.capitalize(), limit=rng.choice((10, 30, 60, 120)))
            route.append(ROUTE_FN.format(**more))
            service.append(SERVICE_FN.format(**more))
            repo.append(REPO_FN.format(**more))
            test.append(TEST_FN.format(**more))
        service.append(SERVICE_TAIL.format(**values))
        if number % 7 == 3:
            service.append(VIOLATIONS["services"].format(**values))
        if number % 11 == 5:
            repo.append(VIOLATIONS["repositories"].format(**values))
        files[f"app/routes/{name}.py"] = "".join(route)
        files[f"app/services/{name}.py"] = "".join(service)
        files[f"app/repositories/{name}.py"] = "".join(repo)
        files[f"tests/test_{name}.py"] = "".join(test)
        files[f"app/schemas/{name}.py"] = (
            f"from pydantic import BaseModel, ConfigDict\n\n\nclass {cls}Create(BaseModel):\n    key: str\n    title: str\n\n\n"
            f"class {cls}Update(BaseModel):\n    title: str | None = None\n\n\n"
            f"class {cls}Response(BaseModel):\n    model_config = ConfigDict(from_attributes=True)\n\n    id: str\n    key: str\n    title: str\n"
        )
        exceptions.append(f"\n\nclass {cls}NotFoundError(Exception):\n    pass\n\n\nclass {cls}AlreadyExistsError(Exception):\n    pass\n")
        models.append(
            f"\n\nclass {cls}(Base):\n    __tablename__ = \"{name}s\"\n\n    id: Mapped[str] = mapped_column(String, primary_key=True)\n"
            f"    key: Mapped[str] = mapped_column(String, unique=True)\n    owner_id: Mapped[str] = mapped_column(String)\n"
            f"    stage: Mapped[str] = mapped_column(String)\n    deleted: Mapped[bool] = mapped_column(Boolean, default=False)\n"
            f"    created_at: Mapped[DateTime] = mapped_column(DateTime)\n\n    def as_dict(self) -> dict:\n"
            f"        return {{c.name: getattr(self, c.name) for c in self.__table__.columns}}\n"
        )
        includes.append(name)
    files["app/core/exceptions.py"] = "".join(exceptions)
    files["app/models.py"] = "".join(models)
    files["app/main.py"] = (
        "from contextlib import asynccontextmanager\n\nfrom fastapi import FastAPI\n\nfrom app.core.http import close_http_client\n"
        + "".join(f"from app.routes import {n} as {n}_routes\n" for n in includes)
        + "\n\n@asynccontextmanager\nasync def lifespan(app: FastAPI):\n    yield\n    await close_http_client()\n\n\n"
        + "app = FastAPI(lifespan=lifespan)\n"
        + "".join(f"app.include_router({n}_routes.router)\n" for n in includes)
    )
    for relpath, text in sorted(files.items()):
        path = target / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    marker.write_text(stamp)
    return target
