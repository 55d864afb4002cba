from __future__ import annotations

import libcst as cst

from ...layers import REPOSITORIES, ROUTES
from ...rule import Invalid, Rule, Valid
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
        "repository skips the service layer, where business rules, domain events and the transaction live."
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
    )
    invalid = (
        Invalid("from app.repositories import steps as steps_repo\n", line=1, col=1, files=FILES),
        Invalid("import logging\nfrom app.repositories.steps import get_step\n", line=2, col=1, files=FILES),
        Invalid("import app.repositories.steps as repo\n", line=1, col=1, files=FILES),
        Invalid("from ..repositories import steps\n", line=1, col=1, files=FILES),
        Invalid("from ..repositories.steps import get_step\n", line=1, col=1, files=FILES),
        Invalid("from app import repositories\n", line=1, col=1, files=FILES),
        Invalid("def f():\n    from app.repositories import steps\n    return steps\n", line=2, col=5, files=FILES),
    )

    def visit_Import(self, node: cst.Import) -> None:
        self._check(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._check(node)

    def _check(self, node: cst.Import | cst.ImportFrom) -> None:
        if under_type_checking(node, self.ctx):
            return
        for target in imported(node, self.ctx):
            if layer_of_import(target, self.ctx) == REPOSITORIES:
                self.report(node, self.template.format(module=target))
                return
