"""The standards' own compliant route patterns raise no family-6 finding; words in strings and
comments, and non-route look-alikes, never count."""

from __future__ import annotations

import re

from .helpers import lint

FILES = {
    "app/core/auth.py": (
        "from typing import Annotated\n\nfrom fastapi import Depends\n\n\nasync def get_current_user_id() -> str: ...\n\n\n"
        "async def get_optional_user_id() -> str | None: ...\n\n\n"
        "UserId = Annotated[str, Depends(get_current_user_id)]\nOptionalUserId = Annotated[str | None, Depends(get_optional_user_id)]\n"
    ),
    "app/core/database.py": (
        "from typing import Annotated\n\nfrom fastapi import Depends\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\n\nasync def get_db(): ...\n\n\n"
        "DbSession = Annotated[AsyncSession, Depends(get_db)]\nDbSessionReadOnly = Annotated[AsyncSession, Depends(get_db)]\n"
    ),
    "app/schemas.py": "from pydantic import BaseModel\n\n\nclass MyResponse(BaseModel):\n    value: int\n",
}

STANDARDS_EXAMPLE = '''
from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from app.core.auth import OptionalUserId, UserId
from app.core.database import DbSession, DbSessionReadOnly
from app.core.limiter import limiter
from app.schemas import MyResponse

router = APIRouter(prefix="/things", tags=["things"])
pages = APIRouter(include_in_schema=False)


@router.get(
    "",
    response_model=MyResponse,
    summary="Short description",
    responses={500: {"description": "Service unavailable"}},
)
@limiter.limit("30/minute")
async def my_endpoint(
    request: Request, user_id: UserId, db: DbSession
) -> MyResponse: ...


@router.get("/stats", summary="Stats", responses={500: {"description": "Service unavailable"}})
async def stats(request: Request, user_id: OptionalUserId, db: DbSessionReadOnly) -> dict:
    return {}


@router.get("/{thing_id}", summary="One thing", responses={404: {"description": "Not found"}})
async def get_thing(thing_id: int, db: DbSessionReadOnly) -> MyResponse: ...


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create", responses={409: {"description": "Exists"}})
@limiter.limit("10/minute")
async def create_thing(request: Request, user_id: UserId, db: DbSession) -> MyResponse: ...


@router.delete("/{thing_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete", responses={404: {"description": "Not found"}})
@limiter.limit("10/minute")
async def delete_thing(request: Request, thing_id: int, user_id: UserId, db: DbSession) -> None: ...


@pages.get("/", response_class=HTMLResponse)
async def home(request: Request) -> str:
    return "<h1>Home</h1>"


@pages.post("/login")
async def login(request: Request):
    return RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER)


def describe() -> str:
    # @router.post("/x") without a limit, Depends(get_db), status_code=202 on a delete
    return "@router.delete('/x', status_code=202) and Depends(get_current_user_id) are just words here"
'''


def test_the_standards_compliant_routes_are_not_flagged():
    findings = lint(STANDARDS_EXAMPLE, "app/routes/things.py", files=FILES)
    assert [f for f in findings if f.code.startswith("PSL6")] == []


def test_route_rules_stay_out_of_other_layers():
    broken = "from fastapi import Depends\nfrom app.core.database import get_db\n" + re.sub(
        r"db: DbSession(?=[)\n])", "db=Depends(get_db)", STANDARDS_EXAMPLE.replace('@limiter.limit("10/minute")\n', "")
    )
    compile(broken, "things.py", "exec")
    for path in ("app/services/things.py", "app/core/things.py", "tests/test_things.py", "app/main.py"):
        assert [f for f in lint(broken, path, files=FILES) if f.code.startswith("PSL6")] == []
    assert {f.code for f in lint(broken, "app/routes/things.py", files=FILES) if f.code.startswith("PSL6")} == {"PSL601", "PSL609"}
