"""Well-known names: the canonical qualified names the analysis and the rules compare against (see
``names.canonical``), the default SDK modules, and which builtins are exceptions."""

from __future__ import annotations

import builtins

HTTP_EXCEPTION = frozenset({"fastapi.HTTPException"})
HTTPX_CLIENTS = frozenset({"httpx.AsyncClient", "httpx.Client"})
GET_LOGGER = frozenset({"logging.getLogger"})
FASTAPI_ROUTERS = frozenset({"fastapi.APIRouter", "fastapi.FastAPI"})
LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"})

DEFAULT_SDK_MODULES: tuple[str, ...] = (
    "httpx", "requests", "aiohttp", "openai", "anthropic", "azure", "boto3", "botocore",
    "google.cloud", "github", "stripe", "agent_framework", "langchain", "litellm",
    "githubkit", "slack_sdk", "slack_bolt", "googleapiclient", "twilio", "sendgrid", "jira", "atlassian", "pdpyras",
)
SESSION_FACTORIES = frozenset(
    {
        "sqlalchemy.ext.asyncio.async_sessionmaker",
        "sqlalchemy.ext.asyncio.session.async_sessionmaker",
        "sqlalchemy.orm.sessionmaker",
        "sqlalchemy.orm.session.sessionmaker",
    }
)

BROAD = frozenset({"builtins.Exception", "builtins.BaseException"})
EXCEPTION_ROOTS = BROAD


def builtin_exception(name: str) -> bool:
    value = getattr(builtins, name, None)
    return isinstance(value, type) and issubclass(value, BaseException)
