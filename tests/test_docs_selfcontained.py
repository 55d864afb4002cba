"""The README and docs/*.md stand on their own: every relative link stays inside the repository and points
at a file that exists, every anchor into a Markdown file of the repository (docs/rules.md above all) names a
heading that exists, and no Markdown file outside the repository is mentioned by name."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from py_standards_lint.rules import ALL_RULES

from .conftest import REPO

DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]

_FENCE = re.compile(r"^\s*(```|~~~)")
_INLINE_CODE = re.compile(r"(`+)(.+?)\1")
_INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _prose_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) outside fenced code blocks."""
    out: list[tuple[int, str]] = []
    fence: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        match = _FENCE.match(line)
        if match:
            if fence is None:
                fence = match.group(1)
            elif match.group(1) == fence:
                fence = None
            continue
        if fence is None:
            out.append((number, line))
    return out


def _links(text: str) -> list[tuple[int, str]]:
    """(line number, target) of every inline link, image and reference definition outside code."""
    found: list[tuple[int, str]] = []
    for number, line in _prose_lines(text):
        match = _REFERENCE_DEF.match(line)
        if match:
            found.append((number, match.group(1)))
            continue
        prose = _INLINE_CODE.sub(lambda m: " " * len(m.group(0)), line)
        found += [(number, m.group(1)) for m in _INLINE_LINK.finditer(prose)]
    return found


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading keeps its text
    text = text.replace("`", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    out: set[str] = set()
    for _, line in _prose_lines(path.read_text(encoding="utf-8")):
        match = _HEADING.match(line)
        if not match:
            continue
        slug = _slug(match.group(2))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        out.add(slug if count == 0 else f"{slug}-{count}")
    for match in re.finditer(r"<a\s+(?:name|id)=\"([^\"]+)\"", path.read_text(encoding="utf-8")):
        out.add(match.group(1))
    return out


def problems(doc: Path, root: Path = REPO) -> list[str]:
    """Every broken or escaping relative link in ``doc``, as ``file:line: what``."""
    root = root.resolve()
    out: list[str] = []
    where = doc.relative_to(root).as_posix() if doc.resolve().is_relative_to(root) else str(doc)
    for number, target in _links(doc.read_text(encoding="utf-8")):
        if not target or _SCHEME.match(target) or target.startswith("//"):
            continue  # web addresses (https:, mailto:) are not files of the repository
        path_part, _, fragment = target.partition("#")
        path_part = unquote(path_part.split("?", 1)[0])
        if not path_part:
            dest = doc.resolve()
        elif path_part.startswith("/"):
            dest = (root / path_part.lstrip("/")).resolve()
        else:
            dest = (doc.parent / path_part).resolve()
        if not dest.is_relative_to(root):
            out.append(f"{where}:{number}: link {target!r} points outside the repository")
            continue
        if not dest.exists():
            out.append(f"{where}:{number}: link {target!r} points to a missing file")
            continue
        if fragment and dest.suffix == ".md" and dest.is_file() and unquote(fragment) not in anchors(dest):
            out.append(f"{where}:{number}: link {target!r}: no heading #{fragment} in {dest.name}")
    for number, line in _prose_lines(doc.read_text(encoding="utf-8")):
        for match in _INLINE_CODE.finditer(line):
            name = match.group(2).strip()
            if re.fullmatch(r"[\w./-]+\.md", name) and not _markdown_file_exists(name, doc, root):
                out.append(f"{where}:{number}: mentions `{name}`, which is not a file of the repository")
    return out


def _markdown_file_exists(name: str, doc: Path, root: Path) -> bool:
    for base in (doc.parent, root):
        candidate = (base / name).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            return True
    return False


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_links_stay_inside_the_repository_and_resolve(doc: Path):
    assert not problems(doc), "\n".join(problems(doc))


def test_readme_links_the_standard_and_the_rules():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "](docs/standards.md)" in readme and "](docs/rules.md)" in readme


def test_standards_page_links_every_rule():
    text = (REPO / "docs" / "standards.md").read_text(encoding="utf-8")
    missing = [r.code for r in ALL_RULES if f"](rules.md#{r.code.lower()}-{r.name})" not in text]
    assert not missing, f"docs/standards.md does not say which section {missing} enforce"


def test_the_checker_catches_what_it_should(tmp_path: Path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "rules.md").write_text("# Rules\n\n## PSL101 http-exception-in-service\n\n```python\n# not-a-heading\n```\n")
    (tmp_path / "README.md").write_text(
        "[ok](docs/rules.md#psl101-http-exception-in-service) [web](https://example.com/x.md) `docs/rules.md`\n"
        "[out](../shared/STANDARDS.md) [gone](docs/nothing.md) [bad](docs/rules.md#psl999-nope)\n"
        "[code](docs/rules.md#not-a-heading) [self](#rules) `RULES.md` in the shared folder\n"
        "`[inline](../ignored.md)`\n\n```\n[fenced](../ignored.md)\n```\n"
    )
    found = problems(tmp_path / "README.md", tmp_path)
    assert [f.split(": ", 1)[1] for f in found] == [
        "link '../shared/STANDARDS.md' points outside the repository",
        "link 'docs/nothing.md' points to a missing file",
        "link 'docs/rules.md#psl999-nope': no heading #psl999-nope in rules.md",
        "link 'docs/rules.md#not-a-heading': no heading #not-a-heading in rules.md",
        "link '#rules': no heading #rules in README.md",
        "mentions `RULES.md`, which is not a file of the repository",
    ]
    assert [f.split(":", 2)[1] for f in found] == ["2", "2", "2", "3", "3", "3"]
