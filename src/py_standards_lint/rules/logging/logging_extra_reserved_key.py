from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.loggers import RESERVED_KEYS, LogCallRule, dict_entries, logger_bindings
from py_standards_lint.analysis.rule import Invalid, Valid

LOGGER = "import logging\n\nlogger = logging.getLogger(__name__)\n\n"


class LoggingExtraReservedKey(LogCallRule):
    code = "PSL309"
    name = "logging-extra-reserved-key"
    message = "`extra` key is a LogRecord attribute: a KeyError when the call runs; rename it"
    template = "`extra` key {keys} is a LogRecord attribute: a KeyError when the call runs; rename it"
    requires_text = ("extra",)
    example_path = "app/services/users.py"
    why = (
        "`extra` keys become attributes of the LogRecord; one that already exists (`name`, `message`, "
        "`module`, `filename`, `lineno`, ...) makes `makeRecord` raise KeyError, so the call fails "
        "instead of logging."
    )
    example = LOGGER + 'def created(user):\n    logger.info("user.created", extra={"name": user.name})\n'
    use_instead = LOGGER + 'def created(user):\n    logger.info("user.created", extra={"user_name": user.name})\n'
    valid = (
        Valid(LOGGER + 'logger.info("user.created", extra={"user_name": n, "module_id": m, name: 1})\n'),
        Valid(LOGGER + 'logger.info("user.created", extra=context)\n'),
        Valid(LOGGER + 'print({"name": 1})\nd = dict(name=1)\n'),
        Valid("class Thing:\n    def info(self, m, extra):\n        pass\n\nthing = Thing()\nthing.info('x', extra={'name': 1})\n"),
        Valid(LOGGER + "from app.core.util import dict\n\nlogger.info('a.b', extra=dict(name=1))\n"),
        Valid(LOGGER + "logger.info('a.b', extra={'payload': {'name': 1}})\n"),
    )
    invalid = (
        Invalid(LOGGER + 'logger.info("user.created", extra={"name": n})\n', line=5, col=1),
        Invalid(LOGGER + 'logger.info("user.created", extra=dict(message=m, ok=1))\n', line=5, col=1),
        Invalid(LOGGER + 'logger.log(20, "user.created", extra={**base, "lineno": 1, "module": "x"})\n', line=5, col=1),
        Invalid(LOGGER + "def f():\n    logger.error('a.b', extra={'taskName': 1}, exc_info=True)\n", line=6, col=5),
    )

    def visit_Call(self, node: cst.Call) -> None:
        call = logger_bindings(self.ctx).log_call(node)
        if call is None or call.identity == "foreign":  # (rev 3) the stdlib call API: not foreign loggers
            return
        extra = call.keyword("extra")
        if extra is None:
            return
        entries = dict_entries(extra.value, self.ctx) or []
        reserved = [key for key, _ in entries if key in RESERVED_KEYS]
        if reserved:
            self.report(node, self.template.format(keys=", ".join(f"`{k}`" for k in reserved)))
