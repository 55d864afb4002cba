"""RULES.md rev 3: the `external-sdk-modules` defaults include the SaaS SDKs seen in FastAPI services."""

from pathlib import Path

import pytest

from py_standards_lint.analysis.external import DEFAULT_SDK_MODULES
from py_standards_lint.analysis.index import ProjectIndex

from .helpers import make_settings

REV3 = ("githubkit", "slack_sdk", "slack_bolt", "googleapiclient", "twilio", "sendgrid", "jira", "atlassian", "pdpyras")


def test_defaults_hold_the_rev3_modules():
    assert set(REV3) <= set(DEFAULT_SDK_MODULES)
    assert tuple(make_settings()["external-sdk-modules"]) == DEFAULT_SDK_MODULES


@pytest.mark.parametrize("module", REV3)
def test_a_call_into_a_rev3_sdk_calls_out(module):
    src = f"import {module}\n\ndef notify():\n    {module}.Client().send()\n\ndef pure():\n    return 1\n"
    index = ProjectIndex.from_sources(Path("/p"), {"app/services/notify.py": src}, make_settings())
    functions = index.module("app.services.notify").functions
    assert functions["notify"].calls_out and not functions["pure"].calls_out
