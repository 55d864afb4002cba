"""Run py-standards-lint over real FastAPI projects on disk, read samples of its findings, and diff two runs.

Run by hand (CI has no network and no checkouts). The projects are snapshots of open-source FastAPI services,
extracted outside any git worktree, listed in a small JSON manifest::

    {"projects": [
        {"name": "polar", "checkout": "polar", "root": "server",
         "repo": "polarsource/polar", "commit": "c6c3645e...", "style": "structlog, NewType sessions"}
    ]}

``checkout`` is relative to the manifest's folder, ``root`` (default ``.``) is the python package root inside it
(the folder holding ``pyproject.toml``): the linter runs there, on ``.``, with default settings as a new user would.

Usage (from the repository root; standard library only)::

    # 1. run the linter (this checkout's venv by default) over every project, store the results
    uv run python benchmarks/realworld.py run --manifest /work/realworld/manifest.json --out /work/realworld/out-a
    #    another linter build: --linter "/path/to/other/.venv/bin/py-standards-lint" (any command line)
    #    a subset: --projects mealie,polar ; parallelism: --jobs 2 (default)

    # 2. findings per code per project, then N seeded random samples per code with source context
    python benchmarks/realworld.py report /work/realworld/out-a --samples 8 --seed 1 --context 3
    #    --code PSL105,PSL3 (codes or prefixes) --project polar --samples 0 (table only)
    #    --scale: more samples for frequent codes (N + sqrt(count), up to 3N)

    # 3. what changed between two runs: per-code counts (changed codes; --all for every code), then the findings
    #    removed/added (keyed by code, project, path, line) and those whose message changed
    python benchmarks/realworld.py diff /work/realworld/out-a /work/realworld/out-b [--code PSL1] [--limit 50]

Each run writes ``<out>/<project>.json`` (project, commit, linter command, seconds, exit code, the linter's
stderr summary, module count and the findings as the linter's ``json-lines`` objects) and ``<out>/run.json``.
Source context is read from the project's root recorded in the results, so a report needs the checkouts on disk.
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import os
import random
import shlex
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".mypy_cache", "build", "dist"}


# ---------------------------------------------------------------------------------------------------------- run


def default_linter() -> list[str]:
    """This checkout's own venv (``.venv/bin/py-standards-lint``), else the one next to this interpreter."""
    for candidate in (REPO / ".venv" / "bin" / "py-standards-lint", Path(sys.executable).parent / "py-standards-lint"):
        if candidate.exists():
            return [str(candidate)]
    return [sys.executable, "-m", "py_standards_lint"]


def load_manifest(path: Path) -> list[dict]:
    data = json.loads(path.read_text())
    projects = data["projects"] if isinstance(data, dict) else data
    for project in projects:
        checkout = (path.parent / project["checkout"]).resolve()
        project["root_path"] = str((checkout / project.get("root", ".")).resolve())
    return projects


def count_modules(root: Path) -> int:
    total = 0
    for _dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS and not d.startswith(".")]
        total += sum(1 for name in filenames if name.endswith(".py"))
    return total


def run_project(project: dict, linter: list[str], jobs: int, extra: list[str]) -> dict:
    root = Path(project["root_path"])
    cmd = [*linter, "check", "--no-cache", "--output-format", "json-lines", "--exit-zero", "--jobs", str(jobs)]
    cmd += [*extra, "."]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    findings = [json.loads(line) for line in proc.stdout.splitlines() if line.strip().startswith("{")]
    findings.sort(key=lambda f: (f["path"], f["line"], f["column"], f["code"]))
    return {
        "project": project["name"],
        "repo": project.get("repo"),
        "commit": project.get("commit"),
        "root": str(root),
        "modules": count_modules(root),
        "linter": cmd,
        "seconds": round(seconds, 2),
        "returncode": proc.returncode,
        "stderr": proc.stderr[-4000:],
        "findings": findings,
    }


def cmd_run(args: argparse.Namespace) -> int:
    projects = load_manifest(Path(args.manifest))
    if args.projects:
        wanted = set(args.projects.split(","))
        projects = [p for p in projects if p["name"] in wanted]
    linter = shlex.split(args.linter) if args.linter else default_linter()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    extra = shlex.split(args.extra_args) if args.extra_args else []
    status = 0
    for project in projects:
        result = run_project(project, linter, args.jobs, extra)
        (out / f"{project['name']}.json").write_text(json.dumps(result, indent=1) + "\n")
        note = "" if result["returncode"] == 0 else f"  EXIT {result['returncode']}: {result['stderr'].strip()[-300:]}"
        print(f"{project['name']:32} {result['modules']:5} modules {len(result['findings']):5} findings "
              f"{result['seconds']:7.1f}s{note}", flush=True)
        status |= result["returncode"] != 0
    meta = {"linter": linter, "jobs": args.jobs, "extra_args": extra, "manifest": str(Path(args.manifest).resolve()),
            "projects": [p["name"] for p in projects], "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    (out / "run.json").write_text(json.dumps(meta, indent=1) + "\n")
    return status


# ------------------------------------------------------------------------------------------------------- report


def load_run(folder: Path) -> dict[str, dict]:
    results = {}
    for path in sorted(folder.glob("*.json")):
        if path.name == "run.json":
            continue
        data = json.loads(path.read_text())
        results[data["project"]] = data
    if not results:
        sys.exit(f"no results in {folder}")
    return results


def code_matches(code: str, selectors: list[str]) -> bool:
    return not selectors or any(code.startswith(s) for s in selectors)


def selected(results: dict[str, dict], args: argparse.Namespace) -> dict[str, dict]:
    projects = set(args.project.split(",")) if args.project else None
    return {name: data for name, data in results.items() if projects is None or name in projects}


def counts_table(per_project: dict[str, collections.Counter], title: str = "findings") -> str:
    names = list(per_project)
    codes = sorted(set().union(*per_project.values())) if per_project else []
    short = [n[:12] for n in names]
    widths = [max(6, len(s)) for s in short]
    lines = [f"{title:8} " + " ".join(f"{s:>{w}}" for s, w in zip(short, widths)) + "   total"]
    for code in codes:
        row = [per_project[n].get(code, 0) for n in names]
        lines.append(f"{code:8} " + " ".join(f"{v:>{w}}" for v, w in zip(row, widths)) + f" {sum(row):>7}")
    totals = [sum(per_project[n].values()) for n in names]
    lines.append(f"{'total':8} " + " ".join(f"{v:>{w}}" for v, w in zip(totals, widths)) + f" {sum(totals):>7}")
    return "\n".join(lines)


_SOURCE_CACHE: dict[Path, list[str]] = {}


def source_lines(path: Path) -> list[str]:
    if path not in _SOURCE_CACHE:
        try:
            _SOURCE_CACHE[path] = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            _SOURCE_CACHE[path] = []
    return _SOURCE_CACHE[path]


def context_block(root: str, finding: dict, context: int) -> str:
    lines = source_lines(Path(root) / finding["path"])
    if not lines:
        return "    (source not found)"
    first = max(1, finding["line"] - context)
    last = min(len(lines), max(finding["line"], finding.get("end_line") or finding["line"]) + context)
    last = min(last, finding["line"] + context + 6)  # long spans: cap the tail
    out = []
    for number in range(first, last + 1):
        mark = ">" if number == finding["line"] else " "
        out.append(f"  {mark}{number:5} | {lines[number - 1]}")
    return "\n".join(out)


def cmd_report(args: argparse.Namespace) -> int:
    results = selected(load_run(Path(args.folder)), args)
    codes = [c.strip() for c in args.code.split(",")] if args.code else []
    per_project = {
        name: collections.Counter(f["code"] for f in data["findings"] if code_matches(f["code"], codes))
        for name, data in results.items()
    }
    print("projects:")
    for name, data in results.items():
        print(f"  {name:32} {data['modules']:5} modules  {data['seconds']:6.1f}s  commit {str(data['commit'])[:12]}  "
              f"root {data['root']}")
    print()
    print(counts_table(per_project))
    if args.samples <= 0:
        return 0
    by_code: dict[str, list[tuple[str, dict]]] = collections.defaultdict(list)
    for name, data in results.items():
        for finding in data["findings"]:
            if code_matches(finding["code"], codes):
                by_code[finding["code"]].append((name, finding))
    for code in sorted(by_code):
        items = by_code[code]
        n = args.samples
        if args.scale:
            n = min(3 * args.samples, args.samples + int(math.sqrt(len(items))))
        rng = random.Random(f"{args.seed}:{code}")
        picked = sorted(rng.sample(items, min(n, len(items))), key=lambda it: (it[0], it[1]["path"], it[1]["line"]))
        print(f"\n{'=' * 100}\n{code} {items[0][1].get('name', '')}: {len(items)} findings, {len(picked)} sampled")
        for index, (name, finding) in enumerate(picked, 1):
            print(f"\n[{code} #{index}] {name}:{finding['path']}:{finding['line']}:{finding['column']}  "
                  f"{finding['message']}")
            print(context_block(results[name]["root"], finding, args.context))
    return 0


# --------------------------------------------------------------------------------------------------------- diff


def key(project: str, finding: dict) -> tuple[str, str, str, int]:
    """Identity of a finding across runs: (code, project, path, line); messages may change."""
    return (finding["code"], project, finding["path"], finding["line"])


def cmd_diff(args: argparse.Namespace) -> int:
    a, b = selected(load_run(Path(args.a)), args), selected(load_run(Path(args.b)), args)
    codes = [c.strip() for c in args.code.split(",")] if args.code else []
    names = [n for n in a if n in b] + [n for n in b if n not in a]
    print(f"A = {args.a}\nB = {args.b}")
    for only, label in ((set(a) - set(b), "A"), (set(b) - set(a), "B")):
        if only:
            print(f"only in {label}: {', '.join(sorted(only))}")

    def counter(run: dict[str, dict], name: str) -> collections.Counter:
        data = run.get(name)
        return collections.Counter(
            f["code"] for f in (data["findings"] if data else []) if code_matches(f["code"], codes)
        )

    counts_a = {n: counter(a, n) for n in names}
    counts_b = {n: counter(b, n) for n in names}
    all_codes = sorted({c for n in names for c in (*counts_a[n], *counts_b[n])})
    print(f"\n{'code':8} " + " ".join(f"{n[:12]:>13}" for n in names) + f" {'total':>13}")
    shown = 0
    for code in all_codes + ["total"]:
        cells, ta, tb = [], 0, 0
        for n in names:
            ca = sum(counts_a[n].values()) if code == "total" else counts_a[n][code]
            cb = sum(counts_b[n].values()) if code == "total" else counts_b[n][code]
            ta, tb = ta + ca, tb + cb
            cells.append(f"{ca}→{cb}" if ca != cb else f"{ca}")
        if ta == tb and all("→" not in c for c in cells) and not args.all and code != "total":
            continue
        shown += 1
        print(f"{code:8} " + " ".join(f"{c:>13}" for c in cells) + f" {(f'{ta}→{tb}' if ta != tb else str(ta)):>13}")
    if shown == 1 and not args.all:
        print("(no per-code change; --all shows every code)")

    def keyed(run: dict[str, dict]) -> tuple[collections.Counter, dict[tuple, dict]]:
        multiset: collections.Counter = collections.Counter()
        first: dict[tuple, dict] = {}
        for n in names:
            for f in run[n]["findings"] if n in run else ():
                if code_matches(f["code"], codes):
                    k = key(n, f)
                    multiset[k] += 1
                    first.setdefault(k, f)
        return multiset, first

    (ma, fa), (mb, fb) = keyed(a), keyed(b)
    removed = sorted((ma - mb).elements())
    added = sorted((mb - ma).elements())
    changed = sorted(k for k in set(fa) & set(fb) if fa[k]["message"] != fb[k]["message"])
    for title, keys, source in (("removed (in A, not in B)", removed, fa), ("added (in B, not in A)", added, fb),
                                ("message changed", changed, fb)):
        print(f"\n{title}: {len(keys)}")
        for k in keys[: args.limit] if args.limit else keys:
            code, project, path, line = k
            print(f"  {code} {project}:{path}:{line}  {source[k]['message'][:140]}")
            if title == "message changed":
                print(f"  {'':6} was: {fa[k]['message'][:140]}")
        if args.limit and len(keys) > args.limit:
            print(f"  ... {len(keys) - args.limit} more (--limit 0 for all)")
    return 0


# --------------------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the linter over every project of the manifest and store the results")
    run.add_argument("--manifest", required=True, help="JSON manifest of the projects")
    run.add_argument("--out", required=True, help="folder for the results (one JSON per project)")
    run.add_argument("--linter", help="linter command line (default: this checkout's .venv/bin/py-standards-lint)")
    run.add_argument("--jobs", type=int, default=2, help="--jobs passed to the linter (default 2)")
    run.add_argument("--projects", help="comma-separated subset of project names")
    run.add_argument("--extra-args", help="more arguments for `check`, e.g. \"--select PSL1\"")
    run.set_defaults(func=cmd_run)

    report = sub.add_parser("report", help="findings per code per project, and seeded samples with context")
    report.add_argument("folder")
    report.add_argument("--samples", type=int, default=5, help="samples per code (0: the table only)")
    report.add_argument("--scale", action="store_true", help="more samples for frequent codes (N+sqrt(count), ≤3N)")
    report.add_argument("--seed", default="0")
    report.add_argument("--context", type=int, default=3, help="source lines shown around each finding")
    report.add_argument("--code", help="comma-separated codes or prefixes")
    report.add_argument("--project", help="comma-separated project names")
    report.set_defaults(func=cmd_report)

    diff = sub.add_parser("diff", help="per-code count changes and findings added/removed between two runs")
    diff.add_argument("a")
    diff.add_argument("b")
    diff.add_argument("--code", help="comma-separated codes or prefixes")
    diff.add_argument("--project", help="comma-separated project names")
    diff.add_argument("--limit", type=int, default=0, help="list at most this many per section (0: all)")
    diff.add_argument("--all", action="store_true", help="show every code in the count table, changed or not")
    diff.set_defaults(func=cmd_diff)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
