from __future__ import annotations

from py_standards_lint.analysis.rule import Invalid, Rule, Valid


class SyntaxErrorRule(Rule):
    """Reported by the engine itself when libcst cannot parse a file."""

    code = "PSL000"
    name = "syntax-error"
    message = "Cannot parse: {libcst's message}"
    why = (
        "A file the linter cannot parse cannot be checked. The finding points at the parser's error "
        "position with libcst's message; the run goes on with the other files."
    )
    example = "def broken(:\n    pass\n"
    use_instead = "def fixed():\n    pass\n"
    valid = (Valid("x = 1\n"),)
    invalid = (Invalid("def broken(:\n    pass\n", line=1, col=12),)
