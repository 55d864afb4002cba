"""flake8 options ``--psl-<key>`` for the ``[tool.py-standards-lint]`` keys.

Every option key (the core ones and each rule's) can be given to flake8 on the command
line (``--psl-logger-names=logger,log``) or in flake8's own config file
(``psl-logger-names = logger, log`` under ``[flake8]``); a value given there overrides
the ``pyproject.toml`` value. Kinds map as follows: lists are comma-separated; maps are
comma-separated ``key=value`` entries (for maps of lists, the value's items are separated
by spaces: ``--psl-layers "services=app/domain/** app/core/logic/**"``); booleans are
``true``/``false``. ``select``/``ignore``/``per-file-ignores``/``exclude`` are not offered:
flake8's own ``--select``/``--extend-ignore``/``--per-file-ignores``/``--exclude`` do that
(``--psl-extend-select`` exists to turn on opt-in rules such as PSL001).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from py_standards_lint.base.settings import ConfigError, Option

PREFIX = "psl-"
#: keys that flake8's own options cover
SKIPPED = frozenset({"select", "ignore", "per-file-ignores", "exclude"})
MAP_KINDS = frozenset({"glob-map", "layers", "str-map"})
LIST_MAP_KINDS = frozenset({"glob-map", "layers"})


def dest(key: str) -> str:
    return (PREFIX + key).replace("-", "_")


def offered(options: Mapping[str, Option]) -> list[Option]:
    return [opt for key, opt in options.items() if key not in SKIPPED]


def add_options(manager: Any, options: Mapping[str, Option]) -> None:
    for opt in offered(options):
        kwargs: dict[str, Any] = {"default": None, "parse_from_config": True, "dest": dest(opt.key)}
        if opt.kind == "list" or opt.kind in MAP_KINDS:
            kwargs["comma_separated_list"] = True
        manager.add_option(f"--{PREFIX}{opt.key}", help=f"py-standards-lint `{opt.key}` (overrides pyproject.toml): {opt.help}", **kwargs)


def _raw(opt: Option, value: Any) -> Any:
    if opt.kind == "bool":
        text = str(value).strip().lower()
        if text in ("true", "1", "yes", "on"):
            return True
        if text in ("false", "0", "no", "off"):
            return False
        raise ConfigError(f"{opt.key}: expected true or false, got {value!r}")
    if opt.kind in MAP_KINDS:
        entries: Iterable[str] = value if isinstance(value, (list, tuple)) else [value]
        out: dict[str, Any] = {}
        for entry in entries:
            key, sep, rest = str(entry).partition("=")
            if not sep or not key.strip():
                raise ConfigError(f"{opt.key}: expected key=value entries, got {entry!r}")
            out[key.strip()] = rest.split() if opt.kind in LIST_MAP_KINDS else rest.strip()
        return out
    if opt.kind == "list":
        return [v for v in (value if isinstance(value, (list, tuple)) else [value]) if v]
    return value


def overrides(namespace: Any, options: Mapping[str, Option]) -> dict[str, Any]:
    """The settings given as flake8 options, validated like the pyproject keys."""
    out: dict[str, Any] = {}
    for opt in offered(options):
        value = getattr(namespace, dest(opt.key), None)
        if value is None:
            continue
        try:
            out[opt.key] = opt.parse(_raw(opt, value))
        except ConfigError as exc:
            raise ConfigError(f"flake8 option --{PREFIX}{exc}") from None
    return out
