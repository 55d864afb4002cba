"""Output formats on the example project, as real subprocesses: every machine format's stdout
is the whole report (nothing else), and says the same as the JSON report."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from py_standards_lint.base.finding import Finding
from py_standards_lint.frontends.reporters import escape_data, escape_property, github, sarif_log
from py_standards_lint.rules import ALL_RULES

from .conftest import EXAMPLE, run_tool


@pytest.fixture(scope="module")
def reference() -> list[dict]:
    result = run_tool("check", "--output-format", "json", ".", cwd=EXAMPLE)
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert data, "the example project has findings"
    return data


def check(*args: str, cwd: Path = EXAMPLE):
    return run_tool("check", *args, cwd=cwd)


def test_json_lines_is_one_object_per_finding(reference):
    result = check("--output-format", "json-lines", ".")
    assert result.returncode == 1
    assert [json.loads(line) for line in result.stdout.splitlines()] == reference


def test_grouped_lists_each_file_once(reference):
    result = check("--output-format", "grouped", ".")
    assert result.returncode == 1
    headers = [line[:-1] for line in result.stdout.splitlines() if line and not line.startswith(" ")]
    assert headers == sorted({f["path"] for f in reference}, key=[f["path"] for f in reference].index)
    rows = [line.split() for line in result.stdout.splitlines() if line.startswith("  ")]
    assert [(r[0], r[1]) for r in rows] == [(f"{f['line']}:{f['column']}", f["code"]) for f in reference]


GITHUB = re.compile(r"::error (?P<props>[^:]*)::(?P<message>.*)")


def test_github_annotations(reference):
    result = check("--output-format", "github", ".")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == len(reference)
    for line, f in zip(lines, reference):
        match = GITHUB.fullmatch(line)
        assert match, line
        props = dict(p.split("=", 1) for p in match.group("props").split(","))
        assert props == {
            "file": f["path"],
            "line": str(f["line"]),
            "col": str(f["column"]),
            "endLine": str(f["end_line"]),
            "endColumn": str(f["end_column"]),
            "title": f["code"],
        }
        assert match.group("message") == escape_data(f["message"])


def test_github_escaping():
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    finding = Finding("dir,x/we:ird.py", 3, 5, "PSL301", 4, 2, "logging-fstring", "bad: 50%\nsecond, line")
    out: list[str] = []

    class Sink:
        write = out.append

    github([finding], Sink())  # type: ignore[arg-type]
    assert "".join(out) == (
        "::error file=dir%2Cx/we%3Aird.py,line=3,col=5,endLine=4,endColumn=2,title=PSL301::bad: 50%25%0Asecond, line\n"
    )


def _strings(value, where="$"):
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, f"{where}[{i}]")


def test_sarif_has_what_code_scanning_requires(reference, tmp_path):
    result = check("--output-format", "sarif", ".")
    assert result.returncode == 1
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0" and "sarif" in log["$schema"]
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "py-standards-lint" and driver["version"]
    ids = [r["id"] for r in driver["rules"]]
    assert ids == [r.code for r in ALL_RULES]
    for rule in driver["rules"]:
        assert rule["name"] and rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    assert len(run["results"]) == len(reference)
    for res, f in zip(run["results"], reference):
        assert res["ruleId"] == f["code"] and ids[res["ruleIndex"]] == f["code"]
        assert res["message"]["text"] == f["message"]
        loc = res["locations"][0]["physicalLocation"]
        uri = loc["artifactLocation"]["uri"]
        assert uri == f["path"] and not uri.startswith(("/", "./")) and "\\" not in uri
        region = loc["region"]
        assert (region["startLine"], region["startColumn"]) == (f["line"], f["column"])
        assert (region["endLine"], region["endColumn"]) == (f["end_line"], f["end_column"])
    empty = [where for where, s in _strings(log) if not s.strip()]
    assert not empty, f"empty strings at {empty}"


def test_sarif_uri_is_relative_for_absolute_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    finding = Finding(str(tmp_path / "app" / "x.py"), 1, 1, "PSL101", 1, 5, "n", "m")
    uri = sarif_log([finding])["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "app/x.py"


def test_output_file_and_nothing_else_on_stdout(tmp_path, reference):
    target = tmp_path / "reports" / "psl.sarif"
    result = check("--output-format", "sarif", "--output-file", str(target), ".")
    assert result.returncode == 1
    assert result.stdout == ""
    assert len(json.loads(target.read_text())["runs"][0]["results"]) == len(reference)
    text = check(".").stdout
    result = check("-o", str(tmp_path / "out.txt"), ".")
    assert result.stdout == "" and (tmp_path / "out.txt").read_text() == text


def test_exit_zero_and_quiet(reference, tmp_path):
    result = check("--exit-zero", ".")
    assert result.returncode == 0 and len(result.stdout.splitlines()) == len(reference)
    assert "finding" in result.stderr
    quiet = check("--quiet", ".")
    assert quiet.returncode == 1 and quiet.stderr == "" and quiet.stdout == result.stdout
    (tmp_path / "pyproject.toml").write_text("[tool.py-standards-lint]\nbogus = 1\n")
    (tmp_path / "x.py").write_text("x = 1\n")
    assert check("--exit-zero", ".", cwd=tmp_path).returncode == 2, "configuration errors still fail"


def test_statistics(reference):
    counts = Counter(f["code"] for f in reference)
    result = check("--statistics", ".")
    assert result.returncode == 1
    rows = [line.split() for line in result.stdout.splitlines()]
    assert {row[1]: int(row[0]) for row in rows} == dict(counts)
    assert [int(row[0]) for row in rows] == sorted((int(row[0]) for row in rows), reverse=True)
    as_json = json.loads(check("--statistics", "--output-format", "json", ".").stdout)
    assert {row["code"]: row["count"] for row in as_json} == dict(counts)
    bad = check("--statistics", "--output-format", "sarif", ".")
    assert bad.returncode == 2 and bad.stdout == ""
