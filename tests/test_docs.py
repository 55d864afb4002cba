"""Rule docs are generated from the rule classes: docs/rules.md and the README's rule table must be
what the generator makes now (regenerate with `uv run python -m py_standards_lint.frontends.docs`)."""

from __future__ import annotations

from pathlib import Path

from py_standards_lint.frontends import docs
from py_standards_lint.rules import ALL_RULES, BY_CODE

from .conftest import REPO


def test_generated_docs_are_up_to_date():
    stale = [p.relative_to(REPO).as_posix() for p in docs.stale(REPO)]
    assert not stale, f"{stale} are stale: run `uv run python -m py_standards_lint.frontends.docs` and commit the result"


def test_every_rule_is_documented_from_its_class():
    text = (REPO / "docs" / "rules.md").read_text()
    for rule in ALL_RULES:
        section = text.split(f"\n## {rule.code} {rule.name}\n", 1)[1].split("\n## ", 1)[0]
        assert " ".join(rule.why.split()) in section
        assert rule.example.rstrip() in section and rule.use_instead.rstrip() in section
        assert f"Fix: {rule.fix_safety}" in section
        for opt in rule.options:
            assert f"| `{opt.key}` |" in section
        assert f"[{rule.name}](docs/rules.md#{docs.anchor(rule)})" in (REPO / "README.md").read_text()


def test_opt_in_rules_are_marked():
    assert "(opt-in)" in docs.table([BY_CODE["PSL001"]])
    assert "(opt-in)" not in docs.table([BY_CODE["PSL101"]])


def test_check_mode_detects_a_stale_file(tmp_path: Path):
    (tmp_path / "README.md").write_text(f"# x\n\n{docs.README_START}\nold table\n{docs.README_END}\n")
    assert docs.main(["--check", "--root", str(tmp_path)]) == 1
    assert docs.main(["--root", str(tmp_path)]) == 0
    assert docs.main(["--check", "--root", str(tmp_path)]) == 0
    assert "old table" not in (tmp_path / "README.md").read_text()
    assert (tmp_path / "docs" / "rules.md").read_text() == docs.rules_md()
