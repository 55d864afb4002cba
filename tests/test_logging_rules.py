"""The logging family beyond each rule's own cases: the logger model, options, fixes working together."""

from __future__ import annotations

import pytest

from py_standards_lint.base.settings import ConfigError
from py_standards_lint.rules import BY_CODE

from .helpers import fix, lint, make_settings, positions

LOGGER = "import logging\n\nlogger = logging.getLogger(__name__)\n\n"
SERVICE = "app/services/users.py"
FAMILY = tuple(f"PSL3{n:02d}" for n in range(1, 12))


def codes(code: str, path: str = SERVICE, settings=None) -> list[tuple[int, str]]:
    return sorted((f.line, f.code) for f in lint(code, path, settings) if f.code.startswith("PSL3"))


def test_every_logging_rule_is_implemented():
    assert all(code in BY_CODE for code in FAMILY)
    assert {BY_CODE[c].fix_safety for c in ("PSL303", "PSL305", "PSL307")} == {"safe"}
    assert BY_CODE["PSL301"].fix_safety == "unsafe"


# -- which expressions are loggers ------------------------------------------------------------


def test_configured_logger_name_imported_from_another_module_is_a_logger():
    code = "from app.core.logs import logger\n\nlogger.info(f'x {y}')\n"
    assert codes(code) == [(3, "PSL301")]


def test_other_imported_names_are_not_loggers():
    code = "from app.core.logs import audit\n\naudit.info(f'x {y}')\naudit.info('Hello', user=1)\n"
    assert codes(code) == []


def test_loguru_logger_is_not_a_stdlib_logger_but_its_import_is_flagged():
    # (rev 3) a foreign logger: the message rules (PSL304, PSL306) run on it, the stdlib call API (PSL303) does not
    code = "from loguru import logger\n\nlogger.info('Hello {}', name, user=1)\n"
    assert codes(code) == [(1, "PSL305"), (3, "PSL304"), (3, "PSL306")]


def test_logger_identity_decides_the_fix_applicability_of_psl303():
    stdlib = LOGGER + "logger.info('a.b', user=1)\n"
    unknown = "def f(logger):\n    logger.info('a.b', user=1)\n"
    assert fix(stdlib, SERVICE, BY_CODE["PSL303"], unsafe=False) != stdlib  # safe
    assert fix(unknown, SERVICE, BY_CODE["PSL303"], unsafe=False) == unknown  # unsafe: not applied
    assert fix(unknown, SERVICE, BY_CODE["PSL303"]) != unknown
    assert "cannot tie" in lint(unknown, SERVICE)[0].message and "stdlib logger call" in lint(stdlib, SERVICE)[0].message


def test_message_rules_run_on_foreign_loggers():
    code = "import structlog\n\nlog = structlog.get_logger()\n\ndef f(user):\n    log.info(f'user {user.id} created', user_id=user.id)\n"
    assert codes(code) == [(1, "PSL305"), (3, "PSL305"), (6, "PSL301")]


def test_a_local_function_named_like_a_logger_is_not_one():
    code = "def log(x):\n    return x\n\nlog.info('Hello world %s', 1)\n"
    assert codes(code) == []


def test_configured_logger_names_option():
    code = "def f(audit):\n    audit.info(f'x {y}')\n"
    assert codes(code) == []
    assert codes(code, settings={"logger-names": ["audit"]}) == [(2, "PSL301")]


def test_non_loggers_with_log_methods_are_never_flagged():
    code = (
        "import warnings\n\nclass Console:\n    def info(self, *a, **k):\n        pass\n    error = exception = info\n\n"
        "console = Console()\n"
        "try:\n    pass\nexcept Exception:\n"
        "    console.error('Failed %s' % x, 1, user=2, extra={'name': 1})\n"
        "console.exception(f'{x}')\nwarnings.warn('Deprecated ' + x)\n"
    )
    assert codes(code) == []


def test_strings_and_comments_never_count():
    code = LOGGER + "doc = 'logger.info(f\"{x}\")'\n# logger.error('x', user=1)\nlogging_info = 'logging.info(1)'\n"
    assert codes(code) == []


def test_standards_compliant_patterns_are_clean():
    code = (
        LOGGER
        + "async def complete(user, step_id):\n"
        + '    logger.info("user.created", extra={"user_id": user.id, "email": user.email})\n'
        + "    try:\n        await save(step_id)\n    except ValueError:\n"
        + '        logger.exception("step.save_failed", extra={"step_id": step_id})\n        raise\n'
    )
    assert codes(code) == []


def test_repository_layer_only():
    code = LOGGER + "logger.info('user.fetched')\n"
    assert codes(code, "app/repositories/users.py") == [(5, "PSL310")]
    assert codes(code, "app/routes/users.py") == []
    assert codes(code, "tests/test_users.py") == []


def test_logger_declaration_is_not_checked_in_tests():
    code = "import logging\n\nlogger = logging.getLogger('test')\nlogger.info('a.b')\n"
    assert codes(code, "tests/test_users.py") == []
    assert codes(code, SERVICE) == [(3, "PSL305")]


# -- options -----------------------------------------------------------------------------------


def test_event_name_pattern_is_validated():
    with pytest.raises(ConfigError, match="event-name-pattern"):
        make_settings({"event-name-pattern": "("})
    with pytest.raises(ConfigError, match="event-name-pattern"):
        make_settings({"event-name-pattern": 3})


def test_expected_exceptions_is_validated():
    with pytest.raises(ConfigError, match="expected-exceptions"):
        make_settings({"expected-exceptions": [1]})


def test_expected_exceptions_only_exempt_their_own_handlers():
    code = (
        "import logging\nfrom app.core.breaker import CircuitOpenError as Open\n\nlogger = logging.getLogger(__name__)\n\n"
        "def call():\n    try:\n        pass\n    except Open:\n        logger.error('breaker.open')\n"
        "    except ValueError:\n        logger.error('call.failed')\n"
    )
    settings = {"expected-exceptions": ["app.core.breaker.CircuitOpenError"]}
    assert positions([f for f in lint(code, SERVICE, settings) if f.code == "PSL307"]) == [(12, 9)]


# -- fixes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        'f"User {user.id} created"',
        'f"{x}"',
        'f"Failed to sync {job!r} after {attempts} attempts: {exc}"',
        "f'{name} logged in from {request.client.host}'",
        'f"3 retries for {url}"',
        'f"Ünïcode {x} wörds"',
        'rf"path\\d {p}"',
        'f"{a}" f"{b} and more" " text"',
    ],
)
def test_the_fstring_fix_produces_code_the_family_accepts(message):
    code = LOGGER + f"def f(user, x, job, attempts, exc, name, request, url, p, a, b):\n    logger.warning({message})\n"
    fixed = fix(code, SERVICE, BY_CODE["PSL301"])
    assert fixed != code
    compile(fixed, "fixed.py", "exec")
    remaining = [f.code for f in lint(fixed, SERVICE) if f.code.startswith("PSL3")]
    assert remaining == [], (fixed, remaining)


def test_overlapping_fixes_on_one_call_are_applied_in_passes():
    from py_standards_lint.engine.fixes import fix_source

    code = LOGGER + "def f(uid):\n    try:\n        pass\n    except OSError:\n        logger.error(f'Sync failed for {uid}', job=uid)\n"
    settings = make_settings()
    outcome = fix_source(code.encode(), SERVICE, settings, SERVICE, unsafe=True)
    assert outcome.source.decode() == LOGGER + (
        "def f(uid):\n    try:\n        pass\n    except OSError:\n"
        "        logger.exception(\"sync.failed.for\", extra={\"uid\": uid, \"job\": uid})\n"
    )
    assert outcome.fixed == 3 and outcome.result.findings == []
    again = fix_source(outcome.source, SERVICE, settings, SERVICE, unsafe=True)
    assert again.source == outcome.source and again.fixed == 0


def test_safe_only_run_leaves_the_unsafe_fix():
    from py_standards_lint.engine.fixes import fix_source

    code = LOGGER + "def f(uid):\n    logger.info(f'User {uid}', job=uid)\n"
    outcome = fix_source(code.encode(), SERVICE, make_settings(), SERVICE)
    assert outcome.source.decode() == LOGGER + "def f(uid):\n    logger.info(f'User {uid}', extra={\"job\": uid})\n"
    assert [f.code for f in outcome.result.findings] == ["PSL301"]
    assert outcome.result.findings[0].fix.applicability == "unsafe"


def test_kwargs_fix_never_duplicates_a_key():
    code = LOGGER + 'logger.info("a.b", extra={"user_id": 1, **rest}, user_id=2)\n'
    assert fix(code, SERVICE, BY_CODE["PSL303"]) == code


def test_getlogger_fix_only_for_literals():
    code = "import logging\n\nNAME = 'x'\nlogger = logging.getLogger(NAME)\nlogger.info('a.b')\n"
    assert [f.line for f in lint(code, SERVICE) if f.code == "PSL305"] == [4]
    assert fix(code, SERVICE, BY_CODE["PSL305"]) == code
