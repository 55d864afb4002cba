"""Glob matching on project-relative POSIX paths, with ``**`` for any number of folders.

A pattern without a ``/`` matches the file name or any folder name (as in
``.gitignore`` and flake8's ``exclude``); a pattern with a ``/`` matches the whole
relative path.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable


@lru_cache(maxsize=1024)
def _compile(pattern: str) -> re.Pattern[str]:
    i, out = 0, []
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"(?:/.*)?\Z")


def match(pattern: str, relpath: str) -> bool:
    pattern = pattern.strip()
    if pattern.startswith("./"):
        pattern = pattern[2:]
    if "/" not in pattern.rstrip("/"):
        bare = pattern.rstrip("/")
        regex = _compile(bare)
        return any(regex.match(part) for part in relpath.split("/"))
    return bool(_compile(pattern.rstrip("/")).match(relpath))


def match_any(patterns: Iterable[str], relpath: str) -> bool:
    return any(match(p, relpath) for p in patterns)
