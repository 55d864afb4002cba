"""Configuration as the integrations use it: discovery per file, per-file-ignores relative to
the config file, --config / --isolated / --show-settings, stdin by path, opt-in rules, and
flake8's --psl-* options overriding pyproject (with flake8's own options still working)."""

from __future__ import annotations

import json
from pathlib import Path

from py_standards_lint.engine.config import load_settings
from py_standards_lint.engine.selection import enabled_codes, rules_for_file
from py_standards_lint.rules import ALL_RULES

from .conftest import run_tool

VIOLATION = "from fastapi import HTTPException\n\n\ndef f():\n    raise HTTPException(404)\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def codes(stdout: str) -> list[tuple[str, str]]:
    return sorted((f["path"], f["code"]) for f in json.loads(stdout))


def psl101(stdout: str) -> list[str]:
    return sorted(path for path, code in codes(stdout) if code == "PSL101")


def test_per_file_ignores_are_relative_to_the_config_file(tmp_path):
    # the nearest pyproject (the package's) has no table: the one above configures it
    write(
        tmp_path / "pyproject.toml",
        '[tool.py-standards-lint]\nper-file-ignores = { "pkg/app/services/legacy.py" = ["PSL101"], "app/services/new.py" = ["PSL101"] }\n',
    )
    write(tmp_path / "pkg" / "pyproject.toml", "[project]\nname = 'pkg'\n")
    write(tmp_path / "pkg" / "app" / "services" / "legacy.py", VIOLATION)
    write(tmp_path / "pkg" / "app" / "services" / "new.py", VIOLATION)
    result = run_tool("check", "--output-format", "json", "pkg", cwd=tmp_path)
    # legacy.py is ignored (glob relative to the config's folder); "app/services/new.py" names
    # a file relative to the package root, which is not where the config lives: not ignored
    assert psl101(result.stdout) == ["pkg/app/services/new.py"]
    settings = load_settings(tmp_path / "pkg" / "app" / "services", rules=ALL_RULES)
    assert settings.root == (tmp_path / "pkg").resolve()
    assert settings.config_file == (tmp_path / "pyproject.toml").resolve()
    assert "PSL101" not in {r.code for r in rules_for_file(settings, "app/services/legacy.py")}
    assert "PSL101" in {r.code for r in rules_for_file(settings, "app/services/new.py")}


def test_discovery_is_per_file_and_config_and_isolated_override_it(tmp_path):
    write(tmp_path / "a" / "pyproject.toml", '[tool.py-standards-lint]\nignore = ["PSL101"]\n')
    write(tmp_path / "a" / "app" / "services" / "x.py", VIOLATION)
    write(tmp_path / "b" / "pyproject.toml", "[tool.py-standards-lint]\n")
    write(tmp_path / "b" / "app" / "services" / "x.py", VIOLATION)
    result = run_tool("check", "--output-format", "json", "a", "b", cwd=tmp_path)
    assert psl101(result.stdout) == ["b/app/services/x.py"]
    result = run_tool("check", "--output-format", "json", "--config", "a/pyproject.toml", "a", "b", cwd=tmp_path)
    assert psl101(result.stdout) == []
    result = run_tool("check", "--output-format", "json", "--isolated", "a", "b", cwd=tmp_path)
    assert psl101(result.stdout) == ["a/app/services/x.py", "b/app/services/x.py"]


def test_show_settings(tmp_path):
    write(
        tmp_path / "pyproject.toml",
        '[tool.py-standards-lint]\nlogger-names = ["audit"]\nper-file-ignores = { "app/services/legacy.py" = ["PSL1"] }\n',
    )
    write(tmp_path / "app" / "services" / "legacy.py", VIOLATION)
    result = run_tool("check", "--show-settings", "app/services/legacy.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert f'config-file = "{(tmp_path / "pyproject.toml").resolve()}"' in lines
    assert 'layer = "services"' in lines and 'relative-path = "app/services/legacy.py"' in lines
    assert 'logger-names = ["audit"]' in lines
    enabled = json.loads(next(line for line in lines if line.startswith("enabled-rules = ")).split(" = ", 1)[1])
    assert "PSL101" not in enabled and "PSL301" in enabled
    isolated = run_tool("check", "--isolated", "--show-settings", "app/services/legacy.py", cwd=tmp_path)
    assert "config-file = (none)" in isolated.stdout and '"audit"' not in isolated.stdout
    write(tmp_path / "pyproject.toml", "[tool.py-standards-lint]\nbogus = 1\n")
    bad = run_tool("check", "--show-settings", "app/services/legacy.py", cwd=tmp_path)
    assert bad.returncode == 2 and "bogus" in bad.stderr and bad.stdout == ""


def test_stdin_uses_config_by_path_and_excluded_paths_report_nothing(tmp_path):
    write(
        tmp_path / "pyproject.toml",
        '[tool.py-standards-lint]\nexclude = ["app/generated/**"]\nper-file-ignores = { "app/services/legacy_*.py" = ["PSL101"] }\n',
    )
    args = ("check", "-", "--output-format", "json", "--stdin-filename")
    found = run_tool(*args, "app/services/x.py", cwd=tmp_path, stdin=VIOLATION)
    assert found.returncode == 1 and ("app/services/x.py", "PSL101") in codes(found.stdout)
    ignored = run_tool(*args, "app/services/legacy_x.py", cwd=tmp_path, stdin=VIOLATION)
    assert ("app/services/legacy_x.py", "PSL101") not in codes(ignored.stdout)
    excluded = run_tool(*args, "app/generated/x_service.py", cwd=tmp_path, stdin=VIOLATION)
    assert excluded.returncode == 0 and json.loads(excluded.stdout) == []
    text = run_tool("check", "-", "--stdin-filename", "app/generated/x_service.py", cwd=tmp_path, stdin=VIOLATION)
    assert text.returncode == 0 and text.stdout == ""
    # from another folder, with an absolute path: the file's own pyproject still applies
    absolute = str(tmp_path / "app" / "services" / "legacy_x.py")
    elsewhere = run_tool(*args, absolute, cwd=tmp_path.parent, stdin=VIOLATION)
    assert "PSL101" not in [code for _, code in codes(elsewhere.stdout)]


def test_opt_in_rules_need_their_exact_code_or_name(tmp_path):
    def enabled(table: str) -> frozenset[str]:
        write(tmp_path / "pyproject.toml", "[tool.py-standards-lint]\n" + table)
        return enabled_codes(load_settings(tmp_path, rules=ALL_RULES))

    assert "PSL001" not in enabled("")
    assert "PSL001" not in enabled('select = ["PSL0"]\n')
    assert "PSL001" in enabled('extend-select = ["PSL001"]\n')
    assert "PSL001" in enabled('select = ["unused-noqa", "PSL1"]\n')
    assert "PSL001" not in enabled('extend-select = ["PSL001"]\nignore = ["PSL0"]\n')


def test_flake8_psl_options_override_pyproject(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.py-standards-lint]\nlogger-names = ["logger"]\n')
    write(tmp_path / "app" / "services" / "audit.py", 'def f(x):\n    audit.info(f"{x}")\n')
    assert run_tool("--select", "PSL", ".", cwd=tmp_path, tool="flake8").stdout == ""
    cli = run_tool("--select", "PSL", "--psl-logger-names=audit,logger", ".", cwd=tmp_path, tool="flake8")
    assert cli.returncode == 1 and "./app/services/audit.py:2:5: PSL301" in cli.stdout
    write(tmp_path / ".flake8", "[flake8]\npsl-logger-names = audit, logger\n")
    config = run_tool("--select", "PSL", ".", cwd=tmp_path, tool="flake8")
    assert config.stdout == cli.stdout
    bad = run_tool("--select", "PSL", "--psl-event-name-pattern=(", ".", cwd=tmp_path, tool="flake8")
    assert "PSL000 Configuration error: flake8 option --psl-event-name-pattern" in bad.stdout


def test_flake8_own_options_keep_working(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.py-standards-lint]\n")
    write(tmp_path / "app" / "services" / "x.py", VIOLATION)
    write(tmp_path / "app" / "services" / "y.py", VIOLATION)

    def flake8_codes(*args: str) -> list[str]:
        out = run_tool(*args, ".", cwd=tmp_path, tool="flake8").stdout
        return sorted(line.split()[0] + line.split()[1] for line in out.splitlines() if "PSL101" in line)

    both = flake8_codes("--select", "PSL")
    assert both == ["./app/services/x.py:5:5:PSL101", "./app/services/y.py:5:5:PSL101"]
    assert flake8_codes("--select", "PSL", "--extend-ignore", "PSL101") == []
    assert flake8_codes("--select", "PSL", "--per-file-ignores", "app/services/x.py:PSL101") == [both[1]]
    assert flake8_codes("--select", "PSL2") == []
