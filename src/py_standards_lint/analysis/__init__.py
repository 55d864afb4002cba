"""Layer 2, analysis: what the code means, shared by the rules.

The project index and resolver, the per-file context the engine walks with, the ``Rule`` base class and
its test cases, and the shared models (loggers, routes, sessions, upserts, raises, locks, external calls,
the class hierarchy, docstrings, the CPython-tree gates). Imports only from the base layer.
"""
