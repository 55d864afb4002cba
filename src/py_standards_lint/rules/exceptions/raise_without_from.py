from __future__ import annotations

import libcst as cst

from py_standards_lint.analysis.hierarchy import Hierarchy, qualify_expr
from py_standards_lint.analysis.rule import NOT_TESTS, Invalid, Rule, Valid
from py_standards_lint.base.fastwalk import walk
from py_standards_lint.base.finding import SAFE, Fix
from py_standards_lint.base.known import BROAD, HTTP_EXCEPTION
from py_standards_lint.base.layers import ROUTES

FRESH_NAMES = ("exc", "error", "err", "caught")

#: exceptions that end the process on purpose: a cause would only clutter a CLI's exit
EXIT_SIGNALS = frozenset(
    {
        "builtins.SystemExit", "builtins.KeyboardInterrupt", "typer.Exit", "typer.Abort",
        "click.exceptions.Exit", "click.exceptions.Abort", "click.Abort",
    }
)
_BUILTIN_SIGNALS = {"SystemExit", "KeyboardInterrupt"}
#: what FastAPI itself converts to a response (its default exception handlers)
FRAMEWORK_CONVERTED = HTTP_EXCEPTION | {
    "fastapi.exceptions.RequestValidationError", "fastapi.exceptions.WebSocketRequestValidationError",
}

#: a project's own HTTP errors, converted to responses by an app-level handler
ERRORS = "from fastapi import HTTPException\n\nclass AppError(Exception):\n    pass\n\nclass NotFound(AppError):\n    pass\n\nclass Teapot(Exception):\n    pass\n\nclass Gone(HTTPException):\n    pass\n\n" + (
    "def not_found(what) -> HTTPException:\n    return HTTPException(404, what)\n\n"
    "def missing(what) -> NotFound:\n    return NotFound(what)\n\n"
    "def teapot() -> Teapot:\n    return Teapot()\n\n"
    "def plain(what):\n    return HTTPException(404, what)\n"
)
MAIN = (
    "from fastapi import FastAPI\nfrom app.core.errors import AppError\n\napp = FastAPI()\n\n"
    "@app.exception_handler(AppError)\nasync def on_app_error(request, exc):\n    return None\n"
)
MAIN_CATCH_ALL = "from fastapi import FastAPI\n\napp = FastAPI()\napp.add_exception_handler(Exception, handler)\n"
PROJECT = {"app/__init__.py": "", "app/core/__init__.py": "", "app/core/errors.py": ERRORS, "app/main.py": MAIN}
ROUTE = "from app.core import errors\nfrom app.core.errors import NotFound, Teapot, Gone, not_found\n\nasync def r():\n    try:\n        await svc()\n    except KeyError:\n"


class RaiseWithoutFrom(Rule):
    code = "PSL201"
    name = "raise-without-from"
    message = "New exception raised inside `except` without `from`: chain the cause (`from exc`) or drop it explicitly (`from None`)"
    skip_layers = NOT_TESTS
    needs_index = True
    requires_text = ("except",)
    fix_safety = "safe"
    example_path = "app/services/github.py"
    why = (
        "Raising a new exception while handling another, without `from`, reports the original as an "
        "accident (\"During handling of the above exception, another exception occurred\") and loses the "
        "explicit cause. The standards chain external errors: `raise ExternalServiceError(...) from e`. "
        "Not flagged: exit signals (`SystemExit`, `KeyboardInterrupt`, `typer.Exit`/`Abort`, click's `Exit`/`Abort`), "
        "and, in a route, what the app converts to a response: `HTTPException` and its subclasses (and FastAPI's `RequestValidationError`), a class with an "
        "app-level exception handler for it or a base other than `Exception`, or the result of a project function "
        "annotated to return one of those."
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
        "unused name; a Python 3.14 unparenthesised `except A, B:` gets its parentheses, `except (A, B) as exc:`). "
        "Bare `except:` handlers get no fix. Chaining only adds the cause to the traceback."
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
        # (rev 3) exit signals, resolved through imports
        Valid("import typer\n\ndef main():\n    try:\n        run()\n    except OSError:\n        raise typer.Exit(2)\n"),
        Valid("from typer import Abort, Exit as Quit\n\ntry:\n    run()\nexcept OSError:\n    raise Quit(code=2)\nexcept KeyError:\n    raise Abort()\n"),
        Valid("import click\nfrom click.exceptions import Exit\n\ntry:\n    run()\nexcept OSError:\n    raise click.Abort\nexcept KeyError:\n    raise Exit(1)\n"),
        Valid("try:\n    run()\nexcept OSError:\n    raise SystemExit(1)\nexcept RuntimeError:\n    raise KeyboardInterrupt\n"),
        # (rev 3) in a route: the project's own HTTP errors (a handler for the class or a base, an
        # HTTPException subclass in another module), or what a project function annotated so returns
        Valid(ROUTE + "        raise NotFound('step')\n", path="app/routes/steps.py", files=PROJECT),
        Valid(ROUTE + "        raise errors.NotFound\n", path="app/routes/steps.py", files=PROJECT),
        Valid(ROUTE + "        raise Gone(410)\n", path="app/routes/steps.py", files=PROJECT),
        Valid(ROUTE + "        raise not_found('step')\n", path="app/routes/steps.py", files=PROJECT),
        Valid(ROUTE + "        raise errors.missing('step')\n", path="app/routes/steps.py", files=PROJECT),
        Valid(
            "from fastapi.exceptions import RequestValidationError\n\nasync def r(body):\n    try:\n        parse(body)\n"
            "    except ValueError as e:\n        raise RequestValidationError([{'msg': str(e)}])\n",
            path="app/routes/steps.py",
        ),
        Valid(
            "from fastapi import FastAPI, HTTPException\n\napp = FastAPI()\n\nclass Denied(Exception):\n    pass\n\n"
            "def deny() -> HTTPException:\n    return HTTPException(403)\n\napp.add_exception_handler(Denied, on_denied)\n\n"
            "@app.get('/x')\nasync def r():\n    try:\n        await svc()\n    except KeyError:\n        raise Denied()\n"
            "    except ValueError:\n        raise deny()\n",
            path="app/routes/steps.py",
        ),
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
        # (rev 3) look-alikes of exit signals: a local class named Exit, a typer name that is not a signal
        Invalid("class Exit(Exception):\n    pass\n\ntry:\n    run()\nexcept OSError:\n    raise Exit(2)\n", line=7, col=5),
        Invalid("import typer\n\ntry:\n    run()\nexcept OSError:\n    raise typer.BadParameter('x')\n", line=6, col=5),
        Invalid("from app.cli import SystemExit\n\ntry:\n    run()\nexcept OSError:\n    raise SystemExit(1)\n", line=6, col=5),
        # (rev 3) in a route: no handler for the class (a catch-all `Exception` handler does not count), a function
        # not annotated to return such a class, or annotated with one the app does not convert; outside a route
        Invalid(ROUTE + "        raise Teapot()\n", path="app/routes/steps.py", line=8, col=9, files=PROJECT),
        Invalid(ROUTE + "        raise Teapot()\n", path="app/routes/steps.py", line=8, col=9, files={**PROJECT, "app/main.py": MAIN_CATCH_ALL}),
        Invalid(ROUTE + "        raise NotFound('x')\n", path="app/routes/steps.py", line=8, col=9, files={**PROJECT, "app/main.py": MAIN_CATCH_ALL}),
        Invalid(ROUTE + "        raise errors.plain('x')\n", path="app/routes/steps.py", line=8, col=9, files=PROJECT),
        Invalid(ROUTE + "        raise errors.teapot()\n", path="app/routes/steps.py", line=8, col=9, files=PROJECT),
        Invalid(ROUTE + "        raise NotFound('step')\n", path="app/services/steps.py", line=8, col=9, files=PROJECT),
        # (rev 3) Python 3.14's unparenthesised `except A, B:` gets its parentheses with the name
        Invalid(
            "try:\n    f()\nexcept KeyError, IndexError:\n    raise LookupError('x')\n", line=4, col=5,
            fixed="try:\n    f()\nexcept (KeyError, IndexError) as exc:\n    raise LookupError('x') from exc\n",
        ),
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
        if self._exit_signal(target):
            return  # (rev 3) ends the process on purpose
        if self.ctx.layer == ROUTES:
            if self.ctx.names.refers_to(target, HTTP_EXCEPTION, subclasses=True):
                return  # the standards' own conversion pattern in routes
            if self._converted(target, isinstance(exc, cst.Call)):
                return  # (rev 3) the project's own HTTP errors
        self.report(node, fix=self._fix(node, handlers[-1]))

    def _exit_signal(self, target: cst.BaseExpression) -> bool:
        qualified = self.ctx.names.resolve(target)
        if qualified is None and isinstance(target, cst.Name) and target.value in _BUILTIN_SIGNALS:
            qualified = f"builtins.{target.value}"  # not rebound by the module (it would resolve)
        return qualified in EXIT_SIGNALS

    def _converted(self, target: cst.BaseExpression, called: bool) -> bool:
        """Does the app turn what is raised into a response? A class with an app-level exception handler for
        it or a base other than ``Exception``/``BaseException``, an ``HTTPException`` subclass, or (called) a
        project function whose return annotation is one of those."""
        qualified = qualify_expr(self.ctx, target)
        if qualified is None:
            return False
        tree = self._hierarchy()
        if self._converted_class(qualified, tree):
            return True
        if not called:
            return False
        returns = self._returns(qualified)
        return returns is not None and self._converted_class(returns, tree)

    def _hierarchy(self) -> Hierarchy:
        if "tree" not in self.__dict__:
            self.tree = Hierarchy(self.ctx.summary, self.ctx.index)
            summary, index = self.ctx.summary, self.ctx.index
            handled = set(summary.exception_handlers) if summary is not None else set()
            if index is not None:
                handled |= index.exception_handlers()
            self.handled = handled - BROAD
        return self.tree

    def _converted_class(self, qualified: str, tree: Hierarchy) -> bool:
        bases = tree.bases(qualified) | {qualified}
        return bool(bases & FRAMEWORK_CONVERTED) or bool(bases & self.handled)

    def _returns(self, qualified: str) -> str | None:
        module, _, name = qualified.rpartition(".")
        summary = self.ctx.summary
        if summary is not None and module == summary.name:
            fn = summary.functions.get(name)
        else:
            fn = self.ctx.index.function(qualified) if self.ctx.index is not None else None
        return fn.returns if fn is not None else None

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
        type_ = new_handler.type
        if isinstance(type_, cst.Tuple) and not type_.lpar:
            # Python 3.14's `except A, B:` takes a name only in parentheses
            type_ = type_.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        new_handler = new_handler.with_changes(type=type_, name=cst.AsName(name=cst.Name(name)))
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
