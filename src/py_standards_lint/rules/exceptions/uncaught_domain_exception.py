from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.hierarchy import qualify
from py_standards_lint.analysis.raises import Guard, Oracle, cst_walk
from py_standards_lint.analysis.routes import route_model
from py_standards_lint.analysis.rule import Invalid, Rule, Valid
from py_standards_lint.base.known import BROAD, HTTP_EXCEPTION
from py_standards_lint.base.layers import ROUTES, SERVICES
from py_standards_lint.base.names import LOCAL, dotted_name

EXCEPTIONS = (
    "class DomainError(Exception):\n    pass\n\nclass StepNotFoundError(DomainError):\n    pass\n\n"
    "class StepAlreadyCompleteError(DomainError):\n    pass\n\nclass Conflict(Exception):\n    pass\n"
)
SERVICE = (
    "from app.core.exceptions import StepNotFoundError, StepAlreadyCompleteError, Conflict\n\n"
    "async def complete_step(db, step_id):\n    \"\"\"Complete.\n\n    Raises:\n        StepNotFoundError: missing.\n    \"\"\"\n"
    "    if not step_id:\n        raise StepNotFoundError(step_id)\n    _check(step_id)\n\n"
    "def _check(step_id):\n    if step_id == 'done':\n        raise StepAlreadyCompleteError(step_id)\n\n"
    "async def list_steps(db):\n    return []\n\n"
    "async def move(db):\n    \"\"\"Move.\n\n    Raises:\n        ValueError: bad input.\n    \"\"\"\n    raise ValueError('x')\n"
)
FILES = {
    "app/__init__.py": "",
    "app/core/__init__.py": "",
    "app/core/exceptions.py": EXCEPTIONS,
    "app/services/__init__.py": "from app.services.steps import complete_step\n",
    "app/services/steps.py": SERVICE,
}
ROUTE = "from fastapi import APIRouter, HTTPException\nfrom app.core.exceptions import StepNotFoundError, StepAlreadyCompleteError, DomainError\nfrom app.services import steps as step_service\n\nrouter = APIRouter()\n\n"
MAIN_HANDLER = "from fastapi import FastAPI\nfrom app.core.exceptions import DomainError\n\napp = FastAPI()\n\n@app.exception_handler(DomainError)\nasync def on_domain(request, exc):\n    return None\n"
MAIN_CATCH_ALL = "from fastapi import FastAPI\n\napp = FastAPI()\napp.add_exception_handler(Exception, handler)\n"


class UncaughtDomainException(Rule):
    code = "PSL205"
    name = "uncaught-domain-exception"
    message = "Route calls a service function whose domain exception is neither caught nor handled by an app exception handler (a 500)"
    template = "Route calls `{fn}()`, which raises {excs}: not caught here and no app exception handler for it (a 500)"
    layers = frozenset({ROUTES})
    needs_index = True
    reads_summary = True
    requires_text = ("@",)
    example_path = "app/routes/steps.py"
    why = (
        "Services raise domain exceptions; routes convert them to `HTTPException`. A documented (or raised) "
        "domain exception the route neither catches nor has an app-level handler for reaches the client as "
        "a 500 in production. A catch-all `Exception` handler does not count: it still answers 500."
    )
    example_files = FILES
    example = """\
from app.services import steps as step_service

@router.post("/{step_id}/complete")
async def complete_step(step_id: str, db: DbSession) -> None:
    await step_service.complete_step(db, step_id)  # raises StepNotFoundError
"""
    use_instead = """\
from app.core.exceptions import StepAlreadyCompleteError, StepNotFoundError
from app.services import steps as step_service

@router.post("/{step_id}/complete")
async def complete_step(step_id: str, db: DbSession) -> None:
    try:
        await step_service.complete_step(db, step_id)
    except StepNotFoundError as e:
        raise HTTPException(status_code=404, detail=str(e))
    except StepAlreadyCompleteError:
        raise HTTPException(status_code=400, detail="Step already completed")
"""
    valid = (
        Valid(
            ROUTE + "@router.post('/x')\nasync def r(db):\n    try:\n        await step_service.complete_step(db, 'x')\n"
            "    except StepNotFoundError as e:\n        raise HTTPException(404, str(e))\n    except StepAlreadyCompleteError:\n        raise HTTPException(400)\n",
            files=FILES,
        ),
        Valid(ROUTE + "@router.post('/x')\nasync def r(db):\n    try:\n        await step_service.complete_step(db, 'x')\n    except DomainError:\n        raise HTTPException(400)\n", files=FILES),
        Valid(ROUTE + "@router.get('/x')\nasync def r(db):\n    return await step_service.list_steps(db)\n", files=FILES),
        Valid(ROUTE + "@router.get('/x')\nasync def r(db):\n    return await step_service.move(db)\n", files=FILES),
        Valid(ROUTE + "@router.post('/x')\nasync def r(db):\n    await step_service.complete_step(db, 'x')\n", files={**FILES, "app/main.py": MAIN_HANDLER}),
        Valid(ROUTE + "@router.post('/x')\nasync def r(db):\n    await unknown.complete_step(db, 'x')\n", files=FILES),
        Valid(ROUTE + "@router.post('/x')\nasync def r(db, svc):\n    await svc.complete_step(db, 'x')\n", files=FILES),
        Valid(ROUTE + "async def not_a_route(db):\n    await step_service.complete_step(db, 'x')\n", files=FILES),
        Valid(
            ROUTE + "async def _helper(db):\n    await step_service.complete_step(db, 'x')\n\n@router.post('/x')\nasync def r(db):\n"
            "    try:\n        await _helper(db)\n    except DomainError:\n        raise HTTPException(400)\n",
            files=FILES,
        ),
        Valid(ROUTE + "@router.post('/x')\nasync def r(db):\n    await step_service.complete_step(db, 'x')\n", path="app/services/other.py", files=FILES),
        # class-based views: caught in the method, or in the method around a `self` helper; a method that is no route
        Valid(
            ROUTE + "@cbv(router)\nclass Steps:\n    @router.post('/x')\n    async def r(self, db):\n        try:\n            await step_service.complete_step(db, 'x')\n"
            "        except DomainError:\n            raise HTTPException(400)\n",
            files=FILES,
        ),
        Valid(
            ROUTE + "class Steps:\n    async def _do(self, db):\n        await step_service.complete_step(db, 'x')\n\n    @router.post('/x')\n    async def r(self, db):\n"
            "        try:\n            await self._do(db)\n        except DomainError:\n            raise HTTPException(400)\n",
            files=FILES,
        ),
        Valid(ROUTE + "class Steps:\n    async def helper(self, db):\n        await step_service.complete_step(db, 'x')\n", files=FILES),
    )
    invalid = (
        Invalid(ROUTE + "@router.post('/x')\nasync def r(db):\n    await step_service.complete_step(db, 'x')\n", line=9, col=11, files=FILES),
        Invalid(
            ROUTE + "async def _helper(db):\n    await step_service.complete_step(db, 'x')\n\n@router.post('/x')\nasync def r(db):\n    await _helper(db)\n\n"
            "@router.post('/y')\nasync def s(db):\n    await _helper(db)\n",
            line=8, col=11, files=FILES,
        ),
        Invalid(
            ROUTE + "@router.post('/x')\nasync def r(db):\n    try:\n        await step_service.complete_step(db, 'x')\n"
            "    except StepNotFoundError as e:\n        raise HTTPException(404, str(e))\n",
            line=10, col=15, files=FILES,
        ),
        Invalid(
            "from fastapi import APIRouter\nfrom app.services import complete_step\n\nrouter = APIRouter()\n\n"
            "@router.post('/x')\nasync def r(db):\n    await complete_step(db, 'x')\n",
            line=8, col=11, files=FILES,
        ),
        Invalid(
            ROUTE + "async def _helper(db):\n    await step_service.complete_step(db, 'x')\n\n@router.post('/x')\nasync def r(db):\n    await _helper(db)\n",
            line=8, col=11, files=FILES,
        ),
        Invalid(ROUTE + "@router.post('/x')\nasync def r(db):\n    await step_service.complete_step(db, 'x')\n", line=9, col=11, files={**FILES, "app/main.py": MAIN_CATCH_ALL}),
        Invalid(
            ROUTE + "@router.post('/x')\nasync def r(db):\n    try:\n        await step_service.complete_step(db, 'x')\n    except StepAlreadyCompleteError:\n        pass\n"
            "    finally:\n        pass\n",
            line=10, col=15, files=FILES,
        ),
        # class-based views: in the method itself, and through a same-class helper called on `self`
        Invalid(
            ROUTE + "@cbv(router)\nclass Steps:\n    @router.post('/x')\n    async def r(self, db):\n        await step_service.complete_step(db, 'x')\n",
            line=11, col=15, files=FILES,
        ),
        Invalid(
            ROUTE + "class Steps:\n    async def _do(self, db):\n        await step_service.complete_step(db, 'x')\n\n    @router.post('/x')\n    async def r(self, db):\n"
            "        await self._do(db)\n",
            line=9, col=15, files=FILES,
        ),
    )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self.ctx.index is None or self.ctx.summary is None or len(self.ctx.functions) != 1:
            return
        owners = {id(e.function): e.owner for e in route_model(self.ctx).endpoints}  # functions and class-based views' methods
        endpoints = set(owners)
        if id(node) not in endpoints:
            return
        if "handled" not in self.__dict__:  # once per file, not once per route
            self.oracle = Oracle(self.ctx.summary, self.ctx.index)
            self.handled = self.ctx.index.exception_handlers() | self.ctx.summary.exception_handlers
        self.reported: set[int] = self.__dict__.get("reported", set())  # a helper shared by routes: once
        self._check(node, (), {node.name.value}, endpoints, owners[id(node)])

    def _check(
        self, function: cst.FunctionDef, outer: tuple[Guard, ...], seen: set[str], endpoints: set[int], owner: cst.ClassDef | None = None
    ) -> None:
        summary = self.ctx.summary

        def qualify_node(n: cst.CSTNode) -> str | None:
            return qualify(summary, dotted_name(n))

        for inner, guards in cst_walk(function.body, qualify_node, outer):
            if not isinstance(inner, cst.Call):
                continue
            method = _own_method(owner, inner.func, function)
            if method is not None:  # ``self._load()`` in a class-based view: a same-class helper
                if id(method) not in endpoints and f"self.{method.name.value}" not in seen:
                    self._check(method, guards, seen | {f"self.{method.name.value}"}, endpoints, owner)
                continue
            target = qualify_node(inner.func)
            if target is None:
                continue
            module, _, name = target.rpartition(".")
            if summary is not None and module == summary.name:
                helper = self.ctx.names.functions.get(name)
                if helper is not None and id(helper) not in endpoints and name not in seen:
                    self._check(helper, guards, seen | {name}, endpoints)
                continue
            located = self._locate(target)
            if located is None or located[0].layer != SERVICES:
                continue
            service, fn_name = located
            uncaught = sorted(e for e in self._raised(service, fn_name) if not self.oracle.caught(guards, e) and not self._handled(e))
            if uncaught and id(inner) not in self.reported:
                self.reported.add(id(inner))
                excs = ", ".join(f"`{e.rpartition('.')[2]}`" for e in uncaught)
                self.report(inner, self.template.format(fn=fn_name, excs=excs))

    def _locate(self, qualified: str, depth: int = 0):
        index = self.ctx.index
        found = index.split(qualified) if index is not None else None
        if found is None or depth > 5:
            return None
        module, name = found
        if name in module.functions:
            return module, name
        reexport = module.imports.bindings.get(name)
        if reexport and reexport != qualified and not reexport.startswith(LOCAL):
            return self._locate(reexport, depth + 1)
        return None

    def _raised(self, service, fn_name: str) -> set[str]:
        """Domain exceptions the service function raises: documented, or escaping its body (as PSL203 sees them)."""
        fn = service.functions[fn_name]
        candidates = {qualify(service, name) for name in fn.documented} | set(self.oracle.escaping(service, fn_name))
        tree = self.oracle.hierarchy
        return {
            exc
            for exc in candidates
            if exc
            and tree.is_project_class(exc)
            and tree.is_exception(exc)
            and not tree.is_subclass(exc, HTTP_EXCEPTION)
        }

    def _handled(self, exc: str) -> bool:
        bases = (self.oracle.hierarchy.bases(exc) | {exc}) - BROAD
        return bool(bases & self.handled)


def _own_method(owner: cst.ClassDef | None, func: cst.BaseExpression, caller: cst.FunctionDef) -> cst.FunctionDef | None:
    """``self.name`` / ``cls.name`` called in a method of ``owner``: that class's own method ``name``
    (a plain ``def`` in its body), when the caller's first parameter is that receiver."""
    if owner is None or not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Name):
        return None
    params = [*caller.params.posonly_params, *caller.params.params]
    if not params or params[0].name.value != func.value.value or func.value.value not in ("self", "cls"):
        return None
    if not isinstance(owner.body, cst.IndentedBlock):
        return None
    found = None
    for stmt in owner.body.body:
        if isinstance(stmt, cst.FunctionDef) and stmt.name.value == func.attr.value:
            found = stmt  # the last definition wins
        elif isinstance(stmt, cst.SimpleStatementLine) and any(
            isinstance(t, cst.Name) and t.value == func.attr.value
            for small in stmt.body if isinstance(small, (cst.Assign, cst.AnnAssign))
            for t in ([x.target for x in small.targets] if isinstance(small, cst.Assign) else [small.target])
        ):
            found = None  # rebound to something else
    return found
