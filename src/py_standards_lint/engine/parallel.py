"""``--jobs N``: lint files in a pool of worker processes.

The parent discovers the files, reads them, answers what it can from the cache and builds the project index
(when a file that needs it is left); only the remaining files go to the workers, as ``(settings, relpath,
display path, bytes)`` tasks, so a worker never reads a file that changed since the parent hashed it. On
platforms that fork, the workers inherit the settings and the built indexes; elsewhere they are pickled once
per worker. Results come back in the order the files were given (``Executor.map`` keeps it), and the CLI
sorts findings anyway, so the output does not depend on the number of jobs.

Results cross the process boundary without libcst nodes (see :func:`cache.portable`): fix edits are dropped,
so applying fixes lints in-process.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Sequence

from py_standards_lint.analysis.index import ProjectIndex
from py_standards_lint.base.deepstack import call_deep
from py_standards_lint.base.finding import FileResult
from py_standards_lint.base.settings import Settings
from py_standards_lint.engine.cache import portable

#: (index into the settings table, relpath, display path, file bytes)
Task = tuple[int, str, str, bytes]

_WORKER: dict[str, Any] = {}


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _init_worker(settings: Sequence[Settings], indexes: dict[Any, ProjectIndex], lint: Callable[..., FileResult]) -> None:
    _WORKER["settings"] = settings
    _WORKER["indexes"] = dict(indexes)
    _WORKER["lint"] = lint


def _index_for(settings: Settings) -> ProjectIndex:
    indexes = _WORKER["indexes"]
    index = indexes.get(settings.root)
    if index is None:
        index = indexes[settings.root] = ProjectIndex.build(settings.root, settings)
    return index


def _lint_task(task: Task) -> FileResult:
    settings_id, relpath, display, data = task
    settings = _WORKER["settings"][settings_id]
    lint_source = _WORKER["lint"]  # engine.lint.lint_source, handed down by the caller (it imports this module)
    result = lint_source(data, display, settings, relpath, index_provider=lambda: _index_for(settings))
    return portable(result)


def _lint_chunk(tasks: Sequence[Task]) -> list[FileResult]:
    """A chunk of files on one large-stack thread (base/deepstack.py), rather than one thread per file."""
    return call_deep(lambda: [_lint_task(task) for task in tasks])


def _context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def lint_in_pool(
    tasks: Sequence[Task],
    settings: Sequence[Settings],
    indexes: dict[Any, ProjectIndex],
    jobs: int,
    fallback: Callable[[Task], FileResult],
    lint: Callable[..., FileResult],
) -> list[FileResult]:
    """Lint ``tasks`` with ``jobs`` worker processes, each file with ``lint`` (``engine.lint.lint_source``,
    a module-level function, so it pickles by name); the results in task order.

    If the pool breaks (a worker killed by the OS), the remaining files are linted in this process by
    ``fallback``, so a run still reports every file.
    """
    workers = max(1, min(jobs, len(tasks)))
    # small chunks balance uneven file sizes; large enough to keep the pipe traffic low
    size = max(1, min(16, len(tasks) // (workers * 8)))
    chunks = [tasks[i : i + size] for i in range(0, len(tasks), size)]
    results: list[FileResult] = []
    try:
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=_context(), initializer=_init_worker, initargs=(settings, indexes, lint)
        ) as pool:
            for chunk in pool.map(_lint_chunk, chunks):
                results.extend(chunk)
    except (BrokenProcessPool, OSError):
        results.extend(fallback(task) for task in tasks[len(results):])
    return results


__all__ = ["default_jobs", "lint_in_pool", "Task"]
