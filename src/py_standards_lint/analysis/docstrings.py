"""Reading docstring sections: the exceptions a docstring documents (Google ``Raises:``,
Sphinx ``:raises X:``, NumPy ``Raises`` + underline) and Google ``Args:`` entries."""

from __future__ import annotations

import re
from dataclasses import dataclass

_SECTION = re.compile(r"^(\s*)([A-Z][A-Za-z ]*):\s*$")
_SPHINX_RAISES = re.compile(r":raises?\s+([\w.]+)\s*:")
_NUMPY_HEADER = re.compile(r"^\s*Raises\s*\n\s*-{3,}\s*$", re.MULTILINE)
_ENTRY_NAME = re.compile(r"^\s*([A-Za-z_][\w.]*)")


def _google_section(doc: str, title: str) -> list[tuple[int, str]]:
    """(line offset within the docstring, entry line) for the entries of a Google section."""
    lines = doc.splitlines()
    out: list[tuple[int, str]] = []
    for i, line in enumerate(lines):
        match = _SECTION.match(line)
        if not match or match.group(2) != title:
            continue
        indent = len(match.group(1))
        entry_indent = None
        for j in range(i + 1, len(lines)):
            text = lines[j]
            if not text.strip():
                continue
            current = len(text) - len(text.lstrip())
            if current <= indent:
                break
            if entry_indent is None:
                entry_indent = current
            if current == entry_indent:
                out.append((j, text))
    return out


def documented_raises(doc: str | None) -> set[str]:
    """Exception names a docstring documents (as written: ``StepNotFoundError``, ``errors.X``)."""
    if not doc:
        return set()
    found = set(_SPHINX_RAISES.findall(doc))
    for _, text in _google_section(doc, "Raises"):
        match = _ENTRY_NAME.match(text)
        if match:
            found.add(match.group(1))
    for header in _NUMPY_HEADER.finditer(doc):
        rest = doc[header.end() :].splitlines()[1:]
        base = None
        for text in rest:
            if not text.strip():
                continue
            indent = len(text) - len(text.lstrip())
            if base is None:
                base = indent
            if indent < base or re.match(r"^\s*-{3,}\s*$", text):
                break
            if indent == base:
                if rest and _is_numpy_header(text, rest):
                    break
                match = _ENTRY_NAME.match(text)
                if match:
                    found.add(match.group(1))
    return found


def _is_numpy_header(text: str, lines: list[str]) -> bool:
    i = lines.index(text)
    return i + 1 < len(lines) and re.match(r"^\s*-{3,}\s*$", lines[i + 1]) is not None


@dataclass(frozen=True)
class ArgEntry:
    name: str
    #: line offset of the entry within the docstring text (0 = the line with the opening quotes)
    offset: int
    #: offsets of the entry's continuation lines
    continuation: tuple[int, ...]


def args_entries(doc: str) -> list[ArgEntry]:
    """Google ``Args:`` entries with the lines they span."""
    lines = doc.splitlines()
    entries: list[ArgEntry] = []
    section = _google_section(doc, "Args") or _google_section(doc, "Arguments")
    starts = [offset for offset, _ in section]
    for n, (offset, text) in enumerate(section):
        match = re.match(r"^\s*\**([A-Za-z_]\w*)", text)
        if not match:
            continue
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        indent = len(text) - len(text.lstrip())
        cont = []
        for j in range(offset + 1, end):
            line = lines[j]
            if line.strip() and len(line) - len(line.lstrip()) <= indent:
                break
            cont.append(j)
        while cont and not lines[cont[-1]].strip():
            cont.pop()
        entries.append(ArgEntry(match.group(1), offset, tuple(cont)))
    return entries


_ARGS_HEADER = re.compile(r"^\s*(Args|Arguments):\s*$")


def drop_args_entry(doc: str, entry: ArgEntry) -> str:
    """``doc`` without ``entry``'s block (its line and continuation lines). When it was the
    section's only entry, the ``Args:`` header goes too, with a blank line that would
    otherwise be left doubled (or dangling before the closing quotes). Line endings kept."""
    lines = doc.splitlines(keepends=True)
    start = entry.offset
    end = max((entry.offset, *entry.continuation))
    entries = args_entries(doc)
    if len(entries) == 1:
        header = next((i for i in range(start - 1, -1, -1) if _ARGS_HEADER.match(lines[i])), None)
        if header is not None and all(not lines[i].strip() for i in range(header + 1, start)):
            start = header
            before_blank = start > 0 and not lines[start - 1].strip()
            after = end + 1
            if before_blank and (after >= len(lines) or not lines[after].strip()):
                start -= 1
    kept = lines[:start] + lines[end + 1 :]
    if end == len(lines) - 1 and kept:  # the entry ran up to the closing quotes
        kept[-1] = kept[-1].rstrip("\r\n")
    return "".join(kept)
