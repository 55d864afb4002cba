"""Regular expressions from the configuration (``event-name-pattern``), matched with a time limit.

A repository's ``pyproject.toml`` is untrusted input: a pattern such as ``^(a+)+$`` backtracks exponentially,
and a log message of 41 characters would then hold a backtracking engine for hours. Patterns are compiled and
matched with the ``regex`` module (the syntax of :mod:`re`), whose matcher takes a timeout: a match that takes
longer than :data:`TIME_LIMIT` stops and raises :class:`PatternTimeout`, a configuration error naming the key,
which the engine reports as an error for that file (the run goes on, the exit code is 2). Once a pattern has
timed out, every later match with it fails at once with the same error, so a project full of log calls still
finishes in about :data:`TIME_LIMIT`.
"""

from __future__ import annotations

from functools import lru_cache

import regex

from py_standards_lint.base.settings import ConfigError

#: seconds one match may take (a sane pattern on any log message takes microseconds)
TIME_LIMIT = 0.25

_TIMED_OUT: dict[tuple[str, str], str] = {}


class PatternTimeout(ConfigError):
    """A configured pattern backtracked past the time limit."""


@lru_cache(maxsize=64)
def compiled(pattern: str) -> regex.Pattern[str]:
    """``pattern`` compiled (``regex.error`` when it is not a regular expression)."""
    return regex.compile(pattern, regex.VERSION0)


def fullmatch(key: str, pattern: str, text: str) -> bool:
    """Does the configured ``pattern`` (the value of ``key``) match all of ``text``?"""
    failed = _TIMED_OUT.get((key, pattern))
    if failed is not None:
        raise PatternTimeout(failed)
    try:
        return compiled(pattern).fullmatch(text, timeout=TIME_LIMIT) is not None
    except TimeoutError:
        message = (
            f"{key}: the pattern {pattern!r} took over {TIME_LIMIT} s to match a {len(text)}-character message "
            "(nested repetition such as (a+)+ backtracks exponentially): simplify it"
        )
        _TIMED_OUT[(key, pattern)] = message
        raise PatternTimeout(message) from None


__all__ = ["TIME_LIMIT", "PatternTimeout", "compiled", "fullmatch"]
