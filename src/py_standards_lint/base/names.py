"""Name resolution through a module's imports.

Every rule matches what a name *refers to*, never how it is spelled. A module's
:class:`ModuleNames` is built once, before the traversal, from its module-level
statements (including those under module-level ``if``/``try`` blocks) and is
shared by all rules:

* ``from fastapi import HTTPException as HE`` -> ``HE`` is ``fastapi.HTTPException``
* ``import fastapi as f`` -> ``f.HTTPException`` is ``fastapi.HTTPException``
* a module-level ``class HTTPException`` -> ``<local>.HTTPException`` (not FastAPI's)

Qualified names are canonicalised (``starlette.exceptions.HTTPException`` and
``fastapi.exceptions.HTTPException`` both become ``fastapi.HTTPException``), so
rules compare against one spelling. The same :class:`ImportMap` logic serves the
project index, which reads modules with :mod:`ast`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator, Sequence

import libcst as cst

LOCAL = "<local>"

#: Different import paths of the same object, mapped to one canonical name.
CANONICAL: dict[str, str] = {
    "fastapi.exceptions.HTTPException": "fastapi.HTTPException",
    "starlette.exceptions.HTTPException": "fastapi.HTTPException",
    "starlette.status": "fastapi.status",
    "fastapi.routing.APIRouter": "fastapi.APIRouter",
    "fastapi.applications.FastAPI": "fastapi.FastAPI",
    "fastapi.param_functions.Depends": "fastapi.Depends",
    "fastapi.params.Depends": "fastapi.Depends",
    "starlette.requests.Request": "fastapi.Request",
    "fastapi.requests.Request": "fastapi.Request",
    "starlette.responses.Response": "fastapi.Response",
    "fastapi.responses.Response": "fastapi.Response",
    "httpx._client.AsyncClient": "httpx.AsyncClient",
    "httpx._client.Client": "httpx.Client",
    "typing_extensions.Annotated": "typing.Annotated",
    "typing_extensions.TYPE_CHECKING": "typing.TYPE_CHECKING",
}

BUILTINS = frozenset(
    {
        "Exception",
        "BaseException",
        "ValueError",
        "KeyError",
        "TypeError",
        "RuntimeError",
        "LookupError",
        "NotImplementedError",
        "PermissionError",
        "OSError",
        "TimeoutError",
        "ConnectionError",
        "print",
        "dict",
    }
)


def canonical(qualified: str) -> str:
    """Map a qualified name to its canonical spelling, prefix-wise."""
    if qualified in CANONICAL:
        return CANONICAL[qualified]
    head, _, tail = qualified.rpartition(".")
    while head:
        if head in CANONICAL:
            return CANONICAL[head] + qualified[len(head) :]
        head = head.rpartition(".")[0]
    return qualified


def resolve_relative(module: str, level: int, current: str, is_package: bool) -> str:
    """Absolute module for ``from <level dots><module> import ...`` inside ``current``."""
    if level == 0:
        return module
    parts = current.split(".") if current else []
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
    base = ".".join(parts)
    if module:
        return f"{base}.{module}" if base else module
    return base


@dataclass
class ImportMap:
    """Local name -> qualified name, for one module; front-end neutral."""

    current: str = ""
    is_package: bool = False
    bindings: dict[str, str] = field(default_factory=dict)
    #: absolute modules imported anywhere at module level (for layer rules)
    imported_modules: list[str] = field(default_factory=list)

    def add_import(self, module: str, asname: str | None) -> None:
        self.imported_modules.append(module)
        if asname:
            self.bindings[asname] = module
        else:
            top = module.split(".")[0]
            self.bindings[top] = top

    def add_from(self, module: str, level: int, name: str, asname: str | None) -> None:
        absolute = resolve_relative(module, level, self.current, self.is_package)
        self.imported_modules.append(absolute)
        if name == "*":
            return
        target = f"{absolute}.{name}" if absolute else name
        self.bindings[asname or name] = target

    def bind_local(self, name: str) -> None:
        self.bindings[name] = f"{LOCAL}.{name}"

    def resolve_dotted(self, dotted: str) -> str | None:
        """``"HE"`` -> ``"fastapi.HTTPException"``; ``None`` when not resolvable."""
        head, sep, rest = dotted.partition(".")
        target = self.bindings.get(head)
        if target is None:
            if head in BUILTINS:
                return canonical(f"builtins.{dotted}")
            return None
        return canonical(target + sep + rest)


def dotted_name(node: cst.CSTNode | None) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else ``None``."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def module_dotted(node: cst.BaseExpression | None) -> str:
    return dotted_name(node) or "" if node is not None else ""


def call_name(node: cst.CSTNode) -> cst.BaseExpression | None:
    """The callee of a call expression, else None."""
    return node.func if isinstance(node, cst.Call) else None


def is_type_checking_test(test: cst.BaseExpression, imports: ImportMap) -> bool:
    name = dotted_name(test)
    if name is None:
        return False
    if name == "TYPE_CHECKING":
        return True
    return imports.resolve_dotted(name) == "typing.TYPE_CHECKING"


@dataclass
class ModuleNames:
    """What a module's top-level names refer to, shared by every rule."""

    imports: ImportMap
    #: module-level classes -> their base expressions
    classes: dict[str, cst.ClassDef] = field(default_factory=dict)
    #: module-level functions
    functions: dict[str, cst.FunctionDef] = field(default_factory=dict)
    #: import statements found under ``if TYPE_CHECKING:``
    type_checking_imports: set[int] = field(default_factory=set)

    def resolve(self, node: cst.CSTNode | None) -> str | None:
        """Qualified name of a Name/Attribute expression (``None`` if unknown)."""
        dotted = dotted_name(node)
        return self.imports.resolve_dotted(dotted) if dotted else None

    def resolve_callee(self, node: cst.CSTNode) -> str | None:
        return self.resolve(node.func) if isinstance(node, cst.Call) else None

    def class_derives_from(self, name: str, targets: frozenset[str] | set[str], _seen: set[str] | None = None) -> bool:
        """Does module-level class ``name`` derive (transitively, in this module) from a target?"""
        seen = _seen if _seen is not None else set()
        if name in seen or name not in self.classes:
            return False
        seen.add(name)
        for base in self.classes[name].bases:
            qualified = self.resolve(base.value)
            if qualified in targets:
                return True
            if qualified and qualified.startswith(LOCAL + "."):
                if self.class_derives_from(qualified[len(LOCAL) + 1 :], targets, seen):
                    return True
        return False

    def refers_to(self, node: cst.CSTNode | None, targets: frozenset[str] | set[str], *, subclasses: bool = False) -> bool:
        """Does the expression name one of ``targets`` (or, optionally, a local subclass of one)?"""
        qualified = self.resolve(node)
        if qualified is None:
            return False
        if qualified in targets:
            return True
        if subclasses and qualified.startswith(LOCAL + "."):
            return self.class_derives_from(qualified[len(LOCAL) + 1 :], targets)
        return False

    @classmethod
    def build(cls, module: cst.Module, current: str = "", is_package: bool = False) -> ModuleNames:
        names = cls(ImportMap(current=current, is_package=is_package))
        names._scan(module.body, type_checking=False)
        return names

    def _scan(self, body: Sequence[cst.CSTNode], type_checking: bool) -> None:
        for stmt, in_tc in iter_toplevel(body, self.imports, type_checking):
            if isinstance(stmt, cst.ClassDef):
                self.classes[stmt.name.value] = stmt
                self.imports.bind_local(stmt.name.value)
            elif isinstance(stmt, cst.FunctionDef):
                self.functions[stmt.name.value] = stmt
                self.imports.bind_local(stmt.name.value)
            else:
                self._scan_small(stmt, in_tc)

    def _scan_small(self, small: cst.CSTNode, type_checking: bool) -> None:
        if isinstance(small, cst.Import):
            if type_checking:
                self.type_checking_imports.add(id(small))
            for alias in small.names:
                module = module_dotted(alias.name)
                asname = _asname(alias)
                self.imports.add_import(module, asname)
        elif isinstance(small, cst.ImportFrom):
            if type_checking:
                self.type_checking_imports.add(id(small))
            module = module_dotted(small.module) if small.module is not None else ""
            level = len(small.relative)
            if isinstance(small.names, cst.ImportStar):
                self.imports.add_from(module, level, "*", None)
            else:
                for alias in small.names:
                    self.imports.add_from(module, level, module_dotted(alias.name), _asname(alias))
        elif isinstance(small, (cst.Assign, cst.AnnAssign)):
            targets: Iterable[cst.BaseExpression]
            if isinstance(small, cst.Assign):
                targets = [t.target for t in small.targets]
            else:
                targets = [small.target]
            for target in targets:
                if isinstance(target, cst.Name) and target.value in self.imports.bindings:
                    # rebinding an imported name at module level: no longer the import
                    self.imports.bind_local(target.value)


def iter_toplevel(
    body: Sequence[cst.CSTNode], imports: ImportMap | None = None, type_checking: bool = False
) -> Iterator[tuple[cst.CSTNode, bool]]:
    """Module-level small statements, classes and defs, looking into module-level ``if``/``try``
    blocks; each with whether it sits under ``if TYPE_CHECKING:``. Lazily, so an import found
    early already resolves a later ``TYPE_CHECKING`` test."""
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                yield small, type_checking
        elif isinstance(stmt, (cst.ClassDef, cst.FunctionDef)):
            yield stmt, type_checking
        elif isinstance(stmt, cst.If):
            inner = type_checking or (imports is not None and is_type_checking_test(stmt.test, imports))
            yield from iter_toplevel(_block(stmt.body), imports, inner)
            orelse = stmt.orelse
            while orelse is not None:
                yield from iter_toplevel(_block(orelse.body), imports, type_checking)
                orelse = orelse.orelse if isinstance(orelse, cst.If) else None
        elif isinstance(stmt, (cst.Try, cst.TryStar)):
            yield from iter_toplevel(_block(stmt.body), imports, type_checking)
            for handler in stmt.handlers:
                yield from iter_toplevel(_block(handler.body), imports, type_checking)
            for extra in (stmt.orelse, stmt.finalbody):
                if extra is not None:
                    yield from iter_toplevel(_block(extra.body), imports, type_checking)


def _asname(alias: cst.ImportAlias) -> str | None:
    if alias.asname is None:
        return None
    name = alias.asname.name
    return name.value if isinstance(name, cst.Name) else None


def _block(suite: cst.BaseSuite) -> Sequence[cst.CSTNode]:
    if isinstance(suite, cst.IndentedBlock):
        return suite.body
    if isinstance(suite, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=suite.body)]
    return []


def string_value(node: cst.CSTNode | None) -> str | None:
    """The value of a plain (non-f, non-bytes) string literal or implicit concatenation."""
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        left, right = string_value(node.left), string_value(node.right)
        if left is None or right is None:
            return None
        return left + right
    return None
