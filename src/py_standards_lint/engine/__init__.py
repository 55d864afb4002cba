"""Layer 4, the engine: reading settings, selecting rules, the walk and dispatch, ``# noqa``, the result
cache, the worker pool and applying fixes.

It never imports the rule catalogue: the front ends pass it in (``load_settings(..., rules=...)``,
``Run(rules, ...)``), and the settings carry it to selection and ``# noqa``. Imports only from the base and
analysis layers (and ``rules`` only as values handed to it).
"""
