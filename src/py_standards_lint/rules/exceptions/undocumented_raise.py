from __future__ import annotations

import libcst as cst

from ...config import Option
from ...docstrings import documented_raises
from ...hierarchy import qualify
from ...names import dotted_name
from ...raises import Oracle, cst_walk
from ...rule import NOT_TESTS, Invalid, Rule, Valid

LAYERS = Option("undocumented-raise-layers", "list", ("services",), "Layers where PSL203 checks documented raises.")
#: an abstract method's `raise NotImplementedError` is no contract to document
UNDOCUMENTED_OK = frozenset({"builtins.NotImplementedError"})
ERRORS = "from app.core.exceptions import StepNotFoundError, StepAlreadyCompleteError, DomainError\n\n"
FILES = {
    "app/__init__.py": "",
    "app/core/__init__.py": "",
    "app/core/exceptions.py": (
        "class DomainError(Exception):\n    pass\n\nclass StepNotFoundError(DomainError):\n    pass\n\n"
        "class StepAlreadyCompleteError(DomainError):\n    pass\n\nSTEP_ERRORS = (StepNotFoundError, StepAlreadyCompleteError)\n"
    ),
}


def is_documented(exc: str, documented: set[str], summary: object) -> bool:
    short = exc.rpartition(".")[2]
    for name in documented:
        if name == exc or name.rpartition(".")[2] == short or qualify(summary, name) == exc:  # type: ignore[arg-type]
            return True
    return False


class UndocumentedRaise(Rule):
    code = "PSL203"
    name = "undocumented-raise"
    message = "Raised exception not documented in the docstring's `Raises:` section"
    template = "`{exc}` is raised but not documented: add it to the docstring's `Raises:` section"
    helper_message = "`{helper}()` lets {excs} escape, not documented: add to the docstring's `Raises:` section"
    skip_layers = NOT_TESTS
    needs_index = True
    reads_summary = True
    requires_text = ("raise",)
    options = (LAYERS,)
    example_path = "app/services/steps.py"
    why = (
        "The standards ask services to document the exceptions they raise: routes convert exactly those "
        "domain exceptions into HTTP errors, and an undocumented one becomes a 500. The docstring is the "
        "contract the route author reads (and PSL205 checks). Runs in the layers listed in "
        "`undocumented-raise-layers` (default: services), on public functions and public methods."
    )
    example = """\
from app.core.exceptions import StepNotFoundError

async def complete_step(db, user_id, step_id):
    \"\"\"Mark a step complete.\"\"\"
    step = await steps_repo.get_step(db, step_id)
    if step is None:
        raise StepNotFoundError(step_id)
"""
    use_instead = """\
from app.core.exceptions import StepNotFoundError

async def complete_step(db, user_id, step_id):
    \"\"\"Mark a step complete.

    Raises:
        StepNotFoundError: the step does not exist.
    \"\"\"
    step = await steps_repo.get_step(db, step_id)
    if step is None:
        raise StepNotFoundError(step_id)
"""
    valid = (
        Valid(ERRORS + "def f(x):\n    \"\"\"Do.\n\n    Raises:\n        StepNotFoundError: missing.\n    \"\"\"\n    raise StepNotFoundError(x)\n", files=FILES),
        Valid(ERRORS + "def f(x):\n    \"\"\"Do.\n\n    :raises StepNotFoundError: missing.\n    \"\"\"\n    raise StepNotFoundError(x)\n", files=FILES),
        Valid(ERRORS + "def f(x):\n    \"\"\"Do.\n\n    Raises\n    ------\n    StepNotFoundError\n        missing.\n    \"\"\"\n    raise StepNotFoundError(x)\n", files=FILES),
        Valid(ERRORS + "def _private(x):\n    raise StepNotFoundError(x)\n", files=FILES),
        Valid("def f():\n    try:\n        g()\n    except KeyError:\n        raise\n"),
        Valid("def f():\n    def inner():\n        raise ValueError('x')\n    return inner\n"),
        Valid(ERRORS + "def f(x):\n    try:\n        raise StepNotFoundError(x)\n    except DomainError:\n        return None\n", files=FILES),
        Valid(
            ERRORS + "def _h(x):\n    raise StepNotFoundError(x)\n\ndef f(x):\n    try:\n        _h(x)\n    except StepNotFoundError:\n        return None\n",
            files=FILES,
        ),
        Valid(
            "from app.core.exceptions import STEP_ERRORS, StepNotFoundError\n\ndef _h(x):\n    raise StepNotFoundError(x)\n\n"
            "def f(x):\n    try:\n        _h(x)\n    except STEP_ERRORS:\n        return None\n",
            files=FILES,
        ),
        Valid(
            "class A(Exception):\n    pass\n\nclass B(Exception):\n    pass\n\nERRS = (A, B)\n\n"
            "def f():\n    try:\n        raise B()\n    except ERRS:\n        pass\n"
        ),
        Valid("def f(e):\n    raise e\n"),
        Valid("class Base:\n    def run(self):\n        raise NotImplementedError\n"),
        Valid("def f(x):\n    raise ValueError(x)\n", path="app/core/util.py"),
        Valid("def f(x):\n    raise ValueError(x)\n", path="tests/test_x.py"),
        Valid("def f():\n    \"\"\"raise ValueError\"\"\"\n    # raise ValueError()\n    return 'raise ValueError'\n"),
        Valid("class S:\n    def _m(self):\n        raise ValueError('x')\n"),
        Valid("class _Impl:\n    def run(self):\n        raise ValueError('x')\n"),
        Valid(
            "import app.core.exceptions as errors\n\ndef f(x):\n    \"\"\"Do.\n\n    Raises:\n        errors.StepNotFoundError: missing.\n    \"\"\"\n"
            "    raise errors.StepNotFoundError(x)\n",
            files=FILES,
        ),
    )
    invalid = (
        Invalid(ERRORS + "async def f(x):\n    \"\"\"Do.\"\"\"\n    raise StepNotFoundError(x)\n", line=5, col=5, files=FILES),
        Invalid(
            ERRORS + "def f(x):\n    \"\"\"Do.\n\n    Raises:\n        StepNotFoundError: missing.\n    \"\"\"\n"
            "    if x:\n        raise StepNotFoundError(x)\n    raise StepAlreadyCompleteError(x) from None\n",
            line=11, col=5, files=FILES,
        ),
        Invalid("def f(x):\n    try:\n        g()\n    except KeyError as e:\n        raise ValueError(x) from e\n", path="app/services/x.py", line=5, col=9),
        Invalid(
            ERRORS + "def _check(x):\n    if x:\n        raise StepNotFoundError(x)\n\ndef _outer(x):\n    _check(x)\n\n"
            "async def f(x):\n    \"\"\"Do.\"\"\"\n    _outer(x)\n    return x\n",
            line=12, col=5, files=FILES,
        ),
        Invalid(
            ERRORS + "def _check(x):\n    raise StepNotFoundError(x)\n\ndef f(x):\n    try:\n        _check(x)\n    except StepAlreadyCompleteError:\n        pass\n",
            line=8, col=9, files=FILES,
        ),
        Invalid("class StepService:\n    def run(self):\n        raise KeyError('x')\n", line=3, col=9),
        Invalid("def f():\n    raise ValueError\n", path="app/repositories/x.py", line=2, col=5, settings={"undocumented-raise-layers": ["repositories"]}),
        Invalid(
            ERRORS + "def f(x):\n    try:\n        raise StepNotFoundError(x)\n    except StepAlreadyCompleteError:\n        pass\n",
            line=5, col=9, files=FILES,
        ),
        Invalid(
            ERRORS + "def _h(x):\n    try:\n        raise StepNotFoundError(x)\n    except KeyError:\n        pass\n\ndef f(x):\n    _h(x)\n",
            line=10, col=5, files=FILES,
        ),
    )

    @classmethod
    def active_in(cls, layer: str | None, settings=None) -> bool:
        return cls.runs_in(layer) and (settings is None or layer in settings[LAYERS.key])

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if not self._applies(node):
            return
        summary = self.ctx.summary
        if summary is None:
            return
        documented = documented_raises(node.get_docstring(clean=False))
        oracle = Oracle(summary, self.ctx.index)
        private = {name for name in summary.functions if name.startswith("_")}

        def qualify_node(n: cst.CSTNode) -> str | None:
            return qualify(summary, dotted_name(n))

        for inner, guards in cst_walk(node.body, qualify_node):
            if isinstance(inner, cst.Raise) and inner.exc is not None:
                target = inner.exc.func if isinstance(inner.exc, cst.Call) else inner.exc
                exc = qualify_node(target)
                if exc and exc not in UNDOCUMENTED_OK and not oracle.caught(guards, exc) and not is_documented(exc, documented, summary):
                    self.report(inner, self.template.format(exc=exc.rpartition(".")[2]))
            elif isinstance(inner, cst.Call) and isinstance(inner.func, cst.Name) and inner.func.value in private:
                helper = inner.func.value
                escaping = oracle.escaping(summary, helper)
                missing = sorted(
                    exc.rpartition(".")[2]
                    for exc in escaping
                    if exc not in UNDOCUMENTED_OK and not oracle.caught(guards, exc) and not is_documented(exc, documented, summary)
                )
                if missing:
                    excs = ", ".join(f"`{m}`" for m in missing)
                    self.report(inner, self.helper_message.format(helper=helper, excs=excs))

    def _applies(self, node: cst.FunctionDef) -> bool:
        if node.name.value.startswith("_") or self.ctx.layer not in self.ctx.settings[LAYERS.key]:
            return False
        frame = self.ctx.function
        if len(self.ctx.functions) != 1 or frame is None:
            return False
        if not self.ctx.classes:
            return True
        # a method of a public module-level class
        owner = self.ctx.classes[0]
        return len(self.ctx.classes) == 1 and frame.owner is owner and not owner.name.value.startswith("_")
