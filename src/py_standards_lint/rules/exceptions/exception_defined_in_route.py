from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.hierarchy import hierarchy, qualify_expr
from py_standards_lint.analysis.rule import Invalid, Rule, Valid
from py_standards_lint.base.layers import REPOSITORIES, ROUTES

FILES = {
    "app/__init__.py": "",
    "app/core/__init__.py": "",
    "app/core/exceptions.py": "class DomainError(Exception):\n    pass\n\nclass Plain:\n    pass\n",
}


class ExceptionDefinedInRoute(Rule):
    code = "PSL204"
    name = "exception-defined-in-route"
    message = "Exception class defined in a route or repository module: define domain exceptions in services or exceptions.py"
    template = "Exception class defined in a {layer} module: define domain exceptions in services or exceptions.py"
    layers = frozenset({ROUTES, REPOSITORIES})
    needs_index = True
    reads_summary = True
    requires_text = ("class",)
    example_path = "app/routes/steps.py"
    why = (
        "Domain exceptions are raised by services and converted by routes, so they live where both can "
        "import them: the service module or a shared `exceptions.py`. An exception class declared in a "
        "route or repository module forces services to import upwards (or sideways) to raise it."
    )
    example = """\
class StepNotFoundError(Exception):
    pass
"""
    use_instead = """\
from app.core.exceptions import StepNotFoundError
"""
    valid = (
        Valid("class StepNotFoundError(Exception):\n    pass\n", path="app/services/steps.py"),
        Valid("class StepNotFoundError(Exception):\n    pass\n", path="app/core/exceptions.py"),
        Valid("class StepNotFoundError(Exception):\n    pass\n", path="app/exceptions.py"),
        Valid("class StepNotFoundError(Exception):\n    pass\n", path="app/routes/exceptions.py"),
        Valid("from app.core.exceptions import Plain\n\nclass Local(Plain):\n    pass\n", files=FILES),
        Valid("class Exception:\n    pass\n\nclass Mine(Exception):\n    pass\n"),
        Valid("# class E(Exception): pass\nx = 'class E(Exception)'\n"),
        Valid("from pydantic import BaseModel\n\nclass M(BaseModel):\n    pass\n"),
    )
    invalid = (
        Invalid("class StepNotFoundError(Exception):\n    pass\n", line=1, col=1),
        Invalid("class Fatal(BaseException):\n    pass\n", path="app/repositories/steps.py", line=1, col=1),
        Invalid("class Base(Exception):\n    pass\n\nclass Gone(Base):\n    pass\n", at=[(1, 1), (4, 1)]),
        Invalid("class Missing(KeyError):\n    pass\n", line=1, col=1),
        Invalid("class Bad(ArithmeticError):\n    pass\n", line=1, col=1),
        Invalid("from app.core.exceptions import DomainError\n\nclass Mine(DomainError):\n    pass\n", line=3, col=1, files=FILES),
        Invalid("import builtins\n\nclass E(builtins.Exception):\n    pass\n", line=3, col=1),
    )

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if self.ctx.relpath.rpartition("/")[2] == "exceptions.py":
            return  # `routes/exceptions.py`: the shared exceptions module, wherever it sits
        tree = hierarchy(self.ctx)
        for base in node.bases:
            qualified = qualify_expr(self.ctx, base.value)
            if qualified and tree.is_exception(qualified):
                layer = "route" if self.ctx.layer == ROUTES else "repository"
                self.report(node, self.template.format(layer=layer))
                return
