"""Profile one in-process, one-job, no-cache run of the linter over a folder (pyinstrument, a dev dependency).

    uv run python benchmarks/profile_engine.py benchmarks/.work/fastapi [--html out.html]

The engine normally lints each file on a large-stack thread (deepstack.py), which a sampling profiler of the main
thread cannot see into; here the main thread is marked as already deep, so everything runs (and is sampled) on it.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pyinstrument import Profiler

from py_standards_lint.base import deepstack
from py_standards_lint.engine.lint import Run, RunOptions
from py_standards_lint.frontends import cli
from py_standards_lint.rules import ALL_RULES


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--html", type=Path)
    args = parser.parse_args()
    os.chdir(args.folder)
    deepstack._local.deep = True
    sys.setrecursionlimit(deepstack.RECURSION_LIMIT)
    cli._fewer_collections()  # as the command does
    profiler = Profiler(interval=0.002)
    profiler.start()
    results = Run(ALL_RULES, RunOptions(jobs=1, cache=False)).lint_paths([Path(".")])
    profiler.stop()
    print(f"{len(results)} files, {sum(len(r.findings) for r in results)} findings", file=sys.stderr)
    if args.html:
        args.html.write_text(profiler.output_html())
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
