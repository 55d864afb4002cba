from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.loggers import LogCallRule, logger_bindings
from py_standards_lint.analysis.rule import Invalid, Valid

LOGGER = "import logging\n\nlogger = logging.getLogger(__name__)\n\n"


def built_message(node: cst.BaseExpression) -> str | None:
    """How a message expression is built: ``"%"``, ``".format()"``, ``"+"``, or ``None``."""
    if isinstance(node, cst.BinaryOperation):
        if isinstance(node.operator, cst.Modulo):
            return "`%`"
        if isinstance(node.operator, cst.Add):
            return "`+`"
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "format":
        return "`.format()`"
    return None


class LoggingFormatInterpolation(LogCallRule):
    code = "PSL302"
    name = "logging-format-interpolation"
    message = "log message built with `%`, `.format()` or `+`: log a dot-notation event name and pass context in `extra={...}`"
    template = "log message built with {how}: log a dot-notation event name and pass context in `extra={{...}}`"
    requires_text = ("%", "format", "+")
    example_path = "app/services/users.py"
    why = (
        "A message built with `%`, `.format()` or `+` is formatted eagerly, even when the level is "
        "disabled, and bakes the context into the text where it cannot be queried. Log an event name "
        "and put the values in `extra`."
    )
    example = LOGGER + 'def created(user):\n    logger.info("User %s created" % user.id)\n'
    use_instead = LOGGER + 'def created(user):\n    logger.info("user.created", extra={"user_id": user.id})\n'
    valid = (
        Valid(LOGGER + 'logger.info("user.created %s", uid)\n'),
        Valid(LOGGER + 'logger.info("user.created", extra={"label": "a %s" % uid, "b": x + y})\n'),
        Valid(LOGGER + 'text = "a %s" % uid  # logger.info("a %s" % uid)\nprint("a" + b)\n'),
        Valid('import warnings\nwarnings.warn("deprecated %s" % name)\n'),
        Valid("class Thing:\n    def info(self, msg):\n        pass\n\nthing = Thing()\nthing.info('a' + b)\n"),
        Valid("from app.core.audit import audit\naudit.info('{}'.format(x))\n"),
        Valid(LOGGER + "logger.log(level + 1, 'user.created')\n"),
        Valid(LOGGER + "logger.info(MESSAGE)\n"),
    )
    invalid = (
        Invalid(LOGGER + 'logger.info("User %s created" % uid)\n', line=5, col=1),
        Invalid(LOGGER + 'logger.warning("User {} created".format(uid))\n', line=5, col=1),
        Invalid(LOGGER + 'logger.error("failed: " + str(exc))\n', line=5, col=1),
        Invalid(LOGGER + 'logger.log(logging.INFO, "a %s" % b)\n', line=5, col=1),
        Invalid(LOGGER + 'logger.debug(msg="a {}".format(b))\n', line=5, col=1),
        Invalid(LOGGER + 'logger.info(TEMPLATE.format(user=u))\n', line=5, col=1),
        Invalid(LOGGER + "def f():\n    try:\n        pass\n    except Exception:\n        def g():\n            logger.critical('x' + y)\n", line=10, col=13),
        Invalid("import logging\n\nlogging.getLogger(__name__).info('a %s' % b)\n", line=3, col=1),
    )

    def visit_Call(self, node: cst.Call) -> None:
        call = logger_bindings(self.ctx).log_call(node)
        if call is None or call.message is None:
            return
        how = built_message(call.message.value)
        if how is not None:
            self.report(node, self.template.format(how=how))
