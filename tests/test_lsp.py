"""The Language Server, driven over stdio by a minimal JSON-RPC client, as an editor would:
initialize, didOpen -> publishDiagnostics, didChange (debounced), codeAction, didSave,
didClose, shutdown, exit."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

from .conftest import BIN

TIMEOUT = 60

VIOLATIONS = '''import logging

from fastapi import HTTPException

logger = logging.getLogger("users")


def get_user(user_id: int) -> dict:
    name = "😀"; logger.info(f"{name}")
    raise HTTPException(404)
'''
CLEAN = '''import logging

logger = logging.getLogger(__name__)


def get_user(user_id: int) -> dict:
    return {"id": user_id}
'''


class Client:
    def __init__(self, cwd: Path) -> None:
        self.proc = subprocess.Popen(
            [str(BIN / "py-standards-lint"), "lsp"],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.notifications: list[dict[str, Any]] = []
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            headers: dict[str, str] = {}
            while True:
                line = out.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                key, _, value = line.decode("ascii").partition(":")
                headers[key.strip().lower()] = value.strip()
            body = out.read(int(headers["content-length"]))
            self.messages.put(json.loads(body))

    @staticmethod
    def frame(message: dict[str, Any]) -> bytes:
        body = json.dumps(message).encode("utf-8")
        return b"Content-Length: %d\r\n\r\n" % len(body) + body

    def send(self, *messages: dict[str, Any]) -> None:
        """Write messages in ONE write (so that several arrive together)."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"".join(self.frame(m) for m in messages))
        self.proc.stdin.flush()

    def notify(self, method: str, params: Any) -> dict[str, Any]:
        message = {"jsonrpc": "2.0", "method": method, "params": params}
        self.send(message)
        return message

    def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        ident = self.next_id
        self.send({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        while True:
            message = self._next()
            if message.get("id") == ident and "method" not in message:
                assert "error" not in message, message
                return message["result"]
            self.notifications.append(message)

    def _next(self) -> dict[str, Any]:
        try:
            return self.messages.get(timeout=TIMEOUT)
        except queue.Empty:
            raise AssertionError(f"no message from the server in {TIMEOUT}s; stderr: {self._stderr()}") from None

    def _stderr(self) -> str:
        if self.proc.poll() is None:
            return "(still running)"
        return self.proc.stderr.read().decode() if self.proc.stderr else ""

    def diagnostics_for(self, uri: str) -> dict[str, Any]:
        """The next publishDiagnostics for ``uri`` (already received or still to come)."""
        for i, message in enumerate(self.notifications):
            if message.get("method") == "textDocument/publishDiagnostics" and message["params"]["uri"] == uri:
                del self.notifications[i]
                return message["params"]
        while True:
            message = self._next()
            if message.get("method") == "textDocument/publishDiagnostics" and message["params"]["uri"] == uri:
                return message["params"]
            self.notifications.append(message)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=TIMEOUT)


def apply_edits(text: str, edits: list[dict[str, Any]]) -> str:
    """Apply LSP TextEdits (UTF-16 positions) to ``text``."""
    lines = text.splitlines(keepends=True)

    def offset(pos: dict[str, int]) -> int:
        before = sum(len(line) for line in lines[: pos["line"]])
        if pos["line"] >= len(lines):
            return len(text)
        line = lines[pos["line"]]
        units, chars = 0, 0
        for ch in line:
            if units >= pos["character"]:
                break
            units += 2 if ord(ch) > 0xFFFF else 1
            chars += 1
        return before + chars

    for edit in sorted(edits, key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]), reverse=True):
        start, end = offset(edit["range"]["start"]), offset(edit["range"]["end"])
        text = text[:start] + edit["newText"] + text[end:]
    return text


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.py-standards-lint]\n"
        'exclude = ["app/generated/**"]\n'
        '[tool.py-standards-lint.per-file-ignores]\n"app/services/legacy_*.py" = ["PSL101"]\n'
    )
    for folder in ("app/services", "app/generated"):
        (tmp_path / folder).mkdir(parents=True)
    return tmp_path


@pytest.fixture
def client(project: Path):
    c = Client(project)
    result = c.request(
        "initialize",
        {"processId": None, "rootUri": project.as_uri(), "capabilities": {}, "workspaceFolders": None},
    )
    caps = result["capabilities"]
    assert caps["codeActionProvider"]["codeActionKinds"] == ["quickfix", "source.fixAll.py-standards-lint"]
    assert caps["textDocumentSync"]["openClose"] is True
    assert result["serverInfo"]["name"] == "py-standards-lint"
    c.notify("initialized", {})
    yield c
    c.close()


def open_doc(client: Client, path: Path, text: str) -> str:
    path.write_text(text)
    uri = path.as_uri()
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
    )
    return uri


def by_code(diagnostics: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {d["code"]: d for d in diagnostics}


def test_diagnostics_code_actions_and_lifecycle(client: Client, project: Path):
    path = project / "app" / "services" / "users.py"
    uri = open_doc(client, path, VIOLATIONS)
    published = client.diagnostics_for(uri)
    assert published["version"] == 1
    found = by_code(published["diagnostics"])
    assert {"PSL101", "PSL301", "PSL305"} <= set(found)
    assert all(d["source"] == "py-standards-lint" for d in published["diagnostics"])
    assert found["PSL101"]["range"]["start"] == {"line": 9, "character": 4}
    # the emoji before the call is two UTF-16 code units: character 17, not code point 16
    assert found["PSL301"]["range"]["start"] == {"line": 8, "character": 17}
    assert found["PSL305"]["range"]["start"]["line"] == 4

    # a quick fix for the fixable finding in the requested range, as a workspace edit
    diag = found["PSL305"]
    actions = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": diag["range"], "context": {"diagnostics": [diag]}},
    )
    quick = [a for a in actions if a["kind"] == "quickfix"]
    assert [a["diagnostics"][0]["code"] for a in quick] == ["PSL305"]
    (change,) = quick[0]["edit"]["documentChanges"]
    assert change["textDocument"] == {"uri": uri, "version": 1}
    fixed = apply_edits(VIOLATIONS, change["edits"])
    assert fixed == VIOLATIONS.replace('getLogger("users")', "getLogger(__name__)")

    # fix all: every safe fix, on request for the source.fixAll kind only
    actions = client.request(
        "textDocument/codeAction",
        {
            "textDocument": {"uri": uri},
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
            "context": {"diagnostics": [], "only": ["source.fixAll"]},
        },
    )
    assert [a["kind"] for a in actions] == ["source.fixAll.py-standards-lint"]
    all_fixed = apply_edits(VIOLATIONS, actions[0]["edit"]["documentChanges"][0]["edits"])
    assert 'getLogger(__name__)' in all_fixed and 'f"{name}"' in all_fixed, "unsafe fixes are not in fix-all"

    # two quick changes arrive together: one debounced lint, of the latest text
    edit1 = {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": VIOLATIONS + "\n"}]}
    edit2 = {"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": CLEAN}]}
    client.send(
        {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": edit1},
        {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": edit2},
    )
    published = client.diagnostics_for(uri)
    assert published["version"] == 3 and published["diagnostics"] == []

    # an incremental change re-introducing a violation, then save: linted at once
    insert = {
        "range": {"start": {"line": 5, "character": 0}, "end": {"line": 5, "character": 0}},
        "text": 'def log_it(x):\n    logger.info(f"{x}")\n\n\n',
    }
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 4}, "contentChanges": [insert]})
    published = client.diagnostics_for(uri)
    assert published["version"] == 4
    assert [(d["code"], d["range"]["start"]["line"]) for d in published["diagnostics"]] == [("PSL301", 6)]
    client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
    assert [d["code"] for d in client.diagnostics_for(uri)["diagnostics"]] == ["PSL301"]

    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    assert client.diagnostics_for(uri)["diagnostics"] == []

    assert client.request("shutdown", None) is None
    client.notify("exit", None)
    assert client.proc.wait(timeout=TIMEOUT) == 0


def test_settings_come_from_the_workspace_pyproject(client: Client, project: Path):
    legacy = open_doc(client, project / "app" / "services" / "legacy_users.py", VIOLATIONS)
    codes = {d["code"] for d in client.diagnostics_for(legacy)["diagnostics"]}
    assert "PSL301" in codes and "PSL101" not in codes, "per-file-ignores apply by the document's path"
    generated = open_doc(client, project / "app" / "generated" / "client.py", VIOLATIONS)
    assert client.diagnostics_for(generated)["diagnostics"] == [], "excluded files get no diagnostics"
    route = open_doc(client, project / "app" / "users_routes.py", VIOLATIONS)
    assert "PSL101" not in {d["code"] for d in client.diagnostics_for(route)["diagnostics"]}, "the path decides the layer"


def test_only_python_documents_are_linted(client: Client, project: Path):
    toml = project / "pyproject.toml"
    uri = toml.as_uri()
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "toml", "version": 1, "text": toml.read_text()}},
    )
    assert client.diagnostics_for(uri)["diagnostics"] == []
    actions = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}}, "context": {"diagnostics": []}},
    )
    assert actions in (None, [])


def test_a_configuration_error_is_one_diagnostic(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[tool.py-standards-lint]\nbogus-key = 1\n")
    c = Client(tmp_path)
    try:
        c.request("initialize", {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}})
        c.notify("initialized", {})
        uri = open_doc(c, tmp_path / "x.py", CLEAN)
        (diag,) = c.diagnostics_for(uri)["diagnostics"]
        assert "bogus-key" in diag["message"] and diag["severity"] == 1
        shown = [m for m in c.notifications if m.get("method") == "window/showMessage"]
        assert len(shown) == 1 and "bogus-key" in shown[0]["params"]["message"]
    finally:
        c.close()
