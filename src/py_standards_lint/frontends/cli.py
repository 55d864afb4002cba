"""The ``py-standards-lint`` command line (typer).

Exit codes: 0 clean, 1 findings, 2 usage, config or internal error.
"""

from __future__ import annotations

import gc
import sys
import textwrap
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from py_standards_lint import __version__
from py_standards_lint.analysis.rule import Rule
from py_standards_lint.base.finding import FileResult
from py_standards_lint.base.settings import ConfigError
from py_standards_lint.engine.lint import Run, RunOptions
from py_standards_lint.engine.parallel import default_jobs
from py_standards_lint.frontends.add_noqa import add_noqa_to_files
from py_standards_lint.frontends.reporters import STATISTICS_FORMATS, write_report
from py_standards_lint.frontends.show_layers import show as show_layer_counts
from py_standards_lint.frontends.show_settings import show as show_resolved_settings
from py_standards_lint.frontends.writer import fixable_summary, run_fix_command
from py_standards_lint.rules import ALL_RULES, FAMILIES, lookup

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Enforce the team's Python standards for FastAPI services.",
    context_settings={"help_option_names": ["-h", "--help"]},
)


class OutputFormat(str, Enum):
    text = "text"
    json = "json"
    json_lines = "json-lines"
    github = "github"
    sarif = "sarif"
    grouped = "grouped"


def _err(message: str) -> None:
    typer.echo(message, err=True)


def _split(values: Optional[List[str]]) -> tuple[str, ...] | None:
    if values is None:
        return None
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def _version(value: bool) -> None:
    if value:
        typer.echo(f"py-standards-lint {__version__}")
        raise typer.Exit(0)


@app.callback()
def main_callback(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """Enforce the team's Python standards for FastAPI services."""


def _fewer_collections() -> None:
    """A run allocates millions of short-lived syntax-tree objects, which reference counting frees (libcst's
    trees have no cycles). At CPython's default thresholds the collector runs every 700 allocations and,
    whenever the older generations fill, rescans everything the run keeps (the project index, the settings,
    the rule models): over half of a one-job run's time on the standard library (benchmarks/README.md). The
    command owns its process, so it raises the thresholds once; cyclic garbage is still collected."""
    gc.set_threshold(100_000, 50, 100)


@app.command()
def check(
    paths: List[str] = typer.Argument(None, help="Files and folders to check; `-` reads standard input."),
    select: Optional[List[str]] = typer.Option(None, "--select", help="Codes, prefixes or names to enable (replaces config)."),
    extend_select: Optional[List[str]] = typer.Option(None, "--extend-select", help="Codes to enable on top of `select`."),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", help="Codes, prefixes or names to disable."),
    output_format: OutputFormat = typer.Option(OutputFormat.text, "--output-format", help="How to print findings."),
    output_file: Optional[Path] = typer.Option(None, "--output-file", "-o", help="Write the report to this file instead of stdout."),
    exit_zero: bool = typer.Option(False, "--exit-zero", help="Exit 0 even when there are findings (errors still exit 2)."),
    statistics: bool = typer.Option(False, "--statistics", help="Print the number of findings per code instead of the findings."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the report: no summary or warnings on stderr."),
    add_noqa: bool = typer.Option(False, "--add-noqa", help="Append `# noqa: CODE` to every finding's line (baseline legacy code)."),
    show_settings: bool = typer.Option(False, "--show-settings", help="Print the resolved settings for the first path and exit."),
    show_layers: bool = typer.Option(
        False, "--show-layers", help="Print how many files fall in each layer (with examples) and the framework files in no layer, and exit."
    ),
    stdin_filename: Optional[str] = typer.Option(None, "--stdin-filename", help="Path of the code read from stdin (decides layer and config)."),
    config: Optional[Path] = typer.Option(None, "--config", help="Use this pyproject.toml."),
    isolated: bool = typer.Option(False, "--isolated", help="Ignore all configuration files."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, help="Worker processes (default: all cores)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Neither read nor write the result cache (in the user cache folder)."),
    fix: bool = typer.Option(False, "--fix", help="Apply the safe fixes (written atomically), then report what remains."),
    unsafe_fixes: bool = typer.Option(False, "--unsafe-fixes", help="With --fix or --diff: apply the unsafe fixes too."),
    diff: bool = typer.Option(False, "--diff", help="Print a unified diff of what --fix would change; write nothing; exit 1 if there is a diff."),
) -> None:
    """Check files and folders (default: the current folder)."""
    _fewer_collections()
    options = RunOptions(
        select=_split(select), extend_select=_split(extend_select), ignore=_split(ignore),
        config_file=config, isolated=isolated, jobs=jobs or default_jobs(), cache=not no_cache,
    )
    warnings: list[str] = []
    run = Run(ALL_RULES, options, warn=warnings.append)
    targets = paths or ["."]
    if show_settings:
        raise typer.Exit(show_resolved_settings(run, Path(stdin_filename if targets[0] == "-" and stdin_filename else targets[0]), _err))
    if show_layers:
        if "-" in targets:
            _err("error: --show-layers reads files and folders, not standard input")
            raise typer.Exit(2)
        raise typer.Exit(show_layer_counts(run, [Path(p) for p in targets], _err))
    if add_noqa and "-" in targets:
        _err("error: --add-noqa cannot rewrite standard input")
        raise typer.Exit(2)
    if add_noqa and (fix or diff):
        _err("error: --add-noqa cannot be combined with --fix or --diff (fix first, then baseline what remains)")
        raise typer.Exit(2)
    if statistics and output_format.value not in STATISTICS_FORMATS:
        _err(f"error: --statistics cannot be combined with --output-format {output_format.value}")
        raise typer.Exit(2)
    if fix or diff:
        def report(remaining: list) -> None:
            write_report(remaining, output_format.value, output_file, show_statistics=statistics)

        try:
            code = run_fix_command(
                run, targets, stdin_filename=stdin_filename, unsafe=unsafe_fixes, diff=diff,
                report=report, err=_err, quiet=quiet, exit_zero=exit_zero,
            )
        except ConfigError as exc:
            _err(f"error: {exc}")
            raise typer.Exit(2) from None
        except OSError as exc:
            _err(f"error: {exc}")
            raise typer.Exit(2) from None
        for message in warnings:
            if not quiet:
                _err(f"warning: {message}")
        raise typer.Exit(code)
    results: list[FileResult] = []
    try:
        if "-" in targets:
            data = sys.stdin.buffer.read()
            name = stdin_filename or "stdin.py"
            result = run.lint_file(Path(name), data=data, display=name if stdin_filename else "-")
            if result is not None:
                results.append(result)
        file_targets = [Path(p) for p in targets if p != "-"]
        if file_targets:
            results.extend(run.lint_paths(file_targets))
    except ConfigError as exc:
        _err(f"error: {exc}")
        raise typer.Exit(2) from None
    for message in warnings:
        if not quiet:
            _err(f"warning: {message}")
    findings = sorted(f for r in results for f in r.findings)
    if add_noqa:
        added, noqa_errors = add_noqa_to_files(results)
        for message in noqa_errors:
            _err(f"error: {message}")
        if not quiet:
            _err(f"Added {added} noqa directive{'s' if added != 1 else ''}.")
        raise typer.Exit(2 if noqa_errors or any(r.errors or r.read_error for r in results) else 0)
    try:
        write_report(findings, output_format.value, output_file, show_statistics=statistics)
    except OSError as exc:
        _err(f"error: cannot write {output_file}: {exc.strerror or exc}")
        raise typer.Exit(2) from None
    errors = [e for r in results for e in r.errors]
    unreadable = [r.read_error for r in results if r.read_error]
    for error in errors:
        _err(f"error: {error}")
    for message in unreadable:
        _err(f"error: {message}")
    files = len(results)
    if not quiet:
        _err(f"{len(findings)} finding{'s' if len(findings) != 1 else ''} in {files} file{'s' if files != 1 else ''} checked.")
        if fixable := fixable_summary(findings, unsafe_fixes):
            _err(fixable)
    if errors or unreadable:
        raise typer.Exit(2)
    raise typer.Exit(1 if findings and not exit_zero else 0)


@app.command()
def rules() -> None:
    """List every rule: code, name, family and fix."""
    for rule in ALL_RULES:
        family = FAMILIES.get(rule.family(), rule.family())
        typer.echo(f"{rule.code}  {rule.name:<40} {family:<26} fix: {rule.fix_safety}")


@app.command()
def explain(rule: str = typer.Argument(..., help="A rule code (PSL101) or name (http-exception-in-service).")) -> None:
    """Explain a rule: why it exists, a failing example and the corrected one."""
    found = lookup(rule)
    if found is None:
        _err(f"error: unknown rule {rule!r} (see `py-standards-lint rules`)")
        raise typer.Exit(2)
    typer.echo(render_rule_doc(found))


def render_rule_doc(rule: type[Rule]) -> str:
    parts = [f"{rule.code} {rule.name}", "", rule.message, "", "Why", textwrap.fill(rule.why, 88)]
    if rule.example:
        parts += ["", "Example (flagged)", textwrap.indent(rule.example.rstrip(), "    ")]
    if rule.use_instead:
        parts += ["", "Use instead", textwrap.indent(rule.use_instead.rstrip(), "    ")]
    scope = "all layers" if rule.layers is None else ", ".join(sorted(rule.layers))
    if rule.skip_layers:
        scope += " except " + ", ".join(sorted(rule.skip_layers))
    parts += ["", f"Scope: {scope}", f"Fix: {rule.fix_safety}"]
    if rule.fix_notes:
        parts.append(textwrap.fill(rule.fix_notes, 88))
    for opt in rule.options:
        parts.append(f"Option `{opt.key}` (default {opt.default!r}): {opt.help}")
    return "\n".join(parts)


@app.command()
def lsp() -> None:
    """Run the Language Server over stdio (for editors: diagnostics and code actions)."""
    from py_standards_lint.frontends.lsp import serve  # deferred: pygls and lsprotocol load only for `lsp`

    serve()


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
