from __future__ import annotations

import libcst as cst

from ...finding import SAFE, Fix
from ...loggers import LogCallRule, RESERVED_KEYS, with_extra
from ...rule import Invalid, Valid

LOGGER = "import logging\n\nlogger = logging.getLogger(__name__)\n\n"

#: keywords the stdlib logger methods accept (``msg``/``level`` name the positional parameters)
ALLOWED = frozenset({"exc_info", "stack_info", "stacklevel", "extra", "msg"})


class LoggingKwargs(LogCallRule):
    code = "PSL303"
    name = "logging-kwargs"
    message = "keyword arguments on a stdlib logger call (structlog style, a TypeError): pass them in `extra={...}`"
    template = "keyword arguments {names} on a stdlib logger call (structlog style, a TypeError): pass them in `extra={{...}}`"
    example_path = "app/services/users.py"
    fix_safety = "safe"
    why = (
        "The stdlib logger methods accept only `exc_info`, `stack_info`, `stacklevel` and `extra`: "
        "any other keyword argument (structlog style) raises TypeError when the call runs — often "
        "only on the error path, in production."
    )
    example = LOGGER + 'def created(user):\n    logger.info("user.created", user_id=user.id)\n'
    use_instead = LOGGER + 'def created(user):\n    logger.info("user.created", extra={"user_id": user.id})\n'
    fix_notes = (
        "The keyword arguments move into `extra={...}`, merged into an `extra` dict literal if there is "
        "one. No fix when `extra` is not a dict literal or already has one of the keys, or when a keyword "
        "is a LogRecord attribute (`name`, `msg`, ...: a KeyError as an `extra` key)."
    )
    valid = (
        Valid(LOGGER + 'logger.info("user.created", exc_info=True, stack_info=False, stacklevel=2, extra={"a": 1})\n'),
        Valid(LOGGER + 'logger.info(msg="user.created")\nlogger.log(level=logging.INFO, msg="user.created")\n'),
        Valid(LOGGER + 'logger.info("user.created", **context)\n'),
        Valid("import structlog2\n\nslog = structlog2.get_logger()\nslog.info('user.created', user_id=1)\n"),
        Valid("from app.core.audit import audit\n\naudit.info('user.created', user_id=1)\n"),
        Valid("class Thing:\n    def info(self, msg, **kw):\n        pass\n\nthing = Thing()\nthing.info('x', user_id=1)\n"),
        Valid('import warnings\n\nwarnings.warn("x", category=UserWarning, stacklevel=2)\n'),
    )
    invalid = (
        Invalid(
            LOGGER + 'logger.info("user.created", user_id=user.id)\n',
            line=5, col=1,
            fixed=LOGGER + 'logger.info("user.created", extra={"user_id": user.id})\n',
        ),
        Invalid(
            LOGGER + 'logger.info("user.created", user_id=uid, exc_info=True, email=e)\n',
            line=5, col=1,
            fixed=LOGGER + 'logger.info("user.created", extra={"user_id": uid, "email": e}, exc_info=True)\n',
        ),
        Invalid(
            LOGGER + 'logger.warning("user.created", extra={"a": 1}, b=2)\n',
            line=5, col=1,
            fixed=LOGGER + 'logger.warning("user.created", extra={"a": 1, "b": 2})\n',
        ),
        Invalid(
            LOGGER + 'def f(uid):\n    logger.error(\n        "user.failed",\n        user_id=uid,\n        extra={\n            "a": 1,\n        },\n    )\n',
            line=6, col=5,
            fixed=LOGGER + 'def f(uid):\n    logger.error(\n        "user.failed",\n        extra={\n            "a": 1,\n            "user_id": uid,\n        },\n    )\n',
        ),
        # `extra` is not a literal, or already has the key: reported, no fix
        Invalid(LOGGER + 'logger.info("user.created", extra=ctx, user_id=1)\n', line=5, col=1,
                fixed=LOGGER + 'logger.info("user.created", extra=ctx, user_id=1)\n'),
        Invalid(LOGGER + 'logger.info("user.created", extra={"user_id": 2}, user_id=1)\n', line=5, col=1,
                fixed=LOGGER + 'logger.info("user.created", extra={"user_id": 2}, user_id=1)\n'),
        Invalid(LOGGER + "logger.log(logging.INFO, 'user.created', level_name='x')\n", line=5, col=1,
                fixed=LOGGER + "logger.log(logging.INFO, 'user.created', extra={\"level_name\": 'x'})\n"),
        Invalid("import logging\n\nclass S:\n    def __init__(self):\n        self.log_ = logging.getLogger(__name__)\n\n    def run(self):\n        self.log_.info('s.ran', n=1)\n", line=8, col=9),
        Invalid(LOGGER + 'logger.info("user.renamed", name=new_name)\n', line=5, col=1,
                fixed=LOGGER + 'logger.info("user.renamed", name=new_name)\n'),
        Invalid("def handle(logger):\n    logger.info('a.b', user=1)\n", line=2, col=5,
                fixed="def handle(logger):\n    logger.info('a.b', extra={\"user\": 1})\n"),
    )

    def visit_Call(self, node: cst.Call) -> None:
        call = self.ctx.loggers.log_call(node)
        if call is None:
            return
        allowed = ALLOWED | {"level"} if call.method == "log" else ALLOWED
        bad = [a for a in call.keywords if a.keyword is not None and a.keyword.value not in allowed]
        if not bad:
            return
        names = ", ".join(f"`{a.keyword.value}`" for a in bad if a.keyword is not None)
        entries = [(a.keyword.value, a.value) for a in bad if a.keyword is not None]
        # a LogRecord attribute as an `extra` key is a KeyError (PSL309): renaming it is the author's call
        new = None if any(key in RESERVED_KEYS for key, _ in entries) else with_extra(node, entries, drop=bad)
        fix = Fix(SAFE, "move the keyword arguments into `extra={...}`", [(node, new)]) if new is not None else None
        self.report(node, self.template.format(names=names), fix)
