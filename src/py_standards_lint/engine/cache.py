"""The result cache (``--no-cache`` turns it off): plain data, outside the linted tree, authenticated.

**Nothing read from the cache can run code or change findings.** A repository being linted is untrusted input
(a pull request from a fork, checked out by CI), so:

* the cache lives outside the linted tree by default, in the user's cache directory
  (``$XDG_CACHE_HOME/py-standards-lint``, else ``~/.cache/py-standards-lint``; ``%LOCALAPPDATA%`` on Windows,
  ``~/Library/Caches`` on macOS), one folder per project root, named by a digest of the root's absolute path;
  ``PY_STANDARDS_LINT_CACHE_DIR`` (the user's environment, never the repository) moves that base folder;
* the file is JSON, never pickle, read with a size limit, without following a symlink and only when it is a regular
  file (a FIFO, a device or a 2 GB file is skipped unread), and validated field by field: anything unexpected
  throws the whole file away, and the run computes afresh;
* it is authenticated with HMAC-SHA256 under a per-user key kept in the user's cache directory (never in the base
  folder the environment variable may move, which could be inside a repository): a cache file that a repository
  plants or commits, even at the right path, fails the check and is ignored, so it can neither hide nor add a finding;
* it is written only inside its own folder: to a temporary file created exclusively there, then renamed (marker
  files are created exclusively, never through a symlink); a cache folder that is a symlink or a file is not used.

What a file's findings depend on, and so what its cache key hashes:

* the file's bytes and its project-relative path (which decides its layer and module name);
* the project's settings (:meth:`Settings.fingerprint`, including the CLI's overrides);
* the tool itself: its version, the Python and libcst versions, and a digest of the package's own source files
  (the file name of the cache);
* for a file on which a rule that reads the project index can run, the index's fingerprint: the project-relative
  path and content digest of every file the index can read — a superset of the summaries the result read, so an edit
  of any project file never leaves another file's result stale.

Index summaries are not persisted (they hold resolver callables and change shape with the rules; re-summarising a
module costs one ``ast.parse``): a warm run with nothing changed needs none of them, since every result is a hit.

Loaded once at the start of a run and written once at the end. Before writing, entries another run stored meanwhile
(and that verify) are merged in; the last writer wins, and an entry lost that way only costs a recomputation.
Pruning: one entry per file (keyed by path, so an edited file replaces its old entry), entries of files that no
longer exist are dropped, and the files of other tool fingerprints are deleted. A cache that cannot be read is
ignored; one that cannot be written is skipped silently: the cache never changes what a run reports.

Findings are stored without their path (restored from the file being checked) and with fixes reduced to their
applicability and message (the node edits live in a parsed tree; applying fixes re-lints without the cache).
Results with internal errors are never stored.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import re
import sys
import tempfile
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from py_standards_lint import __version__
from py_standards_lint.analysis import index as index_mod
from py_standards_lint.base.digest import content_digest
from py_standards_lint.base.finding import SAFE, UNSAFE, FileResult, Finding, Fix
from py_standards_lint.base.project import relative_path
from py_standards_lint.base.safeio import read_regular

#: the folder name of the cache inside a base folder, and of the old in-tree cache (never read now)
CACHE_DIR_NAME = ".py-standards-lint-cache"
#: environment variable naming another base folder (used by the benchmark, handy for read-only homes)
CACHE_DIR_ENV = "PY_STANDARDS_LINT_CACHE_DIR"
_FORMAT = 2
_MAGIC = b"py-standards-lint cache 2\n"
#: a cache file larger than this is skipped unread (a repository's findings never take this much)
MAX_CACHE_BYTES = 256 * 1024 * 1024
_KEY_BYTES = 32
_CODE = re.compile(r"PSL[0-9]{3}")
_HEX_KEY = re.compile(r"[0-9a-f]{40}")
_MAX_INT = 2**31


@lru_cache(maxsize=1)
def tool_fingerprint() -> str:
    """Version of the tool, Python and libcst, and a digest of the package's own source files."""
    digest = hashlib.blake2b(digest_size=16)
    try:
        from importlib.metadata import version  # deferred: only with the cache on; ~70 ms cold at start

        libcst_version = version("libcst")
    except Exception:  # pragma: no cover - libcst is a dependency
        libcst_version = "?"
    digest.update(f"{_FORMAT}|{__version__}|{sys.version}|{libcst_version}".encode())
    package = Path(__file__).resolve().parents[1]  # the whole package, every layer
    for path in sorted(package.rglob("*.py")):
        try:
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(path.read_bytes())
        except OSError:
            continue
    return digest.hexdigest()


def file_key(*parts: str | bytes) -> bytes:
    """One cache key from its parts (strings and bytes), unambiguous by length-prefixing."""
    digest = hashlib.blake2b(digest_size=20)
    for part in parts:
        raw = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        digest.update(len(raw).to_bytes(8, "little"))
        digest.update(raw)
    return digest.digest()


def user_cache_home() -> Path | None:
    """The user's own cache folder for this tool (never inside a linted tree), ``None`` without a home."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        return Path(base) / "py-standards-lint" if base and os.path.isabs(base) else None
    try:
        home = Path.home()
    except (RuntimeError, KeyError):
        home = None
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "py-standards-lint" if home else None
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):  # the XDG spec: a relative value is invalid and ignored
        return Path(xdg) / "py-standards-lint"
    return home / ".cache" / "py-standards-lint" if home else None


def cache_base() -> Path | None:
    """Where the per-project cache folders go: ``PY_STANDARDS_LINT_CACHE_DIR``, else the user's cache folder."""
    override = os.environ.get(CACHE_DIR_ENV)
    return Path(override).absolute() if override else user_cache_home()


def cache_folder(root: Path, base: Path | None = None) -> Path | None:
    """The cache folder of one project root: ``<base>/projects/<digest of the root's absolute path>``."""
    base = base if base is not None else cache_base()
    if base is None:
        return None
    name = hashlib.blake2b(str(Path(root).absolute()).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    return base / "projects" / name


def user_key() -> bytes | None:
    """The per-user key that authenticates cache files, created on first use (``None``: no cache this run).

    It lives in :func:`user_cache_home`, readable by the user alone, and never in a folder that
    ``PY_STANDARDS_LINT_CACHE_DIR`` may point into a repository: a planted key could sign a planted cache."""
    home = user_cache_home()
    if home is None:
        return None
    path = home / "key"
    key = _read_regular(path, _KEY_BYTES)
    if key is not None and len(key) == _KEY_BYTES:
        return key
    if key is not None or os.path.lexists(path):
        return None  # something else sits there: do not overwrite it, run without a cache
    try:
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".key-", dir=home)  # mode 0600, created exclusively
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(os.urandom(_KEY_BYTES))
            os.link(tmp, path)  # fails if a concurrent run made one first: then that one is read below
        except FileExistsError:
            pass
        finally:
            _unlink(Path(tmp))
    except OSError:
        return None
    key = _read_regular(path, _KEY_BYTES)
    return key if key is not None and len(key) == _KEY_BYTES else None


def _read_regular(path: Path, limit: int) -> bytes | None:
    """The bytes of a regular file of at most ``limit`` bytes, not through a symlink, else ``None`` (a FIFO, a
    device or a larger file is not read at all: opening never blocks, reading never hangs)."""
    try:
        return read_regular(path, limit, follow_symlinks=False)
    except OSError:
        return None


def portable(result: FileResult) -> FileResult:
    """A result without libcst nodes in it (the parsed tree and the fix edits dropped)."""
    if result.module is None and not any(f.fix is not None and f.fix.edits for f in result.findings):
        return result
    findings = [
        replace(f, fix=Fix(f.fix.applicability, f.fix.message)) if f.fix is not None and f.fix.edits else f
        for f in result.findings
    ]
    return FileResult(result.path, findings, list(result.errors), result.read_error)


# -- the file format: plain JSON, authenticated, validated field by field ----------------------------


def encode(results: dict[str, tuple[bytes, tuple[Finding, ...]]], root: Path, key: bytes) -> bytes:
    body = json.dumps(
        {
            "format": _FORMAT,
            "tool": tool_fingerprint(),
            "root": str(root),
            "results": {where: [k.hex(), [_finding_out(f) for f in found]] for where, (k, found) in results.items()},
        },
        separators=(",", ":"),
    ).encode()
    return _MAGIC + hmac.new(key, body, hashlib.sha256).hexdigest().encode() + b"\n" + body


def decode(data: bytes | None, root: Path, key: bytes) -> dict[str, tuple[bytes, tuple[Finding, ...]]] | None:
    """The results in a cache file, or ``None`` unless it verifies under ``key`` and every field is as
    :func:`encode` writes it."""
    if data is None or not data.startswith(_MAGIC):
        return None
    mac, newline, body = data[len(_MAGIC):].partition(b"\n")
    if not newline or not hmac.compare_digest(mac, hmac.new(key, body, hashlib.sha256).hexdigest().encode()):
        return None
    try:
        payload = json.loads(body)
        return _results_in(payload, root)
    except (ValueError, TypeError, RecursionError, MemoryError):
        return None


class _Invalid(ValueError):
    pass


def _check(condition: bool) -> None:
    if not condition:
        raise _Invalid


def _results_in(payload: Any, root: Path) -> dict[str, tuple[bytes, tuple[Finding, ...]]]:
    _check(type(payload) is dict and set(payload) == {"format", "tool", "root", "results"})
    _check(payload["format"] == _FORMAT and payload["tool"] == tool_fingerprint() and payload["root"] == str(root))
    entries = payload["results"]
    _check(type(entries) is dict)
    out: dict[str, tuple[bytes, tuple[Finding, ...]]] = {}
    for where, entry in entries.items():
        _check(type(entry) is list and len(entry) == 2 and type(entry[0]) is str and _HEX_KEY.fullmatch(entry[0]) is not None)
        _check(type(entry[1]) is list)
        out[where] = (bytes.fromhex(entry[0]), tuple(_finding_in(f) for f in entry[1]))
    return out


def _finding_out(f: Finding) -> list[Any]:
    fix = [f.fix.applicability, f.fix.message] if f.fix is not None else None
    return [f.line, f.column, f.code, f.end_line, f.end_column, f.name, f.message, fix, list(f.noqa_lines)]


def _number(value: Any) -> int:
    _check(type(value) is int and 0 <= value < _MAX_INT)
    return value


def _text(value: Any) -> str:
    _check(type(value) is str)
    return value


def _finding_in(raw: Any) -> Finding:
    _check(type(raw) is list and len(raw) == 9)
    line, column, code, end_line, end_column, name, message, fix, noqa_lines = raw
    _check(type(code) is str and _CODE.fullmatch(code) is not None)
    _check(type(noqa_lines) is list)
    if fix is not None:
        _check(type(fix) is list and len(fix) == 2 and fix[0] in (SAFE, UNSAFE))
        fix = Fix(fix[0], _text(fix[1]))
    return Finding(
        "", _number(line), _number(column), code, _number(end_line), _number(end_column),
        name=_text(name), message=_text(message), fix=fix, noqa_lines=tuple(_number(n) for n in noqa_lines),
    )


class ProjectCache:
    """The cache of one project root: its files' lint results, one entry per file.

    Entries are stored under the file's absolute path (``where``); the key inside an entry hashes what the
    result depends on, including the project-relative path. Without a usable folder and key (no home, a folder
    that is a symlink or a file, an unreadable key) it answers nothing and stores nothing.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.folder = cache_folder(root)
        self.key = user_key() if self.folder is not None else None
        self.path = self.folder / f"results-{tool_fingerprint()}.json" if self.folder is not None else None
        self.results: dict[str, tuple[bytes, tuple[Finding, ...]]] = {}
        self._dirty = False
        self._seen: set[str] = set()
        if self._usable():
            self.results = self._read() or {}

    def _usable(self) -> bool:
        return self.key is not None and self.folder is not None and not os.path.islink(self.folder)

    def _read(self) -> dict[str, tuple[bytes, tuple[Finding, ...]]] | None:
        assert self.path is not None and self.key is not None
        return decode(_read_regular(self.path, MAX_CACHE_BYTES), self.root, self.key)

    def get(self, where: str, key: bytes, display: str) -> FileResult | None:
        self._seen.add(where)
        entry = self.results.get(where)
        if entry is None or entry[0] != key:
            return None
        return FileResult(display, [replace(f, path=display) for f in entry[1]])

    def put(self, where: str, key: bytes, result: FileResult) -> None:
        self._seen.add(where)
        if result.errors or result.read_error:
            return
        findings = tuple(replace(f, path="", noqa_lines=tuple(f.noqa_lines)) for f in portable(result).findings)
        self.results[where] = (key, findings)
        self._dirty = True

    def save(self) -> None:
        """Merge with what other runs stored meanwhile, prune, and replace the file atomically."""
        if not self._dirty or not self._usable():
            return
        assert self.folder is not None and self.path is not None and self.key is not None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if os.path.islink(self.folder) or not self.folder.is_dir():
                return
            _mark_folder(self.folder)
            results = _merge(self._read() or {}, self.results, self._seen, self.root)
            payload = encode(results, self.root, self.key)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=self.folder)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(payload)
                os.replace(tmp, self.path)
            except BaseException:
                _unlink(Path(tmp))
                raise
            self._prune_other_versions()
            self._dirty = False
        except Exception:  # a read-only home, a full disk: run without persisting
            return

    def _prune_other_versions(self) -> None:
        assert self.folder is not None
        for pattern in ("results-*.json", "*.pickle"):
            for other in self.folder.glob(pattern):
                if other != self.path:
                    _unlink(other)


def _merge(theirs: dict[str, Any], ours: dict[str, Any], fresh: set[str], root: Path) -> dict[str, Any]:
    """Entries this run computed or checked win; for the others, what is on disk now wins (another run may
    have refreshed them); entries of files that no longer exist are dropped."""
    merged: dict[str, Any] = {}
    for where in set(theirs) | set(ours):
        if where in fresh and where in ours:
            merged[where] = ours[where]
        elif _exists(root, where):
            merged[where] = theirs[where] if where in theirs else ours[where]
    return merged


def _exists(root: Path, where: str) -> bool:
    path = Path(where)
    return (path if path.is_absolute() else root / path).is_file()


def _mark_folder(folder: Path) -> None:
    """Keep the cache out of version control and backups, as other tools' caches do (created exclusively,
    never through a symlink)."""
    _create(folder / ".gitignore", b"# Created by py-standards-lint automatically.\n*\n")
    _create(folder / "CACHEDIR.TAG", b"Signature: 8a477f597d28d172789f06886806bc55\n# py-standards-lint cache\n")


def _create(path: Path, data: bytes) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except OSError:  # there already (or not creatable): leave it
        return
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


class Caches:
    """The caches of a run, one per project root, created on first use; ``enabled=False`` is ``--no-cache``."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._by_root: dict[Path, ProjectCache] = {}

    def for_root(self, root: Path) -> ProjectCache | None:
        if not self.enabled:
            return None
        cache = self._by_root.get(root)
        if cache is None:
            cache = self._by_root[root] = ProjectCache(root)
        return cache

    def all(self) -> Iterable[ProjectCache]:
        return self._by_root.values()

    def save(self) -> None:
        for cache in self._by_root.values():
            cache.save()


def build_index(settings: Any) -> tuple[Any, str]:
    """The project index as :meth:`ProjectIndex.build` makes it, and its fingerprint (every indexed file's
    project-relative path and content digest, read and hashed now). A module is summarised only when a query
    first needs it (see ``ProjectIndex``); summaries are not persisted (see the module docstring)."""
    def summary(relpath: str, data: bytes) -> Any:
        return index_mod.summarize(data, relpath, settings)  # looked up when used: tests wrap it

    root = settings.root
    index = index_mod.ProjectIndex(root, settings=settings)
    fingerprint = hashlib.blake2b(digest_size=16)
    for path in index_mod.project_files(root, settings):
        relpath = relative_path(path, root)
        try:
            data = read_regular(path)
        except OSError:
            continue
        fingerprint.update(file_key(relpath, content_digest(data)))
        index.add_source(relpath, data, functools.partial(summary, relpath))
    return index, fingerprint.hexdigest()


__all__ = ["Caches", "ProjectCache", "build_index", "tool_fingerprint", "file_key", "content_digest", "portable", "CACHE_DIR_NAME", "cache_folder", "user_key"]
