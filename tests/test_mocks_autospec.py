"""PSL801 mock-without-autospec: which patch targets are external services, the patch spellings,
and the unsafe fix (through the CLI too)."""

from pathlib import Path

from py_standards_lint.rules import BY_CODE

from .conftest import run_tool
from .helpers import fix, lint

TEST = "tests/test_llm.py"
LLM = """\
import openai

from app.services.prompts import render


async def _ask(prompt: str) -> str:
    reply = await openai.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}])
    return reply.choices[0].message.content


async def summarize(text: str) -> str:
    async def inner() -> str:
        return await _ask(render(text))

    return await inner()


def count_tokens(text: str) -> int:
    return len(text.split())
"""
PROMPTS = "def render(text: str) -> str:\n    return text\n"
SERVICES = "from app.services.llm import summarize\n"
FILES = {"app/services/llm.py": LLM, "app/services/prompts.py": PROMPTS, "app/services/__init__.py": SERVICES}


def flagged(code: str, settings=None, files=FILES) -> list[int]:
    return [f.line for f in lint(code, TEST, settings, files) if f.code == "PSL801"]


def test_project_function_calling_out_through_a_nested_function_and_a_helper():
    code = "from unittest.mock import patch\n\ndef test_x():\n    with patch('app.services.llm.summarize'):\n        pass\n"
    assert flagged(code) == [4]


def test_project_function_that_does_not_call_out_is_internal():
    for target in ("app.services.llm.count_tokens", "app.services.prompts.render", "app.services.llm.render"):
        code = f"from unittest.mock import patch\n\ndef test_x():\n    with patch('{target}'):\n        pass\n"
        assert flagged(code) == [], target


def test_targets_resolved_through_the_project_imports():
    # the SDK as imported by the module under test, and a package re-export of a function calling out
    for target in ("app.services.llm.openai.AsyncOpenAI", "app.services.summarize"):
        code = f"from unittest.mock import patch\n\ndef test_x():\n    with patch('{target}'):\n        pass\n"
        assert flagged(code) == [4], target


def test_patch_object_resolves_its_object_through_the_import_map():
    code = (
        "from unittest.mock import patch\nimport openai\nfrom app.services import llm\nfrom app.services import llm as L\n\n"
        "def test_x():\n"
        "    with patch.object(llm, 'summarize'):\n        pass\n"
        "    with patch.object(L, 'count_tokens'):\n        pass\n"
        "    with patch.object(openai.AsyncOpenAI, 'close'):\n        pass\n"
        "    with patch.object(target=llm, attribute='_ask'):\n        pass\n"
    )
    assert flagged(code) == [7, 11, 13]


def test_every_patch_spelling():
    code = (
        "import unittest.mock\nimport mock as third_party_mock\nfrom unittest import mock\nfrom unittest.mock import patch as p\n\n"
        "@p('openai.AsyncOpenAI')\n"
        "@mock.patch.object(mock, 'x')\n"
        "def test_x(m, mocker, session_mocker):\n"
        "    unittest.mock.patch('stripe.Charge').start()\n"
        "    third_party_mock.patch('boto3.client')\n"
        "    mocker.patch('google.cloud.storage.Client')\n"
        "    session_mocker.patch.object(third_party_mock, 'x')\n"
        "    mock.patch.dict('os.environ', {})\n"
    )
    assert flagged(code) == [6, 9, 10, 11]


def test_a_module_level_mocker_is_not_the_fixture():
    code = "from somewhere import mocker\n\ndef test_x():\n    mocker.patch('openai.AsyncOpenAI')\n"
    assert flagged(code) == []


def test_sdk_modules_are_configurable():
    code = "from unittest.mock import patch\n\ndef test_x():\n    with patch('acme_sdk.Client.send'), patch('openai.AsyncOpenAI'):\n        pass\n"
    assert flagged(code, {"external-sdk-modules": ["acme_sdk"]}) == [4]
    assert len([f for f in lint(code, TEST, {"external-sdk-modules": ["acme_sdk"]}, FILES) if f.code == "PSL801"]) == 1


def test_autospec_targets_match_the_written_or_the_resolved_target():
    code = "from unittest.mock import patch\n\ndef test_x():\n    with patch('app.services.llm.count_tokens'):\n        pass\n"
    assert flagged(code, {"autospec-targets": ["app.services.llm.*"]}) == [4]
    assert flagged(code, {"autospec-targets": ["app.services.prompts.*"]}) == []


def test_fix_keeps_other_keywords_and_replaces_the_mock_class():
    rule = BY_CODE["PSL801"]
    code = (
        "from unittest.mock import AsyncMock, patch\n\n"
        "@patch('openai.AsyncOpenAI', new_callable=AsyncMock, return_value=1)\n"
        "def test_x(client):\n"
        "    with patch('stripe.Charge.create',side_effect=ValueError):\n        pass\n"
    )
    assert fix(code, TEST, rule) == (
        "from unittest.mock import AsyncMock, patch\n\n"
        "@patch('openai.AsyncOpenAI', autospec=True, return_value=1)\n"
        "def test_x(client):\n"
        "    with patch('stripe.Charge.create',side_effect=ValueError, autospec=True):\n        pass\n"
    )


def test_no_fix_for_an_unspecced_new_instance():
    code = "from unittest.mock import MagicMock, patch\n\ndef test_x():\n    with patch('openai.AsyncOpenAI', new=MagicMock()):\n        pass\n"
    (finding,) = [f for f in lint(code, TEST) if f.code == "PSL801"]
    assert finding.fix is None


def test_cli_unsafe_fix(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[tool.py-standards-lint]\nselect = ['PSL801']\n")
    (tmp_path / "tests").mkdir()
    target = tmp_path / "tests" / "test_llm.py"
    target.write_text("from unittest.mock import patch\n\n@patch('openai.AsyncOpenAI')\ndef test_x(client):\n    pass\n")
    safe = run_tool("check", "--fix", ".", cwd=tmp_path)
    assert safe.returncode == 1 and "autospec=True" not in target.read_text()
    result = run_tool("check", "--fix", "--unsafe-fixes", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert target.read_text() == "from unittest.mock import patch\n\n@patch('openai.AsyncOpenAI', autospec=True)\ndef test_x(client):\n    pass\n"


def test_fix_drops_stale_spec_keywords():
    rule = BY_CODE["PSL801"]
    code = (
        "from unittest.mock import AsyncMock, patch\n\n"
        "def test_x():\n"
        "    with patch('openai.AsyncOpenAI', autospec=False, new_callable=AsyncMock, spec=None):\n        pass\n"
        "    with patch('openai.AsyncOpenAI', spec=None, autospec=None):\n        pass\n"
    )
    assert fix(code, TEST, rule) == (
        "from unittest.mock import AsyncMock, patch\n\n"
        "def test_x():\n"
        "    with patch('openai.AsyncOpenAI', autospec=True):\n        pass\n"
        "    with patch('openai.AsyncOpenAI', autospec=True):\n        pass\n"
    )
