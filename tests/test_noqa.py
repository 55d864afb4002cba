from py_standards_lint.engine.noqa import directives

from .helpers import lint

SERVICE = "app/services/x.py"
HEAD = "from fastapi import HTTPException\n\n"


def codes(code: str, path: str = SERVICE) -> list[tuple[int, str]]:
    return [(f.line, f.code) for f in lint(code, path, select=("PSL101",))]


def test_bare_noqa_silences_everything():
    assert codes(HEAD + "def f():\n    raise HTTPException(404)  # noqa\n") == []


def test_noqa_with_codes_and_prefixes():
    assert codes(HEAD + "def f():\n    raise HTTPException(404)  # noqa: PSL101\n") == []
    assert codes(HEAD + "def f():\n    raise HTTPException(404)  # noqa: PSL1\n") == []
    assert codes(HEAD + "def f():\n    raise HTTPException(404)  # NOQA:PSL3,PSL101\n") == []
    assert codes(HEAD + "def f():\n    raise HTTPException(404)  # noqa: PSL3\n") == [(4, "PSL101")]


def test_noqa_on_another_line_of_the_statement():
    code = HEAD + "def f():\n    raise HTTPException(\n        404,\n    )  # noqa: PSL101\n"
    assert codes(code) == []
    code = HEAD + "def f():\n    raise HTTPException(\n        404,\n    )\n    x = 1  # noqa: PSL101\n"
    assert codes(code) == [(4, "PSL101")]


def test_noqa_in_a_string_is_not_a_directive():
    assert codes(HEAD + "def f():\n    raise HTTPException(404, '# noqa')\n") == [(4, "PSL101")]
    assert directives("x = '# noqa'\n") == {}


def test_directives_parse():
    table = directives("a = 1  # noqa\nb = 2  # noqa: PSL101, PSL2\nc = 3  # not a noqa: here\n")
    assert table[1] is None
    assert table[2] == {"PSL101", "PSL2"}
