from __future__ import annotations

import libcst as cst

from ...rule import Invalid, Rule, Valid

LOGGER = "import logging\n\nlogger = logging.getLogger(__name__)\n\n"


def is_fstring(node: cst.CSTNode | None) -> bool:
    """An f-string, or an implicit concatenation containing one."""
    if isinstance(node, cst.FormattedString):
        return True
    if isinstance(node, cst.ConcatenatedString):
        return is_fstring(node.left) or is_fstring(node.right)
    return False


class LoggingFstring(Rule):
    code = "PSL301"
    name = "logging-fstring"
    message = "f-string as log message: log a dot-notation event name and pass context in `extra={...}`"
    requires_text = ("f\"", "f'", "F\"", "F'", "rf", "fr", "Rf", "fR", "RF", "FR", "rF", "Fr")
    example_path = "app/services/users.py"
    why = (
        "An f-string bakes the context into the message text: the values can no longer be queried "
        "(App Insights indexes `extra` keys, not sentences), every distinct value makes a distinct "
        "message, and the string is built even when the level is disabled."
    )
    example = LOGGER + 'def created(user):\n    logger.info(f"User {user.id} created")\n'
    use_instead = LOGGER + 'def created(user):\n    logger.info("user.created", extra={"user_id": user.id})\n'
    valid = (
        Valid(LOGGER + 'logger.info("user.created", extra={"user_id": uid, "note": f"x{uid}"})\n'),
        Valid(LOGGER + 'print(f"User {uid}")\n'),
        Valid('import warnings\nwarnings.warn(f"deprecated {name}")\n'),
        Valid("class Thing:\n    def info(self, msg):\n        pass\n\nthing = Thing()\nthing.info(f'{thing}')\n"),
        Valid(LOGGER + "msg = f'x{y}'  # logger.info(f'x{y}')\n"),
        Valid("from loguru import logger2\nlogger2.info(f'x{y}')\n"),
        Valid(LOGGER + "logger.info('user.created %s', f'x')\n"),
    )
    invalid = (
        Invalid(LOGGER + 'logger.info(f"User {user.id} created")\n', line=5, col=1),
        Invalid(LOGGER + 'logger.log(logging.INFO, f"User {uid}")\n', line=5, col=1),
        Invalid(LOGGER + 'logger.error(msg=f"failed {uid}")\n', line=5, col=1),
        Invalid(LOGGER + 'logger.warning(f"a {b}" " c")\n', line=5, col=1),
        Invalid('import logging as lg\n\nlog = lg.getLogger("x")\nlog.debug(f"{x}")\n', line=4, col=1),
        Invalid('from logging import getLogger\n\n_log = getLogger(__name__)\n\ndef f():\n    _log.info(f"{x}")\n', line=6, col=5),
        Invalid(
            "import logging\n\nclass Svc:\n    def __init__(self):\n        self.audit = logging.getLogger('audit')\n\n"
            "    def run(self):\n        self.audit.info(f'{self}')\n",
            line=8,
            col=9,
        ),
        Invalid("import logging\n\nclass Svc:\n    log_ = logging.getLogger(__name__)\n\n    def run(self):\n        self.log_.exception(f'{self}')\n", line=7, col=9),
        Invalid("import logging\n\nlogging.getLogger(__name__).info(f'{x}')\n", line=3, col=1),
        Invalid("def f(logger):\n    logger.info(f'{x}')\n", line=2, col=5),
        Invalid(LOGGER + "def f():\n    try:\n        pass\n    except Exception:\n        def g():\n            logger.critical(F'{x}')\n", line=10, col=13),
    )

    def visit_Call(self, node: cst.Call) -> None:
        call = self.ctx.loggers.log_call(node)
        if call is not None and call.message is not None and is_fstring(call.message.value):
            self.report(node)
