from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.loggers import logger_bindings, logger_text
from py_standards_lint.analysis.rule import Invalid, Rule, Valid
from py_standards_lint.base import layers as L

from .logging_root_call import ROOT_CALLS

LOGGER = "import logging\n\nlogger = logging.getLogger(__name__)\n\n"


class LoggingInRepository(Rule):
    code = "PSL310"
    name = "logging-in-repository"
    message = "log call in a repository: repositories return data; log the domain event in the service"
    layers = frozenset({L.REPOSITORIES})
    example_path = "app/repositories/users.py"
    why = (
        "Repositories execute queries and return models; the service that orchestrates the operation "
        "knows what happened and logs the domain event. Logging in both places duplicates events."
    )
    example = LOGGER + "async def get_user(db, user_id):\n    logger.debug(\"user.fetched\", extra={\"user_id\": user_id})\n    return await db.get(User, user_id)\n"
    use_instead = "async def get_user(db, user_id):\n    return await db.get(User, user_id)\n"
    valid = (
        Valid(LOGGER + "logger.info('user.created')\n", path="app/services/users.py"),
        Valid(LOGGER + "logger.setLevel(logging.INFO)\n"),
        Valid("class Audit:\n    def info(self, m):\n        pass\n\naudit = Audit()\naudit.info('x')\n"),
        Valid("import warnings\n\nwarnings.warn('x')\n"),
        Valid(LOGGER + "# logger.info('x')\nx = 'logger.info(1)'\n"),
    )
    invalid = (
        Invalid(LOGGER + "async def get(db):\n    logger.info('user.fetched')\n", line=6, col=5),
        Invalid("import logging\n\nclass Repo:\n    log_ = logging.getLogger(__name__)\n\n    def get(self):\n        self.log_.warning('x')\n", line=7, col=9),
        Invalid("import logging\n\nlogging.info('x')\n", line=3, col=1),
        Invalid(LOGGER + "logger.info('x')\n", line=5, col=1, path="app/repository/users.py"),
    )

    @classmethod
    def settings_text(cls, settings) -> tuple[str, ...]:
        return logger_text(settings) + ("logging",)

    def visit_Call(self, node: cst.Call) -> None:
        if logger_bindings(self.ctx).log_call(node) is not None or self.ctx.names.resolve(node.func) in ROOT_CALLS:
            self.report(node)
