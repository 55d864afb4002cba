from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from py_standards_lint.analysis.edits import import_name
from py_standards_lint.analysis.routes import Endpoint, route_model
from py_standards_lint.analysis.rule import Invalid, Rule, Valid
from py_standards_lint.analysis.sessions import SESSION_TYPES
from py_standards_lint.base.finding import SAFE, Fix
from py_standards_lint.base.layers import ROUTES, TESTS
from py_standards_lint.base.names import LOCAL
from py_standards_lint.base.settings import Option

DEPENDS = frozenset({"fastapi.Depends"})
ANNOTATED = frozenset({"typing.Annotated"})
DI_ALIASES = Option(
    "di-aliases",
    "str-map",
    {},
    "Pre-built dependency aliases: a table of qualified alias = qualified dependency function, e.g. "
    '{ "app.core.auth.UserId" = "app.core.auth.get_current_user_id" }. Added to the aliases the project '
    "index finds (module-level `Alias = Annotated[T, Depends(fn)]`); configured ones are preferred by the fix.",
)

AUTH = (
    "from typing import Annotated\n\nfrom fastapi import Depends\n\n\n"
    "async def get_current_user_id() -> str: ...\n\n\nUserId = Annotated[str, Depends(get_current_user_id)]\n"
)
DATABASE = (
    "from typing import Annotated\n\nfrom fastapi import Depends\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\n\n"
    "async def get_db(): ...\n\n\nDbSession = Annotated[AsyncSession, Depends(get_db)]\n"
    "DbSessionReadOnly = Annotated[AsyncSession, Depends(get_db)]\n"
)
FILES = {"app/core/auth.py": AUTH, "app/core/database.py": DATABASE}
#: (rev 3) a project session NewType and a look-alike, a package re-exporting a dependency, a PEP 695 alias
KIT = {
    **FILES,
    "app/__init__.py": "",
    "app/core/__init__.py": "from .database import get_db\n",
    "app/kit/__init__.py": "",
    "app/kit/db.py": (
        "from typing import NewType\nfrom sqlalchemy.orm import Session as _S\n\n"
        "Session = NewType('Session', _S)\nclass Store:\n    pass\n"
    ),
    "app/kit/types.py": "from app.kit.db import Session\n\ntype Sync = Session\n\ndef ident[T](x: T) -> T:\n    return x\n",
}
HEAD = "from fastapi import APIRouter, Depends\n\nfrom app.core.auth import get_current_user_id\n\nrouter = APIRouter()\n\n"


@dataclass
class _Raw:
    """A parameter using ``Depends(...)`` directly."""

    param: cst.Param
    #: qualified dependency (``None`` when it cannot be resolved)
    dependency: str | None
    #: ``Depends(...)`` is the default (not inside ``Annotated``)
    as_default: bool
    #: the alias may replace the parameter's annotation/default as a whole
    replaceable: bool
    is_session: bool


class RawDepends(Rule):
    code = "PSL609"
    name = "raw-depends"
    message = "Route `{function}` uses raw `Depends(...)`: {details}"
    layers = frozenset({ROUTES})
    requires_text = ("Depends",)
    needs_index = True
    reads_summary = True
    options = (DI_ALIASES,)
    fix_safety = SAFE
    example_path = "app/routes/items.py"
    why = (
        "The standards ask routes to use the pre-built dependency aliases (`UserId`, `DbSession`, ... from "
        "`core.auth` / `core.database`, which wrap `Annotated[T, Depends(...)]`) instead of raw `Depends()` "
        "calls: one definition of each dependency, shorter signatures, no drift between routes. Aliases come "
        "from the `di-aliases` option and from the project index (any module-level `Alias = Annotated[T, "
        "Depends(fn)]`). A DB session parameter (`AsyncSession`/`Session`) built with `Depends` is flagged even "
        "when no alias is known. Dependencies with no alias are not flagged."
    )
    example = (
        "from fastapi import APIRouter, Depends\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\nfrom app.core.database import get_db\n\n"
        'router = APIRouter()\n\n@router.get("/items")\nasync def list_items(db: AsyncSession = Depends(get_db)) -> list[dict]: ...\n'
    )
    use_instead = (
        "from fastapi import APIRouter\n\nfrom app.core.database import DbSession\n\n"
        'router = APIRouter()\n\n@router.get("/items")\nasync def list_items(db: DbSession) -> list[dict]: ...\n'
    )
    me = HEAD + '@router.get("/me")\nasync def me(user_id: str = Depends(get_current_user_id)) -> dict: ...\n'
    fixed_me = HEAD.replace("get_current_user_id", "get_current_user_id, UserId") + '@router.get("/me")\nasync def me(user_id: UserId) -> dict: ...\n'
    fix_notes = (
        "Rewrites each such parameter to `name: Alias` (dropping the `= Depends(...)` default) and imports the alias. "
        "When the parameter loses its default after one that keeps a default, it moves before the first defaulted "
        "parameter (FastAPI passes arguments by keyword). Among several aliases of one dependency, configured ones "
        "win, then the shortest name. `Depends(fn, use_cache=False)` is not what an alias does and is not flagged; no fix for "
        "`Annotated[T, Depends(fn), <more metadata>]`."
    )
    valid = (
        Valid(use_instead, files=FILES),
        # (rev 3) a project class that is no session, with Depends and no alias
        Valid(
            "from fastapi import APIRouter, Depends\nfrom app.kit.db import Store\n\nrouter = APIRouter()\n\ndef get_store(): ...\n\n"
            '@router.get("/x")\ndef x(db: Store = Depends(get_store)): ...\n',
            files=KIT,
        ),
        Valid(fixed_me, files=FILES),
        # no alias for this dependency
        Valid(HEAD + "def get_settings(): ...\n\n" '@router.get("/s")\nasync def s(settings: dict = Depends(get_settings)): ...\n', files=FILES),
        # not a route
        Valid(HEAD + "async def helper(user_id: str = Depends(get_current_user_id)): ...\n", files=FILES),
        # router-level dependencies are not in a signature
        Valid(HEAD + '@router.get("/x", dependencies=[Depends(get_current_user_id)])\nasync def x(): ...\n', files=FILES),
        # Depends with options is not the alias
        Valid(HEAD + '@router.get("/x")\nasync def x(u: str = Depends(get_current_user_id, use_cache=False)): ...\n', files=FILES),
        # a local function named Depends is not FastAPI's
        Valid(
            "from fastapi import APIRouter\nfrom app.core.auth import get_current_user_id\n\ndef Depends(fn):\n    return fn\n\nrouter = APIRouter()\n\n"
            '@router.get("/x")\nasync def x(u: str = Depends(get_current_user_id)): ...\n',
            files=FILES,
        ),
        Valid(HEAD + '# async def x(u: str = Depends(get_current_user_id))\nTEXT = "Depends(get_current_user_id)"\n', files=FILES),
        Valid(HEAD + '@router.get("/me")\nasync def me(user_id: str = Depends(get_current_user_id)) -> dict: ...\n', files=FILES, path="app/core/me.py"),
        # an alias defined in the tests does not count
        Valid(
            HEAD + '@router.get("/me")\nasync def me(user_id: str = Depends(get_current_user_id)) -> dict: ...\n',
            files={"tests/helpers.py": AUTH.replace("async def get_current_user_id() -> str: ...", "from app.core.auth import get_current_user_id")},
        ),
    )
    invalid = (
        # (rev 3) a project NewType of Session (through a PEP 695 alias) built with Depends, no alias known
        Invalid(
            "from fastapi import APIRouter, Depends\nfrom app.kit.types import Sync\n\nrouter = APIRouter()\n\ndef get_s(): ...\n\n"
            '@router.get("/x")\ndef x(db: Sync = Depends(get_s)): ...\n',
            line=8, col=1, files=KIT,
        ),
        # (rev 3) the dependency re-exported by a package __init__ has the alias of the original
        Invalid(
            "from fastapi import APIRouter, Depends\nfrom app.core import get_db\n\nrouter = APIRouter()\n\n"
            '@router.get("/x")\ndef x(db=Depends(get_db)): ...\n',
            line=6, col=1, files=KIT,
        ),
        Invalid(me, line=7, col=1, files=FILES, fixed=fixed_me),
        Invalid(
            example,
            line=8,
            col=1,
            files=FILES,
            fixed=example.replace("import get_db", "import get_db, DbSession").replace("AsyncSession = Depends(get_db)", "DbSession"),
        ),
        # inline Annotated, an aliased import of Depends, the alias module already imported from
        Invalid(
            "from typing import Annotated\n\nfrom fastapi import APIRouter, Depends as D\n\nfrom app.core.auth import get_current_user_id as current\n\nrouter = APIRouter()\n\n"
            '@router.post("/x")\nasync def x(u: Annotated[str, D(current)], n: int = 0): ...\n',
            line=9,
            col=1,
            files=FILES,
            fixed="from typing import Annotated\n\nfrom fastapi import APIRouter, Depends as D\n\nfrom app.core.auth import get_current_user_id as current, UserId\n\nrouter = APIRouter()\n\n"
            '@router.post("/x")\nasync def x(u: UserId, n: int = 0): ...\n',
        ),
        # a session with raw Depends, two aliases for get_db (the shortest wins), a new import line;
        # the parameter that loses its default moves before the first defaulted one
        Invalid(
            "from fastapi import APIRouter, Depends\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\nfrom app.core.database import get_db\n\nrouter = APIRouter()\n\n\n"
            '@router.get("/x")\nasync def x(\n    item_id: str,\n    limit: int = 10,\n    db: AsyncSession = Depends(get_db),\n) -> dict: ...\n',
            line=9,
            col=1,
            files=FILES,
            fixed="from fastapi import APIRouter, Depends\nfrom sqlalchemy.ext.asyncio import AsyncSession\n\nfrom app.core.database import get_db, DbSession\n\nrouter = APIRouter()\n\n\n"
            '@router.get("/x")\nasync def x(\n    item_id: str,\n    db: DbSession,\n    limit: int = 10,\n) -> dict: ...\n',
        ),
        # a session with Depends and no alias anywhere: flagged, no fix
        Invalid(
            "from fastapi import APIRouter, Depends\nfrom sqlalchemy.orm import Session\n\nrouter = APIRouter()\n\ndef get_session(): ...\n\n"
            '@router.get("/x")\ndef x(db: Session = Depends(get_session)): ...\n',
            line=8,
            col=1,
        ),
        # a configured alias (not visible to the index); keyword-only parameter; stacked routes report once
        Invalid(
            "import fastapi\n\nfrom app.security import require_admin\n\nadmin = fastapi.APIRouter()\n\n"
            '@admin.delete("/a")\n@admin.delete("/b")\ndef d(*, who=fastapi.Depends(require_admin), force: bool = False): ...\n',
            line=7,
            col=1,
            settings={"di-aliases": {"app.security.Admin": "app.security.require_admin"}},
            fixed="import fastapi\n\nfrom app.security import require_admin, Admin\n\nadmin = fastapi.APIRouter()\n\n"
            '@admin.delete("/a")\n@admin.delete("/b")\ndef d(*, who: Admin, force: bool = False): ...\n',
        ),
        # the alias name is taken by something else here: flagged, not fixed
        Invalid(
            HEAD + "UserId = int\n\n" '@router.get("/me")\nasync def me(user_id: str = Depends(get_current_user_id)): ...\n',
            line=9,
            col=1,
            files=FILES,
            fixed=HEAD + "UserId = int\n\n" '@router.get("/me")\nasync def me(user_id: str = Depends(get_current_user_id)): ...\n',
        ),
        # the alias's module is imported as a module: a new import line
        Invalid(
            '"""Me."""\nfrom fastapi import APIRouter, Depends\n\nfrom app.core import auth\n\nrouter = APIRouter()\n\n'
            '@router.get("/me")\nasync def me(user_id=Depends(auth.get_current_user_id)): ...\n',
            line=8,
            col=1,
            files=FILES,
            fixed='"""Me."""\nfrom app.core.auth import UserId\nfrom fastapi import APIRouter, Depends\n\nfrom app.core import auth\n\nrouter = APIRouter()\n\n'
            '@router.get("/me")\nasync def me(user_id: UserId): ...\n',
        ),
        # Depends() with no argument depends on the annotation
        Invalid(
            "from fastapi import APIRouter, Depends\n\nfrom app.core.auth import Service\n\nrouter = APIRouter()\n\n"
            '@router.get("/x")\ndef x(svc: Service = Depends()): ...\n',
            line=7,
            col=1,
            settings={"di-aliases": {"app.core.auth.ServiceDep": "app.core.auth.Service"}},
            files=FILES,
            fixed="from fastapi import APIRouter, Depends\n\nfrom app.core.auth import Service, ServiceDep\n\nrouter = APIRouter()\n\n"
            '@router.get("/x")\ndef x(svc: ServiceDep): ...\n',
        ),
    )

    def visit_Module(self, node: cst.Module) -> None:
        aliases = self._aliases()
        for endpoint in route_model(self.ctx).endpoints:
            raws = [r for r in (self._raw(p) for p in endpoint.params) if r is not None]
            found = [(r, aliases.get(r.dependency or "", [])) for r in raws]
            found = [(r, a) for r, a in found if a or r.is_session]
            if not found:
                continue
            details = "; ".join(
                f"`{r.param.name.value}`: use `{a[0].rpartition('.')[2]}` ({a[0]})" if a else f"`{r.param.name.value}`: a DB session built with `Depends` (declare an alias once, `DbSession = Annotated[AsyncSession, Depends(...)]`, and annotate with it)"
                for r, a in found
            )
            first = min(endpoint.routes, key=lambda r: r.decorator_index)
            message = self.message.format(function=endpoint.name, details=details)
            self.report(first.decorator, message, self._fix(endpoint, [(r, a[0]) for r, a in found if a and r.replaceable]))

    # -- facts -------------------------------------------------------------------------
    def _aliases(self) -> dict[str, list[str]]:
        """Qualified dependency -> the qualified aliases wrapping it, preferred first."""
        out: dict[str, list[str]] = {}
        index = self.ctx.index

        def canonical(dependency: str) -> str:
            return (index.canonical(dependency) if index is not None else None) or dependency

        for alias, dependency in self.ctx.settings["di-aliases"].items():
            out.setdefault(canonical(dependency), []).append(alias)
        if index is not None:
            found = sorted(index.di_aliases().items(), key=lambda item: (len(item[0].rpartition(".")[2]), item[0]))
            for alias, dependency in found:
                dependency = canonical(dependency)
                module = index.module(alias.rpartition(".")[0])
                if module is not None and module.layer == TESTS:
                    continue  # a test helper's alias is nothing a route should import
                if alias not in out.get(dependency, []):
                    out.setdefault(dependency, []).append(alias)
        return out

    def _qualify(self, expr: cst.BaseExpression | None) -> str | None:
        qualified = self.ctx.names.resolve(expr) if expr is not None else None
        if qualified is not None and qualified.startswith(LOCAL + "."):
            return f"{self.ctx.module_name}.{qualified[len(LOCAL) + 1:]}"
        return qualified

    def _raw(self, param: cst.Param) -> _Raw | None:
        names = self.ctx.names
        annotation = param.annotation.annotation if param.annotation is not None else None
        if isinstance(param.default, cst.Call) and names.refers_to(param.default.func, DEPENDS):
            return self._depends(param, param.default, annotation, as_default=True, extra=False)
        if isinstance(annotation, cst.Subscript) and names.refers_to(annotation.value, ANNOTATED):
            elements = [e.slice.value for e in annotation.slice if isinstance(e.slice, cst.Index)]
            for element in elements[1:]:
                if isinstance(element, cst.Call) and names.refers_to(element.func, DEPENDS):
                    return self._depends(param, element, elements[0], as_default=False, extra=len(elements) != 2)
        return None

    def _depends(self, param: cst.Param, call: cst.Call, typ: cst.BaseExpression | None, as_default: bool, extra: bool) -> _Raw | None:
        positional = [a for a in call.args if a.keyword is None and not a.star]
        keywords = {a.keyword.value: a for a in call.args if a.keyword is not None}
        if any(a.star for a in call.args) or set(keywords) - {"dependency"} or len(positional) + len(keywords) > 1:
            return None  # Depends(fn, use_cache=False): not what an alias does
        target = positional[0].value if positional else keywords["dependency"].value if keywords else typ
        # (rev 3) a session type across the project: a project NewType/alias/subclass/re-export of one
        is_session = typ is not None and (self.ctx.names.refers_to(typ, SESSION_TYPES) or self.ctx.derives(typ, SESSION_TYPES))
        return _Raw(param, self._dependency(target), as_default, not extra, is_session)

    def _dependency(self, target: cst.BaseExpression | None) -> str | None:
        """The dependency's canonical name (a re-export of ``get_db`` is ``get_db``), else as qualified here."""
        return (self.ctx.resolve(target) if target is not None else None) or self._qualify(target)

    # -- the fix ---------------------------------------------------------------------
    def _fix(self, endpoint: Endpoint, todo: list[tuple[_Raw, str]]) -> Fix | None:
        edits: list[tuple[cst.CSTNode, object]] = []
        replaced: dict[int, cst.Param] = {}
        imported: set[str] = set()
        for raw, alias in todo:
            module, _, name = alias.rpartition(".")
            found = import_name(self.ctx, module, name)
            if found is None or (module == self.ctx.module_name and not self._defined_before(name, endpoint)):
                continue
            local, import_edits = found
            if alias not in imported:
                imported.add(alias)
                edits.extend(e for e in import_edits if all(e[0] is not done for done, _ in edits))
            param = raw.param
            annotation = (param.annotation or cst.Annotation(cst.Name(local))).with_changes(annotation=cst.Name(local))
            new = param.with_changes(annotation=annotation)
            if raw.as_default:
                new = new.with_changes(default=None, equal=cst.MaybeSentinel.DEFAULT)
            replaced[id(param)] = new
        if not replaced:
            return None
        function = _rebuild(endpoint.function, replaced)
        if function is None:
            return None
        return Fix(SAFE, "Use the dependency alias", [(endpoint.function, function), *edits])

    def _defined_before(self, name: str, endpoint: Endpoint) -> bool:
        """A same-module alias must be bound before the route's ``def`` evaluates its annotations."""
        for stmt in self.ctx.module.body:
            if stmt is endpoint.function:
                return False
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target] if isinstance(small, cst.AnnAssign) else []
                    if any(isinstance(t, cst.Name) and t.value == name for t in targets):
                        return True
        return False


def _rebuild(function: cst.FunctionDef, replaced: dict[int, cst.Param]) -> cst.FunctionDef | None:
    """The function with its parameters replaced, in an order Python accepts: a parameter that lost
    its default moves before the first positional-or-keyword parameter that has one."""
    params = function.params
    posonly = [replaced.get(id(p), p) for p in params.posonly_params]
    regular = [replaced.get(id(p), p) for p in params.params]
    kwonly = [replaced.get(id(p), p) for p in params.kwonly_params]
    posonly_default = any(p.default is not None for p in posonly)
    if posonly_default and any(p.default is None for p in regular):
        return None  # every later positional parameter needs a default
    if any(p.default is None for p in posonly[_first_default(posonly):]) if posonly_default else False:
        return None
    first = _first_default(regular)
    if any(p.default is None for p in regular[first:]):
        commas = [p.comma for p in regular]
        moved = [p for p in regular[first:] if p.default is None]
        kept = [p for p in regular[first:] if p.default is not None]
        regular = regular[:first] + moved + kept
        regular = [p.with_changes(comma=_comma(p.comma, slot)) for p, slot in zip(regular, commas)]
    return function.with_changes(
        params=params.with_changes(posonly_params=posonly, params=regular, kwonly_params=kwonly)
    )


def _comma(own: object, slot: object) -> object:
    """The comma for a parameter moved into ``slot``'s position: the slot's layout (line breaks,
    indentation of what follows), the parameter's own trailing comment."""
    if isinstance(own, cst.Comma) and isinstance(slot, cst.Comma):
        mine, theirs = own.whitespace_after, slot.whitespace_after
        if isinstance(mine, cst.ParenthesizedWhitespace) and isinstance(theirs, cst.ParenthesizedWhitespace):
            return slot.with_changes(whitespace_after=theirs.with_changes(first_line=mine.first_line))
    return slot


def _first_default(params: list[cst.Param]) -> int:
    for i, param in enumerate(params):
        if param.default is not None:
            return i
    return len(params)
