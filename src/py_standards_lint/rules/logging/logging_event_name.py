from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.loggers import LogCallRule, logger_bindings
from py_standards_lint.analysis.rule import Invalid, Valid
from py_standards_lint.base import patterns
from py_standards_lint.base.names import string_value
from py_standards_lint.base.settings import Option

LOGGER = "import logging\n\nlogger = logging.getLogger(__name__)\n\n"
DEFAULT_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$"


class LoggingEventName(LogCallRule):
    code = "PSL304"
    name = "logging-event-name"
    message = "log message is not a dot-notation event name (`domain.action`)"
    template = "log message {value!r} is not a dot-notation event name (`domain.action`)"
    example_path = "app/services/users.py"
    options = (
        Option("event-name-pattern", "regex", DEFAULT_PATTERN, "Regular expression a literal log message must match (PSL304)."),
    )
    why = (
        "The first argument of a log call is an event name (`user.created`), not a sentence: event "
        "names are stable, greppable and aggregate in App Insights; the context goes in `extra`."
    )
    example = LOGGER + 'def created(user):\n    logger.info("User was created", extra={"user_id": user.id})\n'
    use_instead = LOGGER + 'def created(user):\n    logger.info("user.created", extra={"user_id": user.id})\n'
    valid = (
        Valid(LOGGER + 'logger.info("user.created")\nlogger.info("external.api.error")\nlogger.log(20, "step_2.done")\n'),
        Valid(LOGGER + "logger.info(USER_CREATED)\nlogger.info(message)\nlogger.info(f'User {x}')\n"),
        Valid(LOGGER + 'print("Hello world")  # logger.info("Hello world")\n'),
        Valid('import warnings\n\nwarnings.warn("Something is deprecated")\n'),
        Valid("class Thing:\n    def info(self, m):\n        pass\n\nthing = Thing()\nthing.info('Hello world')\n"),
        Valid(LOGGER + 'logger.info("User-Created")\n', settings={"event-name-pattern": r"^[A-Z][a-z]+-[A-Z][a-z]+$"}),
        Valid(LOGGER + 'logger.info(b"bytes")\n'),
    )
    invalid = (
        Invalid(LOGGER + 'logger.info("User created")\n', line=5, col=1),
        Invalid(LOGGER + 'logger.info("user")\n', line=5, col=1),
        Invalid(LOGGER + 'logger.info("user.created %s", uid)\n', line=5, col=1),
        Invalid(LOGGER + 'logger.log(logging.INFO, "Done")\nlogger.error(msg="Failed")\n', at=[(5, 1), (6, 1)]),
        Invalid(LOGGER + 'logger.warning("user" ".Created")\n', line=5, col=1),
        Invalid(LOGGER + 'logger.info("user.created")\n', line=5, col=1, settings={"event-name-pattern": r"^[a-z]+:[a-z]+$"}),
        Invalid("import logging\n\nlogging.getLogger(__name__).info('Started')\n", line=3, col=1),
        # a logger attribute bound to `a parameter or a logger-producing call` in __init__
        Invalid(
            "import logging\n\nclass Seeder:\n    def __init__(self, logger=None):\n"
            "        self.logger = logger or logging.getLogger('seeder')\n\n    def run(self):\n        self.logger.info('Seeding units')\n",
            line=8, col=9,
        ),
        # a logger rebound from itself in a function (structlog's `log = log.bind(...)`), and a chain of such
        Invalid(
            "import structlog\n\nlog = structlog.get_logger()\n\ndef task(event):\n    log = log.bind(event=event)\n"
            "    log = log.bind(step=1)\n    other = log.bind(x=2)\n    other.info('Event done')\n",
            line=9, col=5,
        ),
    )

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.pattern = ctx.settings["event-name-pattern"]

    def visit_Call(self, node: cst.Call) -> None:
        call = logger_bindings(self.ctx).log_call(node)
        if call is None or call.message is None:
            return
        value = string_value(call.message.value)
        if value is not None and not patterns.fullmatch("event-name-pattern", self.pattern, value):
            self.report(node, self.template.format(value=value))
