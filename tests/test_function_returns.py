"""FunctionSummary.returns: the qualified name a function's return annotation resolves to (PSL201, rev 3)."""

from pathlib import Path

from py_standards_lint.analysis.index import ProjectIndex

from .helpers import make_settings

SRC = (
    "from fastapi import HTTPException as HE\nimport httpx\n\nclass NotFound(Exception):\n    pass\n\n"
    "def a() -> HE:\n    return HE(404)\n\ndef b() -> NotFound:\n    return NotFound()\n\n"
    "async def c() -> httpx.AsyncClient:\n    return httpx.AsyncClient()\n\ndef d():\n    return 1\n\n"
    "def e() -> 'HE':\n    return HE(404)\n\ndef f() -> HE | None:\n    return None\n"
)


def test_returns_resolves_the_annotation_through_imports():
    index = ProjectIndex.from_sources(Path("/p"), {"app/core/errors.py": SRC}, make_settings())
    functions = index.module("app.core.errors").functions
    assert functions["a"].returns == "fastapi.HTTPException"
    assert functions["b"].returns == "app.core.errors.NotFound"
    assert functions["c"].returns == "httpx.AsyncClient"
    assert functions["d"].returns is None
    assert functions["e"].returns == "fastapi.HTTPException"  # a string annotation, resolved like the plain one
    assert functions["f"].returns is None  # a union: not one class
