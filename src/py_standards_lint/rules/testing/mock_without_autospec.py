from __future__ import annotations

from fnmatch import fnmatchcase

import libcst as cst

from py_standards_lint.analysis.external import in_modules
from py_standards_lint.analysis.rule import Invalid, Rule, Valid
from py_standards_lint.base.finding import UNSAFE, Fix
from py_standards_lint.base.layers import TESTS
from py_standards_lint.base.names import LOCAL, dotted_name, string_value
from py_standards_lint.base.settings import Option

PATCH = frozenset({"unittest.mock.patch", "mock.patch"})
PATCH_OBJECT = frozenset({"unittest.mock.patch.object", "mock.patch.object"})
#: pytest-mock fixtures (parameters, never imported)
MOCKER_FIXTURES = frozenset({"mocker", "class_mocker", "module_mocker", "package_mocker", "session_mocker"})
MOCK_CLASS_NAMES = frozenset({"Mock", "MagicMock", "AsyncMock", "NonCallableMock", "NonCallableMagicMock"})
MOCK_CLASSES = frozenset(f"{module}.{name}" for module in ("unittest.mock", "mock") for name in MOCK_CLASS_NAMES)
SPEC_KEYWORDS = ("autospec", "spec", "spec_set")

GITHUB = """\
import httpx

_http_client = httpx.AsyncClient(timeout=30.0)


async def _get(url: str) -> dict:
    response = await _http_client.get(url)
    response.raise_for_status()
    return response.json()


async def fetch_repo(url: str) -> dict:
    return await _get(url)


def repo_url(owner: str, name: str) -> str:
    return f"https://api.github.com/repos/{owner}/{name}"
"""
STEPS_REPO = """\
async def get_step(db, step_id: str):
    return await db.get(Step, step_id)
"""
FILES = {"app/services/github.py": GITHUB, "app/repositories/steps.py": STEPS_REPO}
#: (rev 3) a lazily imported LLM client (counts for PSL801), a caller in another module (an internal
#: collaborator: PSL801 does not follow other modules), a re-export through a package, a PEP 695 module
LLM = {
    **FILES,
    "app/__init__.py": "",
    "app/services/__init__.py": "from .llm import summarize\n",
    "app/services/llm.py": (
        "type Prompt = str\n\ndef summarize[T](text: T) -> str:\n    import openai\n\n"
        "    return openai.OpenAI().responses.create(input=text).output_text\n"
    ),
    "app/services/digest.py": "from app.services.llm import summarize\n\ndef digest(text):\n    return summarize(text)\n",
}


class MockWithoutAutospec(Rule):
    code = "PSL801"
    name = "mock-without-autospec"
    message = "external service mocked without `autospec=True`: the mock accepts calls the real API rejects"
    template = "external service `{target}` mocked without `autospec=True`: the mock accepts calls the real API rejects"
    layers = frozenset({TESTS})
    requires_text = ("patch",)
    needs_index = True
    fix_safety = "unsafe"
    example_path = "tests/test_github.py"
    options = (
        Option(
            "autospec-targets",
            "list",
            (),
            "Globs of dotted patch targets (`app.clients.*`) that are external services and need autospec.",
        ),
    )
    why = (
        "The standards: mock external services (LLM, GitHub API) with `autospec=True`. A bare `MagicMock` or "
        "`AsyncMock` accepts any call with any arguments, so a test keeps passing after the real client's "
        "signature changed or when the code calls a method that does not exist. `autospec=True` gives the "
        "mock the real signature. External: a target inside an `external-sdk-modules` module, a project "
        "function that calls out (per the project index), or a target matching `autospec-targets`. "
        "Internal collaborators, the stdlib and other libraries are not concerned."
    )
    example = """\
from unittest.mock import AsyncMock, patch

from app.services import github


async def test_fetch_repo():
    with patch("httpx.AsyncClient.get", new_callable=AsyncMock) as get:
        await github.fetch_repo("https://api.github.com/repos/o/r")
    get.assert_awaited_once()
"""
    use_instead = """\
from unittest.mock import patch

from app.services import github


async def test_fetch_repo():
    with patch("httpx.AsyncClient.get", autospec=True) as get:
        await github.fetch_repo("https://api.github.com/repos/o/r")
    get.assert_awaited_once()
"""
    fix_notes = (
        "Adds `autospec=True` and drops a `new_callable=` mock class (patch rejects both together; an "
        "autospecced async function is awaited like an `AsyncMock`). Unsafe: a test that relied on the "
        "mock accepting any call now fails, which is the point. A `new=` mock instance is left to you."
    )
    valid = (
        # (rev 3) a function calling out only through another module is an internal collaborator
        Valid("from unittest.mock import patch\n\ndef test_x():\n    with patch('app.services.digest.digest'):\n        pass\n",
              files=LLM, path="tests/test_llm.py"),
        Valid(use_instead),
        # internal collaborators and libraries that are not services
        Valid("from unittest.mock import patch\n\n@patch('app.repositories.steps.get_step')\ndef test_x(get_step):\n    pass\n", files=FILES),
        Valid("from unittest.mock import patch\n\ndef test_x():\n    with patch('app.services.github.repo_url'):\n        pass\n", files=FILES),
        Valid("from unittest import mock\n\ndef test_x():\n    with mock.patch('sqlalchemy.event.listens_for'):\n        pass\n"),
        Valid("from unittest.mock import patch\n\ndef test_x():\n    with patch('os.getenv', return_value='x'):\n        pass\n"),
        Valid("def test_x(mocker):\n    mocker.patch('app.core.settings.get_settings')\n", files=FILES),
        # specced
        Valid("from unittest.mock import patch\n\ndef test_x():\n    with patch('openai.OpenAI', spec=True):\n        pass\n"),
        Valid("from unittest.mock import patch\n\ndef test_x(fake):\n    with patch('openai.OpenAI', spec_set=fake):\n        pass\n"),
        Valid(
            "from unittest.mock import create_autospec, patch\nimport openai\n\n"
            "def test_x():\n    with patch('openai.OpenAI', new=create_autospec(openai.OpenAI)):\n        pass\n"
        ),
        Valid("from unittest.mock import MagicMock, patch\nimport openai\n\ndef test_x():\n    with patch('openai.OpenAI', new=MagicMock(spec=openai.OpenAI)):\n        pass\n"),
        # real replacements
        Valid("from unittest.mock import patch\n\ndef test_x(fake_client):\n    with patch('openai.OpenAI', new=fake_client):\n        pass\n"),
        Valid("from unittest.mock import MagicMock, patch\n\ndef test_x():\n    with patch('openai.OpenAI', MagicMock()):\n        pass\n"),
        Valid("from unittest.mock import patch\n\ndef test_x(fake):\n    with patch.object(github, 'fetch_repo', fake):\n        pass\n", files=FILES),
        Valid("from unittest.mock import patch\n\ndef test_x(make):\n    with patch('openai.OpenAI', new_callable=make):\n        pass\n"),
        # patch.dict, a local function named patch, words in strings, unresolvable targets
        Valid("from unittest.mock import patch\nimport os\n\ndef test_x():\n    with patch.dict(os.environ, {'OPENAI_API_KEY': 'x'}):\n        pass\n"),
        Valid("def patch(target):\n    return target\n\ndef test_x():\n    patch('openai.OpenAI')\n"),
        Valid("def test_x():\n    '''patch(\"openai.OpenAI\") without autospec'''\n"),
        Valid("from unittest.mock import patch\n\ndef test_x(target):\n    with patch(target):\n        pass\n"),
        Valid("from unittest.mock import patch\n\ndef test_x(client):\n    with patch.object(client, 'get'):\n        pass\n"),
        Valid("from unittest.mock import patch\n\ndef test_x(opts):\n    with patch('openai.OpenAI', **opts):\n        pass\n"),
        # not a test file
        Valid("from unittest.mock import patch\n\ndef fake():\n    return patch('openai.OpenAI')\n", path="app/core/testing.py"),
    )
    invalid = (
        # (rev 3) a lazily imported SDK still makes the function an external service; found through a re-export
        Invalid("from unittest.mock import patch\n\ndef test_x():\n    with patch('app.services.summarize'):\n        pass\n",
                line=4, col=10, files=LLM, path="tests/test_llm.py"),
        Invalid(example, line=7, col=10, fixed=use_instead.replace("import patch", "import AsyncMock, patch")),
        # decorator; a project function that calls out (transitively); the fix adds autospec
        Invalid(
            "from unittest.mock import patch\n\n@patch('app.services.github.fetch_repo')\nasync def test_x(fetch):\n    pass\n",
            files=FILES,
            line=3,
            col=2,
            fixed="from unittest.mock import patch\n\n@patch('app.services.github.fetch_repo', autospec=True)\nasync def test_x(fetch):\n    pass\n",
        ),
        # patch.object on an imported project module, mock.patch, mocker.patch(.object)
        Invalid(
            "from unittest import mock\nfrom app.services import github\n\n"
            "def test_x(mocker):\n"
            "    mocker.patch.object(github, '_get', new_callable=mock.AsyncMock)\n"
            "    mocker.patch('app.services.github.httpx.AsyncClient')\n"
            "    with mock.patch.object(github, 'fetch_repo', new=mock.AsyncMock()):\n"
            "        pass\n",
            files=FILES,
            at=[(5, 5), (6, 5), (7, 10)],
        ),
        # a module-level httpx client of the project; autospec=False is no spec
        Invalid(
            "import unittest.mock\n\ndef test_x():\n    with unittest.mock.patch('app.services.github._http_client', autospec=False):\n        pass\n",
            files=FILES,
            line=4,
            col=10,
            fixed="import unittest.mock\n\ndef test_x():\n    with unittest.mock.patch('app.services.github._http_client', autospec=True):\n        pass\n",
        ),
        # an unspecced mock instance from pytest-mock as new=
        Invalid("def test_x(mocker):\n    mocker.patch('openai.OpenAI', new=mocker.MagicMock())\n", line=2, col=5),
        # autospec-targets globs
        Invalid(
            "from unittest.mock import patch\n\ndef test_x():\n    with patch('app.clients.llm.complete'):\n        pass\n",
            settings={"autospec-targets": ["app.clients.*"]},
            line=4,
            col=10,
        ),
        # a multi-line call: the fix replaces the mock class where it stood
        Invalid(
            "from unittest.mock import MagicMock, patch\n\n"
            "def test_x():\n    with patch(\n        'stripe.Charge.create',\n        new_callable=MagicMock,\n    ) as create:\n        pass\n",
            line=4,
            col=10,
            fixed="from unittest.mock import MagicMock, patch\n\n"
            "def test_x():\n    with patch(\n        'stripe.Charge.create',\n        autospec=True,\n    ) as create:\n        pass\n",
        ),
        Invalid(
            "from unittest.mock import patch\n\n"
            "def test_x():\n    with patch(\n        'stripe.Charge.create',\n        return_value=1,\n    ):\n        pass\n",
            line=4,
            col=10,
            fixed="from unittest.mock import patch\n\n"
            "def test_x():\n    with patch(\n        'stripe.Charge.create',\n        return_value=1,\n        autospec=True,\n    ):\n        pass\n",
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        kind = self._patch_kind(node.func)
        if kind is None or any(arg.star for arg in node.args):
            return
        positional = [arg for arg in node.args if arg.keyword is None]
        keywords = {arg.keyword.value: arg for arg in node.args if arg.keyword is not None}
        if kind == "patch":
            if len(positional) > 1:
                return  # the positional `new`: a real replacement
            target_arg = positional[0] if positional else keywords.get("target")
            raw = string_value(target_arg.value) if target_arg is not None else None
            if raw is None:
                return
            target = self._resolve_target(raw)
        else:
            if len(positional) > 2:
                return
            obj_arg = positional[0] if positional else keywords.get("target")
            attr_arg = positional[1] if len(positional) > 1 else keywords.get("attribute")
            attr = string_value(attr_arg.value) if attr_arg is not None else None
            owner = self._resolve_expr(obj_arg.value) if obj_arg is not None else None
            if attr is None or owner is None:
                return
            raw = f"{owner}.{attr}"
            target = self._resolve_target(raw)
        if not self._is_external(raw, target):
            return
        for name in SPEC_KEYWORDS:
            arg = keywords.get(name)
            if arg is not None and not _is_false_or_none(arg.value):
                return
        new = keywords.get("new")
        new_callable = keywords.get("new_callable")
        fix = None
        if new is not None:
            if not self._is_unspecced_mock_instance(new.value):
                return  # a real replacement
        elif new_callable is not None:
            if not self._is_mock_class(new_callable.value):
                return  # a factory of real replacements
            fix = Fix(UNSAFE, "add `autospec=True`, drop `new_callable`", [(node, _with_autospec(node, new_callable))])
        else:
            fix = Fix(UNSAFE, "add `autospec=True`", [(node, _with_autospec(node, None))])
        self.report(node, self.template.format(target=target), fix)

    # -- what is a patch call ------------------------------------------------------------
    def _patch_kind(self, func: cst.BaseExpression) -> str | None:
        qualified = self.ctx.names.resolve(func)
        if qualified in PATCH:
            return "patch"
        if qualified in PATCH_OBJECT:
            return "object"
        dotted = dotted_name(func)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        if head in MOCKER_FIXTURES and self.ctx.names.resolve(cst.Name(head)) is None:
            return {"patch": "patch", "patch.object": "object"}.get(rest)
        return None

    def _is_mock_class(self, expr: cst.BaseExpression) -> bool:
        if self.ctx.names.resolve(expr) in MOCK_CLASSES:
            return True
        dotted = dotted_name(expr)
        if dotted is None:
            return False
        head, _, rest = dotted.partition(".")
        return head in MOCKER_FIXTURES and rest in MOCK_CLASS_NAMES and self.ctx.names.resolve(cst.Name(head)) is None

    def _is_unspecced_mock_instance(self, expr: cst.BaseExpression) -> bool:
        if not isinstance(expr, cst.Call) or not self._is_mock_class(expr.func):
            return False
        if any(arg.star for arg in expr.args):
            return False
        if any(arg.keyword is None for arg in expr.args):
            return False  # Mock(spec) takes the spec positionally
        return not any(arg.keyword is not None and arg.keyword.value in ("spec", "spec_set") for arg in expr.args)

    # -- what the target is ------------------------------------------------------------
    def _resolve_expr(self, expr: cst.BaseExpression) -> str | None:
        qualified = self.ctx.names.resolve(expr)
        if qualified is not None and qualified.startswith(LOCAL + "."):
            return f"{self.ctx.module_name}.{qualified[len(LOCAL) + 1:]}"
        return qualified

    def _resolve_target(self, dotted: str) -> str:
        """Follow a dotted target through the project's imports: ``app.services.github.httpx.get``
        is ``httpx.get``; ``app.services.steps.fetch_repo`` imported from github is github's."""
        index = self.ctx.index
        if index is None:
            return dotted
        return index.canonical(dotted) or dotted  # the project-wide resolver (re-exports, aliases)

    def _is_external(self, raw: str, target: str) -> bool:
        if any(fnmatchcase(name, glob) for glob in self.ctx.settings["autospec-targets"] for name in (raw, target)):
            return True
        sdk = self.ctx.settings["external-sdk-modules"]
        if in_modules(target, sdk) or in_modules(raw, sdk):
            return True
        index = self.ctx.index
        if index is None:
            return False
        if index.calls_out(target, lazy=True):  # (rev 3) own body and same-module helpers; lazy SDK imports count
            return True
        module, _, name = target.rpartition(".")
        summary = index.module(module)
        external = summary.external if summary is not None else None
        return bool(external is not None and name in external.module_clients)


def _is_false_or_none(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.Name) and value.value in ("False", "None")


def _with_autospec(call: cst.Call, replace: cst.Arg | None) -> cst.Call:
    """``call`` with ``autospec=True`` in place of ``replace`` (or of a stale ``autospec=False``, or
    appended), keeping the layout; other spec keywords set to False/None are dropped (patch
    rejects them beside autospec)."""
    autospec = cst.Arg(
        value=cst.Name("True"),
        keyword=cst.Name("autospec"),
        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
    )
    stale = [a for a in call.args if a.keyword is not None and a.keyword.value in SPEC_KEYWORDS]
    if replace is None and stale:
        replace = next((a for a in stale if a.keyword.value == "autospec"), stale[0])  # type: ignore[union-attr]
    args: list[cst.Arg] = []
    for arg in call.args:
        if arg is replace:
            args.append(autospec.with_changes(comma=arg.comma))
        elif any(arg is a for a in stale):
            if arg is call.args[-1] and args:  # the new last argument keeps the removed one's comma
                args[-1] = args[-1].with_changes(comma=arg.comma)
        else:
            args.append(arg)
    if replace is not None:
        return call.with_changes(args=args)
    if not args:
        return call.with_changes(args=[autospec])
    last = args[-1]
    if isinstance(last.comma, cst.Comma):  # a trailing comma: the new last argument takes it over
        between = args[-2].comma if len(args) > 1 and isinstance(args[-2].comma, cst.Comma) else None
        if between is None:
            between = cst.Comma(whitespace_after=call.whitespace_before_args)
        args[-1] = last.with_changes(comma=between)
        args.append(autospec.with_changes(comma=last.comma))
    else:
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        args.append(autospec)
    return call.with_changes(args=args)
