"""The CLI through typer's runner and as a real subprocess."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from py_standards_lint import __version__
from py_standards_lint.frontends.cli import app
from py_standards_lint.rules import ALL_RULES

from .conftest import run_tool

runner = CliRunner()
VIOLATION = "from fastapi import HTTPException\n\n\ndef f():\n    raise HTTPException(404)\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text('[tool.py-standards-lint]\nselect = ["PSL000", "PSL101"]  # one rule, so the output is exact\n')
    services = tmp_path / "app" / "services"
    services.mkdir(parents=True)
    (services / "steps.py").write_text(VIOLATION)
    (services / "clean.py").write_text("x = 1\n")
    return tmp_path


def test_text_output_and_exit_code(project, monkeypatch):
    monkeypatch.chdir(project)
    result = runner.invoke(app, ["check", "."])
    assert result.exit_code == 1
    assert result.stdout == (
        "app/services/steps.py:5:5: PSL101 Service raises HTTPException: raise a domain exception and let the route convert it\n"
    )


def test_clean_exit_zero(project, monkeypatch):
    monkeypatch.chdir(project)
    result = runner.invoke(app, ["check", "app/services/clean.py"])
    assert result.exit_code == 0 and result.stdout == ""


def test_json_shape(project, monkeypatch):
    monkeypatch.chdir(project)
    result = runner.invoke(app, ["check", "--output-format", "json", "app"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data == [
        {
            "path": "app/services/steps.py",
            "line": 5,
            "column": 5,
            "end_line": 5,
            "end_column": 29,
            "code": "PSL101",
            "name": "http-exception-in-service",
            "message": "Service raises HTTPException: raise a domain exception and let the route convert it",
            "fix": None,
        }
    ]


def test_select_and_ignore(project, monkeypatch):
    monkeypatch.chdir(project)
    assert runner.invoke(app, ["check", "--ignore", "PSL101", "."]).exit_code == 0
    assert runner.invoke(app, ["check", "--select", "PSL3", "."]).exit_code == 0
    assert runner.invoke(app, ["check", "--select", "http-exception-in-service", "."]).exit_code == 1
    bad = runner.invoke(app, ["check", "--select", "PSL999", "."])
    assert bad.exit_code == 2 and "PSL999" in bad.stderr


def test_config_error_exits_2_naming_the_key(project, monkeypatch):
    (project / "pyproject.toml").write_text("[tool.py-standards-lint]\nbogus = true\n")
    monkeypatch.chdir(project)
    result = runner.invoke(app, ["check", "."])
    assert result.exit_code == 2 and "bogus" in result.stderr and result.stdout == ""


def test_noqa_in_cli(project, monkeypatch):
    (project / "app" / "services" / "steps.py").write_text(VIOLATION.replace("(404)", "(404)  # noqa: PSL101"))
    monkeypatch.chdir(project)
    assert runner.invoke(app, ["check", "."]).exit_code == 0


def test_stdin_with_filename_decides_layer(project, monkeypatch):
    monkeypatch.chdir(project)
    result = runner.invoke(app, ["check", "-", "--stdin-filename", "app/services/new.py"], input=VIOLATION)
    assert result.exit_code == 1 and result.stdout.startswith("app/services/new.py:5:5: PSL101")
    result = runner.invoke(app, ["check", "-", "--stdin-filename", "app/routes/new.py"], input=VIOLATION)
    assert result.exit_code == 0


def test_syntax_error_file_does_not_stop_the_run(project, monkeypatch):
    (project / "app" / "services" / "broken.py").write_text("def (:\n")
    monkeypatch.chdir(project)
    result = runner.invoke(app, ["check", "."])
    assert result.exit_code == 1
    assert [line.split(":")[3].split()[0] for line in result.stdout.splitlines()] == ["PSL000", "PSL101"]


def test_walk_skips_tool_folders_and_symlink_loops(project, monkeypatch):
    venv = project / ".venv" / "lib"
    venv.mkdir(parents=True)
    (venv / "x_service.py").write_text(VIOLATION)
    (project / "app" / "loop").symlink_to(project / "app")
    monkeypatch.chdir(project)
    result = runner.invoke(app, ["check", "."])
    assert result.stdout.count("PSL101") == 1


def test_exclude_globs(project, monkeypatch):
    (project / "pyproject.toml").write_text('[tool.py-standards-lint]\nexclude = ["app/services/steps.py"]\n')
    monkeypatch.chdir(project)
    assert runner.invoke(app, ["check", "."]).exit_code == 0


def test_rules_and_explain():
    listing = runner.invoke(app, ["rules"])
    assert listing.exit_code == 0
    for rule in ALL_RULES:
        assert rule.code in listing.stdout and rule.name in listing.stdout
    for key in ("PSL606", "route-shadowed"):
        text = runner.invoke(app, ["explain", key]).stdout
        assert "Why" in text and "Use instead" in text and "/items/stats" in text
    assert runner.invoke(app, ["explain", "PSL999"]).exit_code == 2


def test_version():
    assert __version__ in runner.invoke(app, ["--version"]).stdout


def test_subprocess_exit_codes_and_streams(project):
    result = run_tool("check", ".", cwd=project)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "app/services/steps.py:5:5: PSL101 Service raises HTTPException: raise a domain exception and let the route convert it"
    ]
    assert "1 finding" in result.stderr
    assert run_tool("check", "app/services/clean.py", cwd=project).returncode == 0
    assert run_tool("check", "--output-format", "yaml", ".", cwd=project).returncode == 2


def test_subprocess_stdin(project):
    result = run_tool("check", "-", "--stdin-filename", "app/services/x.py", "--output-format", "json", cwd=project, stdin=VIOLATION)
    assert result.returncode == 1
    assert json.loads(result.stdout)[0]["path"] == "app/services/x.py"
