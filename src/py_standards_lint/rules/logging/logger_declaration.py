from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from ...finding import SAFE, Fix
from ...loggers import NON_STDLIB_LOGGING
from ...names import dotted_name, module_dotted
from ...rule import NOT_TESTS, Invalid, Rule, Valid
from ...semantics import GET_LOGGER, LOG_METHODS

#: a call that hands out a logger without being ``logging.getLogger`` (a wrapper)
WRAPPER_NAME = re.compile(r"_?(get|make|create|build|setup|init|new)_?logger", re.IGNORECASE)
STRUCTLOG_GETTERS = frozenset({"structlog.get_logger", "structlog.getLogger", "structlog.stdlib.get_logger"})

LOGGER = "import logging\n\nlogger = logging.getLogger(__name__)\n\n"


@dataclass
class _Binding:
    kind: str  # "name" (module level), "attr" (class level / self.x), "local" (in a function)
    name: str
    scope: int | None  # id of the function for "local"
    call: cst.Call
    reason: str
    fix: Fix | None


class LoggerDeclaration(Rule):
    code = "PSL305"
    name = "logger-declaration"
    message = "logger not declared as `logger = logging.getLogger(__name__)` at module level"
    template = "logger {reason}: declare `logger = logging.getLogger(__name__)` at module level"
    skip_layers = NOT_TESTS
    requires_text = ("getLogger", "structlog", "loguru", "Logger", "logger", "LOGGER")
    example_path = "app/services/users.py"
    fix_safety = "safe"
    why = (
        "One module-level `logging.getLogger(__name__)` per module names every record after its module, "
        "so levels and handlers configured per package apply. A hard-coded name, the root logger, a "
        "logger fetched per call, a wrapper or a third-party logger (structlog, loguru) all escape that "
        "configuration and the `extra={}` conventions."
    )
    example = 'import logging\n\nlogger = logging.getLogger("users")\n\ndef created(uid):\n    logger.info("user.created", extra={"user_id": uid})\n'
    use_instead = LOGGER + 'def created(uid):\n    logger.info("user.created", extra={"user_id": uid})\n'
    fix_notes = "`getLogger(\"literal\")` at module or class level becomes `getLogger(__name__)`."
    valid = (
        Valid(LOGGER + "logger.info('a.b')\n"),
        Valid("import logging\n\nclass S:\n    log_ = logging.getLogger(__name__)\n\n    def f(self):\n        self.log_.info('a.b')\n"),
        Valid("import logging\n\nlogging.getLogger('uvicorn.access').setLevel(logging.WARNING)\nroot = logging.getLogger()\nroot.addHandler(h)\nroot.handlers.clear()\n"),
        Valid("import logging\n\ndef configure():\n    log = logging.getLogger('sqlalchemy.engine')\n    log.setLevel(logging.INFO)\n    log.propagate = False\n"),
        Valid("import logging\n\naudit = logging.getLogger('audit')\n", path="tests/test_x.py"),
        Valid("import logging\n\nlogger = logging.getLogger('x')\nlogger.info('a.b')\n", path="tests/conftest.py"),
        Valid("x = 'import structlog'  # import loguru\nlogger_name = 'structlog.get_logger()'\n"),
        Valid("from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    import structlog\n"),
        Valid("from .structlog import helper\nimport structlogger\n"),
        Valid("from app.core.log import make_logger\n\nfactory = make_logger\n"),
        Valid("import logging\n\nlogger = logging.getLogger(__name__)\n\ndef f(logger):\n    audit = get_audit()\n    audit.info('a.b')\n"),
    )
    invalid = (
        Invalid(
            "import logging\n\nlogger = logging.getLogger('users')\nlogger.info('a.b')\n", line=3, col=10,
            fixed="import logging\n\nlogger = logging.getLogger(__name__)\nlogger.info('a.b')\n",
        ),
        Invalid(
            "from logging import getLogger as gl\n\nclass S:\n    log_ = gl(name='svc')\n\n    def f(self):\n        self.log_.warning('a.b')\n",
            line=4, col=12,
            fixed="from logging import getLogger as gl\n\nclass S:\n    log_ = gl(name=__name__)\n\n    def f(self):\n        self.log_.warning('a.b')\n",
        ),
        Invalid("import logging\n\nlogger = logging.getLogger()\nlogger.info('a.b')\n", line=3, col=10),
        Invalid(
            "import logging\n\ndef f():\n    log = logging.getLogger(__name__)\n    log.info('a.b')\n", line=4, col=11,
            fixed="import logging\n\ndef f():\n    log = logging.getLogger(__name__)\n    log.info('a.b')\n",
        ),
        Invalid("import logging\n\nclass S:\n    def __init__(self):\n        self.audit = logging.getLogger(__name__)\n\n    def f(self):\n        self.audit.info('a.b')\n", line=5, col=22),
        Invalid("import logging\n\ndef f():\n    logging.getLogger('x').info('a.b')\n", line=4, col=5),
        Invalid("from app.core.log import get_logger\n\nlogger = get_logger(__name__)\n\ndef f():\n    logger.info('a.b')\n", line=3, col=10),
        Invalid("import structlog\n\nlogger = structlog.get_logger()\nlogger.info('a.b', user_id=1)\n", at=[(1, 1), (3, 10)]),
        Invalid("from loguru import logger\n", line=1, col=1),
        Invalid("import structlog.stdlib as sl\n", line=1, col=1),
        Invalid("import os, loguru\n\nif x:\n    from structlog import get_logger\n", at=[(1, 1), (4, 5)]),
    )

    def __init__(self, ctx) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ctx)
        self.bindings: list[_Binding] = []
        #: (name, id of the innermost function or None) of ``name.info(...)`` calls
        self.name_uses: set[tuple[str, int | None]] = set()
        self.attr_uses: set[str] = set()

    # -- what a call hands out ------------------------------------------------------
    def _problem(self, call: cst.Call) -> tuple[str, Fix | None] | None:
        """Why a logger obtained by ``call`` is wrong (and a fix), or None when it is fine / no logger."""
        resolved = self.ctx.names.resolve(call.func)
        in_function = self.ctx.function is not None
        if resolved in GET_LOGGER:
            arg = next((a for a in call.args if a.keyword is None and not a.star), None)
            arg = arg or next((a for a in call.args if a.keyword is not None and a.keyword.value == "name"), None)
            if arg is None or (isinstance(arg.value, cst.Name) and arg.value.value == "None"):
                return "is the root logger", None
            if isinstance(arg.value, cst.Name) and arg.value.value == "__name__":
                return ("is obtained inside a function", None) if in_function else None
            fix = None
            if isinstance(arg.value, cst.SimpleString) and not in_function:
                fix = Fix(SAFE, "use `getLogger(__name__)`", [(arg.value, cst.Name("__name__"))])
            return "is not named `__name__`", fix
        if resolved in STRUCTLOG_GETTERS:
            return "comes from structlog", None
        spelled = dotted_name(call.func)
        if spelled is not None and WRAPPER_NAME.fullmatch(spelled.rsplit(".", 1)[-1]):
            return "comes from a wrapper", None
        return None

    # -- bindings ----------------------------------------------------------------------
    def _bind(self, targets: list[cst.BaseExpression], value: cst.BaseExpression | None) -> None:
        if not isinstance(value, cst.Call):
            return
        problem = self._problem(value)
        if problem is None:
            return
        reason, fix = problem
        frame = self.ctx.function
        for target in targets:
            if isinstance(target, cst.Name):
                if frame is not None:
                    self.bindings.append(_Binding("local", target.value, id(frame.node), value, reason, fix))
                elif self.ctx.classes:
                    self.bindings.append(_Binding("attr", target.value, None, value, reason, fix))
                else:
                    self.bindings.append(_Binding("name", target.value, None, value, reason, fix))
            elif isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value in ("self", "cls"):
                self.bindings.append(_Binding("attr", target.attr.value, None, value, reason, fix))

    def visit_Assign(self, node: cst.Assign) -> None:
        self._bind([t.target for t in node.targets], node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind([node.target], node.value)

    # -- uses ----------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in LOG_METHODS:
            return
        receiver = func.value
        if isinstance(receiver, cst.Name):
            frame = self.ctx.function
            self.name_uses.add((receiver.value, id(frame.node) if frame else None))
        elif isinstance(receiver, cst.Attribute) and isinstance(receiver.value, cst.Name):
            self.attr_uses.add(receiver.attr.value)
        elif isinstance(receiver, cst.Call):
            problem = self._problem(receiver)
            if problem is not None:
                self.report(receiver, self.template.format(reason=problem[0]), problem[1])

    # -- third-party loggers ------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> None:
        if self.ctx.type_checking:
            return
        for alias in node.names:
            library = module_dotted(alias.name).split(".")[0]
            if library in NON_STDLIB_LOGGING:
                self.report(node, self.template.format(reason=f"from `{library}` (not the stdlib)"))
                return

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None or self.ctx.type_checking:
            return
        library = module_dotted(node.module).split(".")[0]
        if library in NON_STDLIB_LOGGING:
            self.report(node, self.template.format(reason=f"from `{library}` (not the stdlib)"))

    def leave_Module(self, node: cst.Module) -> None:
        locals_ = {(b.name, b.scope) for b in self.bindings if b.kind == "local"}
        for binding in self.bindings:
            if binding.kind == "name":
                used = any(n == binding.name and (s is None or (n, s) not in locals_) for n, s in self.name_uses)
            elif binding.kind == "local":
                used = (binding.name, binding.scope) in self.name_uses
            else:
                used = binding.name in self.attr_uses
            if used:
                self.report(binding.call, self.template.format(reason=binding.reason), binding.fix)
