from __future__ import annotations

import re

import libcst as cst

from py_standards_lint.analysis.docstrings import documented_raises
from py_standards_lint.analysis.hierarchy import qualify
from py_standards_lint.analysis.raises import Oracle, cst_walk
from py_standards_lint.analysis.rule import NOT_TESTS, Invalid, Rule, Valid
from py_standards_lint.base.names import dotted_name
from py_standards_lint.base.settings import Option

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
#: (rev 3) an exception defined in a PEP 695 module, a package re-export, an exception instance
MORE = {
    **FILES,
    "app/core/newer.py": (
        "from app.core.exceptions import DomainError\n\ntype Code = int\n\n"
        "class GoneError[T](DomainError):\n    @classmethod\n    def for_step(cls, x):\n        return cls(x)\n"
    ),
    "app/core/errors/__init__.py": "from app.core.newer import GoneError\nfrom app.core.exceptions import StepNotFoundError\n\nMISSING = StepNotFoundError('x')\n",
}


def is_documented(exc: str, documented: set[str], summary: object, text: str | None = None) -> bool:
    """Named in a ``Raises:`` section (or Sphinx/NumPy), or *(rev 3)* as a word anywhere in the docstring
    ``text`` ("Raise ``NotPermitted`` if ...")."""
    short = exc.rpartition(".")[2]
    for name in documented:
        if name == exc or name.rpartition(".")[2] == short or qualify(summary, name) == exc:  # type: ignore[arg-type]
            return True
    return bool(text) and re.search(rf"(?<!\w){re.escape(short)}(?!\w)", text) is not None  # type: ignore[arg-type]


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
        # (rev 3) named as a word anywhere in the docstring
        Valid(ERRORS + "def f(x):\n    \"\"\"Raise ``StepNotFoundError`` if the step is missing.\"\"\"\n    raise StepNotFoundError(x)\n", files=FILES),
        # (rev 3) E.factory(...) documented as E; a base caught, known only from a PEP 695 module's summary
        Valid("from app.core.errors import GoneError\n\ndef f(x):\n    \"\"\"Do.\n\n    Raises:\n        GoneError: gone.\n    \"\"\"\n"
              "    raise GoneError.for_step(x)\n", files=MORE),
        Valid("from app.core.errors import GoneError\nfrom app.core.exceptions import DomainError\n\ndef f(x):\n    try:\n        raise GoneError(x)\n"
              "    except DomainError:\n        return None\n", files=MORE),
        # (rev 3) private methods: caught around the call, or inside; a handler that converts still catches
        Valid(ERRORS + "class Steps:\n    def run(self, x):\n        try:\n            self._check(x)\n        except DomainError:\n            return None\n\n"
              "    def _check(self, x):\n        raise StepNotFoundError(x)\n\n    def other(self, x):\n        return self._quiet(x)\n\n"
              "    def _quiet(self, x):\n        try:\n            raise StepNotFoundError(x)\n        except StepNotFoundError:\n            return None\n", files=FILES),
        Valid(ERRORS + "def f(x):\n    \"\"\"Do.\n\n    Raises:\n        DomainError: always.\n    \"\"\"\n    try:\n        raise StepNotFoundError(x)\n"
              "    except StepNotFoundError as e:\n        raise DomainError(x) from e\n", files=FILES),
        Valid("class Steps:\n    def run(self, x):\n        return other._check(x)\n\n    def _check(self, x):\n        raise ValueError(x)\n"),
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
        # (rev 3) E.factory(...) raises E; a name bound to an instance raises its class; a bare class
        Invalid(
            "from app.core.newer import GoneError\nfrom app.core.errors import MISSING\nimport pydantic\n\n"
            "def f(x):\n    \"\"\"Do.\"\"\"\n    if x:\n        raise GoneError.for_step(x)\n    if x > 1:\n        raise MISSING\n"
            "    if x > 2:\n        raise pydantic.ValidationError.from_exception_data('x', [])\n    raise GoneError\n",
            at=[(8, 9), (10, 9), (12, 9), (13, 5)], files=MORE,
        ),
        # (rev 3) a handler that re-raises does not catch; private methods called as self._x() / cls._x()
        Invalid(
            ERRORS + "def f(x):\n    try:\n        raise StepNotFoundError(x)\n    except StepNotFoundError as e:\n        log(e)\n        raise e\n",
            line=5, col=9, files=FILES,
        ),
        Invalid(
            ERRORS + "class Steps:\n    def run(self, x):\n        self._check(x)\n\n    @classmethod\n    def make(cls, x):\n        return cls._build(x)\n\n"
            "    def _check(self, x):\n        if x:\n            self._deeper(x)\n\n    def _deeper(self, x):\n        raise StepNotFoundError(x)\n\n"
            "    @classmethod\n    def _build(cls, x):\n        try:\n            raise StepAlreadyCompleteError(x)\n        except StepAlreadyCompleteError:\n            raise\n",
            at=[(5, 9), (9, 16)], files=FILES,
        ),
        # the checked file itself in syntax newer than the interpreter's parser (PEP 695): still summarised
        Invalid("type Code = int\n\nclass GoneError[T](Exception):\n    pass\n\ndef f[T](x: T):\n    \"\"\"Do.\"\"\"\n    raise GoneError(x)\n",
                line=8, col=5),
        # a word that only contains the name does not document it
        Invalid(ERRORS + "def f(x):\n    \"\"\"Collects StepNotFoundErrors.\"\"\"\n    raise StepNotFoundError(x)\n", line=5, col=5, files=FILES),
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
        text = node.get_docstring(clean=False)
        documented = documented_raises(text)
        oracle = Oracle(summary, self.ctx.index)
        private = {name for name in summary.functions if name.startswith("_")}
        methods = self._private_methods()

        def qualify_node(n: cst.CSTNode) -> str | None:
            dotted = dotted_name(n)
            found = qualify(summary, dotted)
            if found is None and dotted and dotted.partition(".")[0] in summary.values:
                return f"{summary.name}.{dotted}"  # (rev 3) a module-level name: an exception instance, perhaps
            return found

        def undocumented(excs: set[str] | frozenset[str], guards: tuple) -> list[str]:
            return sorted({
                exc.rpartition(".")[2]
                for exc in excs
                if exc not in UNDOCUMENTED_OK and not oracle.caught(guards, exc) and not is_documented(exc, documented, summary, text)
            })

        for inner, guards in cst_walk(node.body, qualify_node):
            if isinstance(inner, cst.Raise) and inner.exc is not None:
                exc = self._raised(inner.exc, qualify_node, oracle)
                if exc and exc not in UNDOCUMENTED_OK and not oracle.caught(guards, exc) and not is_documented(exc, documented, summary, text):
                    self.report(inner, self.template.format(exc=exc.rpartition(".")[2]))
            elif isinstance(inner, cst.Call) and isinstance(inner.func, cst.Name) and inner.func.value in private:
                helper = inner.func.value
                missing = undocumented(oracle.escaping(summary, helper), guards)
                if missing:
                    excs = ", ".join(f"`{m}`" for m in missing)
                    self.report(inner, self.helper_message.format(helper=helper, excs=excs))
            elif isinstance(inner, cst.Call) and (method := _self_private_call(inner)) is not None and method in methods:
                # (rev 3) a private method called as self._x() / cls._x(): followed like a private helper
                missing = undocumented(self._method_escaping(method, methods, qualify_node, oracle, frozenset()), guards)
                if missing:
                    excs = ", ".join(f"`{m}`" for m in missing)
                    receiver = dotted_name(inner.func) or method
                    self.report(inner, self.helper_message.format(helper=receiver, excs=excs))

    @staticmethod
    def _raised(exc: cst.BaseExpression, qualify_node, oracle: Oracle) -> str | None:
        """The exception class ``raise <exc>`` raises: ``X(...)``/``X`` is ``X``; *(rev 3)* ``E.factory(...)``
        is ``E``; a name bound to an exception instance is its class (Oracle.normalize)."""
        target = exc.func if isinstance(exc, cst.Call) else exc
        qualified = qualify_node(target)
        return oracle.normalize(qualified) if qualified else None

    def _private_methods(self) -> dict[str, cst.FunctionDef]:
        """The private methods (``_x``, not dunders) of the class whose method is being checked."""
        if not self.ctx.classes:
            return {}
        owner = self.ctx.classes[-1]
        if not isinstance(owner.body, cst.IndentedBlock):
            return {}
        return {
            stmt.name.value: stmt
            for stmt in owner.body.body
            if isinstance(stmt, cst.FunctionDef) and stmt.name.value.startswith("_") and not stmt.name.value.endswith("__")
        }

    def _method_escaping(self, name: str, methods: dict[str, cst.FunctionDef], qualify_node, oracle: Oracle,
                         seen: frozenset[str]) -> set[str]:
        """Exceptions escaping private method ``name``: its own raises, its same-module private helpers' and its
        own ``self._y()`` calls', each unless a guard around it catches them."""
        memo = self.__dict__.setdefault("_method_memo", {})
        key = id(methods[name])
        if key in memo:
            return memo[key]
        if name in seen:
            return set()
        summary = self.ctx.summary
        private = {n for n in summary.functions if n.startswith("_")} if summary is not None else set()
        out: set[str] = set()
        for inner, guards in cst_walk(methods[name].body, qualify_node):
            candidates: set[str] | frozenset[str] = set()
            if isinstance(inner, cst.Raise) and inner.exc is not None:
                exc = self._raised(inner.exc, qualify_node, oracle)
                candidates = {exc} if exc else set()
            elif isinstance(inner, cst.Call) and isinstance(inner.func, cst.Name) and inner.func.value in private and summary is not None:
                candidates = oracle.escaping(summary, inner.func.value)
            elif isinstance(inner, cst.Call) and (method := _self_private_call(inner)) is not None and method in methods:
                candidates = self._method_escaping(method, methods, qualify_node, oracle, seen | {name})
            out.update(exc for exc in candidates if not oracle.caught(guards, exc))
        memo[key] = out
        return out

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


def _self_private_call(call: cst.Call) -> str | None:
    """``self._x(...)`` / ``cls._x(...)`` -> ``_x``."""
    func = call.func
    if (
        isinstance(func, cst.Attribute)
        and isinstance(func.value, cst.Name)
        and func.value.value in ("self", "cls")
        and func.attr.value.startswith("_")
        and not func.attr.value.endswith("__")
    ):
        return func.attr.value
    return None
