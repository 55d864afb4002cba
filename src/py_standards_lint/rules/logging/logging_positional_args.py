from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.loggers import LogCallRule, logger_bindings
from py_standards_lint.analysis.rule import Invalid, Valid

LOGGER = "import logging\n\nlogger = logging.getLogger(__name__)\n\n"


class LoggingPositionalArgs(LogCallRule):
    code = "PSL306"
    name = "logging-positional-args"
    message = "positional arguments after the log message: pass context in `extra={...}`"
    example_path = "app/services/users.py"
    why = (
        "`%s` arguments are merged into the message text: the values cannot be queried and every "
        "distinct value makes a distinct message. Context belongs in `extra`, where App Insights "
        "indexes it."
    )
    example = LOGGER + 'def created(uid):\n    logger.info("user.created %s", uid)\n'
    use_instead = LOGGER + 'def created(uid):\n    logger.info("user.created", extra={"user_id": uid})\n'
    valid = (
        Valid(LOGGER + 'logger.log(logging.INFO, "user.created")\n'),
        Valid(LOGGER + 'logger.info("user.created", extra={"user_id": uid}, exc_info=True)\n'),
        Valid('import warnings\nwarnings.warn("x %s", UserWarning)\n'),
        Valid("class Thing:\n    def info(self, msg, *a):\n        pass\n\nthing = Thing()\nthing.info('x %s', 1)\n"),
        Valid(LOGGER + "print('x %s', 1)  # logger.info('x %s', 1)\n"),
        Valid(LOGGER + "logger.log(level, msg=m)\n"),
    )
    invalid = (
        Invalid(LOGGER + 'logger.info("user.created %s", uid)\n', line=5, col=1),
        Invalid(LOGGER + 'logger.log(logging.INFO, "user %s %s", a, b)\n', line=5, col=1),
        Invalid(LOGGER + 'logger.error("failed %s", *args)\n', line=5, col=1),
        Invalid("import logging as lg\n\nlog = lg.getLogger(__name__)\n\ndef f():\n    log.debug('x %d', n)\n", line=6, col=5),
        Invalid("import logging\n\nlogging.getLogger(__name__).warning('a %s', b)\n", line=3, col=1),
    )

    def visit_Call(self, node: cst.Call) -> None:
        call = logger_bindings(self.ctx).log_call(node)
        if call is None or call.message is None:
            return
        if call.extra_positional:
            self.report(node)
            return
        # a ``*args`` after the message
        if call.message.keyword is None:
            seen = False
            for arg in node.args:
                if arg is call.message:
                    seen = True
                elif seen and arg.keyword is None and arg.star == "*":
                    self.report(node)
                    return
