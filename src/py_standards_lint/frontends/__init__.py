"""Layer 5, front ends: the CLI, the flake8 plugin, the language server, reporters, the fix writer,
``--add-noqa``, ``--show-settings`` / ``--show-layers`` and the docs generator. They import the rule
catalogue (``py_standards_lint.rules``) and hand it to the engine.
"""
