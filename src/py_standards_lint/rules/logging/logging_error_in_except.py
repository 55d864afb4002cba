from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.loggers import LogCallRule, logger_bindings
from py_standards_lint.analysis.rule import Invalid, Valid
from py_standards_lint.base.fastwalk import child_nodes
from py_standards_lint.base.finding import SAFE, Fix
from py_standards_lint.base.known import LOG_METHODS
from py_standards_lint.base.names import dotted_name, module_dotted
from py_standards_lint.base.settings import Option

#: calls that render the traceback being handled as text
FORMAT_TRACEBACK = frozenset({"traceback.format_exc", "traceback.format_exception", "traceback.format_tb"})

LOGGER = "import logging\n\nlogger = logging.getLogger(__name__)\n\n"


def handler_types(handler: cst.ExceptHandler | cst.ExceptStarHandler) -> list[cst.BaseExpression]:
    if handler.type is None:
        return []
    if isinstance(handler.type, cst.Tuple):
        return [e.value for e in handler.type.elements]
    return [handler.type]


class LoggingErrorInExcept(LogCallRule):
    code = "PSL307"
    name = "logging-error-in-except"
    message = "`logger.error(...)` in an except handler drops the traceback: use `logger.exception(...)`"
    requires_text = ("error",)
    example_path = "app/services/users.py"
    fix_safety = "safe"
    options = (
        Option(
            "expected-exceptions",
            "list",
            (),
            "Exceptions (qualified, or bare class names) whose handlers may log with `.error` (PSL307), "
            "e.g. a circuit breaker's open error.",
        ),
    )
    why = (
        "Inside an `except` block, `logger.exception()` records the traceback with the event; "
        "`logger.error()` without `exc_info` throws it away, and the cause of the failure with it."
    )
    example = (
        LOGGER + "def sync(client):\n    try:\n        client.sync()\n    except ConnectionError:\n"
        '        logger.error("sync.failed")\n'
    )
    use_instead = (
        LOGGER + "def sync(client):\n    try:\n        client.sync()\n    except ConnectionError:\n"
        '        logger.exception("sync.failed")\n'
    )
    fix_notes = (
        "`.error(` becomes `.exception(`, which logs at the same level and adds the traceback. Handlers that "
        "already log the traceback (a `.exception(...)` call, `exc_info=` on another log call, a message built from "
        "`traceback.format_exc()`/`format_exception()`/`format_tb()`) are not flagged, so never fixed."
    )
    valid = (
        Valid(LOGGER + "try:\n    pass\nexcept Exception:\n    logger.error('a.b', exc_info=True)\n"),
        Valid(LOGGER + "try:\n    pass\nexcept Exception:\n    logger.exception('a.b')\n"),
        Valid(LOGGER + "logger.error('a.b')\n"),
        Valid(LOGGER + "try:\n    pass\nexcept Exception:\n    def later():\n        logger.error('a.b')\n"),
        Valid(LOGGER + "try:\n    pass\nexcept Exception:\n    later = lambda: logger.error('a.b')\n"),
        Valid(LOGGER + "try:\n    pass\nexcept Exception:\n    pass\nelse:\n    logger.error('a.b')\nfinally:\n    logger.error('c.d')\n"),
        Valid(
            "import logging\nfrom app.core.breaker import CircuitOpenError\n\nlogger = logging.getLogger(__name__)\n\n"
            "try:\n    pass\nexcept CircuitOpenError:\n    logger.error('a.b')\n",
            settings={"expected-exceptions": ["app.core.breaker.CircuitOpenError"]},
        ),
        Valid(
            "import logging\nfrom app.core import breaker\n\nlogger = logging.getLogger(__name__)\n\n"
            "try:\n    pass\nexcept (ValueError, breaker.CircuitOpenError):\n    logger.error('a.b')\n",
            settings={"expected-exceptions": ["CircuitOpenError"]},
        ),
        Valid("class Reporter:\n    def error(self, m):\n        pass\n\nr = Reporter()\ntry:\n    pass\nexcept Exception:\n    r.error('x')\n"),
        Valid("import warnings\ntry:\n    pass\nexcept Exception:\n    warnings.warn('x')  # logger.error('x')\n"),
        # (rev 3) the handler logs the traceback another way
        Valid(LOGGER + "try:\n    pass\nexcept Exception as e:\n    logger.error('a.b')\n    logger.exception(e)\n"),
        Valid(LOGGER + "try:\n    pass\nexcept Exception:\n    logger.error('a.b')\n    if x:\n        logger.debug('a.c', exc_info=True)\n"),
        Valid("import logging\nimport traceback\n\nlogger = logging.getLogger(__name__)\n\ntry:\n    pass\nexcept Exception:\n    logger.error('a.b: %s', traceback.format_exc())\n"),
        Valid("import logging\nfrom traceback import format_exception\n\nlogger = logging.getLogger(__name__)\n\ndef f():\n    try:\n        pass\n    except Exception as e:\n        logger.error(f\"a.b {''.join(format_exception(e))}\")\n"),
        Valid("import logging\nimport traceback as tb\n\nlogger = logging.getLogger(__name__)\n\ntry:\n    pass\nexcept Exception as e:\n    trace = ''.join(tb.format_tb(e.__traceback__))\n    logger.error('a.b', extra={'trace': trace})\n"),
        Valid(LOGGER + "def f(log):\n    try:\n        pass\n    except Exception:\n        logger.error('a.b')\n        log.exception('a.c')\n"),
        Valid(LOGGER + "def f():\n    try:\n        pass\n    except Exception:\n        import traceback\n        logger.error(traceback.format_exc())\n"),
        Valid(LOGGER + "def f():\n    from traceback import format_exc as fe\n    try:\n        pass\n    except Exception:\n        logger.error('a.b %s', fe())\n"),
    )
    invalid = (
        Invalid(
            LOGGER + "try:\n    pass\nexcept Exception:\n    logger.error('a.b')\n",
            line=8, col=5,
            fixed=LOGGER + "try:\n    pass\nexcept Exception:\n    logger.exception('a.b')\n",
        ),
        Invalid(
            LOGGER + "def f():\n    try:\n        pass\n    except ValueError as e:\n        if e:\n            with ctx():\n                logger.error('a.b', extra={'e': str(e)})\n",
            line=11, col=17,
            fixed=LOGGER + "def f():\n    try:\n        pass\n    except ValueError as e:\n        if e:\n            with ctx():\n                logger.exception('a.b', extra={'e': str(e)})\n",
        ),
        Invalid(
            "import logging\nfrom app.core.breaker import CircuitOpenError\n\nlogger = logging.getLogger(__name__)\n\n"
            "try:\n    pass\nexcept ValueError:\n    logger.error('a.b')\n",
            line=9, col=5,
            settings={"expected-exceptions": ["CircuitOpenError"]},
        ),
        Invalid(
            "import logging\n\nlogging.getLogger(__name__).error('a.b') if 0 else 0\ntry:\n    pass\nexcept:\n    logging.getLogger(__name__).error('a.b')\n",
            line=7, col=5,
        ),
        Invalid(
            LOGGER + "try:\n    pass\nexcept Exception:\n    try:\n        pass\n    except KeyError:\n        logger.error('a.b')\n",
            line=11, col=9,
        ),
        Invalid(LOGGER + "f = lambda: 0\ntry:\n    pass\nexcept Exception:\n    g = lambda: 0\n    logger.error('a.b')\n", line=10, col=5),
        Invalid(LOGGER + "g = lambda: [0 for _ in ()]\ntry:\n    pass\nexcept Exception:\n    h = (lambda: 0)() or logger.error('a.b')\n", line=9, col=26),
        # (rev 3) look-alikes: the traceback logged in a nested handler, in a nested def, later, never (exc_info=False),
        # formatted but not logged, or by a call that is not traceback's
        Invalid(
            LOGGER + "try:\n    pass\nexcept Exception:\n    logger.error('a.b')\n    try:\n        pass\n    except KeyError:\n        logger.exception('a.c')\n",
            line=8, col=5, fixed=LOGGER + "try:\n    pass\nexcept Exception:\n    logger.exception('a.b')\n    try:\n        pass\n    except KeyError:\n        logger.exception('a.c')\n",
        ),
        Invalid(LOGGER + "try:\n    pass\nexcept Exception:\n    logger.error('a.b')\n    def later():\n        logger.exception('a.c')\n", line=8, col=5),
        Invalid(LOGGER + "try:\n    pass\nexcept Exception:\n    logger.error('a.b')\n    cb = lambda: logger.exception('a.c')\n", line=8, col=5),
        Invalid(LOGGER + "try:\n    pass\nexcept Exception:\n    logger.error('a.b')\nlogger.exception('a.c')\n", line=8, col=5),
        Invalid(LOGGER + "try:\n    pass\nexcept Exception:\n    logger.error('a.b')\n    logger.warning('a.c', exc_info=False)\n", line=8, col=5),
        Invalid(
            "import logging\nimport traceback\n\nlogger = logging.getLogger(__name__)\n\ntry:\n    pass\nexcept Exception:\n"
            "    sentry(traceback.format_exc())\n    logger.error('a.b')\n",
            line=10, col=5,
        ),
        Invalid(
            "import logging\nfrom app.core import traceback\n\nlogger = logging.getLogger(__name__)\n\ntry:\n    pass\nexcept Exception:\n"
            "    logger.error('a.b: %s', traceback.format_exc())\n",
            line=9, col=5,
        ),
        Invalid(LOGGER + "try:\n    pass\nexcept Exception as e:\n    logger.error('a.b')\n    e.exception()\n", line=8, col=5),
    )

    def _expected(self, handler: cst.ExceptHandler | cst.ExceptStarHandler) -> bool:
        expected = self.ctx.settings["expected-exceptions"]
        if not expected:
            return False
        for type_ in handler_types(handler):
            qualified = self.ctx.names.resolve(type_) or dotted_name(type_) or ""
            bare = qualified.rsplit(".", 1)[-1]
            if any(name == qualified or ("." not in name and name == bare) for name in expected):
                return True
        return False

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        #: len(ctx.handlers) at each enclosing lambda: a lambda's body runs later, outside the handler
        self.lambdas: list[int] = []
        #: id(handler) -> its `.error(...)` calls without exc_info: (call, fix, statement), judged when it ends
        self.pending: dict[int, list[tuple[cst.Call, Fix, cst.CSTNode | None]]] = {}
        #: handlers (ids) that log the traceback another way (rev 3)
        self.logged: set[int] = set()
        #: id(handler) -> names bound there to a formatted traceback
        self.traceback_names: dict[int, set[str]] = {}
        #: names bound to `traceback` (or its functions) by imports inside functions
        self.local_imports: dict[str, str] = {}

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.lambdas.append(len(self.ctx.handlers))

    def leave_Lambda(self, node: cst.Lambda) -> None:
        self.lambdas.pop()

    def visit_Assign(self, node: cst.Assign) -> None:
        handler = self._handler()
        if handler is not None and self._formats_traceback(node.value):
            # `trace = traceback.format_exc()`: a log call of this handler that uses `trace` logs the traceback
            names = self.traceback_names.setdefault(id(handler), set())
            names.update(t.target.value for t in node.targets if isinstance(t.target, cst.Name))

    def visit_Call(self, node: cst.Call) -> None:
        handler = self._handler()
        if handler is None:
            return
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in LOG_METHODS:
            return
        if self._logs_traceback(node, handler):
            self.logged.add(id(handler))
        call = logger_bindings(self.ctx).log_call(node)
        if call is None or call.method != "error" or call.keyword("exc_info") is not None:
            return
        if self._expected(handler):
            return
        fix = Fix(SAFE, "use `.exception(`", [(func.attr, cst.Name("exception"))])
        statement = self.ctx.statements[-1] if self.ctx.statements else None
        self.pending.setdefault(id(handler), []).append((node, fix, statement))

    def leave_ExceptHandler(self, node: cst.ExceptHandler | cst.ExceptStarHandler) -> None:
        """(rev 3) Report the handler's `.error(...)` calls unless it logs the traceback another way
        (anywhere in it: the `.exception(...)` may come on the next line)."""
        pending = self.pending.pop(id(node), ())
        if id(node) in self.logged:
            return
        for call, fix, statement in pending:
            if statement is not None:
                self.ctx.statements.append(statement)  # the call's statement, for noqa comments
            try:
                self.report(call, fix=fix)
            finally:
                if statement is not None:
                    self.ctx.statements.pop()

    leave_ExceptStarHandler = leave_ExceptHandler

    def _handler(self) -> cst.ExceptHandler | cst.ExceptStarHandler | None:
        """The innermost except handler whose body this point runs in (not a nested def's or lambda's)."""
        handlers = self.ctx.current_handlers()
        if not handlers or (self.lambdas and self.lambdas[-1] >= len(self.ctx.handlers)):
            return None
        return handlers[-1]

    def _logs_traceback(self, node: cst.Call, handler: cst.ExceptHandler | cst.ExceptStarHandler) -> bool:
        """Does this log-method call log the traceback: `.exception(...)` (on a logger, or with a message: a
        `future.exception()` takes none), `exc_info=` other than `False`/`None`, or an argument built from
        `traceback.format_exc()`/`format_exception(...)`/`format_tb(...)` (directly or through a name bound so
        in this handler)?"""
        func = node.func
        assert isinstance(func, cst.Attribute)
        if func.attr.value == "exception" and (node.args or logger_bindings(self.ctx).is_logger(func.value)):
            return True
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == "exc_info":
                value = arg.value
                if not (isinstance(value, cst.Name) and value.value in ("False", "None")):
                    return True
        names = self.traceback_names.get(id(handler), ())
        return any(self._formats_traceback(arg.value, names) for arg in node.args)

    def visit_Import(self, node: cst.Import) -> None:
        if self.ctx.function is not None:  # `import traceback` inside a function (or the handler itself)
            for alias in node.names:
                if module_dotted(alias.name) == "traceback":
                    asname = alias.asname.name if alias.asname is not None else None
                    self.local_imports[asname.value if isinstance(asname, cst.Name) else "traceback"] = "traceback"

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if self.ctx.function is not None and not node.relative and module_dotted(node.module) == "traceback":
            if not isinstance(node.names, cst.ImportStar):
                for alias in node.names:
                    name = module_dotted(alias.name)
                    asname = alias.asname.name if alias.asname is not None else None
                    self.local_imports[asname.value if isinstance(asname, cst.Name) else name] = f"traceback.{name}"

    def _resolve(self, func: cst.BaseExpression) -> str | None:
        resolved = self.ctx.names.resolve(func)
        if resolved is None and self.local_imports:
            dotted = dotted_name(func)
            if dotted is not None:
                head, sep, rest = dotted.partition(".")
                target = self.local_imports.get(head)
                resolved = target + sep + rest if target else None
        return resolved

    def _formats_traceback(self, expr: cst.CSTNode, names: set[str] | tuple[()] = ()) -> bool:
        stack = [expr]
        while stack:
            current = stack.pop()
            if isinstance(current, cst.Call) and self._resolve(current.func) in FORMAT_TRACEBACK:
                return True
            if isinstance(current, cst.Name) and current.value in names:
                return True
            if isinstance(current, (cst.Lambda, cst.FunctionDef)):
                continue
            stack.extend(child_nodes(current))
        return False
