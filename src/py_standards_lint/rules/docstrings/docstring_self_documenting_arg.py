from __future__ import annotations

import ast

import libcst as cst

from py_standards_lint.analysis.docstrings import args_entries, drop_args_entry
from py_standards_lint.analysis.gates import statements
from py_standards_lint.analysis.rule import Invalid, Rule, Valid
from py_standards_lint.analysis.sessions import SESSION_TYPES
from py_standards_lint.base.finding import SAFE, Fix
from py_standards_lint.base.names import dotted_name

#: (rev 3) project session types: a NewType, an alias, a subclass, a re-export, a PEP 695 alias
KIT = {
    "app/__init__.py": "",
    "app/kit/__init__.py": "from .db import ReadSession\n",
    "app/kit/db.py": (
        "from typing import NewType, TypeAlias\nfrom sqlalchemy.ext.asyncio import AsyncSession as _A\n\n"
        "AsyncSession = NewType('AsyncSession', _A)\nReadSession: TypeAlias = AsyncSession\n"
        "class Database:\n    pass\n"
    ),
    "app/kit/newer.py": "from app.kit.db import AsyncSession\n\ntype WriteSession = AsyncSession\n",
}

REQUEST_TYPES = frozenset({"fastapi.Request"})
ANNOTATED = frozenset({"typing.Annotated"})


class DocstringSelfDocumentingArg(Rule):
    code = "PSL901"
    name = "docstring-self-documenting-arg"
    message = "`Args:` entry for a self-documenting parameter (a session or `Request`): drop the entry"
    template = "`Args:` documents `{name}`, a self-documenting `{kind}` parameter: drop the entry"
    requires_text = ("Args:", "Arguments:")
    needs_index = True
    reads_summary = True
    fix_safety = "safe"
    example_path = "app/services/steps.py"
    why = (
        "The standards say: skip self-documenting Args (e.g. `db: AsyncSession`). An entry that says "
        "`db: The database session.` repeats the annotation, and the noise hides the entries that explain "
        "something. A parameter annotated exactly with a session type (`AsyncSession`, `Session`, the "
        "configured `session-aliases`) or `Request` documents itself; an optional one (`AsyncSession | None`) "
        "keeps its entry, which explains what happens without it. A class docstring's `Args:` documents "
        "its `__init__` parameters."
    )
    example = '''\
from sqlalchemy.ext.asyncio import AsyncSession


async def complete_step(db: AsyncSession, user_id: str, step_id: str) -> None:
    """Mark a step complete for a user.

    Args:
        db: The database session.
        user_id: The user completing the step.
        step_id: The step to complete.
    """
'''
    use_instead = '''\
from sqlalchemy.ext.asyncio import AsyncSession


async def complete_step(db: AsyncSession, user_id: str, step_id: str) -> None:
    """Mark a step complete for a user.

    Args:
        user_id: The user completing the step.
        step_id: The step to complete.
    """
'''
    fix_notes = (
        "Removes the entry with its continuation lines; when it was the only entry, the `Args:` header "
        "goes too, so the docstring stays valid Google style."
    )
    valid = (
        # (rev 3) a project class that is no session; a name nothing resolves
        Valid(
            'from app.kit.db import Database\nfrom app.kit.gone import ReadSession\n\n'
            'def f(db: Database, r: ReadSession) -> None:\n'
            '    """Do it.\n\n    Args:\n        db: The store.\n        r: Unknown.\n    """\n',
            files=KIT,
        ),
        Valid(use_instead),
        Valid(
            'from sqlalchemy.ext.asyncio import AsyncSession\n\n'
            'async def f(db: AsyncSession | None = None) -> None:\n'
            '    """Do it.\n\n    Args:\n        db: Reuse this session; a new one is opened when omitted.\n    """\n'
        ),
        Valid(
            'from typing import Optional\nfrom sqlalchemy.orm import Session\n\n'
            'def f(db: Optional[Session]) -> None:\n'
            '    """Do it.\n\n    Args:\n        db: Optional session.\n    """\n'
        ),
        # a local class that happens to be named AsyncSession is not SQLAlchemy's
        Valid(
            'class AsyncSession:\n    pass\n\n'
            'def f(db: AsyncSession) -> None:\n    """Do it.\n\n    Args:\n        db: A fake session.\n    """\n'
        ),
        # un-annotated, or documented but not a parameter of this function
        Valid('def f(db, request) -> None:\n    """Do it.\n\n    Args:\n        db: Session.\n        request: The request.\n    """\n'),
        Valid(
            'from fastapi import Request\n\n'
            'def f(request: Request) -> None:\n    """Do it.\n\n    Note:\n        request: words in another section.\n    """\n'
        ),
        # the entry belongs to the outer function, whose db is not a session
        Valid(
            'from sqlalchemy.ext.asyncio import AsyncSession\n\n'
            'def outer(db: str) -> None:\n    """Outer.\n\n    Args:\n        db: A name.\n    """\n\n'
            '    def inner(db: AsyncSession) -> None:\n        pass\n'
        ),
        Valid('x = 1\n"""Args:\n    db: AsyncSession\n"""\n'),
        # a class without __init__; a method's parameter is not the class's
        Valid(
            'from sqlalchemy.ext.asyncio import AsyncSession\n\n'
            'class Repo:\n    """Repo.\n\n    Args:\n        session: The session.\n    """\n\n'
            '    def get(self, session: AsyncSession) -> None:\n        pass\n'
        ),
    )
    invalid = (
        # (rev 3) project session types, one of them defined by a PEP 695 `type` statement
        Invalid(
            'from app.kit import ReadSession\nfrom app.kit.newer import WriteSession\n\n'
            'def f(r: ReadSession, w: WriteSession) -> None:\n'
            '    """Do it.\n\n    Args:\n        r: The session.\n        w: The other one.\n    """\n',
            at=[(8, 9), (9, 9)], files=KIT,
            fixed='from app.kit import ReadSession\nfrom app.kit.newer import WriteSession\n\n'
            'def f(r: ReadSession, w: WriteSession) -> None:\n    """Do it.\n    """\n',
        ),
        Invalid(example, line=8, col=9, fixed=use_instead),
        # the only entry: the header goes too
        Invalid(
            'from fastapi import Request\n\n'
            'async def page(request: Request) -> str:\n'
            '    """Render the page.\n\n    Args:\n        request: The incoming request,\n'
            '            as given by FastAPI.\n    """\n',
            line=7,
            col=9,
            fixed='from fastapi import Request\n\nasync def page(request: Request) -> str:\n    """Render the page.\n    """\n',
        ),
        # an alias, a type with arguments in the entry, a continuation line, a following section
        Invalid(
            'from app.core.database import DbSession\n\n'
            'class StepService:\n'
            '    async def complete(self, db: DbSession, step_id: str) -> None:\n'
            '        """Complete a step.\n\n'
            '        Args:\n'
            '            db (DbSession): The session,\n'
            '                injected per request.\n'
            '            step_id: The step.\n\n'
            '        Returns:\n'
            '            None.\n'
            '        """\n',
            line=8,
            col=13,
            fixed='from app.core.database import DbSession\n\n'
            'class StepService:\n'
            '    async def complete(self, db: DbSession, step_id: str) -> None:\n'
            '        """Complete a step.\n\n'
            '        Args:\n'
            '            step_id: The step.\n\n'
            '        Returns:\n'
            '            None.\n'
            '        """\n',
        ),
        # two entries (Annotated session, aliased Request), only entries; closing quotes on the last line
        Invalid(
            'from typing import Annotated\nfrom fastapi import Depends\nfrom starlette.requests import Request as Req\n'
            'from sqlalchemy.ext.asyncio import AsyncSession\n\n'
            'def f(db: Annotated[AsyncSession, Depends(get_db)], req: Req) -> None:\n'
            '    """Do it.\n\n    Args:\n        db: The session.\n        req: The request."""\n',
            at=[(10, 9), (11, 9)],
            fixed='from typing import Annotated\nfrom fastapi import Depends\nfrom starlette.requests import Request as Req\n'
            'from sqlalchemy.ext.asyncio import AsyncSession\n\n'
            'def f(db: Annotated[AsyncSession, Depends(get_db)], req: Req) -> None:\n'
            '    """Do it."""\n',
        ),
        # a class docstring documents __init__
        Invalid(
            'from sqlalchemy.ext.asyncio import AsyncSession\n\n'
            'class StepRepository:\n'
            '    """Steps of a user.\n\n    Args:\n        session: The database session.\n        user_id: Whose steps.\n    """\n\n'
            '    def __init__(self, session: AsyncSession, user_id: str) -> None:\n'
            '        self.session = session\n',
            line=7,
            col=9,
            path="app/repositories/steps.py",
        ),
        Invalid(
            'import sqlalchemy.orm as orm\n\ndef f(*, session: "orm.Session") -> None:\n'
            '    """Do it.\n\n    Arguments:\n        session: The session.\n        x: Other.\n    """\n',
            line=7,
            col=9,
            path="tests/test_x.py",
        ),
    )

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        #: id(docstring node) -> the parameters it documents
        self._docstrings: dict[int, cst.Parameters] = {}

    @classmethod
    def gate(cls, facts) -> bool:
        """A function (or a class with an ``__init__``) whose docstring has an ``Args:`` section, with a
        parameter annotated in a way that may be self-documenting: a string or subscript annotation, a
        session or request type's own name, a session alias, or any imported name (an import alias)."""
        lasts = {q.rpartition(".")[2] for q in SESSION_TYPES | REQUEST_TYPES} | set(facts.settings["session-aliases"] if facts.settings else ())

        def may_be(annotation: ast.expr | None) -> bool:
            if isinstance(annotation, (ast.Constant, ast.Subscript)):
                return True
            if isinstance(annotation, ast.Attribute):
                return annotation.attr in lasts
            return isinstance(annotation, ast.Name) and (annotation.id in lasts or annotation.id in facts.bound_names)

        for stmt in statements(facts.tree.body):
            if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            doc = ast.get_docstring(stmt, clean=False)
            if not doc or ("Args:" not in doc and "Arguments:" not in doc):
                continue
            functions = [stmt] if not isinstance(stmt, ast.ClassDef) else [
                s for s in stmt.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == "__init__"
            ]
            for fn in functions:
                args = fn.args
                if any(may_be(a.annotation) for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)):
                    return True
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        docstring = _docstring_node(node.body)
        if docstring is not None:
            self._docstrings[id(docstring)] = node.params

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        """A class docstring's `Args:` documents its ``__init__`` parameters (Google style)."""
        docstring = _docstring_node(node.body)
        if docstring is None or not isinstance(node.body, cst.IndentedBlock):
            return
        for stmt in node.body.body:
            if isinstance(stmt, cst.FunctionDef) and stmt.name.value == "__init__":
                self._docstrings[id(docstring)] = stmt.params

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        parameters = self._docstrings.pop(id(node), None)
        if parameters is None:
            return
        raw = node.raw_value
        entries = args_entries(raw)
        if not entries:
            return
        params = _annotations(parameters)
        lines = raw.splitlines()
        for entry in entries:
            annotation = params.get(entry.name)
            kind = self._self_documenting(annotation) if annotation is not None else None
            if kind is None:
                continue
            text = lines[entry.offset]
            column = len(text) - len(text.lstrip()) + 1
            new = node.with_changes(value=f"{node.prefix}{node.quote}{drop_args_entry(raw, entry)}{node.quote}")
            fix = Fix(SAFE, f"drop the `{entry.name}` entry", [(node, new)])
            self.report(node, self.template.format(name=entry.name, kind=kind), fix, offset=(entry.offset, column))

    def _self_documenting(self, annotation: cst.BaseExpression) -> str | None:
        """``"AsyncSession"``/``"Request"``/the alias when the annotation is exactly such a type."""
        if isinstance(annotation, cst.SimpleString):  # a quoted annotation
            try:
                annotation = cst.parse_expression(annotation.evaluated_value)  # type: ignore[arg-type]
            except Exception:
                return None
        if isinstance(annotation, cst.Subscript) and self.ctx.names.resolve(annotation.value) in ANNOTATED:
            first = annotation.slice[0].slice if annotation.slice else None
            return self._self_documenting(first.value) if isinstance(first, cst.Index) else None
        qualified = self.ctx.names.resolve(annotation)
        if qualified in SESSION_TYPES or qualified in REQUEST_TYPES:
            return qualified.rpartition(".")[2]
        dotted = dotted_name(annotation)
        if dotted is not None and (self.ctx.derives(annotation, SESSION_TYPES) or self.ctx.derives(annotation, REQUEST_TYPES)):
            return dotted.rpartition(".")[2]  # (rev 3) a project NewType/alias/subclass/re-export of one
        if dotted is not None:
            last = dotted.rpartition(".")[2]
            local = qualified is not None and qualified.startswith("<local>.") and self.ctx.names.classes.get(last) is not None
            if last in self.ctx.settings["session-aliases"] and not local:
                return last
        return None


def _docstring_node(body: cst.BaseSuite) -> cst.SimpleString | None:
    if not isinstance(body, cst.IndentedBlock) or not body.body:
        return None
    first = body.body[0]
    if not isinstance(first, cst.SimpleStatementLine) or not isinstance(first.body[0], cst.Expr):
        return None
    value = first.body[0].value
    if isinstance(value, cst.SimpleString) and "b" not in value.prefix.lower():
        return value
    return None


def _annotations(params: cst.Parameters) -> dict[str, cst.BaseExpression]:
    out: dict[str, cst.BaseExpression] = {}
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        if param.annotation is not None:
            out[param.name.value] = param.annotation.annotation
    return out
