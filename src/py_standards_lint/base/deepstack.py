"""Run work that recurses as deep as the code it reads: on a thread with a large stack.

libcst's native parser recurses once per level of nesting and overflows the C stack
(a segmentation fault, not an exception) on a few thousand chained operators
(``1 + 1 + ...``, ``a[0][0]...``); its code generator and metadata providers recurse
in Python and hit ``RecursionError`` well before that. :func:`call_deep` runs a
function on a fresh thread whose stack is :data:`STACK_SIZE` (reserved, touched only as
used), with the recursion limit raised while any such call is running, so deep files
are parsed and printed instead of killing the process. How deep a file may be is capped
by CPython's own parser (see ``engine._too_deep``), far below what this stack holds.

Calls nest: inside one, :func:`call_deep` just calls the function.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import threading
from typing import Callable, Iterator, TypeVar

T = TypeVar("T")

STACK_SIZE = 256 * 1024 * 1024
RECURSION_LIMIT = 100_000

_local = threading.local()
_lock = threading.Lock()
_running = 0
_saved_limit: int | None = None


def _enter() -> None:
    global _running, _saved_limit
    with _lock:
        if _running == 0:
            _saved_limit = sys.getrecursionlimit()
            if _saved_limit < RECURSION_LIMIT:
                sys.setrecursionlimit(RECURSION_LIMIT)
        _running += 1


def _leave() -> None:
    global _running, _saved_limit
    with _lock:
        _running -= 1
        if _running == 0 and _saved_limit is not None:
            sys.setrecursionlimit(_saved_limit)
            _saved_limit = None


def call_deep(fn: Callable[..., T], *args: object, **kwargs: object) -> T:
    """``fn(*args, **kwargs)`` on a large-stack thread; its result, or its exception re-raised here."""
    if getattr(_local, "deep", False):
        return fn(*args, **kwargs)
    outcome: dict[str, object] = {}

    def target() -> None:
        _local.deep = True
        try:
            outcome["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # handed to the caller
            outcome["error"] = exc

    _enter()
    try:
        with _lock:  # threading.stack_size is process-wide: set it only around this thread's start
            try:
                previous = threading.stack_size(STACK_SIZE)
            except (ValueError, RuntimeError):  # pragma: no cover - platform refuses the size
                previous = None
            try:
                thread = threading.Thread(target=target, name="py-standards-lint-deep", daemon=True)
                thread.start()
            except RuntimeError:  # pragma: no cover - no memory for the stack: do it here
                thread = None
            finally:
                if previous is not None:
                    threading.stack_size(previous)
        if thread is None:  # pragma: no cover
            return fn(*args, **kwargs)
        thread.join()
    finally:
        _leave()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


@contextlib.contextmanager
def usual_recursion_limit() -> Iterator[None]:
    """Inside a deep call: the interpreter's usual recursion limit while the block runs.

    CPython's parser scales its nesting cap (``RecursionError ... during ast construction``)
    with the recursion limit; engine/lint.py uses that cap to decide which files are too deep to
    give to libcst, and the cap must not move with :data:`RECURSION_LIMIT`.
    """
    with _lock:
        usual = _saved_limit
        if usual is None or not getattr(_local, "deep", False):
            usual = None
        else:
            sys.setrecursionlimit(usual)
    try:
        yield
    finally:
        if usual is not None:
            with _lock:
                if _running > 0:
                    sys.setrecursionlimit(max(RECURSION_LIMIT, usual))


def deep(fn: Callable[..., T]) -> Callable[..., T]:
    """Decorator: the function always runs through :func:`call_deep`."""

    @functools.wraps(fn)
    def wrapper(*args: object, **kwargs: object) -> T:
        return call_deep(fn, *args, **kwargs)

    return wrapper


__all__ = ["call_deep", "deep", "usual_recursion_limit", "STACK_SIZE", "RECURSION_LIMIT"]
