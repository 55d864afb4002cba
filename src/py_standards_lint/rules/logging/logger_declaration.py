from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from py_standards_lint.analysis.loggers import DERIVING_METHODS, FOREIGN, NON_STDLIB_LOGGING, STDLIB, logger_bindings
from py_standards_lint.analysis.rule import NOT_TESTS, Invalid, Rule, Valid
from py_standards_lint.base.fastwalk import child_nodes
from py_standards_lint.base.finding import SAFE, Fix
from py_standards_lint.base.known import GET_LOGGER, LOG_METHODS
from py_standards_lint.base.names import dotted_name, module_dotted

#: a call that hands out a logger without being ``logging.getLogger`` (a wrapper)
WRAPPER_NAME = re.compile(r"_?(get|make|create|build|setup|init|new)_?logger", re.IGNORECASE)
STRUCTLOG_GETTERS = frozenset({"structlog.get_logger", "structlog.getLogger", "structlog.stdlib.get_logger"})

LOGGER = "import logging\n\nlogger = logging.getLogger(__name__)\n\n"

#: (rev 3) the configuration API of the non-stdlib logging libraries: a module that only uses these (a
#: logging set-up module, routing stdlib records through structlog's formatter, say) does not log through them
STRUCTLOG_CONFIG = frozenset(
    {
        "structlog.configure", "structlog.configure_once", "structlog.reset_defaults", "structlog.DropEvent",
        "structlog.make_filtering_bound_logger", "structlog.PrintLoggerFactory", "structlog.WriteLoggerFactory",
        "structlog.BytesLoggerFactory", "structlog.contextvars.merge_contextvars",
    }
)
STRUCTLOG_CONFIG_MODULES = ("structlog.processors", "structlog.dev", "structlog.stdlib", "structlog.types", "structlog.typing")
STRUCTLOG_GETTERS_ALL = STRUCTLOG_GETTERS | {"structlog.wrap_logger", "structlog.stdlib.getLogger"}
#: ``loguru.logger``'s configuration methods (everything else on it logs, binds or wraps a log call)
LOGURU_CONFIG = frozenset({"remove", "add", "configure", "level", "disable", "enable"})

STRUCTLOG_SETUP = (
    "import logging\n\nimport structlog\n\n\ndef configure_logging() -> None:\n"
    "    structlog.configure(\n        processors=[structlog.processors.TimeStamper(fmt='iso'), structlog.processors.JSONRenderer()],\n"
    "        wrapper_class=structlog.stdlib.BoundLogger,\n    )\n"
    "    handler = logging.StreamHandler()\n    handler.setFormatter(structlog.stdlib.ProcessorFormatter(processor=structlog.dev.ConsoleRenderer()))\n"
    "    logging.getLogger().addHandler(handler)\n"
)
LOGURU_SETUP = "import sys\n\nfrom loguru import logger\n\n\ndef setup() -> None:\n    logger.remove()\n    logger.add(sys.stderr, level='INFO')\n"


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
    needs_index = True  # a getter or a re-exported `logging` in another project module
    example_path = "app/services/users.py"
    fix_safety = "safe"
    why = (
        "One module-level `logging.getLogger(__name__)` per module names every record after its module, "
        "so levels and handlers configured per package apply. A hard-coded name, the root logger, a "
        "logger fetched per call, a wrapper or a third-party logger (structlog, loguru) all escape that "
        "configuration and the `extra={}` conventions. Not flagged: a logger fetched only to configure it "
        "(`.setLevel`, `.addHandler`, `.handlers.clear()`, `.propagate`), and the structlog/loguru import of a module "
        "that calls only their configuration API (`structlog.configure`, processors, `DropEvent`, `logger.remove/add`) "
        "and never logs through them."
    )
    example = 'import logging\n\nlogger = logging.getLogger("users")\n\ndef created(uid):\n    logger.info("user.created", extra={"user_id": uid})\n'
    use_instead = LOGGER + 'def created(uid):\n    logger.info("user.created", extra={"user_id": uid})\n'
    fix_notes = "`getLogger(\"literal\")` at module or class level becomes `getLogger(__name__)`."
    valid = (
        # (rev 3) the stdlib `logging` module re-exported by a project module is stdlib
        Valid(
            "from app.core.logger import logging\n\nlogger = logging.getLogger(__name__)\nlogger.info('a.b')\n",
            files={"app/__init__.py": "", "app/core/__init__.py": "", "app/core/logger.py": "import logging\n\nlogging.basicConfig()\n"},
        ),
        # a project function named like a getter that the resolver sees returns no logger
        Valid(
            "from app.core.registry import get_logger\n\nhandler = get_logger('x')\nhandler.info('a.b')\n",
            files={"app/__init__.py": "", "app/core/__init__.py": "", "app/core/registry.py": "class Handler:\n    pass\n\ndef get_logger(name) -> Handler:\n    return Handler()\n"},
        ),
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
        # (rev 3) a module that only configures structlog / loguru
        Valid(STRUCTLOG_SETUP),
        Valid(LOGURU_SETUP),
        Valid("import structlog\n\ndef drop_health(logger, method, event):\n    if event.get('path') == '/health':\n        raise structlog.DropEvent\n    return event\n"),
        Valid("from structlog import DropEvent\nfrom structlog.processors import add_log_level\n\nPROCESSORS = [add_log_level]\n\ndef drop(l, m, e):\n    raise DropEvent\n"),
        Valid("def setup():\n    import loguru\n    loguru.logger.remove()\n"),
        Valid(LOGURU_SETUP + "    configure(logger=None)\n    app.logger.info('x')\n\ndef f(logger):\n    pass\n\nclass logger_holder:\n    pass\n"),
        # (rev 3) loggers fetched only to configure them
        Valid("import logging\n\nfor name in ('uvicorn', 'uvicorn.error'):\n    logging.getLogger(name).handlers.clear()\nsql = logging.getLogger('sqlalchemy.engine')\nsql.propagate = False\nsql.setLevel(logging.WARNING)\n"),
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
        # (rev 3) a set-up module that also logs through the library, hands a logger out, or imports it unused
        Invalid(STRUCTLOG_SETUP + "\nlog = structlog.get_logger()\n", line=3, col=1),
        Invalid(STRUCTLOG_SETUP + "\ndef f():\n    structlog.get_logger().info('a.b')\n", at=[(3, 1), (16, 5)]),
        Invalid(LOGURU_SETUP + "    logger.info('logging.configured')\n", line=3, col=1),
        Invalid(LOGURU_SETUP + "\ndef get():\n    return logger\n", line=3, col=1),
        Invalid(LOGURU_SETUP + "    logger.opt(depth=1).log('INFO', 'x')\n", line=3, col=1),
        Invalid(STRUCTLOG_SETUP.replace("import structlog\n", "import structlog\nimport loguru\n"), line=4, col=1),
        Invalid("import structlog\n\nstructlog.contextvars.bind_contextvars(request_id='1')\n", line=1, col=1),
        Invalid("import logging\n\nlogger = logging.getLogger('app')\nlogger.setLevel(logging.INFO)\nlogger.info('a.b')\n", line=3, col=10),
    )

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.bindings: list[_Binding] = []
        #: (name, id of the innermost function or None) of ``name.info(...)`` calls
        self.name_uses: set[tuple[str, int | None]] = set()
        self.attr_uses: set[str] = set()
        #: structlog/loguru imports: (import node, its statement, the names it binds, what they refer to)
        self.library_imports: list[tuple[cst.CSTNode, cst.CSTNode | None, list[str], list[str]]] = []
        #: names those imports bind -> what they refer to (imports inside functions too)
        self.library_names: dict[str, str] = {}

    # -- what a call hands out ------------------------------------------------------
    def _problem(self, call: cst.Call) -> tuple[str, Fix | None] | None:
        """Why a logger obtained by ``call`` is wrong (and a fix), or None when it is fine / no logger."""
        resolved = self.ctx.resolve(call.func)  # across the project: ``from app.log import logging`` is stdlib
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
        if isinstance(call.func, cst.Attribute) and call.func.attr.value in DERIVING_METHODS:
            return None  # ``log.bind(...)``/``logger.opt(...)``: judged where ``log`` itself was obtained
        identity = logger_bindings(self.ctx).call_identity(call)
        if identity == FOREIGN:
            return "comes from a third-party logging library", None
        if identity == STDLIB:
            return "comes from a wrapper", None
        spelled = dotted_name(call.func)
        if (resolved is None or not self.ctx.resolver or self.ctx.resolver.function(resolved) is None) and (
            spelled is not None and WRAPPER_NAME.fullmatch(spelled.rsplit(".", 1)[-1])
        ):
            return "comes from a wrapper", None  # a getter the resolver cannot see into, named like one
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
    def _library_import(self, node: cst.Import | cst.ImportFrom, bound: list[tuple[str, str]]) -> None:
        """Record an import of structlog/loguru (judged at the end of the module: see ``_judge_imports``)
        with the names it binds -> what they refer to."""
        statement = self.ctx.statements[-1] if self.ctx.statements else None
        self.library_imports.append((node, statement, [name for name, _ in bound], [target for _, target in bound]))
        self.library_names.update(bound)

    def visit_Import(self, node: cst.Import) -> None:
        if self.ctx.type_checking:
            return
        bound: list[tuple[str, str]] = []
        for alias in node.names:
            module = module_dotted(alias.name)
            if module.split(".")[0] not in NON_STDLIB_LOGGING:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                bound.append((alias.asname.name.value, module))
            else:
                bound.append((module.split(".")[0], module.split(".")[0]))
        if bound:
            self._library_import(node, bound)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None or self.ctx.type_checking:
            return
        module = module_dotted(node.module)
        if module.split(".")[0] not in NON_STDLIB_LOGGING:
            return
        bound: list[tuple[str, str]] = []
        if not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                name = module_dotted(alias.name)
                local = alias.asname.name.value if alias.asname is not None and isinstance(alias.asname.name, cst.Name) else name
                bound.append((local, f"{module}.{name}"))
        self._library_import(node, bound or [("*", module)])

    def _judge_imports(self) -> None:
        """(rev 3) Report each structlog/loguru import, except in a module that calls the library's
        configuration API and never logs through it; an import none of whose names is used is reported."""
        uses = _library_uses(self.ctx.module, self.library_names)
        for node, statement, names, targets in self.library_imports:
            libraries = list(dict.fromkeys(t.split(".")[0] for t in targets))
            configures_only = all(uses.config.get(lib, False) and not uses.logs.get(lib, False) for lib in libraries)
            if "*" not in names and any(name in uses.used for name in names) and configures_only:
                continue
            if statement is not None:
                self.ctx.statements.append(statement)  # the statement's lines, for noqa comments
            try:
                self.report(node, self.template.format(reason=f"from `{libraries[0]}` (not the stdlib)"))
            finally:
                if statement is not None:
                    self.ctx.statements.pop()

    def leave_Module(self, node: cst.Module) -> None:
        if self.library_imports:
            self._judge_imports()
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


@dataclass
class _LibraryUses:
    #: names bound by the library imports that the module refers to
    used: set[str]
    #: library -> the module uses its configuration API
    config: dict[str, bool]
    #: library -> the module logs through it, obtains a logger from it, or lets one of its objects escape
    logs: dict[str, bool]


def _library_uses(module: cst.Module, bindings: dict[str, str]) -> _LibraryUses:
    """How the module uses the names its structlog/loguru imports bind: one walk, only in a module that
    imports them. A reference is read as its whole attribute chain (``structlog.processors.JSONRenderer``)."""
    uses = _LibraryUses(set(), {}, {})
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.Import, cst.ImportFrom)):
            continue
        if isinstance(node, (cst.Attribute, cst.Name)):
            dotted = dotted_name(node)
            if dotted is not None:
                head, _, rest = dotted.partition(".")
                target = bindings.get(head)
                if target is not None:
                    uses.used.add(head)
                    qualified = f"{target}.{rest}" if rest else target
                    library = target.split(".")[0]
                    kind = _kind(qualified)
                    if kind == "config":
                        uses.config[library] = True
                    elif kind == "logs":
                        uses.logs[library] = True
                continue  # the chain is read whole
            if isinstance(node, cst.Name):
                continue
            stack.append(node.value)  # `f().logger`: `.logger` is an attribute name, not a reference
            continue
        children = child_nodes(node)
        if isinstance(node, (cst.Arg, cst.Param, cst.FunctionDef, cst.ClassDef, cst.AsName)):
            # a keyword's, parameter's, def's or alias' own name is not a reference
            skip = node.keyword if isinstance(node, cst.Arg) else node.name
            children = [c for c in children if c is not skip]
        stack.extend(reversed(children))
    return uses


def _kind(qualified: str) -> str:
    """``config`` (the library's configuration API), ``logs`` (a logger, a log call, or the library itself
    handed on: it may log), or ``other`` (neither: types, context helpers)."""
    if qualified in ("structlog", "loguru", "loguru.logger"):
        return "logs"  # the module or the logger itself, passed on: what it is used for is not known
    if qualified.startswith("loguru.logger."):
        return "config" if qualified.split(".")[2] in LOGURU_CONFIG else "logs"
    if qualified in STRUCTLOG_GETTERS_ALL or any(qualified.startswith(g + ".") for g in STRUCTLOG_GETTERS_ALL):
        return "logs"
    if qualified in STRUCTLOG_CONFIG or qualified.startswith(STRUCTLOG_CONFIG_MODULES):
        return "config"
    return "other"
