from __future__ import annotations

import ast

import libcst as cst

from py_standards_lint.analysis.external import (
    HTTPX_CLIENT_TYPES,
    CallParts,
    ast_dotted,
    ast_nodes,
    call_parts_ast,
    call_parts_cst,
    local_clients_ast,
    local_clients_cst,
)
from py_standards_lint.analysis.hierarchy import qualify
from py_standards_lint.analysis.rule import NOT_TESTS, Invalid, Rule, Valid
from py_standards_lint.base.fastwalk import walk
from py_standards_lint.base.known import BROAD
from py_standards_lint.base.names import dotted_name

SERVICE = "import httpx\n\n"
FILES = {
    "app/__init__.py": "",
    "app/clients/__init__.py": "",
    "app/clients/github.py": (
        "import httpx\n\nasync def fetch(url):\n    async with httpx.AsyncClient() as c:\n        return await c.get(url)\n\n"
        "def local_only(x):\n    return x\n"
    ),
}
#: (rev 3) calls out across modules: a chain through a package re-export, a PEP 695 module, guarded callees,
#: a lazily imported SDK
CHAIN = {
    **FILES,
    "app/kit/__init__.py": "from .relay import relay\n",
    "app/kit/relay.py": "from app.kit.newer import pull\n\ndef relay(url):\n    return pull(url)\n",
    "app/kit/newer.py": (
        "import httpx\n\ntype Url = str\n\ndef pull[T](url: T):\n    return httpx.get(url)\n\n"
        "def guarded(url):\n    try:\n        return httpx.get(url)\n    except Exception:\n        return None\n\n"
        "def reraising(url):\n    try:\n        return httpx.get(url)\n    except Exception:\n        log(url)\n        raise\n\n"
        "def via_guarded(url):\n    return guarded(url)\n\n"
        "def lazy(prompt):\n    import openai\n    return openai.OpenAI().responses.create(input=prompt)\n"
    ),
}


def _call_parts(node: ast.Call) -> CallParts:
    """``call_parts_cst``'s view of an ast call (an awaited receiver is looked through)."""
    parts = call_parts_ast(node)
    func = node.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Await):
        return CallParts(parts.callee, ast_dotted(func.value.value), parts.method)
    return parts


def ends_in_raise(handler: cst.ExceptHandler | cst.ExceptStarHandler) -> bool:
    body = handler.body
    if isinstance(body, cst.IndentedBlock):
        last = body.body[-1] if body.body else None
        if isinstance(last, cst.SimpleStatementLine):
            return isinstance(last.body[-1], cst.Raise)
        return False
    if isinstance(body, cst.SimpleStatementSuite):
        return isinstance(body.body[-1], cst.Raise)
    return False


def _escapes(summary, index, qualified: str | None) -> bool:
    """(rev 3) Does the project function ``qualified`` (as qualified in ``summary``'s module) call out in a way
    that escapes into the caller's ``try``: its own escaping external calls, or, through the index, any project
    function it calls (any module) that does (RULES.md, *Names*)."""
    if qualified is None or summary is None:
        return False
    module, _, name = qualified.rpartition(".")
    if module == summary.name:
        fn = summary.functions.get(name)
        if fn is None:
            return False
        if fn.escaping_out:
            return True
        return index is not None and any(c != qualified and index.escapes_out(c) for c in fn.escaping_calls)
    return index.escapes_out(qualified) if index is not None else False


class BroadExceptExternalCall(Rule):
    code = "PSL202"
    name = "broad-except-external-call"
    message = "Broad `except` around an external call: catch the client's specific exceptions (e.g. `httpx.HTTPStatusError`)"
    skip_layers = NOT_TESTS
    needs_index = True
    reads_summary = True
    requires_text = ("except",)
    example_path = "app/services/github.py"
    why = (
        "The standards catch specific exceptions around external API calls and chain them into a domain "
        "error. `except Exception` around an HTTP or SDK call also swallows programming errors (a typo, "
        "a `KeyError` in the response handling) and turns them into a silent fallback."
    )
    example = """\
import httpx

async def fetch_repo(client: httpx.AsyncClient, url: str) -> dict | None:
    try:
        response = await client.get(url)
        response.raise_for_status()
    except Exception:
        return None
    return response.json()
"""
    use_instead = """\
import httpx

async def fetch_repo(client: httpx.AsyncClient, url: str) -> dict:
    try:
        response = await client.get(url)
        response.raise_for_status()
    except httpx.HTTPStatusError as e:
        raise ExternalServiceError("Upstream service error") from e
    return response.json()
"""
    valid = (
        # (rev 3) a callee (in another module) whose call out cannot escape: guarded broadly without re-raising,
        # directly or further down; a lazily imported SDK; an inner try that swallows
        Valid(
            "from app.kit.newer import guarded, via_guarded, lazy\n\ndef f(url):\n    try:\n        guarded(url)\n        via_guarded(url)\n"
            "        lazy(url)\n    except Exception:\n        return None\n",
            files=CHAIN,
        ),
        Valid(SERVICE + "async def f(client: Client, url):\n    try:\n        return await client.get(url)\n    except Exception:\n        return None\n"),
        Valid("from app.kit.missing import relay\n\ndef f(url):\n    try:\n        relay(url)\n    except Exception:\n        return None\n", files=CHAIN),
        Valid(SERVICE + "async def f(url):\n    try:\n        return await httpx.get(url)\n    except httpx.HTTPError:\n        return None\n"),
        Valid(SERVICE + "async def f(url):\n    try:\n        return await httpx.get(url)\n    except Exception:\n        log()\n        raise\n"),
        Valid(SERVICE + "async def f(url):\n    try:\n        return await httpx.get(url)\n    except Exception as e:\n        raise Upstream() from e\n"),
        Valid("def f(x):\n    try:\n        return int(x)\n    except Exception:\n        return None\n"),
        Valid("async def f(get_client, url):\n    client = get_client()\n    try:\n        return await client.get(url)\n    except Exception:\n        return None\n"),
        Valid("from app.clients.github import local_only\n\ndef f():\n    try:\n        local_only(1)\n    except Exception:\n        pass\n", files=FILES),
        Valid("from app.clients.lazy import fetch\n\ndef f():\n    try:\n        fetch(1)\n    except Exception:\n        pass\n", files=FILES),
        Valid(SERVICE + "def f(url):\n    try:\n        def later():\n            return httpx.get(url)\n    except Exception:\n        pass\n"),
        Valid(SERVICE + "def f(url):\n    try:\n        x = 1\n    except Exception:\n        httpx.post(url)\n"),
        Valid(SERVICE + "def f(url):\n    try:\n        httpx.get(url)\n    except Exception:\n        pass\n", path="tests/test_github.py"),
        Valid("# try: httpx.get(url)\n# except Exception: pass\nx = 'except Exception'\n"),
    )
    invalid = (
        # (rev 3) calls out across modules (a re-export, two hops, a PEP 695 module); a guard that re-raises
        Invalid(
            "from app.kit import relay\nfrom app.kit.newer import reraising\n\ndef f(url):\n    try:\n        relay(url)\n    except Exception:\n        return None\n"
            "    try:\n        reraising(url)\n    except BaseException:\n        return None\n",
            at=[(7, 5), (11, 5)], files=CHAIN,
        ),
        # (rev 3) an inner try that swallows: only it is reported, the outer one's body does not call out
        Invalid(
            SERVICE + "def f(url):\n    try:\n        try:\n            httpx.get(url)\n        except Exception:\n            pass\n        parse(url)\n"
            "    except Exception:\n        return None\n",
            line=7, col=9,
        ),
        # (rev 3) a parameter, a variable and a class attribute annotated with an httpx client type
        Invalid(
            SERVICE + "async def f(client: httpx.AsyncClient | None, url):\n    try:\n        return await client.get(url)\n    except Exception:\n        return None\n",
            line=6, col=5,
        ),
        Invalid(
            SERVICE + "class GitHub:\n    client: httpx.AsyncClient\n\n    async def repo(self, url):\n        try:\n            return await self.client.get(url)\n"
            "        except Exception:\n            return None\n",
            line=9, col=9,
        ),
        Invalid(
            SERVICE + "async def f(url):\n    c: httpx.Client = make()\n    try:\n        return c.get(url)\n    except Exception:\n        return None\n",
            line=7, col=5,
        ),
        Invalid(SERVICE + "async def f(url):\n    try:\n        return await httpx.get(url)\n    except Exception:\n        return None\n", line=6, col=5),
        Invalid(SERVICE + "def f(url):\n    try:\n        httpx.get(url)\n    except:\n        pass\n", line=6, col=5),
        Invalid(SERVICE + "def f(url):\n    try:\n        httpx.get(url)\n    except (ValueError, BaseException) as e:\n        log(e)\n", line=6, col=5),
        Invalid(
            SERVICE + "def f(url):\n    try:\n        httpx.get(url)\n    except httpx.HTTPError:\n        pass\n    except Exception:\n        pass\n",
            line=8, col=5,
        ),
        Invalid(
            SERVICE + "_client = httpx.AsyncClient()\n\nasync def f(url):\n    try:\n        r = await _client.get(url)\n"
            "        r.raise_for_status()\n    except Exception:\n        return None\n",
            line=9, col=5,
        ),
        Invalid(
            SERVICE + "async def _get() -> httpx.AsyncClient:\n    return CLIENT\n\nasync def f(url):\n"
            "    client = await _get()\n    try:\n        return await client.get(url)\n    except Exception:\n        return None\n",
            line=10, col=5,
        ),
        Invalid(
            SERVICE + "def _fetch(url):\n    return httpx.get(url)\n\ndef _wrapper(url):\n    return _fetch(url)\n\n"
            "def f(url):\n    try:\n        _wrapper(url)\n    except Exception:\n        pass\n",
            line=12, col=5,
        ),
        Invalid("from app.clients.github import fetch\n\nasync def f():\n    try:\n        await fetch('u')\n    except Exception:\n        return None\n", line=6, col=5, files=FILES),
        Invalid("from app.clients import github as gh\n\nasync def f():\n    try:\n        await gh.fetch('u')\n    except Exception:\n        return None\n", line=6, col=5, files=FILES),
        Invalid("import openai\n\ndef f():\n    try:\n        openai.OpenAI().models.list()\n    except Exception:\n        return []\n", line=6, col=5),
        Invalid(
            SERVICE + "async def f(url):\n    async with httpx.AsyncClient() as c:\n        try:\n            return await c.get(url)\n"
            "        except Exception:\n            return None\n",
            line=7, col=9,
        ),
    )

    @classmethod
    def gate(cls, facts) -> bool:
        """A possibly broad handler around a call that may be external (the checks of ``_calls_out``, on
        CPython's tree, with every client the module binds anywhere)."""
        if not facts.broad_handler_around_calls:
            return False
        summary = facts.summary()
        model = summary.external if summary is not None else None
        if model is None:
            return False
        # a client is built by httpx (imported) or by a getter of this module annotated to return one
        can_build = model.client_getters or facts.may_reach(HTTPX_CLIENT_TYPES)
        clients = local_clients_ast(facts.tree, model) if can_build else set()
        clients |= {f"{r}.{n}" for n in clients if "." not in n for r in ("self", "cls")}  # class-level annotations
        index = facts.index()
        for try_ in facts.tries:
            if not any(facts.might_be_broad(h.type) for h in try_.handlers):
                continue
            for node in (n for stmt in try_.body for n in ast_nodes(stmt)):
                if not isinstance(node, ast.Call):
                    continue
                if model.is_external(_call_parts(node), clients):
                    return True
                if _escapes(summary, index, qualify(summary, ast_dotted(node.func))):
                    return True
        return False

    def visit_Try(self, node: cst.Try) -> None:
        self._check(node)

    def visit_TryStar(self, node: cst.TryStar) -> None:
        self._check(node)

    def _check(self, node: cst.Try | cst.TryStar) -> None:
        broad = [h for h in node.handlers if self._is_broad(h.type) and not ends_in_raise(h)]
        if not broad or self.ctx.summary is None or not self._calls_out(node.body):
            return
        for handler in broad:
            self.report(handler)

    def _is_broad(self, expr: cst.BaseExpression | None) -> bool:
        if expr is None:
            return True
        if isinstance(expr, cst.Tuple):
            return any(self._is_broad(e.value) for e in expr.elements)
        qualified = qualify(self.ctx.summary, dotted_name(expr))
        if qualified is None:
            return False
        if qualified in BROAD:
            return True
        module, _, name = qualified.rpartition(".")
        summary = self.ctx.summary
        members = summary.tuple_constants.get(name, []) if summary and module == summary.name else []
        return bool(set(members) & BROAD)

    def _calls_out(self, body: cst.BaseSuite) -> bool:
        summary = self.ctx.summary
        model = summary.external if summary is not None else None
        if model is None:
            return False
        outer = self.ctx.functions[0].node if self.ctx.functions else None
        clients: set[str] = set()
        if outer is not None:
            cache = self.__dict__.setdefault("_clients", {})
            if id(outer) not in cache:
                cache[id(outer)] = local_clients_cst(outer, model, self.ctx.names.resolve)
            clients = cache[id(outer)] | self._class_clients(model)
        found = False
        skip_depth = 0
        #: (rev 3) bodies of inner ``try`` blocks whose broad handler does not re-raise: nothing escapes them
        silenced: set[int] = set()

        def visit(n: cst.CSTNode) -> None:
            nonlocal found, skip_depth
            if isinstance(n, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) or id(n) in silenced:
                skip_depth += 1
            if isinstance(n, (cst.Try, cst.TryStar)) and any(self._is_broad(h.type) and not ends_in_raise(h) for h in n.handlers):
                silenced.add(id(n.body))
            if found or skip_depth or not isinstance(n, cst.Call):
                return
            if model.is_external(call_parts_cst(n), clients) or self._project_calls_out(n):
                found = True

        def leave(n: cst.CSTNode) -> None:
            nonlocal skip_depth
            if isinstance(n, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) or id(n) in silenced:
                skip_depth -= 1

        walk(body, visit, leave)
        return found

    def _project_calls_out(self, call: cst.Call) -> bool:
        return _escapes(self.ctx.summary, self.ctx.index, qualify(self.ctx.summary, dotted_name(call.func)))

    def _class_clients(self, model) -> set[str]:
        """(rev 3) ``self.x`` attributes of the enclosing class that are httpx clients: annotated so in the class
        body (``client: httpx.AsyncClient``) or bound/annotated so as ``self.x`` in its methods."""
        if not self.ctx.classes:
            return set()
        owner = self.ctx.classes[-1]
        cache = self.__dict__.setdefault("_class_cache", {})
        if id(owner) not in cache:
            found = local_clients_cst(owner, model, self.ctx.names.resolve)
            body = owner.body.body if isinstance(owner.body, cst.IndentedBlock) else ()
            class_level = {
                s.body[0].target.value
                for s in body
                if isinstance(s, cst.SimpleStatementLine) and s.body and isinstance(s.body[0], cst.AnnAssign)
                and isinstance(s.body[0].target, cst.Name)
            }
            cache[id(owner)] = {n for n in found if n.startswith(("self.", "cls."))} | {
                f"{receiver}.{n}" for n in found & class_level for receiver in ("self", "cls")
            }
        return cache[id(owner)]
