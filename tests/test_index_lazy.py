"""The project index summarises a module only when a query first needs it, with the results of summarising
every file up front (issue #9)."""

from __future__ import annotations

import pickle
import shutil
from dataclasses import fields
from pathlib import Path

import pytest

from py_standards_lint.analysis import index as index_mod
from py_standards_lint.analysis.index import ModuleSummary, ProjectIndex, project_files, summarize
from py_standards_lint.base.project import relative_path
from py_standards_lint.engine import cache as cache_mod
from py_standards_lint.engine.config import settings_for_folder
from py_standards_lint.engine.lint import Run, RunOptions
from py_standards_lint.rules import ALL_RULES

from .conftest import EXAMPLE
from .helpers import make_settings

PYPROJECT = "[project]\nname = 'demo'\n\n[tool.py-standards-lint]\n"
CLIENT = "import httpx\n\nasync def fetch(url):\n    async with httpx.AsyncClient() as c:\n        return await c.get(url)\n"
USER = "from app.services.client import fetch\n\n\ndef f():\n    try:\n        fetch(1)\n    except Exception:\n        pass\n"
OTHERS = {f"app/services/other{i}.py": f"def g{i}():\n    raise ValueError()\n" for i in range(12)}


@pytest.fixture
def summarized(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The relpaths ``index.summarize`` is called for (memo hits included), in order."""
    calls: list[str] = []
    real = index_mod.summarize
    monkeypatch.setattr(index_mod, "summarize", lambda data, relpath, *a: calls.append(relpath) or real(data, relpath, *a))
    return calls


def write(root: Path, files: dict[str, str]) -> None:
    for relpath, text in files.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def facts(summary: ModuleSummary | None) -> object:
    """A summary as plain, comparable data (its external model holds a bound method)."""
    if summary is None:
        return None
    out = {f.name: getattr(summary, f.name) for f in fields(summary) if f.name != "external"}
    model = summary.external
    out["external"] = None if model is None else (tuple(model.sdk_modules), model.module_clients, model.client_getters)
    return out


def eager(root: Path, settings) -> dict[str, ModuleSummary]:
    """What the index held when it summarised every file up front."""
    modules: dict[str, ModuleSummary] = {}
    for path in project_files(root, settings):
        summary = summarize(path.read_bytes(), relative_path(path, root), settings)
        if summary is not None:
            modules[summary.name] = summary
    return modules


def project(tmp_path: Path) -> tuple[Path, object]:
    root = tmp_path / "proj"
    write(root, {"pyproject.toml": PYPROJECT, "app/__init__.py": "", "app/services/client.py": CLIENT,
                 "app/services/user.py": USER, **OTHERS})
    return root, settings_for_folder(str(root), rules=ALL_RULES)


def test_building_summarises_nothing_and_a_lookup_only_its_module(tmp_path: Path, summarized: list[str]) -> None:
    root, settings = project(tmp_path)
    index = ProjectIndex.build(root, settings)
    assert summarized == []
    assert index.module("app.services.nowhere") is None
    assert index.function("app.services.other3.nothing") is None
    assert summarized == ["app/services/other3.py"]
    assert index.function("app.services.client.fetch").calls_out
    assert index.layer_of_module("app.services.client.fetch") == "services"
    assert summarized == ["app/services/other3.py", "app/services/client.py"], "each module summarised once"


def test_a_query_over_every_module_summarises_the_rest_once(tmp_path: Path, summarized: list[str]) -> None:
    root, settings = project(tmp_path)
    index = ProjectIndex.build(root, settings)
    index.module("app.services.other0")
    assert index.modules
    assert sorted(summarized) == sorted(relative_path(p, root) for p in project_files(root, settings))
    count = len(summarized)
    index.exception_handlers(), index.routers_out_of_schema(), index.exception_handler_functions(), index.di_aliases()
    index.function("app.services.other5.g5")
    assert len(summarized) == count


def test_handlers_and_routers_summarise_only_the_files_that_name_them(tmp_path: Path, summarized: list[str]) -> None:
    root, settings = project(tmp_path)
    write(root, {
        "app/main.py": "from fastapi import FastAPI\nfrom app.routes import r\n\napp = FastAPI()\napp.include_router(r, include_in_schema=False)\n",
        "app/routes.py": "from fastapi import APIRouter\n\nr = APIRouter()\n",
        "app/errors.py": "from fastapi import FastAPI\n\napp = FastAPI()\n\n@app.exception_handler(KeyError)\nasync def on_key(request, exc):\n    pass\n",
        "app/handlers.py": "# coding: utf-8\nx = 1\n",  # a coding cookie, decoded: no such word
        "app/accents.py": "caf\u00e9 = 1\n",  # not ASCII, normalised: no such word
        # a name spelled in full-width letters is the same identifier to the parser (NFKC): summarised
        "app/wide.py": "from app.main import app\nfrom app.routes import r\n\napp.\uff49nclude_router(r, include_in_schema=False)\n",
    })
    (root / "app/latin.py").write_bytes(b"# -*- coding: latin-1 -*-\n# caf\xe9\nfrom app.main import app\napp.include_router(app)\n")
    (root / "app/broken.py").write_bytes(b"x = '\xff\xfe'\n")  # does not decode: may say anything, summarised
    index = ProjectIndex.build(root, settings)
    assert index.routers_out_of_schema() == {"app.routes.r"}
    assert set(summarized) == {"app/main.py", "app/wide.py", "app/latin.py", "app/broken.py"}
    del summarized[:]
    assert index.exception_handlers() == {"builtins.KeyError"}
    assert index.exception_handler_functions() == {"app.errors.on_key"}
    assert summarized == ["app/errors.py"], "the only other file that names a handler"
    everything = ProjectIndex(root, eager(root, settings))
    assert everything.routers_out_of_schema() == index.routers_out_of_schema()
    assert everything.exception_handlers() == index.exception_handlers()


def test_linting_one_file_summarises_what_its_rules_ask_for(tmp_path: Path, summarized: list[str]) -> None:
    root, _ = project(tmp_path)
    results = Run(ALL_RULES, RunOptions(cache=False)).lint_paths([root / "app/services/user.py"])
    assert [f.code for r in results for f in r.findings] == ["PSL202"]  # the broad except around fetch(), which calls out
    assert set(summarized) == {"app/services/user.py", "app/services/client.py"}


def test_the_lazy_index_equals_the_eager_one(tmp_path: Path) -> None:
    root = tmp_path / "example"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".py-standards-lint-cache"))
    write(root, {"app/broken.py": "def (:\n", "app/dup.py": "X = 1\n", "app/dup/__init__.py": "Y = 2\n",
                 "app/handlers.py": "from fastapi import FastAPI\n\napp = FastAPI()\napp.add_exception_handler(KeyError, on_key)\n"})
    settings = settings_for_folder(str(root), rules=ALL_RULES)
    expected = eager(root, settings)
    built = ProjectIndex.build(root, settings)
    sources = {relative_path(p, root): p.read_text() for p in project_files(root, settings)}
    from_sources = ProjectIndex.from_sources(root, sources, settings)
    for index in (built, from_sources):
        for name, summary in expected.items():  # one module at a time, before anything summarises them all
            assert facts(index.module(name)) == facts(summary), name
    reference = ProjectIndex(root, expected)
    for index in (ProjectIndex.build(root, settings), built, from_sources, pickle.loads(pickle.dumps(built))):
        assert list(index.modules) == list(expected), "the same modules, in the same order"
        assert [facts(m) for m in index.modules.values()] == [facts(m) for m in expected.values()]
        assert index.di_aliases() == reference.di_aliases()
        assert index.routers_out_of_schema() == reference.routers_out_of_schema()
        assert index.exception_handlers() == reference.exception_handlers()
        assert index.exception_handler_functions() == reference.exception_handler_functions()
    assert reference.di_aliases() and reference.routers_out_of_schema() and reference.exception_handlers()


@pytest.mark.parametrize("second_parses", [True, False])
def test_of_two_files_with_one_module_name_the_last_that_parses_wins(second_parses: bool) -> None:
    second = "Y = (1, 2)\n" if second_parses else "def (:\n"
    sources = {"app/dup.py": "X = (1, 2)\n", "app/dup/__init__.py": second}
    settings = make_settings()
    winner = "app/dup/__init__.py" if second_parses else "app/dup.py"
    assert ProjectIndex.from_sources(Path("/p"), sources, settings).module("app.dup").relpath == winner
    assert ProjectIndex.from_sources(Path("/p"), sources, settings).modules["app.dup"].relpath == winner


def test_modules_in_layer_summarises_only_that_layer(tmp_path: Path, summarized: list[str]) -> None:
    root, settings = project(tmp_path)
    write(root, {"app/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n"})
    index = ProjectIndex.build(root, settings)
    assert [m.relpath for m in index.modules_in_layer("app")] == ["app/main.py"]
    assert summarized == ["app/main.py"]
    assert index.modules_in_layer("services") == [m for m in index.modules.values() if m.layer == "services"]


def test_the_cached_runs_index_summarises_lazily_and_is_fingerprinted_by_every_file(
    tmp_path: Path, summarized: list[str]
) -> None:
    root, settings = project(tmp_path)
    index, fingerprint = cache_mod.build_index(settings)
    assert summarized == []
    expected = cache_mod.hashlib.blake2b(digest_size=16)
    for path in project_files(root, settings):  # every indexed file's path and content digest
        expected.update(cache_mod.file_key(relative_path(path, root), cache_mod.content_digest(path.read_bytes())))
    assert fingerprint == expected.hexdigest()
    assert index.function("app.services.client.fetch").calls_out
    assert summarized == ["app/services/client.py"]
    index.module("app.services.other1")
    assert summarized[1:] == ["app/services/other1.py"]


SNIPPET = '''
import a.b as c
from . import d
global_x: int = 1
@deco(lambda y: y + 1)
async def f(p, /, q: int = 2, *args, r=3, **kw) -> "httpx.AsyncClient":
    global g
    x = {**kw, "k": [i async for i in p if not i]}
    try:
        raise E(f"{x!r:>{q}}") from None
    except* (A, B) as e:
        del x[0]
    match p:
        case [1, *rest] | {"k": _, **others} if rest:
            pass
        case C(a=1, b=D()) as whole:
            yield whole
    with open(p) as h, ctx():
        return (a < b <= c) and -x or await h
'''


def test_the_cheap_child_iterator_is_iter_child_nodes_without_contexts_and_operators() -> None:
    import ast

    from py_standards_lint.analysis.external import ast_children, ast_nodes

    skipped = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)
    tree = ast.parse(SNIPPET)
    for node in ast.walk(tree):
        assert ast_children(node) == [c for c in ast.iter_child_nodes(node) if not isinstance(c, skipped)]
    assert sorted(map(id, ast_nodes(tree))) == sorted(id(n) for n in ast.walk(tree) if not isinstance(n, skipped))


def test_raise_sites_with_and_without_the_callers_nodes() -> None:
    import ast

    from py_standards_lint.analysis.raise_sites import ast_sites

    source = "def _h():\n    pass\n\ndef f():\n    try:\n        _h()\n        raise KeyError()\n    except (OSError, T):\n        raise ValueError()\n"
    tree = ast.parse(source)
    fn = tree.body[1]
    own = [n for n in ast.walk(fn) if n is not fn]
    resolve = lambda node: node.id if isinstance(node, ast.Name) and node.id != "T" else None  # noqa: E731
    sites = ast_sites(fn, resolve, ["_h", "f"], "m", ["T"])
    assert [(s.exc, s.helper) for s in sites] == [(None, "_h"), ("KeyError", None), ("ValueError", None)]
    assert sites[0].guards == ((("OSError", "m.T"),),) and sites[2].guards == ()
    assert ast_sites(fn, resolve, ["_h", "f"], "m", ["T"], own) == sites
    assert ast_sites(tree.body[0], resolve, ["_h", "f"], "m", ["T"], own=[]) == []


def test_modules_can_be_replaced() -> None:
    index = ProjectIndex.from_sources(Path("/p"), {"app/a.py": "X = 1\n"}, make_settings())
    other = ProjectIndex.from_sources(Path("/p"), {"app/b.py": "def f():\n    pass\n"}, make_settings())
    index.modules = dict(other.modules)
    assert list(index.modules) == ["app.b"] and index.module("app.a") is None
    assert index.function("app.b.f") is not None


def test_whole_project_answers_are_computed_once_until_a_module_is_added(monkeypatch: pytest.MonkeyPatch) -> None:
    main = "from fastapi import FastAPI\nfrom app.errors import Missing\n\napp = FastAPI()\napp.add_exception_handler(Missing, on_missing)\n"
    index = ProjectIndex.from_sources(Path("/p"), {"app/main.py": main, **OTHERS}, make_settings())
    scans: list[tuple[str, ...]] = []
    real = ProjectIndex._mentioning
    monkeypatch.setattr(ProjectIndex, "_mentioning", lambda self, *words: scans.append(words) or real(self, *words))
    first = index.exception_handlers()
    assert first == {"app.errors.Missing"}
    first.add("mutated by a caller")
    assert index.exception_handlers() == {"app.errors.Missing"}  # a copy each time
    assert len(scans) == 1
    index.add_source("app/more.py", "from app.errors import Gone\napp.add_exception_handler(Gone, h)\n", lambda text: summarize(text, "app/more.py"))
    assert index.exception_handlers() == {"app.errors.Missing", "app.errors.Gone"}
    assert len(scans) == 2


def test_di_aliases_summarise_only_files_that_name_annotated(summarized: list[str]) -> None:
    deps = "from typing import Annotated as A\nfrom fastapi import Depends\n\n\ndef get_db():\n    pass\n\n\nDb = A[object, Depends(get_db)]\n"
    index = ProjectIndex.from_sources(Path("/p"), {"app/deps.py": deps, **OTHERS}, make_settings())
    assert index.di_aliases() == {"app.deps.Db": "app.deps.get_db"}
    assert summarized == ["app/deps.py"]
