"""Canonical qualified names the rules compare against (see ``names.canonical``)."""

from __future__ import annotations

HTTP_EXCEPTION = frozenset({"fastapi.HTTPException"})
HTTPX_CLIENTS = frozenset({"httpx.AsyncClient", "httpx.Client"})
GET_LOGGER = frozenset({"logging.getLogger"})
FASTAPI_ROUTERS = frozenset({"fastapi.APIRouter", "fastapi.FastAPI"})
LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"})
