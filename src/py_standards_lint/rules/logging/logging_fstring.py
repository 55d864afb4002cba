from __future__ import annotations

import re

import libcst as cst

from py_standards_lint.analysis.loggers import RESERVED_KEYS, LogCall, LogCallRule, literal_keys, logger_bindings, with_extra
from py_standards_lint.analysis.rule import Invalid, Valid
from py_standards_lint.base import patterns
from py_standards_lint.base.finding import UNSAFE, Fix
from py_standards_lint.base.names import dotted_name

_ESCAPE = re.compile(r"\\(N\{[^}]*\}|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|.)", re.DOTALL)
_WORD = re.compile(r"[A-Za-z0-9]+")

LOGGER = "import logging\n\nlogger = logging.getLogger(__name__)\n\n"


def is_fstring(node: cst.CSTNode | None) -> bool:
    """An f-string, or an implicit concatenation containing one."""
    if isinstance(node, cst.FormattedString):
        return True
    if isinstance(node, cst.ConcatenatedString):
        return is_fstring(node.left) or is_fstring(node.right)
    return False


class LoggingFstring(LogCallRule):
    code = "PSL301"
    name = "logging-fstring"
    message = "f-string as log message: log a dot-notation event name and pass context in `extra={...}`"
    requires_text = ("f\"", "f'", "F\"", "F'", "rf", "fr", "Rf", "fR", "RF", "FR", "rF", "Fr")
    example_path = "app/services/users.py"
    fix_safety = "unsafe"
    fix_notes = (
        "Unsafe (the message text and any format specs change): the f-string becomes a dot-notation "
        "event name made of its literal words (`f\"User {user.id} created\"` -> `\"user.created\"`, "
        "prefixed with the module name when fewer than two words), and the interpolated values move "
        "into `extra` under keys derived from them (`user.id` -> `user_id`; other expressions get "
        "`arg<N>`). No fix when the call has `%s` arguments or a non-literal `extra`."
    )
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
        Invalid(
            LOGGER + 'logger.info(f"User {user.id} created")\n', line=5, col=1,
            fixed=LOGGER + 'logger.info("user.created", extra={"user_id": user.id})\n',
        ),
        Invalid(
            LOGGER + 'logger.log(logging.INFO, f"User {uid}")\n', line=5, col=1,
            fixed=LOGGER + 'logger.log(logging.INFO, "users.user", extra={"uid": uid})\n',
        ),
        Invalid(
            LOGGER + 'logger.error(msg=f"failed {uid}")\n', line=5, col=1,
            fixed=LOGGER + 'logger.error(msg="users.failed", extra={"uid": uid})\n',
        ),
        Invalid(
            LOGGER + 'logger.warning(f"Sync {job.id}" " failed")\n', line=5, col=1,
            fixed=LOGGER + 'logger.warning("sync.failed", extra={"job_id": job.id})\n',
        ),
        Invalid(
            LOGGER + 'logger.info(f"{len(items)} items for {name}: {self.user.id!r:>10}\\n", extra={"arg0": 1}, exc_info=True)\n',
            line=5, col=1,
            fixed=LOGGER + 'logger.info("items.for", extra={"arg0": 1, "arg0_2": len(items), "name_value": name, "user_id": self.user.id}, exc_info=True)\n',
        ),
        Invalid(
            LOGGER + 'def f(login):\n    logger.info(\n        f"Fetched user {login} ({login})",\n    )\n', line=6, col=5,
            fixed=LOGGER + 'def f(login):\n    logger.info(\n        "fetched.user",\n        extra={"login": login},\n    )\n',
        ),
        # no fix: `%s` arguments, a non-literal `extra`, or a configured pattern the name cannot match
        Invalid(LOGGER + 'logger.info(f"Done {x} %s", y)\n', line=5, col=1, fixed=LOGGER + 'logger.info(f"Done {x} %s", y)\n'),
        Invalid(LOGGER + 'logger.info(f"Done {x}", extra=ctx)\n', line=5, col=1, fixed=LOGGER + 'logger.info(f"Done {x}", extra=ctx)\n'),
        Invalid(
            LOGGER + 'logger.info(f"Done {x}")\n', line=5, col=1, settings={"event-name-pattern": "^[A-Z]+$"},
            fixed=LOGGER + 'logger.info(f"Done {x}")\n',
        ),
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
        call = logger_bindings(self.ctx).log_call(node)
        if call is not None and call.message is not None and is_fstring(call.message.value):
            self.report(node, fix=self._fix(call))

    # -- the unsafe fix: event name + extra ----------------------------------------------
    def _fix(self, call: LogCall) -> Fix | None:
        if call.extra_positional or call.message is None or any(a.star for a in call.node.args):
            return None  # `%s` arguments would lose their placeholders
        texts: list[str] = []
        expressions: list[cst.BaseExpression] = []
        if not _collect(call.message.value, texts, expressions):
            return None
        words = [w.lower() for text in texts for w in _WORD.findall(text)]
        event = self._event_name(words, call.method)
        if not patterns.fullmatch("event-name-pattern", self.ctx.settings["event-name-pattern"], event):
            return None
        extra = call.keyword("extra")
        taken = set(literal_keys(extra.value)) if extra is not None and isinstance(extra.value, cst.Dict) else set()
        entries: list[tuple[str, cst.BaseExpression]] = []
        seen: dict[str, str] = {}  # expression code -> key
        for i, expression in enumerate(expressions):
            code = self.ctx.module.code_for_node(expression).strip()
            if code in seen:
                continue
            key = _key_for(expression, i)
            if key in RESERVED_KEYS:
                key += "_value"
            base, n = key, 2
            while key in taken:
                key, n = f"{base}_{n}", n + 1
            taken.add(key)
            seen[code] = key
            entries.append((key, expression))
        message = call.message.with_changes(value=cst.SimpleString(f'"{event}"'))
        new = with_extra(call.node, entries, replace={id(call.message): message})
        if new is None:
            return None
        return Fix(UNSAFE, f"log the event `{event}` with the values in `extra`", [(call.node, new)])

    def _event_name(self, words: list[str], method: str) -> str:
        if len(words) >= 2 and words[0][0].isalpha():
            return ".".join(words)
        domain = re.sub(r"[^a-z0-9_]", "_", self.ctx.module_name.rsplit(".", 1)[-1].lower()).strip("_")
        if not domain or not domain[0].isalpha():
            domain = "app"
        return ".".join([domain, *(words or [method])])


def _collect(node: cst.BaseExpression, texts: list[str], expressions: list[cst.BaseExpression]) -> bool:
    """The literal text and the interpolated expressions of an f-string (or a concatenation)."""
    if isinstance(node, cst.ConcatenatedString):
        return _collect(node.left, texts, expressions) and _collect(node.right, texts, expressions)
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        if not isinstance(value, str):
            return False
        texts.append(value)
        return True
    if isinstance(node, cst.FormattedString):
        raw = "r" in node.prefix.lower()
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                texts.append(part.value if raw else _ESCAPE.sub(" ", part.value))
            elif isinstance(part, cst.FormattedStringExpression):
                expressions.append(part.expression)
        return True
    return False


def _key_for(expression: cst.BaseExpression, index: int) -> str:
    """``user.id`` -> ``user_id``; ``self.user_id`` -> ``user_id``; anything else -> ``arg<index>``."""
    dotted = dotted_name(expression)
    if dotted is None:
        return f"arg{index}"
    parts = dotted.split(".")
    if len(parts) > 1 and parts[0] in ("self", "cls"):
        parts = parts[1:]
    return "_".join(parts)
