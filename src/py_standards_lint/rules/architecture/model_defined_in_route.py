from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.hierarchy import hierarchy, qualify_expr
from py_standards_lint.analysis.rule import Invalid, Rule, Valid
from py_standards_lint.base.layers import ROUTES

PYDANTIC_MODELS = frozenset({"pydantic.BaseModel", "pydantic.main.BaseModel"})
FILES = {
    "app/__init__.py": "",
    "app/schemas.py": "from pydantic import BaseModel\n\nclass Schema(BaseModel):\n    pass\n\nclass Plain:\n    pass\n",
}


class ModelDefinedInRoute(Rule):
    code = "PSL109"
    name = "model-defined-in-route"
    message = "Pydantic model defined in a route module: the API contract lives in schemas.py / models.py"
    layers = frozenset({ROUTES})
    needs_index = True
    reads_summary = True
    requires_text = ("class",)
    example_path = "app/routes/steps.py"
    why = (
        "The standards make `schemas.py` and `models.py` the source of truth for the API contract. A "
        "request or response model declared next to its route is invisible there, gets duplicated by the "
        "next route that needs it, and drifts from the documented contract."
    )
    example = """\
from pydantic import BaseModel

class CompleteStepRequest(BaseModel):
    note: str | None = None
"""
    use_instead = """\
from app.schemas import CompleteStepRequest

@router.post("/{step_id}/complete")
async def complete_step(step_id: str, body: CompleteStepRequest) -> None: ...
"""
    valid = (
        Valid("from app.schemas import Schema\n\ndef f(body: Schema):\n    return body\n", files=FILES),
        Valid("class BaseModel:\n    pass\n\nclass Local(BaseModel):\n    pass\n"),
        Valid("from app.schemas import Plain\n\nclass Local(Plain):\n    pass\n", files=FILES),
        Valid("from enum import Enum\n\nclass Kind(str, Enum):\n    A = 'a'\n"),
        Valid("from pydantic import BaseModel\n\nclass M(BaseModel):\n    pass\n", path="app/schemas.py"),
        Valid("# class M(BaseModel): ...\nx = 'class M(BaseModel)'\n"),
    )
    invalid = (
        Invalid("from pydantic import BaseModel\n\nclass M(BaseModel):\n    x: int\n", line=3, col=1),
        Invalid("import pydantic\n\n@decorate\nclass M(pydantic.BaseModel):\n    x: int\n", line=4, col=1),
        Invalid(
            "from pydantic import BaseModel as BM\n\nclass Base(BM):\n    pass\n\nclass M(Base):\n    pass\n",
            at=[(3, 1), (6, 1)],
        ),
        Invalid("from app.schemas import Schema\n\nclass Extra(Schema):\n    pass\n", line=3, col=1, files=FILES),
        Invalid("from pydantic import BaseModel\n\ndef f():\n    class Inner(BaseModel):\n        pass\n", line=4, col=5),
    )

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        tree = hierarchy(self.ctx)
        for base in node.bases:
            qualified = qualify_expr(self.ctx, base.value)
            if qualified and tree.is_subclass(qualified, PYDANTIC_MODELS):
                self.report(node)
                return
