"""Glob matching on project-relative POSIX paths, with ``**`` for any number of folders.

A pattern without a ``/`` matches the file name or any folder name (as in
``.gitignore`` and flake8's ``exclude``); a pattern with a ``/`` matches the whole
relative path (or a folder holding it).

Globs come from the repository's own configuration, so matching must stay cheap whatever a pattern says: it is
a simulation of the pattern's automaton over the path (time linear in the path's length times the pattern's),
never a backtracking regular expression (``*a*a*a*a*a*a*a*a*b`` against a long name took seconds that way), and
no pattern is an error: an unclosed ``[`` is a literal ``[``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable

# token kinds
_CHAR, _ANY, _CLASS, _STAR, _DEEP, _DIRS = range(6)


@lru_cache(maxsize=1024)
def _tokens(pattern: str) -> tuple[tuple[int, object], ...]:
    """``*`` any run inside a path component, ``**`` any run, ``**/`` any run of whole folders (or none),
    ``?`` one character but ``/``, ``[...]``/``[!...]`` a class (ranges allowed; never ``/``)."""
    out: list[tuple[int, object]] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append((_DIRS, None))
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append((_DEEP, None))
            i += 2
            continue
        c = pattern[i]
        if c == "*":
            out.append((_STAR, None))
        elif c == "?":
            out.append((_ANY, None))
        elif c == "[" and (parsed := _class(pattern, i)) is not None:
            out.append((_CLASS, parsed[0]))
            i = parsed[1]
        else:
            out.append((_CHAR, c))
        i += 1
    return tuple(out)


def _class(pattern: str, start: int) -> tuple[tuple[bool, tuple[tuple[str, str], ...]], int] | None:
    """``[...]`` at ``start``: ((negated, ranges), index of its ``]``), or ``None`` for a literal ``[``."""
    i = start + 1
    negated = pattern[i : i + 1] in ("!", "^")
    if negated:
        i += 1
    # a ``]`` first in the class is a member, not its end
    end = pattern.find("]", i + 1 if pattern[i : i + 1] == "]" else i)
    if end == -1:
        return None
    body = pattern[i:end]
    ranges: list[tuple[str, str]] = []
    j = 0
    while j < len(body):
        if j + 2 < len(body) and body[j + 1] == "-":
            ranges.append((body[j], body[j + 2]))
            j += 3
        else:
            ranges.append((body[j], body[j]))
            j += 1
    return (negated, tuple(ranges)), end


def _in_class(spec: tuple[bool, tuple[tuple[str, str], ...]], c: str) -> bool:
    negated, ranges = spec
    return c != "/" and (any(lo <= c <= hi for lo, hi in ranges) != negated)


def _full_match(tokens: tuple[tuple[int, object], ...], text: str) -> bool:
    """Does ``text`` match ``tokens`` whole, or up to a ``/`` (a folder matching means what it holds does)?

    States are (token index, inside a ``**/``): the set of them after each character, with the closure over
    tokens that can match nothing (``*``, ``**``, ``**/``)."""
    end = len(tokens)

    def closure(states: set[tuple[int, bool]]) -> set[tuple[int, bool]]:
        stack = list(states)
        while stack:
            at, inside = stack.pop()
            if not inside and at < end and tokens[at][0] in (_STAR, _DEEP, _DIRS):
                nxt = (at + 1, False)
                if nxt not in states:
                    states.add(nxt)
                    stack.append(nxt)
        return states

    states = closure({(0, False)})
    for c in text:
        if c == "/" and (end, False) in states:
            return True  # the pattern matched a folder: everything below it matches
        following: set[tuple[int, bool]] = set()
        for at, inside in states:
            if inside:  # in the middle of ``**/``: any characters, and a ``/`` may end it
                following.add((at, True))
                if c == "/":
                    following.add((at + 1, False))
                continue
            if at == end:
                continue
            kind, arg = tokens[at]
            if kind == _CHAR:
                if c == arg:
                    following.add((at + 1, False))
            elif kind == _ANY:
                if c != "/":
                    following.add((at + 1, False))
            elif kind == _CLASS:
                if _in_class(arg, c):  # type: ignore[arg-type]
                    following.add((at + 1, False))
            elif kind == _STAR:
                if c != "/":
                    following.add((at, False))
            elif kind == _DEEP:
                following.add((at, False))
            else:  # _DIRS
                following.add((at, True))
                if c == "/":
                    following.add((at + 1, False))
        if not following:
            return False
        states = closure(following)
    return (end, False) in states


def match(pattern: str, relpath: str) -> bool:
    pattern = pattern.strip()
    if pattern.startswith("./"):
        pattern = pattern[2:]
    if "/" not in pattern.rstrip("/"):
        tokens = _tokens(pattern.rstrip("/"))
        return any(_full_match(tokens, part) for part in relpath.split("/"))
    return _full_match(_tokens(pattern.rstrip("/")), relpath)


def match_any(patterns: Iterable[str], relpath: str) -> bool:
    return any(match(p, relpath) for p in patterns)
