from __future__ import annotations

import libcst as cst

from ...config import Option
from ...finding import SAFE, Fix
from ...names import dotted_name
from ...loggers import LogCallRule
from ...rule import Invalid, Valid

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
    fix_notes = "`.error(` becomes `.exception(`, which logs at the same level and adds the traceback."
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

    def __init__(self, ctx) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ctx)
        #: len(ctx.handlers) at each enclosing lambda: a lambda's body runs later, outside the handler
        self.lambdas: list[int] = []

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.lambdas.append(len(self.ctx.handlers))

    def leave_Lambda(self, node: cst.Lambda) -> None:
        self.lambdas.pop()

    def visit_Call(self, node: cst.Call) -> None:
        handlers = self.ctx.current_handlers()
        if not handlers or (self.lambdas and self.lambdas[-1] >= len(self.ctx.handlers)):
            return
        call = self.ctx.loggers.log_call(node)
        if call is None or call.method != "error" or call.keyword("exc_info") is not None:
            return
        if self._expected(handlers[-1]):
            return
        func = node.func
        assert isinstance(func, cst.Attribute)
        fix = Fix(SAFE, "use `.exception(`", [(func.attr, cst.Name("exception"))])
        self.report(node, fix=fix)
