"""Rules whose answers changed because names resolve across the project (RULES.md rev 3, *Names*): what the
findings say, beyond the positions the rule cases check."""

from __future__ import annotations

from py_standards_lint.rules.exceptions.undocumented_raise import MORE

from .helpers import lint


def messages(code: str, rule: str, path: str, files: dict[str, str] | None = None) -> list[tuple[int, str]]:
    return [(f.line, f.message) for f in lint(code, path, files=files) if f.code == rule]


def test_psl203_names_the_class_of_a_factory_or_an_instance():
    code = (
        "from app.core.newer import GoneError\nfrom app.core.errors import MISSING\nimport pydantic\n\n"
        "def f(x):\n    \"\"\"Do.\"\"\"\n    if x:\n        raise GoneError.for_step(x)\n    if x > 1:\n        raise MISSING\n"
        "    raise pydantic.ValidationError.from_exception_data('x', [])\n"
    )
    found = messages(code, "PSL203", "app/services/steps.py", MORE)
    assert [(line, text.split("`")[1]) for line, text in found] == [
        (8, "GoneError"), (10, "StepNotFoundError"), (11, "ValidationError"),
    ]


def test_psl203_private_method_message_names_the_call():
    code = "class Steps:\n    def run(self, x):\n        self._check(x)\n\n    def _check(self, x):\n        raise KeyError(x)\n"
    assert messages(code, "PSL203", "app/services/steps.py") == [
        (3, "`self._check()` lets `KeyError` escape, not documented: add to the docstring's `Raises:` section"),
    ]


def test_psl101_instance_message_is_the_rules():
    files = {"app/__init__.py": "", "app/errors.py": "from fastapi import HTTPException\n\nUnauthorized = HTTPException(401)\n"}
    found = messages("from app.errors import Unauthorized\n\ndef f():\n    raise Unauthorized\n", "PSL101", "app/services/x.py", files)
    assert [line for line, _ in found] == [4]
