"""A per-process memo of module summaries (``index.summarize``): the project index and the checked file's
own context summarise the same bytes once. In-process only; the result cache (``engine/cache.py``) never
stores summaries."""

from __future__ import annotations

import functools
from typing import Any, Callable

from py_standards_lint.base.digest import content_digest

_SUMMARIES: dict[tuple[str, bool, bytes], tuple[str, Any]] = {}
_SUMMARY_MEMO_SIZE = 8192
_SETTINGS_FPS: dict[int, tuple[Any, str]] = {}


def _settings_fp(settings: Any) -> str:
    if settings is None:
        return ""
    found = _SETTINGS_FPS.get(id(settings))
    if found is None or found[0] is not settings:
        found = _SETTINGS_FPS[id(settings)] = (settings, settings.fingerprint())
    return found[1]


def memoized_summaries(summarize: Callable[..., Any]) -> Callable[..., Any]:
    """``index.summarize`` at most once per (source, path, settings) in a process.

    The project index and the checked file's own context (``ctx.summary``) summarise the same bytes, and a
    summary is a pure function of them, so the second is the first one's object.
    """

    @functools.wraps(summarize)
    def memoized(source: bytes | str, relpath: str, settings: Any = None, tree: Any = None) -> Any:
        raw = source.encode("utf-8", "surrogatepass") if isinstance(source, str) else source
        key = (relpath, isinstance(source, str), content_digest(raw))
        fingerprint = _settings_fp(settings)
        hit = _SUMMARIES.get(key)
        if hit is not None and hit[0] == fingerprint:
            return hit[1]
        summary = summarize(source, relpath, settings, tree)
        if len(_SUMMARIES) >= _SUMMARY_MEMO_SIZE:
            _SUMMARIES.clear()
        _SUMMARIES[key] = (fingerprint, summary)
        return summary

    return memoized
