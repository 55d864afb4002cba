"""flake8 adapter: ``flake8 --select PSL`` runs the same engine on the lines flake8 read.

A thin layer: it re-parses the lines with libcst (a parse failure is a ``PSL000``
finding, never an exception), reads the same ``pyproject.toml`` settings as the
CLI, builds the project index lazily once per process when an enabled rule needs
it, and leaves ``# noqa`` to flake8. Importing this module loads the rule catalogue (flake8 asks for its
options at every start anyway) and has no other side effects.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any, Iterator, Sequence

from py_standards_lint import __version__
from py_standards_lint.analysis.index import ProjectIndex
from py_standards_lint.base.project import relative_path
from py_standards_lint.base.settings import ConfigError, all_options
from py_standards_lint.engine.config import settings_for_folder
from py_standards_lint.engine.lint import lint_source
from py_standards_lint.engine.selection import validate
from py_standards_lint.frontends.flake8_options import add_options as declare_options
from py_standards_lint.frontends.flake8_options import overrides as parse_overrides
from py_standards_lint.rules import ALL_RULES

_INDEXES: dict[Path, Any] = {}


class Plugin:
    name = "py-standards-lint"
    version = __version__
    #: settings given as flake8 options (``--psl-<key>``, see flake8_options.py): override pyproject
    overrides: dict[str, Any] = {}
    override_error: str | None = None

    @classmethod
    def add_options(cls, manager: Any) -> None:
        declare_options(manager, all_options(ALL_RULES))

    @classmethod
    def parse_options(cls, options: Any) -> None:
        try:
            cls.overrides, cls.override_error = parse_overrides(options, all_options(ALL_RULES)), None
        except ConfigError as exc:
            cls.overrides, cls.override_error = {}, str(exc)

    def __init__(self, tree: ast.AST, lines: Sequence[str], filename: str) -> None:
        self.lines = lines
        self.filename = filename

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        path = Path(self.filename if self.filename not in ("-", "stdin") else "stdin.py")
        try:
            if self.override_error:
                raise ConfigError(self.override_error)
            settings = settings_for_folder(str(path.resolve().parent), rules=ALL_RULES)
            if self.overrides:
                settings = settings.replace(**self.overrides)
            validate(settings)
        except ConfigError as exc:
            yield 1, 0, f"PSL000 Configuration error: {exc}", type(self)
            return

        def index() -> ProjectIndex:
            if settings.root not in _INDEXES:
                _INDEXES[settings.root] = ProjectIndex.build(settings.root, settings)
            return _INDEXES[settings.root]

        relpath = relative_path(path, settings.root)
        result = lint_source("".join(self.lines), self.filename, settings, relpath, index_provider=index, apply_noqa=False)
        for finding in result.findings:
            yield finding.line, finding.column - 1, f"{finding.code} {finding.message}", type(self)
        for error in result.errors:
            yield 1, 0, f"PSL000 Internal error in {error.rule}: {error.message}", type(self)
