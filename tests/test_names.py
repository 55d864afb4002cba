import libcst as cst
import pytest

from py_standards_lint.base.names import ImportMap, ModuleNames, canonical, resolve_relative


def names(code: str, current: str = "app.services.x") -> ModuleNames:
    return ModuleNames.build(cst.parse_module(code), current)


def expr(text: str) -> cst.BaseExpression:
    return cst.parse_expression(text)


@pytest.mark.parametrize(
    "code,expression,expected",
    [
        ("from fastapi import HTTPException as HE\n", "HE", "fastapi.HTTPException"),
        ("import fastapi as f\n", "f.HTTPException", "fastapi.HTTPException"),
        ("import fastapi\n", "fastapi.HTTPException", "fastapi.HTTPException"),
        ("from starlette.exceptions import HTTPException\n", "HTTPException", "fastapi.HTTPException"),
        ("from fastapi.exceptions import HTTPException\n", "HTTPException", "fastapi.HTTPException"),
        ("import httpx\n", "httpx.AsyncClient", "httpx.AsyncClient"),
        ("import os.path\n", "os.path.join", "os.path.join"),
        ("class HTTPException(Exception): pass\n", "HTTPException", "<local>.HTTPException"),
        ("from fastapi import HTTPException\nHTTPException = None\n", "HTTPException", "<local>.HTTPException"),
        ("", "HTTPException", None),
        ("", "Exception", "builtins.Exception"),
        ("try:\n    import httpx as h\nexcept ImportError:\n    h = None\n", "h.get", "<local>.h.get"),
        ("if True:\n    import httpx as h\n", "h.get", "httpx.get"),
        ("from . import repo\n", "repo.get", "app.services.repo.get"),
        ("from ..repositories import steps\n", "steps.get", "app.repositories.steps.get"),
    ],
)
def test_resolve(code, expression, expected):
    assert names(code).resolve(expr(expression)) == expected


def test_resolve_ignores_calls_and_subscripts():
    n = names("import httpx\n")
    assert n.resolve(expr("httpx.AsyncClient()")) is None
    assert n.resolve(expr("x[0].y")) is None


def test_local_subclass_chain():
    n = names(
        "from fastapi import HTTPException\nclass A(HTTPException): pass\nclass B(A): pass\nclass C(Exception): pass\n"
    )
    targets = frozenset({"fastapi.HTTPException"})
    assert n.refers_to(expr("B"), targets, subclasses=True)
    assert not n.refers_to(expr("B"), targets)
    assert not n.refers_to(expr("C"), targets, subclasses=True)


def test_type_checking_imports_are_recorded():
    n = names("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from fastapi import Request\nimport os\n")
    assert len(n.type_checking_imports) == 1


def test_relative_resolution():
    assert resolve_relative("x", 1, "app.services.steps", False) == "app.services.x"
    assert resolve_relative("x", 1, "app.services", True) == "app.services.x"
    assert resolve_relative("", 2, "app.services.steps", False) == "app"
    assert canonical("starlette.status.HTTP_204_NO_CONTENT") == "fastapi.status.HTTP_204_NO_CONTENT"


def test_import_map_front_end_neutral():
    m = ImportMap(current="app.routes.items")
    m.add_from("app.services", 0, "items", "svc")
    assert m.resolve_dotted("svc.create") == "app.services.items.create"
    assert m.resolve_dotted("unknown") is None
