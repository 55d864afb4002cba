from __future__ import annotations

from py_standards_lint.analysis.rule import Invalid, Rule, Valid

ON = {"extend-select": ["PSL001"]}


class UnusedNoqa(Rule):
    """Reported by the engine after the other rules ran (see ``noqa.unused_directives``)."""

    code = "PSL001"
    name = "unused-noqa"
    message = "Unused noqa directive: nothing here is reported as {codes}"
    #: opt-in: enabled only by naming it exactly (``extend-select = ["PSL001"]``), never by a prefix
    default_enabled = False
    requires_text = ("noqa", "NOQA", "NoQA")
    why = (
        "A `# noqa: PSLxxx` that silences nothing hides the next real violation on that line and "
        "misleads readers. After baselining a legacy codebase with `check --add-noqa`, enable this "
        "rule so that directives are removed as the code is cleaned up. Only this linter's own codes "
        "are judged, and only when every rule a code names ran on the file; a bare `# noqa` may be "
        "meant for another flake8 plugin and is never reported. Opt-in: enable it with "
        "`extend-select = [\"PSL001\"]` (a prefix such as `PSL` does not enable it)."
    )
    example = (
        "def get_step(step_id: int) -> dict:\n"
        "    return {\"id\": step_id}  # noqa: PSL101\n"
    )
    use_instead = (
        "def get_step(step_id: int) -> dict:\n"
        "    return {\"id\": step_id}\n"
    )
    example_path = "app/services/steps.py"
    valid = (
        Valid(
            "from fastapi import HTTPException\n\n\ndef f():\n    raise HTTPException(404)  # noqa: PSL101\n",
            settings=ON,
        ),
        # a prefix that silences a finding
        Valid("from fastapi import HTTPException\n\n\ndef f():\n    raise HTTPException(404)  # noqa: PSL1\n", settings=ON),
        # the directive on another line of the reported statement
        Valid(
            "from fastapi import HTTPException\n\n\ndef f():\n    raise HTTPException(  # noqa: PSL101\n        404,\n    )\n",
            settings=ON,
        ),
        # a bare noqa and other tools' codes are not judged
        Valid("x = 1  # noqa\ny = 2  # noqa: E501\n", settings=ON),
        # words in strings are not comments
        Valid('x = "# noqa: PSL101"\n', settings=ON),
        # a code whose rule does not run here (per-file-ignores) proves nothing
        Valid(
            "x = 1  # noqa: PSL101\n",
            settings={**ON, "per-file-ignores": {"app/services/*.py": ["PSL101"]}},
        ),
        # an unknown code is left alone
        Valid("x = 1  # noqa: PSL999\n", settings=ON),
        # not enabled by default, nor by a prefix
        Valid("x = 1  # noqa: PSL101\n"),
        Valid("x = 1  # noqa: PSL101\n", settings={"select": ["PSL0", "PSL"]}),
    )
    invalid = (
        Invalid("x = 1  # noqa: PSL101\n", line=1, col=8, settings=ON),
        Invalid("x = 1  # noqa: PSL101\n", line=1, col=8, settings={"select": ["unused-noqa", "PSL1"]}),
        Invalid("x = 1  # noqa:PSL101,PSL3\n", line=1, col=8, settings=ON),
        # one code used, one not
        Invalid(
            "from fastapi import HTTPException\n\n\ndef f():\n    raise HTTPException(404)  # noqa: PSL101, PSL301\n",
            line=5,
            col=31,
            settings=ON,
        ),
        Invalid("def f():\n    pass\n\n\nvalue = 1  # type: int  # noqa: PSL301\n", line=5, col=25, settings=ON),
    )
