"""Which rules run: ``select`` / ``extend-select`` / ``ignore`` / ``per-file-ignores``.

A selector is a code (``PSL101``), a code prefix (``PSL1``, ``PSL``) or a rule's
kebab name (``http-exception-in-service``). An unknown selector is a config error.

Opt-in rules (``default_enabled = False``, e.g. PSL001 unused-noqa) are enabled only
by a selector naming them exactly (their code or name), never by a prefix.
``per-file-ignores`` globs are matched against the path relative to the folder of the
config file that declares them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable, Sequence

from py_standards_lint.analysis.rule import Rule
from py_standards_lint.base import globs
from py_standards_lint.base.settings import ConfigError, Settings


def matching(selector: str, rules: Sequence[type[Rule]]) -> list[type[Rule]]:
    """Rules of the catalogue ``rules`` a selector names; raises ConfigError when it names none."""
    sel = selector.strip()
    found = [r for r in rules if r.name == sel.lower()] or [r for r in rules if r.code.startswith(sel.upper())]
    if not found or not sel:
        raise ConfigError(f"unknown rule code or name {selector!r}")
    return found


def _codes(selectors: Iterable[str], key: str, rules: Sequence[type[Rule]], enabling: bool = False) -> set[str]:
    out: set[str] = set()
    for selector in selectors:
        try:
            found = matching(selector, rules)
        except ConfigError as exc:
            raise ConfigError(f"{key}: {exc}") from None
        exact = selector.strip().upper()
        out.update(
            r.code
            for r in found
            if not enabling or getattr(r, "default_enabled", True) or r.code == exact or r.name == selector.strip().lower()
        )
    return out


@lru_cache(maxsize=64)
def _enabled(
    select: tuple[str, ...], extend: tuple[str, ...], ignore: tuple[str, ...], rules: tuple[type[Rule], ...]
) -> frozenset[str]:
    chosen = _codes(select, "select", rules, enabling=True) | _codes(extend, "extend-select", rules, enabling=True)
    return frozenset(chosen - _codes(ignore, "ignore", rules))


def enabled_codes(settings: Settings) -> frozenset[str]:
    """The codes the settings enable, from the catalogue they carry (``settings.rules``)."""
    return _enabled(tuple(settings["select"]), tuple(settings["extend-select"]), tuple(settings["ignore"]), settings.rules)


def validate(settings: Settings) -> None:
    """Raise ConfigError for any unknown selector in the settings."""
    enabled_codes(settings)
    for pattern, selectors in settings["per-file-ignores"].items():
        _codes(selectors, f"per-file-ignores.{pattern}", settings.rules)


def _config_relative(settings: Settings, relpath: str) -> str:
    """``relpath`` (relative to the project root) made relative to the config file's folder."""
    config = settings.config_file
    if config is None or config.parent == settings.root:
        return relpath
    try:
        return (settings.root / relpath).relative_to(config.parent).as_posix()
    except ValueError:
        return relpath


def rules_for_file(settings: Settings, relpath: str) -> list[type[Rule]]:
    enabled = enabled_codes(settings)
    ignored: set[str] = set()
    if settings["per-file-ignores"]:
        relpath = _config_relative(settings, relpath)
    for pattern, selectors in settings["per-file-ignores"].items():
        if globs.match(pattern, relpath):
            ignored |= _codes(selectors, f"per-file-ignores.{pattern}", settings.rules)
    return [r for r in settings.rules if r.code in enabled and r.code not in ignored]
