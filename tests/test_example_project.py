"""The shipped example project: every `# expect: CODE` marker is a finding, and nothing else is;
the flake8 plugin, run by real flake8, reports exactly what the CLI reports."""

import re
from pathlib import Path

from .conftest import EXAMPLE, run_tool

MARKER = re.compile(r"#\s*expect:\s*([A-Z0-9, ]+)")


def expected() -> list[tuple[str, int, str]]:
    out = []
    for path in sorted(EXAMPLE.rglob("*.py")):
        rel = path.relative_to(EXAMPLE).as_posix()
        for n, line in enumerate(path.read_text().splitlines(), 1):
            match = MARKER.search(line)
            if match:
                out.extend((rel, n, code.strip()) for code in match.group(1).split(",") if code.strip())
    return sorted(out)


def parse(stdout: str) -> list[tuple[str, int, str]]:
    out = []
    for line in stdout.splitlines():
        path, lineno, _col, rest = line.split(":", 3)
        out.append((path.removeprefix("./"), int(lineno), rest.split()[0]))
    return sorted(out)


def test_cli_reports_exactly_the_expected_findings():
    result = run_tool("check", ".", cwd=EXAMPLE)
    assert result.returncode == 1, result.stderr
    assert parse(result.stdout) == expected()


def test_readme_command_from_the_repository_root():
    result = run_tool("check", "fixtures/example_app", cwd=EXAMPLE.parent.parent)
    assert result.returncode == 1
    assert len(result.stdout.splitlines()) == len(expected())


def test_every_implemented_rule_is_shown():
    from py_standards_lint.rules import ALL_RULES

    shown = {code for _, _, code in expected()}
    missing = {r.code for r in ALL_RULES} - shown - {"PSL000"}
    assert not missing, f"the example project shows no violation of {sorted(missing)}"


def test_flake8_reports_the_same_findings_as_the_cli():
    cli = run_tool("check", ".", cwd=EXAMPLE)
    flake8 = run_tool("--select", "PSL", ".", cwd=EXAMPLE, tool="flake8")
    assert flake8.returncode == 1, flake8.stderr
    def strip(out: str) -> list[str]:
        return sorted(line.removeprefix("./").replace(" [*]", "") for line in out.splitlines())

    assert strip(flake8.stdout) == strip(cli.stdout)


def test_flake8_on_a_syntax_error_is_a_finding_not_a_crash(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[tool.py-standards-lint]\n")
    (tmp_path / "bad.py").write_text("x = (\n")
    result = run_tool("--select", "PSL", "bad.py", cwd=tmp_path, tool="flake8")
    # flake8 reports E999 itself when the file does not compile; our plugin never raises
    assert "Traceback" not in result.stderr
    assert "PluginExecutionFailed" not in result.stdout + result.stderr
