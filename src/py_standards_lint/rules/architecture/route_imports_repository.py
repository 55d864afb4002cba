from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.index import ClassSummary, ProjectIndex
from py_standards_lint.analysis.rule import Invalid, Rule, Valid
from py_standards_lint.base.known import builtin_exception
from py_standards_lint.base.layers import REPOSITORIES, ROUTES
from py_standards_lint.base.names import LOCAL

from ._imports import imported, layer_of_import, under_type_checking

FILES = {
    "app/__init__.py": "",
    "app/repositories/__init__.py": "",
    "app/repositories/steps.py": "async def get_step(db, step_id):\n    return None\n",
    "app/services/__init__.py": "",
    "app/services/steps.py": "async def complete_step(db, step_id):\n    return None\n",
    "app/routes/__init__.py": "",
    "app/core/__init__.py": "",
    "app/core/database.py": "DbSession = object\n",
}
#: a repository module that defines its own exceptions (PSL204 reports them there), re-exported by a package
ERRORS = {
    **FILES,
    "app/core/errors.py": "class AppError(Exception):\n    pass\n",
    "app/repositories/steps.py": (
        "from app.core.errors import AppError\n\n"
        "class StepNotFound(AppError):\n    pass\n\nclass StepGone(LookupError):\n    pass\n\n"
        "class StepRow:\n    pass\n\nRETRYABLE = (StepNotFound, StepGone)\n\n"
        "async def get_step(db, step_id):\n    return None\n"
    ),
    "app/repositories/users/__init__.py": "from .errors import UserMissing\n",
    "app/repositories/users/errors.py": "from app.repositories.steps import StepNotFound\n\nclass UserMissing(StepNotFound):\n    pass\n",
    "app/repositories/vendored.py": "from sqlalchemy.exc import NoResultFound\n\nclass RowMissing(NoResultFound):\n    pass\n",
}


class RouteImportsRepository(Rule):
    code = "PSL106"
    name = "route-imports-repository"
    message = "Route module imports the repositories layer: call a service instead"
    template = "Route module imports the repositories layer ({module}): call a service instead"
    layers = frozenset({ROUTES})
    needs_index = True
    requires_text = ("import",)
    example_path = "app/routes/steps.py"
    why = (
        "Routes validate input, call services and return responses. A route that reaches into a "
        "repository skips the service layer, where business rules, domain events and the transaction live. "
        "An import that brings in only exception classes, to catch them, is not flagged (PSL204 reports "
        "exceptions defined in a repository module)."
    )
    example = """\
from app.repositories import steps as steps_repo

@router.get("/{step_id}")
async def get_step(step_id: str, db: DbSession):
    return await steps_repo.get_step(db, step_id)
"""
    use_instead = """\
from app.services import steps as step_service

@router.get("/{step_id}")
async def get_step(step_id: str, db: DbSession):
    return await step_service.get_step(db, step_id)
"""
    valid = (
        Valid("from app.services import steps as step_service\n", files=FILES),
        Valid("from app.services.steps import complete_step\nfrom app.core.database import DbSession\n", files=FILES),
        Valid("import app.services.steps\n", files=FILES),
        Valid("from ..services import steps\n", files=FILES),
        Valid("from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from app.repositories.steps import get_step\n", files=FILES),
        Valid("from sqlalchemy import select\nimport repositories\n", files=FILES),
        Valid("# from app.repositories import steps\nx = 'app.repositories'\n", files=FILES),
        Valid("from app.repositories import steps\n", path="app/services/steps.py", files=FILES),
        # (rev 3) exception classes only, imported to catch them
        Valid(
            "from app.repositories.steps import StepNotFound, StepGone as Gone\n\nasync def r():\n    try:\n        pass\n"
            "    except (StepNotFound, Gone):\n        pass\n",
            files=ERRORS,
        ),
        Valid("from ..repositories.steps import StepNotFound\n", files=ERRORS),
        Valid("from app.repositories.users import UserMissing\n", files=ERRORS),
        Valid("def f():\n    from app.repositories.users.errors import UserMissing\n    return UserMissing\n", files=ERRORS),
    )
    invalid = (
        Invalid("from app.repositories import steps as steps_repo\n", line=1, col=1, files=FILES),
        Invalid("import logging\nfrom app.repositories.steps import get_step\n", line=2, col=1, files=FILES),
        Invalid("import app.repositories.steps as repo\n", line=1, col=1, files=FILES),
        Invalid("from ..repositories import steps\n", line=1, col=1, files=FILES),
        Invalid("from ..repositories.steps import get_step\n", line=1, col=1, files=FILES),
        Invalid("from app import repositories\n", line=1, col=1, files=FILES),
        Invalid("def f():\n    from app.repositories import steps\n    return steps\n", line=2, col=5, files=FILES),
        # (rev 3) an exception class next to anything else, a module of exceptions, a non-exception class,
        # a tuple constant, a class whose bases the index cannot show to be an exception
        Invalid("from app.repositories.steps import StepNotFound, get_step\n", line=1, col=1, files=ERRORS),
        Invalid("from app.repositories.users import errors\n", line=1, col=1, files=ERRORS),
        Invalid("import app.repositories.users.errors\n", line=1, col=1, files=ERRORS),
        Invalid("from app.repositories.steps import StepRow\n", line=1, col=1, files=ERRORS),
        Invalid("from app.repositories.steps import RETRYABLE\n", line=1, col=1, files=ERRORS),
        Invalid("from app.repositories.vendored import RowMissing\n", line=1, col=1, files=ERRORS),
        Invalid("from app.repositories.steps import *\n", line=1, col=1, files=ERRORS),
    )

    def visit_Import(self, node: cst.Import) -> None:
        self._check(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._check(node)

    def _check(self, node: cst.Import | cst.ImportFrom) -> None:
        if under_type_checking(node, self.ctx):
            return
        targets = [t for t in imported(node, self.ctx) if layer_of_import(t, self.ctx) == REPOSITORIES]
        if not targets:
            return
        index = self.ctx.index
        if (
            index is not None
            and isinstance(node, cst.ImportFrom)
            and not isinstance(node.names, cst.ImportStar)
            and all(is_exception_class(index, t) for t in targets)
        ):
            return  # (rev 3) only exception classes, imported to catch them
        self.report(node, self.template.format(module=targets[0]))


MAX_HOPS = 8


def _project_class(index: ProjectIndex, qualified: str) -> ClassSummary | None:
    """The project class ``qualified`` names, following re-exports (``from .errors import X`` in a
    package ``__init__``) to a fixed depth; ``None`` when it is not a class the index knows."""
    seen: set[str] = set()
    while qualified not in seen and len(seen) < MAX_HOPS:
        seen.add(qualified)
        found = index.split(qualified)
        if found is None:
            return None
        module, name = found
        if name in module.classes:
            return module.classes[name]
        target = module.imports.bindings.get(name)
        if not target or target.startswith(LOCAL):
            return None
        qualified = target
    return None


def is_exception_class(index: ProjectIndex, qualified: str) -> bool:
    """Is ``qualified`` a class that derives (through project classes, as far as the index shows) from a
    builtin exception? Unknown bases prove nothing: ``False``."""
    stack, seen = [qualified], {qualified}
    while stack:
        current = stack.pop()
        module, _, name = current.rpartition(".")
        if module == "builtins":
            if builtin_exception(name):
                return True
            continue
        cls = _project_class(index, current)
        if cls is None:
            continue
        for base in cls.bases:
            if base not in seen and len(seen) < 64:
                seen.add(base)
                stack.append(base)
    return False
