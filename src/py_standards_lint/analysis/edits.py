"""Edits rules build their fixes from: adding an import, importing a name under a free local name, adding a
parameter. Below the rules (and the engine), so a rule never reaches up to ``engine/fixes.py``."""

from __future__ import annotations

from typing import Any

import libcst as cst

from py_standards_lint.analysis.context import FileContext
from py_standards_lint.base.names import LOCAL, canonical, iter_toplevel, module_dotted, resolve_relative

Edit = tuple[cst.CSTNode, Any]


def import_name(ctx: FileContext, module: str, name: str) -> tuple[str, list[Edit]] | None:
    """The local name under which ``module.name`` can be used in the checked module, and the
    edits importing it when it is not imported yet; ``None`` when ``name`` is taken by
    something else (no fix then)."""
    target = canonical(f"{module}.{name}")
    bindings = ctx.names.imports.bindings
    if module == ctx.module_name:
        own = bindings.get(name) == f"{LOCAL}.{name}" or name not in bindings and name in _assigned(ctx)
        return (name, []) if own else None
    type_checking_only = _type_checking_names(ctx)
    for local, qualified in bindings.items():
        if canonical(qualified) == target and local not in ctx.names.functions and local not in ctx.names.classes:
            # an import under ``if TYPE_CHECKING:`` is not there when FastAPI reads the signature
            return (local, []) if local not in type_checking_only else None
    if name in bindings or name in _assigned(ctx):
        return None
    existing = _from_import(ctx, module)
    if existing is not None:
        return name, [(existing, _with_alias(existing, name))]
    edit = add_import(ctx.module, f"from {module} import {name}")
    return name, [edit] if edit is not None else []


def _type_checking_names(ctx: FileContext) -> set[str]:
    out: set[str] = set()
    for stmt, in_tc in iter_toplevel(ctx.module.body, ctx.names.imports):
        if in_tc and isinstance(stmt, (cst.Import, cst.ImportFrom)) and not isinstance(stmt.names, cst.ImportStar):
            for alias in stmt.names:
                bound: cst.BaseExpression = alias.asname.name if alias.asname is not None else alias.name
                while isinstance(bound, cst.Attribute):
                    bound = bound.value
                if isinstance(bound, cst.Name):
                    out.add(bound.value)
    return out


def _assigned(ctx: FileContext) -> set[str]:
    """Names bound by module-level assignments (``UserId = int``)."""
    out: set[str] = set()
    for stmt, _ in iter_toplevel(ctx.module.body):
        targets: list[cst.BaseExpression] = []
        if isinstance(stmt, cst.Assign):
            targets = [t.target for t in stmt.targets]
        elif isinstance(stmt, (cst.AnnAssign, cst.AugAssign)):
            targets = [stmt.target]
        for target in targets:
            elements = [e.value for e in target.elements] if isinstance(target, (cst.Tuple, cst.List)) else [target]
            out.update(e.value for e in elements if isinstance(e, cst.Name))
    return out


def _from_import(ctx: FileContext, module: str) -> cst.ImportFrom | None:
    """A plain module-level ``from <module> import a, b`` (absolute or relative), not under TYPE_CHECKING."""
    for stmt in ctx.module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if not isinstance(small, cst.ImportFrom) or isinstance(small.names, cst.ImportStar):
                continue
            if id(small) in ctx.names.type_checking_imports:
                continue
            name = module_dotted(small.module) if small.module is not None else ""
            absolute = resolve_relative(name, len(small.relative), ctx.names.imports.current, ctx.names.imports.is_package)
            if absolute == module:
                return small
    return None


def _with_alias(node: cst.ImportFrom, name: str) -> cst.ImportFrom:
    names = list(node.names)  # type: ignore[arg-type]
    last = names[-1]
    if isinstance(last.comma, cst.Comma):  # a trailing comma: the new name goes after it, same layout
        layout = names[-2].comma if len(names) > 1 and isinstance(names[-2].comma, cst.Comma) else last.comma
        names[-1] = last.with_changes(comma=layout)
        names.append(cst.ImportAlias(name=cst.Name(name), comma=last.comma))
    else:
        names[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        names.append(cst.ImportAlias(name=cst.Name(name)))
    return node.with_changes(names=names)


def insert_first_param(function: cst.FunctionDef, param: cst.Param, receiver: cst.Param | None = None) -> cst.FunctionDef | None:
    """``function`` with ``param`` (no default) first among its positional-or-keyword parameters
    (after a method's ``receiver``, ``self``/``cls``, when that is one of them); ``None`` when Python
    would reject that (a positional-only parameter with a default before it)."""
    params = function.params
    if any(p.default is not None for p in params.posonly_params):
        return None
    if receiver is not None and params.params and params.params[0] is receiver:
        rest = params.params[1:]
        more: bool = bool(rest) or params.star_arg is not cst.MaybeSentinel.DEFAULT or bool(params.kwonly_params) or params.star_kwarg is not None
        space = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        own = receiver.comma if isinstance(receiver.comma, cst.Comma) else None
        if own is not None and _breaks_line(own):  # one parameter a line: the same layout
            new = [receiver, param.with_changes(comma=own), *rest]
        else:
            new = [receiver.with_changes(comma=space), param.with_changes(comma=space if more else cst.MaybeSentinel.DEFAULT), *rest]
        return function.with_changes(params=params.with_changes(params=new))
    if params.params:
        first = params.params[0]
        comma = first.comma if isinstance(first.comma, cst.Comma) and _breaks_line(first.comma) else cst.Comma(
            whitespace_after=cst.SimpleWhitespace(" ")
        )
        new = [param.with_changes(comma=comma), *params.params]
    else:
        trailing = params.star_arg is not cst.MaybeSentinel.DEFAULT or params.kwonly_params or params.star_kwarg is not None
        new = [param.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")) if trailing else cst.MaybeSentinel.DEFAULT)]
    return function.with_changes(params=params.with_changes(params=new))


def _breaks_line(comma: cst.Comma) -> bool:
    return isinstance(comma.whitespace_after, cst.ParenthesizedWhitespace)


# -- adding an import -------------------------------------------------------------------


def add_import(module: cst.Module, statement: str) -> tuple[cst.CSTNode, Any] | None:
    """An edit adding ``statement`` (e.g. ``"from fastapi import Request"``) after the module's
    docstring and ``__future__`` imports, or ``None`` when the module already has that exact line."""
    new_line = cst.parse_statement(statement + "\n")
    code = statement.strip()
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine) and module.code_for_node(stmt).strip() == code:
            return None
    for index, stmt in enumerate(module.body):
        if _is_preamble(stmt, index):
            continue
        # the blank lines / comments above the statement now sit above the import
        moved = new_line.with_changes(leading_lines=stmt.leading_lines)
        return stmt, cst.FlattenSentinel([moved, stmt.with_changes(leading_lines=[])])
    if module.body:
        last = module.body[-1]
        return last, cst.FlattenSentinel([last, new_line])
    return module, module.with_changes(body=[new_line])


def _is_preamble(stmt: cst.CSTNode, index: int) -> bool:
    if not isinstance(stmt, cst.SimpleStatementLine):
        return False
    small = stmt.body[0]
    if index == 0 and isinstance(small, cst.Expr) and isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString)):
        return True
    return isinstance(small, cst.ImportFrom) and isinstance(small.module, cst.Name) and small.module.value == "__future__"
