from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.rule import Invalid, Rule, Valid
from py_standards_lint.base.layers import REPOSITORIES, ROUTES, SERVICES

from ._imports import imported, layer_of_import, layer_of_module_named, under_type_checking
from .route_imports_repository import FILES

#: layer -> the layers above it, which it must not import
FORBIDDEN = {
    REPOSITORIES: frozenset({SERVICES, ROUTES}),
    SERVICES: frozenset({ROUTES}),
}
SINGULAR = {REPOSITORIES: "Repository", SERVICES: "Service"}


class UpwardLayerImport(Rule):
    code = "PSL108"
    name = "upward-layer-import"
    message = "Lower layer imports an upper one: dependencies point down (routes -> services -> repositories)"
    template = "{layer} module imports the {target} layer ({module}): dependencies point down (routes -> services -> repositories)"
    layers = frozenset({REPOSITORIES, SERVICES})
    needs_index = True
    requires_text = ("import",)
    example_path = "app/repositories/steps.py"
    why = (
        "Layers depend downwards only: routes call services, services call repositories. A repository "
        "importing a service (or a service importing a route module) creates import cycles and drags "
        "business rules or HTTP concerns into the lower layer."
    )
    example = """\
from app.services.steps import notify_completed

async def mark_complete(db, step):
    step.completed = True
    await notify_completed(step)
"""
    use_instead = """\
async def mark_complete(db, step):
    step.completed = True
    await db.flush()  # the service notifies after the repository call
"""
    valid = (
        Valid("from app.core.database import DbSession\n", files=FILES),
        Valid("from app.repositories import steps\n", path="app/services/steps.py", files=FILES),
        Valid("from app.services import steps\n", path="app/services/other.py", files=FILES),
        Valid("from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from app.services.steps import complete_step\n", files=FILES),
        Valid("from app.services import steps\n", path="app/routes/steps.py", files=FILES),
        Valid("from app.services import steps\n", path="app/core/jobs.py", files=FILES),
        Valid("import services\nfrom routes import x\n", files=FILES),
    )
    invalid = (
        Invalid("from app.services.steps import complete_step\n", line=1, col=1, files=FILES),
        Invalid("import app.routes\n", line=1, col=1, files=FILES),
        Invalid("from ..services import steps\n", line=1, col=1, files=FILES),
        Invalid("from app.routes import steps\n", path="app/services/steps.py", line=1, col=1, files=FILES),
        Invalid("from . import steps\nfrom ..routes import x\n", path="app/services/other.py", line=2, col=1, files=FILES),
        Invalid("def f():\n    import app.services.steps as s\n    return s\n", line=2, col=5, files=FILES),
    )

    @classmethod
    def gate(cls, facts) -> bool:
        forbidden = FORBIDDEN.get(facts.layer or "")
        if not forbidden:
            return False
        index = facts.index()
        return any(layer_of_module_named(t, index, facts.module_name, facts.settings) in forbidden for t in facts.imported)

    def visit_Import(self, node: cst.Import) -> None:
        self._check(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._check(node)

    def _check(self, node: cst.Import | cst.ImportFrom) -> None:
        forbidden = FORBIDDEN.get(self.ctx.layer or "")
        if not forbidden or under_type_checking(node, self.ctx):
            return
        for target in imported(node, self.ctx):
            layer = layer_of_import(target, self.ctx)
            if layer in forbidden:
                message = self.template.format(layer=SINGULAR[self.ctx.layer or ""], target=layer, module=target)
                self.report(node, message)
                return
