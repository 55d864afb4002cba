"""Settings values: option declarations, their validation, and the resolved :class:`Settings`.

Reading them from ``[tool.py-standards-lint]`` in the nearest ``pyproject.toml`` is the engine's
(``engine/config.py``). Every key is declared as an :class:`Option` — the core ones here, each rule's own
in its class (``options = (Option(...),)``) — and validated on load: an unknown
key or a bad value raises :class:`ConfigError` naming the key, never silently
ignored. Keys are kebab-case; rule options share one flat namespace.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import regex  # what base/patterns.py matches with (a time limit on every match)

from py_standards_lint.base import layers as layers_mod
from py_standards_lint.base.known import DEFAULT_SDK_MODULES


class ConfigError(Exception):
    """A configuration problem; the CLI exits 2 with this message."""


def _str_list(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [v for v in re.split(r"[,\s]+", value) if v]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key}: expected a list of strings, got {value!r}")
    return tuple(value)


def _regex(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{key}: expected a regular expression string, got {value!r}")
    try:
        regex.compile(value, regex.VERSION0)
    except (regex.error, ValueError, OverflowError, RecursionError) as exc:
        raise ConfigError(f"{key}: invalid regular expression {value!r}: {exc}") from exc
    return value


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{key}: expected true or false, got {value!r}")
    return value


def _str(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{key}: expected a string, got {value!r}")
    return value


def _glob_map(key: str, value: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{key}: expected a table of glob = [codes], got {value!r}")
    return {str(k): _str_list(f"{key}.{k}", v) for k, v in value.items()}


def _layers(key: str, value: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{key}: expected a table of layer = [globs], got {value!r}")
    for layer in value:
        if layer not in layers_mod.LAYERS:
            raise ConfigError(f"{key}.{layer}: unknown layer (known: {', '.join(layers_mod.LAYERS)})")
    return {str(k): _str_list(f"{key}.{k}", v) for k, v in value.items()}


def _str_map(key: str, value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigError(f"{key}: expected a table of name = \"name\" strings, got {value!r}")
    return {str(k): v for k, v in value.items()}


KINDS: dict[str, Callable[[str, Any], Any]] = {
    "list": _str_list,
    "regex": _regex,
    "bool": _bool,
    "str": _str,
    "glob-map": _glob_map,
    "str-map": _str_map,
    "layers": _layers,
}


@dataclass(frozen=True)
class Option:
    """A configuration key: its kind (see :data:`KINDS`), default and help text."""

    key: str
    kind: str
    default: Any
    help: str

    def parse(self, value: Any) -> Any:
        return KINDS[self.kind](self.key, value)


CORE_OPTIONS: tuple[Option, ...] = (
    Option("select", "list", ("PSL",), "Codes, prefixes or rule names to enable."),
    Option("extend-select", "list", (), "Added to `select`."),
    Option("ignore", "list", (), "Codes, prefixes or rule names to disable."),
    Option("per-file-ignores", "glob-map", {}, "Glob (relative to the config file) = codes to ignore there."),
    Option("exclude", "list", (), "Globs of files and folders never checked."),
    Option("layers", "layers", {}, "Layer = globs, replacing that layer's default matching."),
    Option("logger-names", "list", ("logger", "log", "_logger", "_log", "LOGGER"), "Names always taken as loggers."),
    Option("session-aliases", "list", ("DbSession", "DbSessionReadOnly"), "Annotations that mean a DB session."),
    Option("session-names", "list", ("db", "session", "db_session"), "Names that always mean a DB session."),
    Option(
        "external-sdk-modules",
        "list",
        DEFAULT_SDK_MODULES,
        "Modules whose calls are external service calls.",
    ),
    Option("router-names", "list", ("router", "app", "api_router"), "Names always taken as FastAPI routers."),
)


def all_options(rules: Iterable[Any]) -> dict[str, Option]:
    """The core options and those each rule class declares (``rule.options``)."""
    options = {opt.key: opt for opt in CORE_OPTIONS}
    for rule in rules:
        for opt in rule.options:
            known = options.get(opt.key)
            if known is not None and known != opt:
                raise RuntimeError(f"option {opt.key} declared twice, differently ({rule.code})")
            options[opt.key] = opt
    return options


@dataclass(frozen=True)
class Settings:
    """Resolved settings for a project: validated values and where they came from."""

    values: Mapping[str, Any]
    root: Path
    config_file: Path | None = None
    selectors: tuple[str, ...] = field(default=())
    #: the rule catalogue these settings were validated against (classes of ``analysis.rule.Rule``, handed
    #: down by the front end): selection and noqa comments choose from it; never part of the fingerprint
    rules: tuple[Any, ...] = field(default=(), compare=False)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def fingerprint(self) -> str:
        return json.dumps({k: _jsonable(v) for k, v in sorted(self.values.items())}, sort_keys=True)

    def replace(self, **overrides: Any) -> Settings:
        values = dict(self.values)
        values.update(overrides)
        return Settings(values=values, root=self.root, config_file=self.config_file, rules=self.rules)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    return value


def parse_table(table: Mapping[str, Any], options: Mapping[str, Option], where: str = "") -> dict[str, Any]:
    """Validate a raw ``[tool.py-standards-lint]`` table into typed values (defaults filled in)."""
    values = {key: opt.default for key, opt in options.items()}
    for key, raw in table.items():
        opt = options.get(key)
        if opt is None:
            close = [k for k in options if k.replace("-", "") == key.replace("_", "").replace("-", "")]
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"{where}unknown option {key!r}{hint}")
        try:
            values[key] = opt.parse(raw)
        except ConfigError as exc:
            raise ConfigError(f"{where}{exc}") from None
    return values


