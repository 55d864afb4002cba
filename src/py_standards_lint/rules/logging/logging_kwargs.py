from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.loggers import FOREIGN, RESERVED_KEYS, STDLIB, LogCallRule, logger_bindings, with_extra
from py_standards_lint.analysis.rule import Invalid, Valid
from py_standards_lint.base.finding import SAFE, UNSAFE, Fix

LOGGER = "import logging\n\nlogger = logging.getLogger(__name__)\n\n"
#: (rev 3) project logging modules: stdlib and structlog wrappers, a re-export of stdlib `logging`, a base class
LOGS = {
    "app/__init__.py": "",
    "app/logging.py": (
        "import logging\nimport structlog\n\n"
        "def get_logger(name: str) -> logging.Logger:\n    return logging.getLogger(name)\n\n"
        "def get_struct(name):\n    return structlog.get_logger(name)\n\n"
        "logger = structlog.get_logger()\nstd = logging.getLogger('app')\n"
    ),
    "app/base.py": (
        "from app.logging import get_logger, get_struct\n\n"
        "class Service:\n    def __init__(self):\n        self.logger = get_logger(__name__)\n        self.slog = get_struct(__name__)\n"
    ),
    "app/newer.py": "from app.logging import get_struct\n\ntype Name = str\n\ndef wrap[T](name: T):\n    return get_struct(name)\n",
}

#: keywords the stdlib logger methods accept (``msg``/``level`` name the positional parameters)
ALLOWED = frozenset({"exc_info", "stack_info", "stacklevel", "extra", "msg"})


class LoggingKwargs(LogCallRule):
    code = "PSL303"
    name = "logging-kwargs"
    message = "keyword arguments on a stdlib logger call (structlog style, a TypeError): pass them in `extra={...}`"
    template = "keyword arguments {names} on a stdlib logger call (structlog style, a TypeError): pass them in `extra={{...}}`"
    unknown_template = (
        "keyword arguments {names} on a logger call the linter cannot tie to a logging library (on a stdlib "
        "logger, a TypeError): pass them in `extra={{...}}`"
    )
    example_path = "app/services/users.py"
    needs_index = True
    reads_summary = True
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
        "is a LogRecord attribute (`name`, `msg`, ...: a KeyError as an `extra` key). The fix is safe on a stdlib "
        "logger and unsafe on one only its configured name says is a logger (a parameter called `logger`, an "
        "import the linter cannot trace): that one might be a structlog logger, where the keywords are right."
    )
    valid = (
        # a foreign logger through imports made inside the function (a script's lazy set-up)
        Valid("def show(n):\n    import structlog\n\n    log = structlog.get_logger()\n    log.info('count.shown', n=n)\n"),
        Valid("def show(n):\n    from structlog import get_logger as gl\n    from loguru import logger\n\n    log = gl()\n    log.info('a.b', n=n)\n    logger.info('a.b', n=n)\n"),
        Valid(LOGGER + 'logger.info("user.created", exc_info=True, stack_info=False, stacklevel=2, extra={"a": 1})\n'),
        Valid(LOGGER + 'logger.info(msg="user.created")\nlogger.log(level=logging.INFO, msg="user.created")\n'),
        Valid(LOGGER + 'logger.info("user.created", **context)\n'),
        Valid("import structlog2\n\nslog = structlog2.get_logger()\nslog.info('user.created', user_id=1)\n"),
        Valid("from app.core.audit import audit\n\naudit.info('user.created', user_id=1)\n"),
        Valid("class Thing:\n    def info(self, msg, **kw):\n        pass\n\nthing = Thing()\nthing.info('x', user_id=1)\n"),
        Valid('import warnings\n\nwarnings.warn("x", category=UserWarning, stacklevel=2)\n'),
        # (rev 3) foreign loggers: structlog directly, in a function, through project wrappers and modules,
        # a base class in another module, a PEP 695 module's wrapper; loguru; a configured name bound so
        Valid("import structlog\n\nLOG = structlog.get_logger()\nLOG.info('user.created', user_id=1)\n"),
        Valid("import structlog\n\ndef f():\n    log = structlog.get_logger().bind(x=1)\n    log.info('user.created', user_id=1)\n"),
        Valid("from app.logging import get_struct, logger\n\naudit = get_struct(__name__)\naudit.info('a.b', user=1)\nlogger.info('a.b', user=1)\n", files=LOGS),
        Valid("from app.base import Service\n\nclass Users(Service):\n    def run(self):\n        self.slog.info('a.b', user=1)\n", files=LOGS),
        Valid("from app.newer import wrap\n\nlogger = wrap(__name__)\nlogger.info('a.b', user=1)\n", files=LOGS),
        Valid("from loguru import logger\n\nlogger.info('a.b', user=1)\n"),
        # a configured name bound to a project class that is no logger
        Valid("class Console:\n    def info(self, msg, **kw):\n        pass\n\nlogger = Console()\nlogger.info('a.b', user=1)\n"),
        Valid("from app.base import Service\n\ndef f():\n    log = Service()\n    log.info('a.b', user=1)\n", files=LOGS),
        Valid("import structlog.stdlib\n\ndef f(logger: structlog.stdlib.BoundLogger):\n    logger.info('a.b', user=1)\n"),
    )
    invalid = (
        # a stdlib logger through an import made inside the function: the safe fix
        Invalid(
            "def show(n):\n    import logging\n\n    log = logging.getLogger(__name__)\n    log.info('count.shown', n=n)\n",
            line=5, col=5,
            fixed="def show(n):\n    import logging\n\n    log = logging.getLogger(__name__)\n    log.info('count.shown', extra={\"n\": n})\n",
        ),
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
        # (rev 3) stdlib through project wrappers, a re-export of stdlib logging, a base class in another module
        Invalid("from app.logging import get_logger, std\n\nLOG = get_logger(__name__)\nLOG.info('a.b', user=1)\nstd.info('a.b', user=1)\n",
                at=[(4, 1), (5, 1)], files=LOGS),
        Invalid("from app.logging import logging\n\naudit = logging.getLogger(__name__)\naudit.info('a.b', user=1)\n", line=4, col=1, files=LOGS),
        Invalid("from app.base import Service\n\nclass Users(Service):\n    def run(self):\n        self.logger.info('a.b', user=1)\n", line=5, col=9, files=LOGS,
                fixed="from app.base import Service\n\nclass Users(Service):\n    def run(self):\n        self.logger.info('a.b', extra={\"user\": 1})\n"),
        # an unknown logger (an import the index cannot trace; a call nothing classifies): reported, fix unsafe
        Invalid("from app.gone import logger\n\nlogger.info('a.b', user=1)\n", line=3, col=1, files=LOGS),
        Invalid("from app.gone import make\n\nlogger = make()\nlogger.info('a.b', user=1)\n", line=4, col=1, files=LOGS),
        Invalid("import multiprocessing\n\ndef f():\n    logger = multiprocessing.get_logger()\n    logger.info('a.b', user=1)\n", line=5, col=5),
        Invalid("_logger = None\n\ndef f():\n    _logger.info('a.b', user=1)\n", line=4, col=5),
    )

    def visit_Call(self, node: cst.Call) -> None:
        call = logger_bindings(self.ctx).log_call(node)
        if call is None or call.identity == FOREIGN:
            return  # (rev 3) keyword arguments are a foreign logger's API (PSL305 reports the declaration)
        allowed = ALLOWED | {"level"} if call.method == "log" else ALLOWED
        bad = [a for a in call.keywords if a.keyword is not None and a.keyword.value not in allowed]
        if not bad:
            return
        names = ", ".join(f"`{a.keyword.value}`" for a in bad if a.keyword is not None)
        entries = [(a.keyword.value, a.value) for a in bad if a.keyword is not None]
        # a LogRecord attribute as an `extra` key is a KeyError (PSL309): renaming it is the author's call
        new = None if any(key in RESERVED_KEYS for key, _ in entries) else with_extra(node, entries, drop=bad)
        # (rev 3) safe on a stdlib logger; unsafe on one only its name says is a logger (it may be structlog's)
        safety = SAFE if call.identity == STDLIB else UNSAFE
        fix = Fix(safety, "move the keyword arguments into `extra={...}`", [(node, new)]) if new is not None else None
        template = self.template if call.identity == STDLIB else self.unknown_template
        self.report(node, template.format(names=names), fix)
