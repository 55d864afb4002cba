from pathlib import Path

import pytest

from py_standards_lint.base.settings import ConfigError
from py_standards_lint.engine.config import load_settings
from py_standards_lint.engine.selection import enabled_codes, rules_for_file, validate
from py_standards_lint.rules import ALL_RULES


def write(tmp_path: Path, body: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(body)
    return tmp_path


def test_defaults_without_pyproject(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(tmp_path, rules=ALL_RULES)
    assert settings["select"] == ("PSL",)
    assert "logger" in settings["logger-names"]
    assert settings.config_file is None


def family(prefix: str) -> set[str]:
    """The codes of one family, as implemented (families grow)."""
    from py_standards_lint.rules import ALL_RULES

    return {r.code for r in ALL_RULES if r.code.startswith(prefix)}


def test_reads_table_and_root(tmp_path):
    write(tmp_path, '[tool.py-standards-lint]\nselect = ["PSL1"]\nlogger-names = ["audit"]\n')
    (tmp_path / "app").mkdir()
    settings = load_settings(tmp_path / "app", rules=ALL_RULES)
    assert settings.root == tmp_path.resolve()
    assert settings["logger-names"] == ("audit",)
    assert enabled_codes(settings) == family("PSL1") and {"PSL101", "PSL103"} <= family("PSL1")


@pytest.mark.parametrize(
    "body,needle",
    [
        ('[tool.py-standards-lint]\nunknown-key = 1\n', "unknown-key"),
        ('[tool.py-standards-lint]\nselect = "PSL1"\nlogger_names = ["x"]\n', "logger_names"),
        ('[tool.py-standards-lint]\nlogger-names = 3\n', "logger-names"),
        ('[tool.py-standards-lint]\nlayers = { controllers = ["x/**"] }\n', "layers.controllers"),
        ('[tool.py-standards-lint]\nper-file-ignores = ["x"]\n', "per-file-ignores"),
        ("[tool.py-standards-lint\n", "invalid TOML"),
    ],
)
def test_bad_config_names_the_key(tmp_path, body, needle):
    write(tmp_path, body)
    with pytest.raises(ConfigError, match=needle.replace("[", r"\[")):
        load_settings(tmp_path, rules=ALL_RULES)


def test_unknown_selector_is_an_error(tmp_path):
    write(tmp_path, '[tool.py-standards-lint]\nselect = ["PSL999"]\n')
    with pytest.raises(ConfigError, match="PSL999"):
        validate(load_settings(tmp_path, rules=ALL_RULES))
    write(tmp_path, '[tool.py-standards-lint]\nper-file-ignores = { "x.py" = ["nope"] }\n')
    with pytest.raises(ConfigError, match="nope"):
        validate(load_settings(tmp_path, rules=ALL_RULES))


def test_selection_by_code_prefix_and_name(tmp_path):
    write(
        tmp_path,
        '[tool.py-standards-lint]\nselect = ["PSL1", "logging-fstring"]\nignore = ["PSL103"]\nextend-select = ["PSL606"]\n'
        'per-file-ignores = { "app/legacy/**" = ["http-exception-in-service"] }\n',
    )
    settings = load_settings(tmp_path, rules=ALL_RULES)
    expected = (family("PSL1") - {"PSL103"}) | {"PSL301", "PSL606"}
    assert enabled_codes(settings) == expected
    assert [r.code for r in rules_for_file(settings, "app/legacy/x.py")] == sorted(expected - {"PSL101"})
    assert [r.code for r in rules_for_file(settings, "app/x.py")] == sorted(expected)


def test_nearest_pyproject_without_table_looks_further_up(tmp_path):
    write(tmp_path, '[tool.py-standards-lint]\nselect = ["PSL3"]\n')
    inner = tmp_path / "pkg"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[project]\nname = "pkg"\n')
    settings = load_settings(inner, rules=ALL_RULES)
    assert settings["select"] == ("PSL3",)
    assert settings.root == inner.resolve()


def test_isolated_and_explicit_config(tmp_path):
    write(tmp_path, '[tool.py-standards-lint]\nselect = ["PSL3"]\n')
    assert load_settings(tmp_path, isolated=True, rules=ALL_RULES)["select"] == ("PSL",)
    other = tmp_path / "other.toml"
    other.write_text('[tool.py-standards-lint]\nselect = ["PSL4"]\n')
    assert load_settings(tmp_path, config_file=other, rules=ALL_RULES)["select"] == ("PSL4",)
