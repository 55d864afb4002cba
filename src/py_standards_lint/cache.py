"""The result cache: ``.py-standards-lint-cache/`` at the project root (``--no-cache`` turns it off).

What a file's findings depend on, and so what its cache key hashes:

* the file's bytes and its project-relative path (which decides its layer and module name);
* the project's settings (:meth:`Settings.fingerprint`, including the CLI's overrides);
* the tool itself: its version, the Python and libcst versions, and a digest of the package's own
  source files (so editing a rule during development invalidates what it computed);
* for a file on which a rule that reads the project index can run, the index's fingerprint: the
  project-relative path and content digest of every file the index reads.

The project index is cacheable the same way, per file: a module's summary depends only on its bytes, its
path and the settings, so a warm run re-reads and re-hashes files but summarises none.

On disk it is one pickle per project root and tool fingerprint, ``<root>/.py-standards-lint-cache/<fp>.pickle``,
loaded once at the start of a run and written once at the end: written to a temporary file and renamed over the
old one, so concurrent runs never see a torn file (the last writer wins; an entry lost that way only costs a
recomputation). Before writing, entries another run stored meanwhile are merged in. Pruning: a run keeps one entry
per file (keyed by path, so an edited file replaces its old entry), drops entries of files that no longer exist, and
deletes the pickles of other tool fingerprints. A cache that cannot be read is ignored; one that cannot be written is
skipped silently: the cache never changes what a run reports.

Findings are stored without their path (restored from the file being checked) and with fixes reduced to their
applicability and message (the node edits live in a parsed tree; applying fixes re-lints without the cache).
Results with internal errors are never stored.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import sys
import tempfile
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

from . import __version__
from .finding import FileResult, Finding, Fix

CACHE_DIR_NAME = ".py-standards-lint-cache"
#: environment variable naming another cache folder (used by the benchmark, handy for read-only trees)
CACHE_DIR_ENV = "PY_STANDARDS_LINT_CACHE_DIR"
_FORMAT = 1


@lru_cache(maxsize=1)
def tool_fingerprint() -> str:
    """Version of the tool, Python and libcst, and a digest of the package's own source files."""
    digest = hashlib.blake2b(digest_size=16)
    try:
        from importlib.metadata import version

        libcst_version = version("libcst")
    except Exception:  # pragma: no cover - libcst is a dependency
        libcst_version = "?"
    digest.update(f"{_FORMAT}|{__version__}|{sys.version}|{libcst_version}".encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        try:
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(path.read_bytes())
        except OSError:
            continue
    return digest.hexdigest()


def content_digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def file_key(*parts: str | bytes) -> bytes:
    """One cache key from its parts (strings and bytes), unambiguous by length-prefixing."""
    digest = hashlib.blake2b(digest_size=20)
    for part in parts:
        raw = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        digest.update(len(raw).to_bytes(8, "little"))
        digest.update(raw)
    return digest.digest()


def cache_folder(root: Path) -> Path:
    override = os.environ.get(CACHE_DIR_ENV)
    return Path(override) if override else root / CACHE_DIR_NAME


def portable(result: FileResult) -> FileResult:
    """A result without libcst nodes in it (the parsed tree and the fix edits dropped), safe to pickle."""
    if result.module is None and not any(f.fix is not None and f.fix.edits for f in result.findings):
        return result
    findings = [
        replace(f, fix=Fix(f.fix.applicability, f.fix.message)) if f.fix is not None and f.fix.edits else f
        for f in result.findings
    ]
    return FileResult(result.path, findings, list(result.errors), result.read_error)


class ProjectCache:
    """The cache of one project root: lint results and index summaries, one entry per file.

    Entries are stored under the file's absolute path (``where``); the key inside an entry hashes what the
    result depends on, including the project-relative path.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.folder = cache_folder(root)
        self.path = self.folder / f"{tool_fingerprint()}.pickle"
        self.results: dict[str, tuple[bytes, tuple[Finding, ...]]] = {}
        self.summaries: dict[str, tuple[bytes, Any]] = {}
        self._dirty = False
        self._seen: set[str] = set()
        self._seen_summaries: set[str] = set()
        self._load()

    def _load(self) -> None:
        data = _read(self.path)
        if data is not None:
            self.results = data.get("results", {})
            self.summaries = data.get("summaries", {})

    # -- lint results ---------------------------------------------------------------
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
        findings = tuple(replace(f, path="") for f in portable(result).findings)
        self.results[where] = (key, findings)
        self._dirty = True

    # -- index summaries -------------------------------------------------------------
    def get_summary(self, where: str, key: bytes) -> tuple[bool, Any]:
        self._seen_summaries.add(where)
        entry = self.summaries.get(where)
        if entry is None or entry[0] != key:
            return False, None
        return True, entry[1]

    def put_summary(self, where: str, key: bytes, summary: Any) -> None:
        self._seen_summaries.add(where)
        self.summaries[where] = (key, summary)
        self._dirty = True

    # -- writing -----------------------------------------------------------------------
    def save(self) -> None:
        """Merge with what other runs stored meanwhile, prune, and replace the file atomically."""
        if not self._dirty:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _mark_folder(self.folder)
            theirs = _read(self.path) or {}
            results = _merge(theirs.get("results", {}), self.results, self._seen, self.root)
            summaries = _merge(theirs.get("summaries", {}), self.summaries, self._seen_summaries, self.root)
            payload = pickle.dumps({"results": results, "summaries": summaries}, protocol=pickle.HIGHEST_PROTOCOL)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".pickle", dir=self.folder)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(payload)
                os.replace(tmp, self.path)
            except BaseException:
                _unlink(Path(tmp))
                raise
            self._prune_other_versions()
            self._dirty = False
        except Exception:  # a read-only tree, or a summary that does not pickle: run without persisting
            return

    def _prune_other_versions(self) -> None:
        for other in self.folder.glob("*.pickle"):
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


def _read(path: Path) -> dict[str, Any] | None:
    try:
        with open(path, "rb") as fh:
            data = pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception:  # a torn, foreign or incompatible file: start afresh
        return None
    return data if isinstance(data, dict) else None


def _mark_folder(folder: Path) -> None:
    """Keep the cache out of version control and backups, as other tools' caches do."""
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Created by py-standards-lint automatically.\n*\n")
    tag = folder / "CACHEDIR.TAG"
    if not tag.exists():
        tag.write_text("Signature: 8a477f597d28d172789f06886806bc55\n# py-standards-lint cache\n")


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


def build_index(settings: Any, cache: ProjectCache, settings_fingerprint: str) -> tuple[Any, str]:
    """The project index as :meth:`ProjectIndex.build` makes it, reusing cached per-file summaries, and its
    fingerprint (every indexed file's project-relative path and content digest).

    Every file is read and hashed now (the fingerprint needs them all); a module is summarised, or taken from
    the cache, only when a query first needs it (see ``ProjectIndex``), and a summary computed then is put in
    the cache, which the run saves at its end."""
    from .index import ProjectIndex, project_files
    from .project import relative_path

    def summary(where: str, key: bytes, relpath: str, data: bytes) -> Any:
        from . import index as index_mod  # looked up when used: tests wrap it

        hit, found = cache.get_summary(where, key)
        if not hit:
            found = index_mod.summarize(data, relpath, settings)
            cache.put_summary(where, key, found)
        return found

    root = settings.root
    index = ProjectIndex(root, settings=settings)
    fingerprint = hashlib.blake2b(digest_size=16)
    for path in project_files(root, settings):
        relpath = relative_path(path, root)
        try:
            data = path.read_bytes()
        except OSError:
            continue
        digest = content_digest(data)
        fingerprint.update(file_key(relpath, digest))
        key = file_key(settings_fingerprint, relpath, digest)
        index.add_source(relpath, data, functools.partial(summary, os.path.abspath(path), key, relpath))
    return index, fingerprint.hexdigest()


__all__ = ["Caches", "ProjectCache", "build_index", "tool_fingerprint", "file_key", "content_digest", "portable", "CACHE_DIR_NAME"]
