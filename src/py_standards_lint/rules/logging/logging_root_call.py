from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.rule import Invalid, Rule, Valid
from py_standards_lint.base.known import LOG_METHODS

ROOT_CALLS = frozenset(f"logging.{m}" for m in LOG_METHODS)


class LoggingRootCall(Rule):
    code = "PSL311"
    name = "logging-root-call"
    message = "log call on the root logger: log through a module-level `logger = logging.getLogger(__name__)`"
    requires_text = ("logging",)
    example_path = "app/services/users.py"
    why = (
        "`logging.info(...)` and friends log on the root logger: the record loses the module name "
        "that routes and filters it, and the call may silently configure logging (`basicConfig`) "
        "as a side effect."
    )
    example = 'import logging\n\ndef created(uid):\n    logging.info("user.created", extra={"user_id": uid})\n'
    use_instead = (
        "import logging\n\nlogger = logging.getLogger(__name__)\n\n"
        'def created(uid):\n    logger.info("user.created", extra={"user_id": uid})\n'
    )
    valid = (
        Valid("import logging\n\nlogger = logging.getLogger(__name__)\nlogging.basicConfig(level=logging.INFO)\n"),
        Valid("import logging\n\nlogging.getLogger('uvicorn').setLevel(logging.WARNING)\n"),
        Valid("import logging\n\nlogger = logging.getLogger(__name__)\nlogger.info('user.created')\n"),
        Valid("class logging:\n    @staticmethod\n    def info(m):\n        pass\n\nlogging.info('x')\n"),
        Valid("from app.core import logging\n\nlogging.info('x')\n"),
        Valid("import logging\n\nx = 'logging.info(1)'  # logging.info(2)\n"),
        Valid("import logging\n\nlogging.disable(logging.INFO)\nlogging.log_level = 1\n"),
    )
    invalid = (
        Invalid("import logging\n\nlogging.info('user.created')\n", line=3, col=1),
        Invalid("import logging as lg\n\ndef f():\n    lg.exception('x')\n", line=4, col=5),
        Invalid("from logging import warning\n\nwarning('x')\n", line=3, col=1),
        Invalid("import logging\n\nlogging.log(logging.INFO, 'x')\nlogging.fatal('y')\n", at=[(3, 1), (4, 1)]),
    )

    @classmethod
    def gate(cls, facts) -> bool:
        return facts.may_reach(ROOT_CALLS)

    def visit_Call(self, node: cst.Call) -> None:
        if self.ctx.names.resolve(node.func) in ROOT_CALLS:
            self.report(node)
