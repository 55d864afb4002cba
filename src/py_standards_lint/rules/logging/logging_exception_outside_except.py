from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.loggers import LogCallRule, logger_bindings
from py_standards_lint.analysis.rule import Invalid, Valid

LOGGER = "import logging\n\nlogger = logging.getLogger(__name__)\n\n"


def is_exception_handler_decorator(decorator: cst.Decorator) -> bool:
    """``@app.exception_handler(E)`` (any FastAPI/Starlette app or router)."""
    dec = decorator.decorator
    return isinstance(dec, cst.Call) and isinstance(dec.func, cst.Attribute) and dec.func.attr.value == "exception_handler"


class LoggingExceptionOutsideExcept(LogCallRule):
    code = "PSL308"
    name = "logging-exception-outside-except"
    message = "`logger.exception(...)` outside an except handler logs `NoneType: None`: use `logger.error(...)`"
    requires_text = ("exception",)
    needs_index = True
    reads_summary = True
    example_path = "app/services/users.py"
    why = (
        "`logger.exception()` attaches the exception being handled; outside an `except` block there "
        "is none, and the log shows a misleading `NoneType: None` traceback."
    )
    example = LOGGER + 'def check(user):\n    if user is None:\n        logger.exception("user.missing")\n'
    use_instead = LOGGER + 'def check(user):\n    if user is None:\n        logger.error("user.missing")\n'
    valid = (
        Valid(LOGGER + "try:\n    pass\nexcept Exception:\n    if x:\n        with y:\n            logger.exception('a.b')\n"),
        Valid(
            "import logging\nfrom fastapi import FastAPI\n\nlogger = logging.getLogger(__name__)\napp = FastAPI()\n\n"
            "@app.exception_handler(ValueError)\nasync def on_value_error(request, exc):\n    logger.exception('request.failed')\n"
        ),
        Valid(
            "import logging\n\nlogger = logging.getLogger(__name__)\n\n"
            "async def on_error(request, exc):\n    logger.exception('request.failed')\n\n"
            "def setup(app):\n    app.add_exception_handler(Exception, on_error)\n"
        ),
        Valid(
            "import logging\n\nlogger = logging.getLogger(__name__)\n\n"
            "async def on_error(request, exc):\n    logger.exception('request.failed')\n",
            path="app/core/errors.py",
            files={"app/main.py": "from fastapi import FastAPI\nfrom app.core.errors import on_error\n\napp = FastAPI()\napp.add_exception_handler(Exception, on_error)\n"},
        ),
        # registered through the app's constructor (`exception_handlers={...}`), FastAPI's or Starlette's
        Valid(
            LOGGER + "from starlette.applications import Starlette\n\n"
            "async def on_error(request, exc):\n    logger.exception('request.failed')\n\n"
            "app = Starlette(exception_handlers={Exception: on_error})\n",
        ),
        Valid("class Reporter:\n    def exception(self, m):\n        pass\n\nr = Reporter()\nr.exception('x')\n"),
        Valid(LOGGER + "x = 'logger.exception(1)'  # logger.exception('a')\n"),
    )
    invalid = (
        Invalid(LOGGER + "logger.exception('a.b')\n", line=5, col=1),
        Invalid(LOGGER + "def f():\n    if x:\n        logger.exception('a.b')\n", line=7, col=9),
        Invalid(LOGGER + "try:\n    pass\nexcept Exception:\n    def later():\n        logger.exception('a.b')\n", line=9, col=9),
        Invalid(LOGGER + "try:\n    logger.exception('a.b')\nexcept Exception:\n    pass\nfinally:\n    logger.exception('c.d')\n", at=[(6, 5), (10, 5)]),
        Invalid(
            "import logging\n\nlogger = logging.getLogger(__name__)\n\n"
            "async def on_error(request, exc):\n    logger.exception('request.failed')\n",
            line=6, col=5,
            path="app/core/errors.py",
        ),
        Invalid(
            "import logging\nfrom fastapi import FastAPI\n\nlogger = logging.getLogger(__name__)\napp = FastAPI()\n\n"
            "@app.exception_handler(ValueError)\nasync def on_value_error(request, exc):\n    def later():\n        logger.exception('request.failed')\n",
            line=10, col=9,
        ),
        Invalid("import logging\n\nlogging.getLogger(__name__).exception('a.b')\n", line=3, col=1),
    )

    def _in_exception_handler_function(self) -> bool:
        frame = self.ctx.function
        if frame is None:
            return False
        if any(is_exception_handler_decorator(d) for d in frame.node.decorators):
            return True
        if len(self.ctx.functions) != 1 or frame.owner is not None:
            return False  # only module-level functions are registered by name
        qualified = f"{self.ctx.module_name}.{frame.name}"
        summary = self.ctx.summary
        if summary is not None and qualified in summary.exception_handler_functions:
            return True
        index = self.ctx.index
        return index is not None and qualified in index.exception_handler_functions()

    def visit_Call(self, node: cst.Call) -> None:
        if self.ctx.current_handlers():
            return
        call = logger_bindings(self.ctx).log_call(node)
        if call is None or call.method != "exception":
            return
        if self._in_exception_handler_function():
            return
        self.report(node)
