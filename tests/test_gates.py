"""Syntax gates (gates.py): a gate only ever rules a file out when its rule cannot fire there.

Every rule that declares a gate is held to it on its own flagged cases; the facts are tested on look-alikes
both ways; and the engine is shown to skip libcst for a file every gate rules out, and to run no gate when
CPython cannot parse the file.
"""

from __future__ import annotations

import ast

import libcst as cst
import pytest

from py_standards_lint.analysis.gates import SyntaxFacts
from py_standards_lint.analysis.index import ProjectIndex, summarize
from py_standards_lint.analysis.rule import Rule
from py_standards_lint.base.layers import layer_for
from py_standards_lint.base.project import module_name_for
from py_standards_lint.engine import lint as engine
from py_standards_lint.rules import ALL_RULES

from .helpers import ROOT, lint, make_settings

GATED = [r for r in ALL_RULES if r.__dict__.get("gate") is not None]


def facts(code: str) -> SyntaxFacts:
    return SyntaxFacts(ast.parse(code))


def test_some_rules_are_gated() -> None:
    assert {r.code for r in GATED} >= {"PSL201", "PSL202", "PSL503"}


@pytest.mark.parametrize("rule", GATED, ids=lambda r: r.code)
def test_every_flagged_case_of_a_gated_rule_passes_its_gate(rule: type[Rule]) -> None:
    cases = [(c.code, c.path, c.settings, c.files) for c in rule.invalid]
    cases.append((rule.example, None, {}, rule.example_files))
    for code, path, overrides, files in cases:
        path = path or rule.example_path
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue  # no gate runs on a file CPython rejects
        settings = make_settings(overrides)
        sources = {**files, path: code}
        layer = layer_for(path, settings["layers"])
        module_name, is_package = module_name_for(path)
        facts = SyntaxFacts(
            tree, module_name, is_package, layer, settings,
            lambda s=sources, st=settings: ProjectIndex.from_sources(ROOT, s, st),
            lambda c=code, p=path, st=settings: summarize(c, p, st),
        )
        assert rule.gate(facts), code


def test_may_reach_follows_what_the_imports_bind() -> None:
    generic = {"sqlalchemy.insert"}
    assert facts("import sqlalchemy\n").may_reach(generic)
    assert facts("import sqlalchemy.orm\n").may_reach(generic)  # binds `sqlalchemy`
    assert facts("import sqlalchemy as sa\n").may_reach(generic)
    assert facts("from sqlalchemy import insert as ins\n").may_reach(generic)
    assert facts("from sqlalchemy import *\n").may_reach(generic)
    assert facts("from httpx._client import AsyncClient\n").may_reach({"httpx.AsyncClient"})  # canonical spelling
    assert facts("import httpx._client as c\n").may_reach({"httpx.AsyncClient"})
    assert not facts("import sqlalchemy.orm as orm\n").may_reach(generic)
    assert not facts("from sqlalchemy.dialects.postgresql import insert\n").may_reach(generic)
    assert not facts("from sqlalchemy import select\ninsert = 1\n# import sqlalchemy\n").may_reach(generic)


@pytest.mark.parametrize(
    "code, expected",
    [
        ("try:\n    f()\nexcept ValueError:\n    raise KeyError('x')\n", True),
        ("try:\n    f()\nexcept ValueError:\n    if x:\n        raise KeyError\n", True),
        ("try:\n    f()\nexcept* ValueError:\n    raise KeyError\n", True),
        ("try:\n    f()\nexcept ValueError as e:\n    raise KeyError('x') from e\n", False),
        ("try:\n    f()\nexcept ValueError:\n    raise\n", False),
        ("try:\n    raise KeyError('x')\nexcept ValueError:\n    pass\n", False),
        ("raise KeyError('x')\n# except ValueError: raise KeyError\n", False),
        ("s = 'try:\\n f()\\nexcept E:\\n raise X'\n", False),
    ],
)
def test_raise_in_handler(code: str, expected: bool) -> None:
    assert facts(code).raise_in_handler is expected


@pytest.mark.parametrize(
    "code, expected",
    [
        ("try:\n    f()\nexcept Exception:\n    pass\n", True),
        ("try:\n    f()\nexcept:\n    pass\n", True),
        ("try:\n    f()\nexcept (ValueError, BaseException):\n    pass\n", True),
        ("try:\n    f()\nexcept builtins.Exception:\n    pass\n", True),
        ("from builtins import Exception as E\ntry:\n    f()\nexcept E:\n    pass\n", True),
        ("ERRORS = (Exception,)\ntry:\n    f()\nexcept ERRORS:\n    pass\n", True),
        ("from errors import ValueError\ntry:\n    f()\nexcept ValueError:\n    pass\n", True),
        ("try:\n    f()\nexcept error:\n    pass\n", True),
        # not broad, re-raised, or nothing called
        ("try:\n    f()\nexcept (ValueError, OSError):\n    pass\n", False),
        ("try:\n    f()\nexcept httpx.HTTPError:\n    pass\n", False),
        ("try:\n    f()\nexcept Exception:\n    log()\n    raise\n", False),
        ("try:\n    x = 1\nexcept Exception:\n    pass\n", False),
        ("def f():\n    pass\n# try: f()\n# except Exception: pass\n", False),
    ],
)
def test_broad_handler_around_calls(code: str, expected: bool) -> None:
    assert facts(code).broad_handler_around_calls is expected


@pytest.mark.parametrize(
    "code, expected",
    [
        ("@lru_cache\nasync def f():\n    pass\n", True),
        ("class C:\n    @cache\n    async def f(self):\n        pass\n", True),
        ("@lru_cache\ndef f():\n    pass\n", False),
        ("async def f():\n    pass\n", False),
    ],
)
def test_decorated_async_def(code: str, expected: bool) -> None:
    assert facts(code).decorated_async_def is expected


def count_parses(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    parsed: list[object] = []
    real = cst.parse_module
    monkeypatch.setattr(engine.cst, "parse_module", lambda source, *a, **k: parsed.append(source) or real(source, *a, **k))
    return parsed


def test_a_file_every_gate_rules_out_is_not_parsed_by_libcst(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = count_parses(monkeypatch)
    # `except` is in the text (the needle of PSL201/PSL202), but nothing the gates let through
    code = "try:\n    import json\nexcept ImportError:\n    json = None\n"
    assert lint(code, path="lib/compat.py") == []
    assert parsed == []
    flagged = "try:\n    import json\nexcept ImportError:\n    raise RuntimeError('no json')\n"
    assert [f.code for f in lint(flagged, path="lib/compat.py")] == ["PSL201"]
    assert len(parsed) == 1


def test_no_gate_runs_when_cpython_cannot_parse_the_file() -> None:
    # a `type` statement: libcst parses it; CPython before 3.12 does not, so the gates cannot look
    code = "type Pair = tuple[int, int]\n\ntry:\n    f()\nexcept ValueError:\n    raise KeyError('x')\n"
    assert [(f.code, f.line) for f in lint(code, path="lib/pairs.py")] == [("PSL201", 6)]


def test_a_repository_with_downward_imports_and_a_dialect_insert_is_not_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    files = {"app/__init__.py": "", "app/models.py": "class Step:\n    pass\n", "app/services/steps.py": "def notify():\n    pass\n"}
    code = (
        "from sqlalchemy.dialects.postgresql import insert\n\nfrom app.models import Step\n\n\n"
        "async def save(db, values):\n    await db.execute(insert(Step).values(**values).on_conflict_do_nothing())\n"
    )
    parsed = count_parses(monkeypatch)
    assert lint(code, path="app/repositories/steps.py", files=files) == []
    assert parsed == []
    upward = code.replace("from app.models import Step\n", "from app.models import Step\nfrom app.services.steps import notify\n")
    assert [f.code for f in lint(upward, path="app/repositories/steps.py", files=files)] == ["PSL108"]
    generic = code.replace("sqlalchemy.dialects.postgresql", "sqlalchemy")
    assert [f.code for f in lint(generic, path="app/repositories/steps.py", files=files)] == ["PSL703"]
    assert len(parsed) == 2


def test_statements_are_every_statement_of_the_tree() -> None:
    code = (
        "import a\nclass C:\n    def f(self):\n        try:\n            x = 1\n        except E:\n            raise\n"
        "        else:\n            pass\n        finally:\n            del x\n"
        "match v:\n    case 1:\n        async def g():\n            with m:\n                while t:\n                    return\n"
        "for i in y:\n    if i:\n        break\n    else:\n        continue\nelse:\n    global q\n"
    )
    tree = ast.parse(code)
    from py_standards_lint.analysis.gates import statements

    assert sorted(map(ast.dump, statements(tree.body))) == sorted(ast.dump(n) for n in ast.walk(tree) if isinstance(n, ast.stmt))


def test_psl202_gate_sees_a_client_imported_through_its_private_module() -> None:
    code = (
        "from httpx._client import AsyncClient\n\n\nasync def f(url):\n    async with AsyncClient() as c:\n"
        "        try:\n            return await c.get(url)\n        except Exception:\n            return None\n"
    )
    assert ("PSL202", 8) in [(f.code, f.line) for f in lint(code, path="app/services/fetch.py")]


@pytest.mark.parametrize(
    "code, path, expected",
    [
        # PSL311: the word in a comment or a string is no root logger call
        ("# logging.info('x')\nprint('logging')\n", "lib/a.py", []),
        ("import logging\nlogging.info('x')\n", "lib/a.py", ["PSL311"]),
        # PSL405: `close_` in text only
        ("x = 'close_client'\n", "app/services/a.py", []),
        # PSL502: `Cache` in a class name of our own
        ("class TTLCache(dict):\n    pass\n\n_cache = TTLCache()\n\ndef f(k):\n    return _cache.get(k)\n", "app/services/a.py", []),
        # PSL901: an Args: section without annotations, and one with a session annotation
        ('def f(db):\n    """Do.\n\n    Args:\n        db: the session.\n    """\n', "app/services/a.py", []),
        (
            'from sqlalchemy.orm import Session as S\n\n\ndef f(db: S):\n    """Do.\n\n    Args:\n        db: the session.\n    """\n',
            "app/services/a.py",
            ["PSL901"],
        ),
    ],
)
def test_gated_rules_on_look_alikes_and_their_real_cases(
    code: str, path: str, expected: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed = count_parses(monkeypatch)
    assert [f.code for f in lint(code, path=path)] == expected
    if not expected:
        assert parsed == [], "ruled out before libcst"


def test_a_gate_that_fails_rules_nothing_out(monkeypatch: pytest.MonkeyPatch) -> None:
    from py_standards_lint.rules import BY_CODE

    def broken(cls, facts):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug in a gate")

    monkeypatch.setattr(BY_CODE["PSL201"], "gate", classmethod(broken))
    code = "try:\n    f()\nexcept KeyError:\n    raise ValueError('x')\n"
    assert [f.code for f in lint(code, path="lib/a.py")] == ["PSL201"]
