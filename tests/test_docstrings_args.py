"""PSL901: Google `Args:` entries, where the finding points, and the safe fix (`drop_args_entry`)."""

from pathlib import Path

import pytest

from py_standards_lint.analysis.docstrings import args_entries, drop_args_entry
from py_standards_lint.rules import BY_CODE

from .conftest import run_tool
from .helpers import fix, lint

RULE = BY_CODE["PSL901"]
PATH = "app/services/steps.py"


def drop(doc: str, name: str) -> str:
    (entry,) = [e for e in args_entries(doc) if e.name == name]
    return drop_args_entry(doc, entry)


@pytest.mark.parametrize(
    "doc,name,expected",
    [
        # first of several entries, with a continuation line
        ("Do.\n\n    Args:\n        db: The session,\n            injected.\n        x: X.\n    ", "db", "Do.\n\n    Args:\n        x: X.\n    "),
        # middle entry, blank line inside the entry's block
        (
            "Do.\n\n    Args:\n        a: A.\n        db: The session.\n\n            More.\n        x: X.\n    ",
            "db",
            "Do.\n\n    Args:\n        a: A.\n        x: X.\n    ",
        ),
        # last entry, followed by another section
        ("Do.\n\n    Args:\n        a: A.\n        db: S.\n\n    Returns:\n        R.\n    ", "db", "Do.\n\n    Args:\n        a: A.\n\n    Returns:\n        R.\n    "),
        # the only entry, followed by another section: header and one blank line go
        ("Do.\n\n    Args:\n        db: S.\n\n    Returns:\n        R.\n    ", "db", "Do.\n\n    Returns:\n        R.\n    "),
        # the only entry, closing quotes on their own line
        ("Do.\n\n    Args:\n        db: S.\n    ", "db", "Do.\n    "),
        # the only entry, closing quotes right after it
        ("Do.\n\n    Args:\n        db: S.", "db", "Do."),
        # the last of two entries, closing quotes right after it
        ("Do.\n\n    Args:\n        a: A.\n        db: S.", "db", "Do.\n\n    Args:\n        a: A."),
        # Windows line endings are kept
        ("Do.\r\n\r\n    Args:\r\n        db: S.\r\n        x: X.\r\n    ", "db", "Do.\r\n\r\n    Args:\r\n        x: X.\r\n    "),
        # `Arguments:` spelling
        ("Do.\n\n    Arguments:\n        request: R.\n    ", "request", "Do.\n    "),
    ],
)
def test_drop_args_entry(doc: str, name: str, expected: str) -> None:
    assert drop(doc, name) == expected


def test_the_finding_points_at_the_entry_line_and_column():
    code = (
        "from fastapi import Request\n\n\n"
        "class Pages:\n"
        "    def show(self, request: Request, page: int) -> str:\n"
        "        '''Show a page.\n\n"
        "        Arguments:\n"
        "          request (Request): The request.\n"
        "          page: The page number.\n"
        "        '''\n"
    )
    found = [f for f in lint(code, PATH) if f.code == "PSL901"]
    assert [(f.line, f.column) for f in found] == [(9, 11)]
    assert "`request`" in found[0].message


def test_noqa_on_the_docstring_closing_line():
    code = (
        "from fastapi import Request\n\n"
        "def f(request: Request) -> None:\n"
        '    """Do.\n\n    Args:\n        request: The request.\n    """  # noqa: PSL901\n'
    )
    assert [f for f in lint(code, PATH) if f.code == "PSL901"] == []


def test_raw_and_single_quoted_docstrings_are_fixed():
    code = (
        "from sqlalchemy.orm import Session\n\n"
        "def f(db: Session, n: int) -> None:\n"
        "    r'''Do \\d.\n\n    Args:\n        db: The session.\n        n: Count.\n    '''\n"
    )
    assert fix(code, PATH, RULE) == (
        "from sqlalchemy.orm import Session\n\n"
        "def f(db: Session, n: int) -> None:\n"
        "    r'''Do \\d.\n\n    Args:\n        n: Count.\n    '''\n"
    )


def test_bytes_and_non_docstrings_are_ignored():
    code = (
        "from sqlalchemy.orm import Session\n\n"
        "def f(db: Session) -> None:\n    x = 1\n    '''Args:\n        db: S.\n    '''\n\n"
        "def g(db: Session) -> None:\n    b'''Args:\n        db: S.\n    '''\n"
    )
    assert [f for f in lint(code, PATH) if f.code == "PSL901"] == []


def test_configured_session_alias():
    code = (
        "from app.core.deps import Db\n\n"
        "def f(db: Db) -> None:\n"
        '    """Do.\n\n    Args:\n        db: The session.\n    """\n'
    )
    assert [f.line for f in lint(code, PATH) if f.code == "PSL901"] == []
    assert [f.line for f in lint(code, PATH, {"session-aliases": ["Db"]}) if f.code == "PSL901"] == [7]


def test_cli_fix_leaves_a_valid_docstring(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[tool.py-standards-lint]\nselect = ['PSL901']\n")
    source = tmp_path / "service.py"
    source.write_text(
        "from sqlalchemy.ext.asyncio import AsyncSession\n\n\n"
        "async def f(db: AsyncSession) -> None:\n"
        '    """Do it.\n\n    Args:\n        db: The database session,\n            per request.\n    """\n'
    )
    result = run_tool("check", "--fix", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    text = source.read_text()
    assert text.endswith('async def f(db: AsyncSession) -> None:\n    """Do it.\n    """\n')
    compile(text, "service.py", "exec")
