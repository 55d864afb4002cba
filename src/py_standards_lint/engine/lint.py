"""The engine, top to bottom:

discover files -> load settings -> (lazily) build the project index ->
for each file: layer -> prefilter (text, then CPython's tree: analysis/gates.py) -> parse once -> one batched traversal ->
positions (only if something was reported) -> noqa -> report.

The traversal (``fastwalk.walk``) is a plain iterative walk over the libcst tree that dispatches
each node to the ``visit_<Node>``/``leave_<Node>`` methods of the rules enabled
for the file (and to the shared context's stack keepers first). It visits
expression and statement nodes only, in source order, never whitespace or
token nodes, and never rebuilds a node: cheaper than libcst's generic visitor
protocol, and it cannot recurse too deep.
"""

from __future__ import annotations

import ast
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence, cast

import libcst as cst
from libcst.metadata import MetadataWrapper

from py_standards_lint.analysis import index as index_mod
from py_standards_lint.analysis.context import FileContext, Report
from py_standards_lint.analysis.gates import SyntaxFacts
from py_standards_lint.analysis.index import ProjectIndex
from py_standards_lint.analysis.rule import Rule
from py_standards_lint.base import layers as layers_mod
from py_standards_lint.base.deepstack import call_deep, usual_recursion_limit
from py_standards_lint.base.fastwalk import statement_level_names, walk
from py_standards_lint.base.finding import FileResult, Finding, InternalError
from py_standards_lint.base.names import ModuleNames
from py_standards_lint.base.positions import positions_of
from py_standards_lint.base.project import is_excluded, iter_python_files, module_name_for, relative_path
from py_standards_lint.base.safeio import inside, read_regular
from py_standards_lint.base.settings import ConfigError, Settings
from py_standards_lint.engine import noqa
from py_standards_lint.engine.cache import Caches, build_index, file_key, portable
from py_standards_lint.engine.config import settings_for_folder
from py_standards_lint.engine.parallel import lint_in_pool
from py_standards_lint.engine.selection import rules_for_file, validate

SYNTAX_ERROR = "PSL000"
_STATEMENT_LEVEL_NAMES = statement_level_names()

# -- dispatch: fastwalk.walk visits each node once; these tables hand it to the rules --


class _Dispatch:
    """Per-file tables: node type -> the bound visit/leave methods interested in it."""

    def __init__(self, ctx: FileContext, rules: Sequence[Rule], errors: list[InternalError]) -> None:
        self.ctx = ctx
        self.rules = list(rules)
        self.errors = errors
        self.visits: dict[str, list[tuple[object, Callable]]] = {}
        self.leaves: dict[str, list[tuple[object, Callable]]] = {}
        self._build()

    def _build(self) -> None:
        self.visits.clear()
        self.leaves.clear()
        owners: list[object] = [self.ctx, *self.rules]
        for owner in owners:
            for attr in dir(type(owner)):
                if attr.startswith("visit_"):
                    self.visits.setdefault(attr[6:], []).append((owner, getattr(owner, attr)))
                elif attr.startswith("leave_"):
                    self.leaves.setdefault(attr[6:], []).append((owner, getattr(owner, attr)))
        for key, handlers in self.leaves.items():  # the context pops its stacks last
            self.leaves[key] = [h for h in handlers if h[0] is not self.ctx] + [h for h in handlers if h[0] is self.ctx]

    def _fail(self, owner: object, exc: BaseException) -> None:
        name = getattr(owner, "code", "engine") if owner is not self.ctx else "engine"
        if isinstance(exc, ConfigError):  # e.g. a configured pattern that backtracks past its time limit
            self.errors.append(InternalError(self.ctx.path, name, str(exc), kind="configuration error"))
        else:
            self.errors.append(InternalError(self.ctx.path, name, f"{type(exc).__name__}: {exc}"))
        if owner is self.ctx:
            raise exc
        self.rules.remove(owner)  # type: ignore[arg-type]
        self._build()

    def visit(self, node: cst.CSTNode) -> None:
        handlers = self.visits.get(type(node).__name__)
        if handlers:
            for owner, fn in handlers:
                try:
                    fn(node)
                except Exception as exc:  # a rule's bug must not stop the run
                    self._fail(owner, exc)

    def leave(self, node: cst.CSTNode) -> None:
        handlers = self.leaves.get(type(node).__name__)
        if handlers:
            for owner, fn in handlers:
                try:
                    fn(node)
                except Exception as exc:
                    self._fail(owner, exc)


# -- one file ----------------------------------------------------------------------


def decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return data.decode("utf-8", errors="replace")


def lint_source(
    source: bytes | str,
    display_path: str,
    settings: Settings,
    relpath: str,
    *,
    index_provider: Callable[[], object] | None = None,
    rule_types: Sequence[type[Rule]] | None = None,
    apply_noqa: bool = True,
) -> FileResult:
    """Lint one file's source (bytes as read, or text already decoded, as flake8 gives it).

    Never raises for anything the file contains: it runs on a large-stack thread (base/deepstack.py), so
    deeply nested code cannot overflow the stack, and whatever fails after the parse is an internal error.
    """
    return call_deep(
        _lint_source, source, display_path, settings, relpath,
        index_provider=index_provider, rule_types=rule_types, apply_noqa=apply_noqa,
    )


def _lint_source(
    source: bytes | str,
    display_path: str,
    settings: Settings,
    relpath: str,
    *,
    index_provider: Callable[[], object] | None,
    rule_types: Sequence[type[Rule]] | None,
    apply_noqa: bool,
) -> FileResult:
    result = FileResult(display_path)
    data = source if isinstance(source, bytes) else source.encode("utf-8", "surrogatepass")
    layer = layers_mod.layer_for(relpath, settings["layers"])
    candidates = rule_types if rule_types is not None else rules_for_file(settings, relpath)
    # prefilter: rules whose layer or required text rules them out never run
    active = prefilter(candidates, layer, data, settings)
    reports_syntax = any(r.code == SYNTAX_ERROR for r in candidates)
    tree, problem = _cpython_parse(source)  # CPython's parser first: ~10x cheaper than libcst's
    if active:
        active = gate(active, tree, relpath, layer, settings, index_provider, source)
    if tree is not None and any(r.reads_summary for r in active):
        try:
            index_mod.summarize(source, relpath, settings, tree)  # looked up when used (tests wrap it); memoized: ctx.summary, from this tree, not a new parse
        except Exception:
            pass  # ctx.summary tries again, where a failure is reported as an internal error
    del tree
    if not active and (not reports_syntax or problem is None):
        return result  # nothing can fire: not parsed (CPython's parser vouches for the syntax)
    if _too_deep(problem):
        # libcst's parser is quadratic in nesting depth and its native stack is finite: a file nested
        # deeper than CPython itself accepts (which CPython cannot run either) is reported, not parsed
        if reports_syntax:
            assert problem is not None  # _too_deep(None) is False
            line, column = _problem_position(problem)
            result.findings.append(_syntax_finding(display_path, line, column, f"too deeply nested ({_describe(problem)})"))
        return result
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        if reports_syntax:
            line, column = _error_position(source, exc, problem)
            result.findings.append(_syntax_finding(display_path, line, column, exc.message))
        return result
    except (SyntaxError, UnicodeError, ValueError, RecursionError, MemoryError) as exc:
        if reports_syntax:
            line, column = getattr(exc, "lineno", None) or 1, 1
            if isinstance(problem, SyntaxError) and problem.lineno:  # e.g. the line of an undecodable byte
                line, column = problem.lineno, max(problem.offset or 1, 1)
            message = f"{type(exc).__name__}: {exc}"
            result.findings.append(_syntax_finding(display_path, line, column, message))
        return result
    if not active:
        return result
    result.module = module

    try:
        return _check_module(result, module, source, display_path, settings, relpath, layer, candidates, active,
                             index_provider, apply_noqa)
    except Exception as exc:  # building the context, the index or a shared model failed on this file
        result.errors.append(InternalError(display_path, "engine", f"{type(exc).__name__}: {exc}"))
        return result


def _check_module(
    result: FileResult,
    module: cst.Module,
    source: bytes | str,
    display_path: str,
    settings: Settings,
    relpath: str,
    layer: str | None,
    candidates: Sequence[type[Rule]],
    active: Sequence[type[Rule]],
    index_provider: Callable[[], object] | None,
    apply_noqa: bool,
) -> FileResult:
    module_name, is_package = module_name_for(relpath)
    ctx = FileContext(
        path=display_path,
        relpath=relpath,
        module_name=module_name,
        layer=layer,
        settings=settings,
        module=module,
        names=ModuleNames.build(module, module_name, is_package),
        source=source,
    )
    if index_provider is not None and any(r.needs_index for r in active):
        ctx.index = index_provider()  # type: ignore[assignment]
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    providers = {p for r in active for p in r.metadata}
    try:
        if providers:
            ctx.metadata.update(wrapper.resolve_many(providers))
        rules = [r(ctx) for r in active]
        dispatch = _Dispatch(ctx, rules, result.errors)
        wanted = set(dispatch.visits) | set(dispatch.leaves)
        # when every owner wants statement-level nodes only (PSL201 wants `Raise`), expressions are not walked
        walk(module, dispatch.visit, dispatch.leave, frozenset(dispatch.leaves), wanted <= _STATEMENT_LEVEL_NAMES)
    except Exception as exc:  # the engine itself failed on this file
        result.errors.append(InternalError(display_path, "engine", f"{type(exc).__name__}: {exc}"))
        return result
    check_noqa = any(r.code == noqa.UNUSED_NOQA for r in active)  # opt-in PSL001
    if not ctx.reports and not check_noqa:
        return result
    findings: list[Finding] = []
    if ctx.reports:
        try:
            # only the reported nodes and their statements, stopping the codegen after the last of them
            positions = positions_of(module, [n for rep in ctx.reports for n in (rep.node, rep.statement) if n is not None])
        except Exception as exc:
            result.errors.append(InternalError(display_path, "engine", f"positions: {type(exc).__name__}: {exc}"))
            return result
        findings = [f for f in (_to_finding(display_path, rep, positions) for rep in ctx.reports) if f]
    if check_noqa or apply_noqa:
        text = source if isinstance(source, str) else decode(source, module.encoding)
        if check_noqa:
            findings += noqa.unused_directives(findings, text, display_path, candidates, settings.rules)
        if apply_noqa:
            findings = noqa.filter_findings(findings, text)
    result.findings.extend(sorted(set(findings)))
    return result


def prefilter(
    candidates: Sequence[type[Rule]], layer: str | None, data: bytes, settings: Settings | None = None
) -> list[type[Rule]]:
    """The rules that can fire on a file: active in its layer, and with a needle of each of their needle groups
    in its text (each distinct needle searched once per file, however many rules share it)."""
    found: dict[bytes, bool] = {}

    def present(group: tuple[bytes, ...]) -> bool:
        for needle in group:
            hit = found.get(needle)
            if hit is None:
                hit = found[needle] = needle in data
            if hit:
                return True
        return False

    return [
        rule
        for rule in candidates
        if rule.code != SYNTAX_ERROR and rule.active_in(layer, settings) and all(present(g) for g in rule.needle_groups(settings))
    ]


def _cpython_parse(source: bytes | str) -> tuple[ast.Module | None, Exception | None]:
    """CPython's parser on the file: its tree, or ``None`` and the exception it raised."""
    try:
        with warnings.catch_warnings(), usual_recursion_limit():
            warnings.simplefilter("ignore")
            return cast(ast.Module, compile(source, "<checked>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)), None
    except (SyntaxError, ValueError, UnicodeError, RecursionError, MemoryError) as exc:
        return None, exc


def _parse_problem(source: bytes | str) -> Exception | None:
    """What CPython's parser says about the file: ``None`` when it accepts it, else its exception."""
    return _cpython_parse(source)[1]


def gate(
    active: Sequence[type[Rule]],
    tree: ast.Module | None,
    relpath: str = "",
    layer: str | None = None,
    settings: Settings | None = None,
    index_provider: Callable[[], object] | None = None,
    source: bytes | str | None = None,
) -> list[type[Rule]]:
    """The second stage of the prefilter (analysis/gates.py): the rules whose gate passes on CPython's tree (all of
    them when CPython could not parse the file)."""
    if tree is None:
        return list(active)
    module_name, is_package = module_name_for(relpath)

    def summary() -> object:
        return index_mod.summarize(source, relpath, settings, tree) if source is not None else None  # memoized: ctx.summary's

    facts = SyntaxFacts(tree, module_name, is_package, layer, settings, index_provider, summary)
    return [rule for rule in active if _passes(rule, facts)]


def _passes(rule: type[Rule], facts: SyntaxFacts) -> bool:
    """A gate that fails (a bug in it, an index it cannot build) rules nothing out: the rule runs, and any
    real problem shows up there, as an internal error naming the rule."""
    try:
        return bool(rule.gate(facts))
    except Exception:
        return True


_TOO_DEEP_MESSAGES = ("too many nested parentheses", "too many levels of indentation", "too complex", "too deeply nested")


def _too_deep(problem: Exception | None) -> bool:
    """Does CPython refuse the file for its nesting (not for syntax it may not know yet)?"""
    if isinstance(problem, (RecursionError, MemoryError)):
        return True
    return isinstance(problem, SyntaxError) and str(problem.msg).startswith(_TOO_DEEP_MESSAGES)


def _problem_position(problem: Exception) -> tuple[int, int]:
    if isinstance(problem, SyntaxError) and problem.lineno:
        return problem.lineno, max(problem.offset or 1, 1)
    return 1, 1


def _describe(problem: Exception) -> str:
    if isinstance(problem, SyntaxError):
        return str(problem.msg)
    if isinstance(problem, RecursionError):
        return "CPython's parser exceeds its recursion limit"
    return f"{type(problem).__name__}: {problem}".rstrip(": ")


def _error_position(source: bytes | str, exc: cst.ParserSyntaxError, problem: Exception | None = None) -> tuple[int, int]:
    """Where the file is broken: CPython's position when it agrees the file is broken (it is
    more precise), else the one in libcst's message."""
    err = problem if problem is not None else _parse_problem(source)
    if isinstance(err, SyntaxError) and err.lineno:
        return err.lineno, max(err.offset or 1, 1)
    data = source if isinstance(source, bytes) else source.encode("utf-8", "surrogatepass")
    if "'\\0'" in exc.message and b"\0" in data:  # a NUL byte: libcst says only "not a valid character"
        at = data.index(b"\0")
        start = max(data.rfind(b"\n", 0, at), data.rfind(b"\r", 0, at)) + 1
        return data.count(b"\n", 0, at) + 1, len(data[start:at].decode("utf-8", "replace")) + 1
    match = re.search(r"error at (\d+):(\d+)", exc.message)
    if match:
        return int(match.group(1)), int(match.group(2)) + 1
    return exc.raw_line, exc.raw_column + 1


def _syntax_finding(path: str, line: int, column: int, message: str) -> Finding:
    message = " ".join(message.split())
    return Finding(path, line, column, SYNTAX_ERROR, line, column, "syntax-error", f"Cannot parse: {message}")


def _to_finding(path: str, rep: Report, positions: object) -> Finding | None:
    where = positions.get(rep.node)  # type: ignore[attr-defined]
    if where is None:
        return None
    line, column = where.start.line, where.start.column + 1
    end_line, end_column = where.end.line, where.end.column + 1
    if rep.offset is not None:  # a point inside the node (a docstring line)
        line, column = line + rep.offset[0], rep.offset[1]
        end_line, end_column = line, column
    lines = {line}
    if rep.statement is not None:
        span = positions.get(rep.statement)  # type: ignore[attr-defined]
        if span is not None:
            lines.update(range(span.start.line, span.end.line + 1))
    rule = rep.rule
    return Finding(
        path=path,
        line=line,
        column=column,
        code=rule.code,
        end_line=end_line,
        end_column=end_column,
        name=rule.name,
        message=rep.message,
        fix=rep.fix,
        noqa_lines=tuple(sorted(lines)),
    )


# -- a run over many files ------------------------------------------------------------


@dataclass
class RunOptions:
    """What the CLI (or a test) asks of a run, on top of each project's settings."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    config_file: Path | None = None
    isolated: bool = False
    #: worker processes (``--jobs``); 1 lints in this process
    jobs: int = 1
    #: read and write the result cache (see cache.py; the CLI's default, ``--no-cache`` turns it off)
    cache: bool = False

    def apply(self, settings: Settings) -> Settings:
        overrides = {}
        if self.select is not None:
            overrides["select"] = self.select
        if self.extend_select is not None:
            overrides["extend-select"] = self.extend_select
        if self.ignore is not None:
            overrides["ignore"] = tuple(settings["ignore"]) + self.ignore
        return settings.replace(**overrides) if overrides else settings


class Run:
    """One run: settings per folder and the project index per root, each computed once.

    For each file: settings -> exclude -> read -> cache key -> cached result, or lint (in this process, or in
    a pool of ``jobs`` workers for all the files the cache could not answer) -> store in the cache.
    """

    def __init__(
        self,
        rules: Sequence[type[Rule]],
        options: RunOptions | None = None,
        warn: Callable[[str], None] = lambda m: None,
    ) -> None:
        #: the rule catalogue, from the front end (the engine never imports it)
        self.rules = tuple(rules)
        self.options = options or RunOptions()
        self.warn = warn
        self._settings: dict[Path, Settings] = {}
        self._indexes: dict[Path, ProjectIndex] = {}
        self._index_fingerprints: dict[Path, str] = {}
        self._settings_fingerprints: dict[int, str] = {}
        self.caches = Caches(self.options.cache)

    def settings_for(self, path: Path) -> Settings:
        folder = path.parent.resolve()
        settings = self._settings.get(folder)
        if settings is None:
            raw = settings_for_folder(
                str(folder),
                str(self.options.config_file) if self.options.config_file else None,
                self.options.isolated,
                rules=self.rules,
            )
            settings = self.options.apply(raw)
            validate(settings)
            self._settings[folder] = settings
        return settings

    def index_for(self, settings: Settings) -> ProjectIndex:
        index = self._indexes.get(settings.root)
        if index is None:
            cache = self.caches.for_root(settings.root)
            if cache is None:
                index = ProjectIndex.build(settings.root, settings)
            else:  # the index's fingerprint keys the results of rules that read the index
                index, self._index_fingerprints[settings.root] = build_index(settings)
            self._indexes[settings.root] = index
        return index

    def _fingerprint(self, settings: Settings) -> str:
        found = self._settings_fingerprints.get(id(settings))
        if found is None:
            found = self._settings_fingerprints[id(settings)] = settings.fingerprint()
        return found

    def lint_file(self, path: Path, data: bytes | None = None, display: str | None = None) -> FileResult | None:
        """Lint one file (``data`` given for stdin); ``None`` when the file is excluded."""
        result = self._lint_all([self._prepare(path, data, display)])[0]
        self.caches.save()
        return result

    def lint_paths(self, paths: Sequence[Path]) -> list[FileResult]:
        files = iter_python_files(paths, self.warn)
        if self.options.jobs > 1:
            results = self._lint_all([self._prepare(path) for path in files])
        else:  # one file at a time, so only one file's bytes and tree are held; on one large-stack thread
            results = call_deep(lambda: [self._lint_all([self._prepare(path)])[0] for path in files])
        self.caches.save()
        return [r for r in results if r is not None]

    def _prepare(self, path: Path, data: bytes | None = None, display: str | None = None) -> FileResult | _Pending | None:
        """A file's result when the cache (or a read error) already gives it, else what linting it needs."""
        settings = self.settings_for(path)
        relpath = relative_path(path, settings.root)
        if is_excluded(relpath, settings):
            return None
        display = display or str(path)
        if data is None:
            if path.is_symlink() and not inside(path, settings.root):
                return FileResult(display, read_error=f"{display}: not read: a symlink to a file outside the project")
            try:
                data = read_regular(path)
            except OSError as exc:
                return FileResult(display, read_error=f"{display}: cannot read: {exc.strerror or exc}")
        layer = layers_mod.layer_for(relpath, settings["layers"])
        reads_index = bool(prefilter([r for r in rules_for_file(settings, relpath) if r.needs_index], layer, data, settings))
        pending = _Pending(path, display, settings, relpath, data, reads_index)
        cache = self.caches.for_root(settings.root)
        if cache is not None:
            if reads_index:
                self.index_for(settings)  # its fingerprint is part of the key
            pending.where = os.path.abspath(path)
            pending.key = file_key(
                self._fingerprint(settings), relpath, self._index_fingerprints.get(settings.root, "") if reads_index else "", data
            )
            hit = cache.get(pending.where, pending.key, display)
            if hit is not None:
                return hit
        return pending

    def _lint_one(self, item: _Pending) -> FileResult:
        """A result for the report: without the parsed tree or the fixes' nodes, so a run over many files
        does not keep every file's tree alive until the end (fixing lints again, see fixes.fix_source)."""
        settings = item.settings
        return portable(lint_source(item.data, item.display, settings, item.relpath, index_provider=lambda: self.index_for(settings)))

    def _lint_all(self, prepared: Sequence[FileResult | _Pending | None]) -> list[FileResult | None]:
        pending = [p for p in prepared if isinstance(p, _Pending)]
        if self.options.jobs > 1 and len(pending) > 1:
            table = list({id(p.settings): p.settings for p in pending}.values())
            ids = {id(s): i for i, s in enumerate(table)}
            for waiting in pending:  # built once here and inherited by the workers, not once per worker
                if waiting.reads_index:
                    self.index_for(waiting.settings)
            tasks = [(ids[id(p.settings)], p.relpath, p.display, p.data) for p in pending]
            owner = {id(task): p for task, p in zip(tasks, pending)}
            computed = lint_in_pool(
                tasks, table, self._indexes, self.options.jobs, lambda t: self._lint_one(owner[id(t)]), lint_source
            )
        else:
            computed = [self._lint_one(p) for p in pending]
        done = {id(p): result for p, result in zip(pending, computed)}
        out: list[FileResult | None] = []
        for item in prepared:
            if isinstance(item, _Pending):
                result = done[id(item)]
                cache = self.caches.for_root(item.settings.root)
                if cache is not None and item.key is not None:
                    cache.put(item.where, item.key, result)
                out.append(result)
            else:
                out.append(item)
        return out


@dataclass
class _Pending:
    """A file the cache could not answer: what linting it needs."""

    path: Path
    display: str
    settings: Settings
    relpath: str
    data: bytes
    #: a rule that reads the project index can run on it
    reads_index: bool = False
    where: str = ""
    key: bytes | None = None


__all__ = ["lint_source", "walk", "Run", "RunOptions"]
