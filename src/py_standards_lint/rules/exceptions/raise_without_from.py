from __future__ import annotations

import libcst as cst

from ...engine import walk
from ...finding import SAFE, Fix
from ...layers import ROUTES
from ...rule import NOT_TESTS, Invalid, Rule, Valid
from ...semantics import HTTP_EXCEPTION

FRESH_NAMES = ("exc", "error", "err", "caught")


class RaiseWithoutFrom(Rule):
    code = "PSL201"
    name = "raise-without-from"
    message = "New exception raised inside `except` without `from`: chain the cause (`from exc`) or drop it explicitly (`from None`)"
    skip_layers = NOT_TESTS
    requires_text = ("except",)
    fix_safety = "safe"
    example_path = "app/services/github.py"
    why = (
        "Raising a new exception while handling another, without `from`, reports the original as an "
        "accident (\"During handling of the above exception, another exception occurred\") and loses the "
        "explicit cause. The standards chain external errors: `raise ExternalServiceError(...) from e`."
    )
    example = """\
try:
    response = await client.get(url)
    response.raise_for_status()
except httpx.HTTPStatusError:
    raise ExternalServiceError("Upstream service error")
"""
    use_instead = """\
try:
    response = await client.get(url)
    response.raise_for_status()
except httpx.HTTPStatusError as e:
    raise ExternalServiceError("Upstream service error") from e
"""
    fix_notes = (
        "Adds `from <name>` with the handler's name; a handler without a name is named `as exc` (or another "
        "unused name). Bare `except:` handlers get no fix. Chaining only adds the cause to the traceback."
    )
    valid = (
        Valid("try:\n    f()\nexcept KeyError:\n    raise\n"),
        Valid("try:\n    f()\nexcept KeyError as e:\n    raise e\n"),
        Valid("try:\n    f()\nexcept KeyError as e:\n    raise e.with_traceback(None)\n"),
        Valid("try:\n    f()\nexcept KeyError as e:\n    raise ValueError('x') from e\n"),
        Valid("try:\n    f()\nexcept KeyError:\n    raise ValueError('x') from None\n"),
        Valid("def f():\n    raise ValueError('outside')\n"),
        Valid("try:\n    f()\nexcept KeyError:\n    def g():\n        raise ValueError('later')\n"),
        Valid("try:\n    f()\nexcept KeyError as e:\n    err = e\n    raise err\n"),
        Valid(
            "from fastapi import HTTPException\n\nasync def r():\n    try:\n        await svc()\n"
            "    except StepNotFoundError as e:\n        raise HTTPException(status_code=404, detail=str(e))\n"
            "    except StepAlreadyCompleteError:\n        raise HTTPException(status_code=400, detail='done')\n",
            path="app/routes/steps.py",
        ),
        Valid("try:\n    f()\nexcept KeyError:\n    raise ValueError('x')\n", path="tests/test_x.py"),
        Valid("# except KeyError: raise ValueError('x')\nx = 'except: raise Y'\n"),
    )
    invalid = (
        Invalid(
            "try:\n    f()\nexcept KeyError as e:\n    raise ValueError('x')\n", line=4, col=5,
            fixed="try:\n    f()\nexcept KeyError as e:\n    raise ValueError('x') from e\n",
        ),
        Invalid(
            "try:\n    f()\nexcept (KeyError, IndexError):\n    log()\n    raise LookupError\n", line=5, col=5,
            fixed="try:\n    f()\nexcept (KeyError, IndexError) as exc:\n    log()\n    raise LookupError from exc\n",
        ),
        Invalid(
            "def f(exc):\n    try:\n        g()\n    except OSError:\n        raise RuntimeError(exc)\n", line=5, col=9,
            fixed="def f(exc):\n    try:\n        g()\n    except OSError as error:\n        raise RuntimeError(exc) from error\n",
        ),
        Invalid(
            "try:\n    f()\nexcept KeyError:\n    if x:\n        raise A()\n    raise B()\n", at=[(5, 9), (6, 5)],
            fixed="try:\n    f()\nexcept KeyError as exc:\n    if x:\n        raise A() from exc\n    raise B() from exc\n",
        ),
        Invalid("try:\n    f()\nexcept:\n    raise ValueError('x')\n", line=4, col=5, fixed="try:\n    f()\nexcept:\n    raise ValueError('x')\n"),
        Invalid(
            "try:\n    f()\nexcept A as outer:\n    try:\n        g()\n    except B:\n        raise C(outer)\n", line=7, col=9,
            fixed="try:\n    f()\nexcept A as outer:\n    try:\n        g()\n    except B as exc:\n        raise C(outer) from exc\n",
        ),
        Invalid(
            "from fastapi import HTTPException\n\ndef f():\n    try:\n        g()\n    except KeyError:\n        raise HTTPException(404)\n",
            path="app/services/steps.py", line=7, col=9,
        ),
        Invalid("try:\n    f()\nexcept KeyError as e:\n    raise self.error(e)\n", line=4, col=5),
    )

    @classmethod
    def gate(cls, facts) -> bool:
        return facts.raise_in_handler

    def visit_Raise(self, node: cst.Raise) -> None:
        exc = node.exc
        if exc is None or node.cause is not None:
            return
        handlers = self.ctx.current_handlers()
        if not handlers:
            return
        caught = {h.name.name.value for h in handlers if h.name is not None and isinstance(h.name.name, cst.Name)}
        if isinstance(exc, cst.Name) and exc.value in caught:
            return  # re-raising the caught exception
        if isinstance(exc, cst.Call):
            func = exc.func
            if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in caught:
                return  # `raise e.with_traceback(tb)`: the same exception
            target: cst.BaseExpression = func
        else:
            target = exc
            if self.ctx.names.resolve(exc) is None:
                return  # a variable: possibly the caught exception itself
        if self.ctx.layer == ROUTES and self.ctx.names.refers_to(target, HTTP_EXCEPTION, subclasses=True):
            return  # the standards' own conversion pattern in routes
        self.report(node, fix=self._fix(node, handlers[-1]))

    def _fix(self, node: cst.Raise, handler: cst.ExceptHandler | cst.ExceptStarHandler) -> Fix | None:
        if handler.name is not None:
            if not isinstance(handler.name.name, cst.Name):
                return None
            name = handler.name.name.value
            new_raise = node.with_changes(cause=cst.From(item=cst.Name(name)))
            return Fix(SAFE, f"add `from {name}`", [(node, new_raise)])
        if handler.type is None:
            return None  # bare `except:` has no name to bind
        name = self._fresh_name()
        new_raise = node.with_changes(cause=cst.From(item=cst.Name(name)))
        new_handler = handler.deep_replace(node, new_raise)
        assert isinstance(new_handler, (cst.ExceptHandler, cst.ExceptStarHandler))
        new_handler = new_handler.with_changes(name=cst.AsName(name=cst.Name(name)))
        return Fix(SAFE, f"name the handler `as {name}` and add `from {name}`", [(handler, new_handler)])

    def _fresh_name(self) -> str:
        scope: cst.CSTNode = self.ctx.function.node if self.ctx.function else self.ctx.module
        used: set[str] = set()

        def visit(n: cst.CSTNode) -> None:
            if isinstance(n, cst.Name):
                used.add(n.value)

        walk(scope, visit, lambda n: None)
        for candidate in FRESH_NAMES:
            if candidate not in used:
                return candidate
        n = 1
        while f"exc_{n}" in used:
            n += 1
        return f"exc_{n}"
