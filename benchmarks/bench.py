"""Benchmark py-standards-lint against the libcst parse floor and its peers.

    uv run python benchmarks/bench.py                      # every corpus, 3 alternating rounds, medians
    uv run python benchmarks/bench.py --corpus fastapi --repeat 5 --no-peers

Corpora (copied or generated under ``benchmarks/.work/``, ignored by git): this interpreter's standard library
(``stdlib``), the project venv's installed packages (``site-packages``) and a generated FastAPI-shaped project of
500+ modules (``fastapi``). Each variant runs as its own process (whole process: start-up included), in
alternating rounds; the table shows the median seconds, lines/s, the peak RSS of the largest process and each
figure as a ratio to (b), reading + ``libcst.parse_module`` of every file: the floor of any libcst linter.

    (a) read + ast.parse            (b) read + libcst.parse_module      (c) check, 1 job, --no-cache
    (d) check, all cores, no cache  (e) check, warm cache               (f) flake8 --select PSL, 1 job
    (g) flake8 + flake8-logging, flake8-logging-format, flake8-bugbear (1 job)
    (h) ruff --select G,LOG,B904,TRY400,FAST    (i) Fixit, built-in rules

(g)-(i) run from a separate environment the script creates (``benchmarks/.venv``, with ``uv``); they are never
dependencies of the project. ``--no-peers`` skips them. Every tool's code is byte-compiled first, as an installed
tool's is (``--no-compile`` skips it; see ``compile_bytecode``).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from corpus import copy_tree, generate_fastapi_project, python_files, site_packages_dir, stdlib_dir  # noqa: E402

WORK = HERE / ".work"
PEERS_VENV = HERE / ".venv"
# flake8-logging-format still imports pkg_resources, gone from setuptools 81
PEER_PACKAGES = ("flake8", "flake8-logging", "flake8-logging-format", "flake8-bugbear", "ruff", "fixit", "setuptools<81")
BIN = Path(sys.executable).parent

PARSE_SCRIPT = """
import sys, warnings
warnings.simplefilter("ignore")
kind = sys.argv[1]
paths = open(sys.argv[2]).read().splitlines()
if kind == "ast":
    import ast
    for p in paths:
        with open(p, "rb") as fh:
            data = fh.read()
        try:
            ast.parse(data)
        except (SyntaxError, ValueError):
            pass
else:
    import libcst
    for p in paths:
        with open(p, "rb") as fh:
            data = fh.read()
        try:
            libcst.parse_module(data)
        except Exception:
            pass
"""


@dataclass
class Variant:
    key: str
    label: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    #: accepted exit codes (linters exit 1 on findings)
    ok: tuple[int, ...] = (0, 1)
    times: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)
    failed: str = ""


def measure(argv: list[str], cwd: Path, env: dict[str, str], timeout: float) -> tuple[float, int, int, str]:
    """Seconds, peak RSS (KiB, largest process of the tree) and exit code of one run."""
    full_env = {**os.environ, **env}
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            return float("inf"), 0, -9, "timeout"
        time.sleep(0.005)
    elapsed = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss, proc.returncode, err[-4000:]


def ensure_peers(log) -> Path | None:
    """The peers' venv (created on first use with uv); None when it cannot be made."""
    python = PEERS_VENV / "bin" / "python"
    if not (PEERS_VENV / ".complete").exists():
        uv = shutil.which("uv")
        if uv is None:
            log("peers: uv not found; skipping (g)-(i)")
            return None
        log(f"peers: creating {PEERS_VENV} with {', '.join(PEER_PACKAGES)}")
        try:
            subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(PEERS_VENV)], check=True)
            subprocess.run([uv, "pip", "install", "--quiet", "--python", str(python), *PEER_PACKAGES], check=True)
        except subprocess.CalledProcessError as exc:
            log(f"peers: could not install ({exc}); skipping (g)-(i)")
            return None
        (PEERS_VENV / ".complete").write_text("ok")
    return PEERS_VENV / "bin"


def compile_bytecode(peers: Path | None, log) -> str:
    """Byte-compile every tool's code (the project venv, ``src/``, the peers' venv) before measuring.

    An installed tool has bytecode caches (pip writes them at install, Python on first import). With
    ``PYTHONDONTWRITEBYTECODE`` set, as on the machines this ran on, nothing is ever cached, and every run of
    every tool would recompile every module it imports (a third of a second for libcst, typer and pydantic):
    start-up cost that no installed tool pays and that swamps the short runs, (e) above all.
    """
    folders = [p for p in (site_packages_dir(REPO / ".venv"), REPO / "src") if p is not None]
    if peers is not None:
        folders.append(site_packages_dir(PEERS_VENV))
    folders = [f for f in folders if f is not None and f.exists()]
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0", *map(str, folders)], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    log(f"bytecode: compiled {', '.join(str(f) for f in folders)}")
    return "bytecode caches written before measuring (compileall)"


def variants(file_list: Path, jobs: int, cache_dir: Path, peers: Path | None) -> list[Variant]:
    py = sys.executable
    lint = str(BIN / "py-standards-lint")
    out = [
        Variant("a", "read + ast.parse", [py, "-c", PARSE_SCRIPT, "ast", str(file_list)], ok=(0,)),
        Variant("b", "read + libcst.parse_module (floor)", [py, "-c", PARSE_SCRIPT, "libcst", str(file_list)], ok=(0,)),
        Variant("c", "py-standards-lint check, 1 job, no cache", [lint, "check", "--no-cache", "--jobs", "1", "."]),
        Variant("d", f"py-standards-lint check, {jobs} jobs, no cache", [lint, "check", "--no-cache", "--jobs", str(jobs), "."]),
        Variant(
            "e", "py-standards-lint check, warm cache", [lint, "check", "--jobs", str(jobs), "."],
            env={"PY_STANDARDS_LINT_CACHE_DIR": str(cache_dir)},
        ),
        Variant("f", "flake8 --select PSL, 1 job", [str(BIN / "flake8"), "--select", "PSL", "--jobs", "1", "."]),
    ]
    if peers is not None:
        out += [
            Variant(
                "g", "flake8 (defaults) + logging, logging-format, bugbear, 1 job",
                [str(peers / "flake8"), "--extend-select", "LOG,G,B", "--enable-extensions", "G", "--jobs", "1", "."],
            ),
            Variant(
                "h", "ruff --select G,LOG,B904,TRY400,FAST",
                [str(peers / "ruff"), "check", "--isolated", "--no-cache", "--preview", "--select", "G,LOG,B904,TRY400,FAST", "--exit-zero", "."],
            ),
            Variant("i", "Fixit, built-in rules", [str(peers / "fixit"), "lint", "."]),
        ]
    return out


def corpus_root(name: str, work: Path, modules: int) -> Path:
    if name == "stdlib":
        return copy_tree(stdlib_dir(), work / "stdlib")
    if name == "site-packages":
        source = site_packages_dir(REPO / ".venv")
        if source is None:
            raise SystemExit("no project venv (.venv): run `uv sync` first")
        return copy_tree(source, work / "site-packages")
    if name == "fastapi":
        return generate_fastapi_project(work / "fastapi", modules=modules)
    if name.startswith("dir:"):  # a real project on disk (e.g. one of benchmarks/realworld.py's checkouts)
        source = Path(name[4:]).expanduser()
        if not source.is_dir():
            raise SystemExit(f"no such folder: {source}")
        return copy_tree(source, work / f"dir-{source.name}")
    raise SystemExit(f"unknown corpus {name!r}")


def fmt_row(cols: list[str], widths: list[int]) -> str:
    return "| " + " | ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cols, widths))) + " |"


def run_corpus(name: str, args: argparse.Namespace, peers: Path | None, log) -> list[str]:
    root = corpus_root(name, WORK, args.modules)
    files = python_files(root)
    if args.limit:
        files = files[: args.limit]
    lines = 0
    for path in files:
        with open(path, "rb") as fh:
            lines += fh.read().count(b"\n")
    tmp = Path(tempfile.mkdtemp(prefix="psl-bench-"))
    try:
        file_list = tmp / "files.txt"
        file_list.write_text("\n".join(str(p) for p in files))
        cache_dir = tmp / "cache"
        todo = variants(file_list, args.jobs, cache_dir, peers)
        todo = [v for v in todo if v.key in args.variants]
        # the tools walk the corpus themselves; with --limit they get a folder of just those files
        cwd = root
        if args.limit:
            cwd = tmp / "corpus"
            for path in files:
                dest = cwd / path.relative_to(root)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, dest)
            if (root / "pyproject.toml").exists():
                shutil.copyfile(root / "pyproject.toml", cwd / "pyproject.toml")
        log(f"[{name}] {len(files)} files, {lines} lines, in {cwd}")
        warm = next((v for v in todo if v.key == "e"), None)
        if warm is not None:  # fill the cache once: (e) measures warm runs only
            measure(warm.argv, cwd, warm.env, args.timeout)
        for round_ in range(args.repeat):
            for variant in todo:
                if variant.failed:
                    continue
                repeat = args.slow_repeat if variant.key in args.slow else args.repeat
                if round_ >= repeat:
                    continue
                if variant.key == "e":  # re-warm, unmeasured: the cache is keyed by the tool's own code, which a
                    measure(variant.argv, cwd, variant.env, args.timeout)  # working tree under edit changes
                seconds, rss, code, err = measure(variant.argv, cwd, variant.env, args.timeout)
                if code not in variant.ok or "Traceback (most recent call last)" in err:
                    variant.failed = f"exit {code}: {err.strip().splitlines()[-1] if err.strip() else ''}"
                    log(f"[{name}] ({variant.key}) failed: {variant.failed}")
                    continue
                variant.times.append(seconds)
                variant.rss.append(rss)
                log(f"[{name}] round {round_ + 1} ({variant.key}) {seconds:.2f}s {rss // 1024} MiB")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    floor = next((v for v in todo if v.key == "b" and v.times), None)
    base_t = statistics.median(floor.times) if floor else None
    base_m = max(floor.rss) if floor else None
    header = ["", "variant", "runs", "seconds", "lines/s", "peak MiB", "time vs (b)", "memory vs (b)"]
    rows = []
    for v in todo:
        if not v.times:
            rows.append([f"({v.key})", v.label, "0", "-", "-", "-", v.failed or "not run", "-"])
            continue
        t = statistics.median(v.times)
        m = max(v.rss)
        rows.append([
            f"({v.key})", v.label, str(len(v.times)), f"{t:.2f}", f"{lines / t:,.0f}", f"{m / 1024:.0f}",
            f"{t / base_t:.2f}x" if base_t else "-", f"{m / base_m:.2f}x" if base_m else "-",
        ])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    out = [f"### {name}: {len(files)} files, {lines:,} lines", "", fmt_row(header, widths), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [fmt_row(r, widths) for r in rows]
    out += ["", *targets(name, {v.key: v for v in todo}), ""]
    return out


def targets(name: str, by_key: dict[str, Variant]) -> list[str]:
    def t(key: str) -> float | None:
        v = by_key.get(key)
        return statistics.median(v.times) if v and v.times else None

    def m(key: str) -> float | None:
        v = by_key.get(key)
        return max(v.rss) if v and v.rss else None

    checks = []
    b, c, d, e, g, i = t("b"), t("c"), t("d"), t("e"), t("g"), t("i")
    limit = 1.0 if name == "stdlib" else 1.5
    if b and c:
        checks.append((f"(c) <= {limit:.1f}x (b)", c / b <= limit, f"{c / b:.2f}x"))
    if c and g:
        checks.append(("(g) / (c) >= 1.6", g / c >= 1.6, f"{g / c:.2f}"))
    if c and d:
        checks.append(("(c) / (d) >= 1.7", c / d >= 1.7, f"{c / d:.2f}"))
    if c and e:
        checks.append(("(e) <= 0.1x (c)", e / c <= 0.1, f"{e / c:.3f}x"))
    if c and i:
        checks.append(("(i) / (c) >= 7", i / c >= 7, f"{i / c:.2f}"))
    if m("b") and m("c"):
        checks.append(("peak memory (c) <= 2x (b)", m("c") / m("b") <= 2, f"{m('c') / m('b'):.2f}x"))
    return [f"- {label}: {value} {'met' if ok else 'MISSED'}" for label, ok, value in checks]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = int(next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")).split()[1]) // 1024 // 1024
    except (OSError, StopIteration, ValueError):
        mem = 0
    from importlib.metadata import version

    import libcst  # noqa: F401

    return (
        f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores, {mem} GiB; "
        f"Python {platform.python_version()}, libcst {version('libcst')}, py-standards-lint {version('py-standards-lint')}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default="stdlib,site-packages,fastapi", help="comma-separated: stdlib, site-packages, fastapi, dir:PATH (a project on disk)")
    parser.add_argument("--repeat", type=int, default=3, help="alternating rounds (medians are reported)")
    parser.add_argument("--slow", default="i", help="variants run only --slow-repeat times (default: Fixit)")
    parser.add_argument("--slow-repeat", type=int, default=1)
    parser.add_argument("--variants", default="abcdefghi", help="which of (a)-(i) to run")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="jobs for (d) and (e)")
    parser.add_argument("--modules", type=int, default=520, help="modules of the generated FastAPI project")
    parser.add_argument("--limit", type=int, default=0, help="only the first N files of each corpus (quick runs)")
    parser.add_argument("--no-peers", action="store_true", help="skip (g)-(i) (no benchmark venv)")
    parser.add_argument("--no-compile", action="store_true", help="do not byte-compile the tools first (see compile_bytecode)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds before one measurement is abandoned")
    parser.add_argument("--output", type=Path, help="also write the tables (markdown) to this file")
    args = parser.parse_args(argv)
    args.slow = set(args.slow)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    WORK.mkdir(parents=True, exist_ok=True)
    peers = None if args.no_peers or not set("ghi") & set(args.variants) else ensure_peers(log)
    bytecode = "no bytecode compiled first (--no-compile)" if args.no_compile else compile_bytecode(peers, log)
    report = [
        f"Machine: {machine()}",
        f"Rounds: {args.repeat} (slow variants {''.join(sorted(args.slow))}: {args.slow_repeat}); jobs for (d)/(e): {args.jobs}; {bytecode}",
        "",
    ]
    for name in [c.strip() for c in args.corpus.split(",") if c.strip()]:
        report += run_corpus(name, args, peers, log)
        if args.output:  # after each corpus, so a long run leaves its finished tables behind
            args.output.write_text("\n".join(report) + "\n")
    print("\n".join(report), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
