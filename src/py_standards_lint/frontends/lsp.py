"""``py-standards-lint lsp``: a Language Server (pygls) over stdio, for any LSP-capable editor.

* Diagnostics on open and save (at once) and on change (debounced: the buffer is linted
  :data:`DEBOUNCE_SECONDS` after the last keystroke), cleared on close. Each diagnostic
  carries the code, the rule name and a link-free description.
* Code actions: a quick fix per fixable finding in the requested range (its fix applied to
  the buffer, as one minimal workspace edit; unsafe fixes are labelled so), and
  ``source.fixAll.py-standards-lint`` ("fix all": every safe fix, in passes, as
  ``check --fix`` does). Fixes are computed on the current buffer text, never on disk.
* Settings: the document's ``pyproject.toml`` (the nearest one with the table, as the CLI
  finds it), so layers, select/ignore, ``per-file-ignores`` and ``exclude`` apply by the
  document's path; an excluded file gets no diagnostics. Saving a ``pyproject.toml`` reloads
  the settings; saving a Python file refreshes the project index (cross-module facts).
* A configuration error is shown as one diagnostic on the first line (and a message).

The linter never executes the code, so the server is safe on any buffer.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import libcst as cst
from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument

from py_standards_lint import __version__
from py_standards_lint.analysis.index import ProjectIndex
from py_standards_lint.base.finding import FileResult, Finding
from py_standards_lint.base.project import is_excluded, relative_path
from py_standards_lint.base.settings import ConfigError, Settings
from py_standards_lint.engine.config import settings_for_folder
from py_standards_lint.engine.fixes import apply_fixes, fix_source
from py_standards_lint.engine.lint import Run, RunOptions, lint_source
from py_standards_lint.rules import ALL_RULES

SOURCE = "py-standards-lint"
FIX_ALL_KIND = f"{types.CodeActionKind.SourceFixAll.value}.{SOURCE}"
DEBOUNCE_SECONDS = 0.3

log = logging.getLogger(__name__)


@dataclass
class Linted:
    """One lint of a buffer: what the code actions need."""

    text: str
    result: FileResult | None
    settings: Settings | None = None
    relpath: str = ""
    index_provider: Callable[[], object] | None = None
    error: str | None = None


class StandardsServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(SOURCE, __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.indexes: dict[Path, ProjectIndex] = {}
        self.pending: dict[str, asyncio.Task[None]] = {}
        self.shown_error: str | None = None

    # -- linting ------------------------------------------------------------------
    def lint_document(self, doc: TextDocument) -> Linted:
        text = doc.source
        path = Path(doc.path) if doc.path else Path("untitled.py")
        if not path.is_absolute():
            folder = self.workspace.root_path or "."
            path = Path(folder, path.name)
        try:
            settings = Run(ALL_RULES, RunOptions()).settings_for(path)
        except ConfigError as exc:
            return Linted(text, None, error=str(exc))
        relpath = relative_path(path, settings.root)
        if is_excluded(relpath, settings):
            return Linted(text, None, settings, relpath)

        def index() -> ProjectIndex:
            found = self.indexes.get(settings.root)
            if found is None:
                found = self.indexes[settings.root] = ProjectIndex.build(settings.root, settings)
            return found

        result = lint_source(text.encode("utf-8", "surrogatepass"), str(path), settings, relpath, index_provider=index)
        return Linted(text, result, settings, relpath, index)

    def diagnostics(self, doc: TextDocument, linted: Linted) -> list[types.Diagnostic]:
        if linted.error is not None:
            return [
                types.Diagnostic(
                    range=types.Range(types.Position(0, 0), types.Position(0, 0)),
                    message=f"Configuration error: {linted.error}",
                    severity=types.DiagnosticSeverity.Error,
                    source=SOURCE,
                )
            ]
        if linted.result is None:
            return []
        out = [to_diagnostic(doc, f) for f in linted.result.findings]
        for error in linted.result.errors:
            out.append(
                types.Diagnostic(
                    range=types.Range(types.Position(0, 0), types.Position(0, 0)),
                    message=f"Internal error in {error.rule}: {error.message}",
                    severity=types.DiagnosticSeverity.Error,
                    source=SOURCE,
                )
            )
        return out

    def publish(self, uri: str) -> None:
        try:
            doc = self.workspace.get_text_document(uri)
        except Exception:  # the document was closed meanwhile
            return
        if not is_python(doc):
            # clients may sync every file (pyproject.toml, ...): only Python is linted
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, version=doc.version, diagnostics=[]))
            return
        linted = self.lint_document(doc)
        if linted.error is not None and linted.error != self.shown_error:  # once, not on every keystroke
            self.window_show_message(
                types.ShowMessageParams(types.MessageType.Error, f"{SOURCE}: {linted.error}")
            )
        self.shown_error = linted.error
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, version=doc.version, diagnostics=self.diagnostics(doc, linted))
        )

    def schedule(self, uri: str, delay: float) -> None:
        """Lint ``uri`` after ``delay`` seconds, replacing a lint already scheduled for it."""
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()

        async def later() -> None:
            try:
                await asyncio.sleep(delay)
            except asyncio.CancelledError:
                return
            self.pending.pop(uri, None)
            self.publish(uri)

        self.pending[uri] = asyncio.ensure_future(later())

    def cancel(self, uri: str) -> None:
        task = self.pending.pop(uri, None)
        if task is not None:
            task.cancel()


def is_python(doc: TextDocument) -> bool:
    if doc.language_id:
        return doc.language_id == "python"
    return str(doc.path or doc.uri).endswith((".py", ".pyi"))


# -- positions and edits ---------------------------------------------------------------


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True) or [""]


def _client_position(doc: TextDocument, lines: list[str], line: int, char: int) -> types.Position:
    """0-based line and code-point column -> the client's position encoding."""
    if line >= len(lines):
        return types.Position(line=len(lines), character=0)
    return doc.position_codec.position_to_client_units(lines, types.Position(line=line, character=char))


def to_diagnostic(doc: TextDocument, f: Finding) -> types.Diagnostic:
    lines = _lines(doc.source)
    start = _client_position(doc, lines, f.line - 1, f.column - 1)
    end_line, end_col = (f.end_line, f.end_column) if f.end_line else (f.line, f.column)
    end = _client_position(doc, lines, end_line - 1, max(end_col - 1, 0))
    if (end.line, end.character) < (start.line, start.character):
        end = start
    fixable = f.fix is not None
    return types.Diagnostic(
        range=types.Range(start=start, end=end),
        message=f.message,
        severity=types.DiagnosticSeverity.Error if f.code == "PSL000" else types.DiagnosticSeverity.Warning,
        code=f.code,
        source=SOURCE,
        data={"name": f.name, "fixable": fixable, "applicability": f.fix.applicability if f.fix else None},
    )


def _offset_position(doc: TextDocument, text: str, offset: int) -> types.Position:
    line = text.count("\n", 0, offset)
    start_of_line = text.rfind("\n", 0, offset) + 1
    return _client_position(doc, _lines(text), line, offset - start_of_line)


def minimal_edit(doc: TextDocument, old: str, new: str) -> types.TextEdit | None:
    """One edit turning ``old`` into ``new``: the differing middle (common prefix/suffix kept)."""
    if old == new:
        return None
    prefix = 0
    limit = min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[len(old) - 1 - suffix] == new[len(new) - 1 - suffix]:
        suffix += 1
    start = _offset_position(doc, old, prefix)
    end = _offset_position(doc, old, len(old) - suffix)
    return types.TextEdit(range=types.Range(start=start, end=end), new_text=new[prefix : len(new) - suffix])


def _parses(text: str, original: str) -> bool:
    try:
        cst.parse_module(text)
    except Exception:
        return False
    try:
        compile(original, "<buffer>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return True
    try:
        compile(text, "<fixed>", "exec", dont_inherit=True)  # compiled, never executed
    except (SyntaxError, ValueError):
        return False
    return True


def _workspace_edit(doc: TextDocument, edit: types.TextEdit) -> types.WorkspaceEdit:
    return types.WorkspaceEdit(
        document_changes=[
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=doc.uri, version=doc.version),
                edits=[edit],
            )
        ]
    )


def code_actions(server: StandardsServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    doc = server.workspace.get_text_document(params.text_document.uri)
    if not is_python(doc):
        return []
    only = params.context.only or None

    def wanted(kind: str) -> bool:
        return only is None or any(kind == k or kind.startswith(f"{k}.") for k in only)

    linted = server.lint_document(doc)
    result = linted.result
    if result is None or result.module is None:
        return []
    actions: list[types.CodeAction] = []
    first, last = params.range.start.line + 1, params.range.end.line + 1
    if wanted(types.CodeActionKind.QuickFix):
        for f in result.findings:
            if f.fix is None or f.line > last or (f.end_line or f.line) < first:
                continue
            new_module, applied = apply_fixes(result.module, [f])
            new = new_module.code
            if not applied or not _parses(new, linted.text):
                continue
            edit = minimal_edit(doc, linted.text, new)
            if edit is None:
                continue
            unsafe = "" if f.fix.applicability == "safe" else " (unsafe)"
            actions.append(
                types.CodeAction(
                    title=f"Fix {f.code}{unsafe}: {f.fix.message}",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[to_diagnostic(doc, f)],
                    is_preferred=f.fix.applicability == "safe",
                    edit=_workspace_edit(doc, edit),
                )
            )
    if wanted(FIX_ALL_KIND) and any(f.fix is not None and f.fix.applicability == "safe" for f in result.findings):
        assert linted.settings is not None
        outcome = fix_source(
            linted.text.encode("utf-8", "surrogatepass"),
            doc.path or "untitled.py",
            linted.settings,
            linted.relpath,
            index_provider=linted.index_provider,
        )
        if outcome.changed:
            edit = minimal_edit(doc, linted.text, outcome.source.decode("utf-8", "surrogatepass"))
            if edit is not None:
                actions.append(
                    types.CodeAction(
                        title=f"{SOURCE}: fix all safely fixable findings ({outcome.fixed})",
                        kind=FIX_ALL_KIND,
                        edit=_workspace_edit(doc, edit),
                    )
                )
    return actions


# -- the server ------------------------------------------------------------------------


def build_server() -> StandardsServer:
    server = StandardsServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: StandardsServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.cancel(params.text_document.uri)
        ls.publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: StandardsServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, DEBOUNCE_SECONDS)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: StandardsServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri.endswith("pyproject.toml"):
            settings_for_folder.cache_clear()
            ls.indexes.clear()
            for open_uri in list(ls.workspace.text_documents):
                if open_uri.endswith((".py", ".pyi")):
                    ls.publish(open_uri)
            return
        ls.indexes.clear()  # cross-module facts may have changed: rebuilt on the next lint that needs them
        ls.cancel(uri)
        ls.publish(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: StandardsServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.cancel(params.text_document.uri)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND], resolve_provider=False),
    )
    def code_action(ls: StandardsServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return code_actions(ls, params)

    return server


def serve() -> None:
    """Run the server on stdin/stdout until the client says exit."""
    logging.basicConfig(level=logging.WARNING)  # to stderr: stdout carries the protocol
    build_server().start_io()


__all__ = ["build_server", "serve", "StandardsServer", "minimal_edit", "to_diagnostic"]
