"""Exception family: the raise analysis (raises.py) and the project-wide PSL205."""

from __future__ import annotations

from pathlib import Path

import pytest

from py_standards_lint.analysis.index import ProjectIndex, summarize
from py_standards_lint.analysis.raises import Oracle
from py_standards_lint.base.settings import ConfigError
from py_standards_lint.rules.exceptions.raise_without_from import RaiseWithoutFrom

from .helpers import ROOT, fix, lint, make_settings, positions

EXC = (
    "class DomainError(Exception):\n    pass\n\nclass NotFound(DomainError):\n    pass\n\n"
    "class Rejected(DomainError):\n    pass\n\nRETRYABLE = (NotFound, Rejected)\n"
)
FILES = {"app/__init__.py": "", "app/core/__init__.py": "", "app/core/errors.py": EXC, "app/services/__init__.py": ""}


def escaping(code: str, function: str, files=FILES) -> set[str]:
    sources = {**files, "app/services/svc.py": code}
    index = ProjectIndex.from_sources(ROOT, sources, make_settings())
    module = index.module("app.services.svc")
    assert module is not None
    return {e.rpartition(".")[2] for e in Oracle(module, index).escaping(module, function)}


def test_escaping_follows_private_helpers_and_their_guards():
    code = (
        "from app.core.errors import NotFound, Rejected, DomainError, RETRYABLE\n\n"
        "def _a(x):\n    if x:\n        raise NotFound()\n    _b(x)\n\n"
        "def _b(x):\n    try:\n        raise Rejected()\n    except KeyError:\n        pass\n\n"
        "def caught_by_base(x):\n    try:\n        _a(x)\n    except DomainError:\n        pass\n\n"
        "def caught_by_tuple(x):\n    try:\n        _a(x)\n    except RETRYABLE:\n        pass\n\n"
        "def partly(x):\n    try:\n        _a(x)\n    except NotFound:\n        pass\n\n"
        "def in_handler(x):\n    try:\n        pass\n    except NotFound:\n        _a(x)\n\n"
        "def public_helper(x):\n    caught_by_base(x)\n    raise ValueError(x)\n"
    )
    assert escaping(code, "_a") == {"NotFound", "Rejected"}
    assert escaping(code, "caught_by_base") == set()
    assert escaping(code, "caught_by_tuple") == set()
    assert escaping(code, "partly") == {"Rejected"}
    assert escaping(code, "in_handler") == {"NotFound", "Rejected"}
    assert escaping(code, "public_helper") == {"ValueError"}  # public functions are not followed


def test_recursive_helpers_terminate():
    code = "def _a(x):\n    _b(x)\n    raise KeyError(x)\n\ndef _b(x):\n    _a(x)\n    raise IndexError(x)\n"
    assert escaping(code, "_a") == {"KeyError", "IndexError"}


def test_unresolvable_handler_types_count_as_catching():
    code = "def f(errors):\n    try:\n        raise KeyError()\n    except errors:\n        pass\n"
    assert escaping(code, "f") == set()


def test_builtin_hierarchy_is_known():
    code = "def f():\n    try:\n        raise KeyError()\n    except LookupError:\n        pass\n    raise ArithmeticError()\n"
    assert escaping(code, "f") == {"ArithmeticError"}


def test_summary_records_raise_sites_with_lines():
    summary = summarize("def _h():\n    raise ValueError()\n\ndef f():\n    try:\n        _h()\n    except OSError:\n        pass\n", "app/x.py")
    assert summary is not None
    sites = summary.functions["f"].raise_sites
    assert [(s.helper, s.lineno, s.guards) for s in sites] == [("_h", 6, ((("builtins.OSError",),),))]


SERVICE = (
    "from app.core.errors import NotFound, Rejected\nfrom fastapi import HTTPException\n\n"
    "async def complete(db):\n    \"\"\"Complete.\n\n    Raises:\n        NotFound: missing.\n        Undefined: not importable.\n    \"\"\"\n    return None\n\n"
    "async def http(db):\n    raise HTTPException(404)\n\n"
    "class StepService:\n    async def run(self):\n        raise Rejected()\n"
)
ROUTE = (
    "from fastapi import APIRouter\nfrom app.services import svc\n\nrouter = APIRouter()\n\n"
    "@router.post('/x')\nasync def r(db):\n    await svc.complete(db)\n    await svc.http(db)\n    await svc.StepService().run()\n"
)


@pytest.mark.parametrize(
    "main,expected",
    [
        ("", [(8, 11)]),
        ("from fastapi import FastAPI\nfrom app.core.errors import DomainError\n\napp = FastAPI()\napp.add_exception_handler(DomainError, h)\n", []),
        ("from fastapi import FastAPI\nfrom app.core import errors\n\napp = FastAPI()\n\n@app.exception_handler(errors.NotFound)\nasync def h(r, e):\n    pass\n", []),
        ("from fastapi import FastAPI\n\napp = FastAPI()\napp.add_exception_handler(Exception, h)\n", [(8, 11)]),
        ("from fastapi import FastAPI\n\napp = FastAPI()\napp.add_exception_handler(BaseException, h)\n", [(8, 11)]),
    ],
)
def test_uncaught_domain_exception_and_app_handlers(main: str, expected):
    files = {**FILES, "app/services/svc.py": SERVICE, "app/main.py": main}
    findings = lint(ROUTE, "app/routes/r.py", files=files)
    assert positions(findings, "PSL205") == expected


def test_uncaught_domain_exception_message_names_the_exceptions():
    files = {**FILES, "app/services/svc.py": SERVICE}
    [finding] = [f for f in lint(ROUTE, "app/routes/r.py", files=files) if f.code == "PSL205"]
    assert "`NotFound`" in finding.message and "complete()" in finding.message


def test_service_functions_outside_the_services_layer_are_not_followed():
    files = {**FILES, "app/core/svc.py": SERVICE}
    route = ROUTE.replace("from app.services import svc", "from app.core import svc")
    assert positions(lint(route, "app/routes/r.py", files=files), "PSL205") == []


def test_raise_without_from_picks_a_fresh_name():
    code = "def f(exc, error):\n    try:\n        g()\n    except KeyError:\n        raise ValueError(exc, error)\n"
    fixed = fix(code, "app/services/x.py", RaiseWithoutFrom)
    assert "except KeyError as err:\n        raise ValueError(exc, error) from err\n" in fixed


def test_raise_without_from_fix_in_except_star():
    code = "try:\n    g()\nexcept* KeyError:\n    raise ValueError('x')\n"
    assert fix(code, "app/services/x.py", RaiseWithoutFrom) == "try:\n    g()\nexcept* KeyError as exc:\n    raise ValueError('x') from exc\n"


def test_undocumented_raise_layers_option_is_validated():
    with pytest.raises(ConfigError, match="undocumented-raise-layers"):
        make_settings({"undocumented-raise-layers": 3})


def test_broad_except_with_a_tuple_constant_holding_exception():
    code = "import httpx\n\nBROAD = (ValueError, Exception)\n\ndef f(u):\n    try:\n        httpx.get(u)\n    except BROAD:\n        return None\n"
    assert positions(lint(code, "app/services/x.py"), "PSL202") == [(8, 5)]


def test_example_project_tests_folder_has_no_family_findings():
    from .conftest import EXAMPLE, run_tool

    result = run_tool("check", "--select", "PSL1,PSL2", "tests", cwd=EXAMPLE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert isinstance(EXAMPLE, Path)


def test_a_module_tuple_constant_catches_only_its_members():
    code = (
        "class A(Exception):\n    pass\n\nclass B(Exception):\n    pass\n\nONLY_A = (A,)\n\n"
        "def f():\n    try:\n        raise B()\n    except ONLY_A:\n        pass\n"
    )
    assert positions(lint(code, "app/services/x.py"), "PSL203") == [(11, 9)]
    assert escaping(code, "f") == {"B"}
    unknown = "from lib import Err\n\nERRS = (Err, mystery.Thing)\n\ndef f():\n    try:\n        raise KeyError()\n    except ERRS:\n        pass\n"
    assert escaping(unknown, "f") == set()
