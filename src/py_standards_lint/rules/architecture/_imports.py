"""Shared by the layer-import rules (PSL102, PSL104, PSL106, PSL108): the absolute modules an
import statement brings in, resolved through the module's own package (relative imports too)."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from py_standards_lint.analysis.context import FileContext
from py_standards_lint.analysis.index import ProjectIndex
from py_standards_lint.base.layers import layer_for
from py_standards_lint.base.names import module_dotted, resolve_relative
from py_standards_lint.base.settings import Settings


def imported(node: cst.Import | cst.ImportFrom, ctx: FileContext) -> Iterator[str]:
    """Each absolute module (or ``module.name`` for ``from module import name``) the statement imports."""
    if isinstance(node, cst.Import):
        for alias in node.names:
            yield module_dotted(alias.name)
        return
    imports = ctx.names.imports
    module = module_dotted(node.module) if node.module is not None else ""
    absolute = resolve_relative(module, len(node.relative), imports.current, imports.is_package)
    if isinstance(node.names, cst.ImportStar):
        yield absolute
        return
    for alias in node.names:
        name = module_dotted(alias.name)
        yield f"{absolute}.{name}" if absolute else name


def under_type_checking(node: cst.CSTNode, ctx: FileContext) -> bool:
    """Imports under ``if TYPE_CHECKING:`` never count (they do not run)."""
    return ctx.type_checking > 0 or id(node) in ctx.names.type_checking_imports


def in_module(qualified: str, modules: tuple[str, ...] | frozenset[str] | set[str]) -> bool:
    return any(qualified == m or qualified.startswith(m + ".") for m in modules)


def layer_of_import(target: str, ctx: FileContext) -> str | None:
    """Layer of the project module ``target`` names (``pkg.module.attr`` falls back to ``pkg.module``)."""
    return layer_of_module_named(target, ctx.index, ctx.module_name, ctx.settings)


def layer_of_module_named(target: str, index: ProjectIndex | None, module_name: str, settings: Settings) -> str | None:
    """:func:`layer_of_import` for a file known by its module name (a gate has no context yet)."""
    if index is None:
        return None
    if index.module(target) is not None or index.module(target.rpartition(".")[0]) is not None:
        return index.layer_of_module(target)
    # not (yet) in the index, e.g. a file being written: a module of this module's own top-level
    # package is still a project module, and its path decides its layer
    top = module_name.split(".")[0]
    if "." in module_name and target.split(".")[0] == top:
        return layer_for(target.replace(".", "/") + ".py", settings["layers"])
    return None
